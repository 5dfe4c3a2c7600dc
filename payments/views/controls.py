"""Controls (Horizons Art. 12) from the file's account page: the officer opens one (documents
asked, deadline; payments suspended, Art. 11) and concludes it; the student reads it and sends
the documents. Scope first (404 outside it); each action: form, one service call, redirect."""

from __future__ import annotations

from functools import cached_property

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from applications.services import ServiceError
from applications.views.staff import StaffAccess
from applications.views.student import OwnApplicationMixin
from schemes.engine.money import euros

from .. import recovery_forms as forms
from .. import selectors, services
from ..models import Control
from .recovery import _service_error


class ControlOpenView(StaffAccess, View):
    permission_required = "applications.instruct_application"
    template_name = "payments/recovery/control_open.html"

    @cached_property
    def application(self):
        return get_object_or_404(selectors.officer_ledger_files(user=self.request.user), pk=self.kwargs["pk"])

    def get_permission_object(self):
        return self.application

    def render_page(self, form):
        app = self.application
        return render(self.request, self.template_name, {
            "application": app, "form": form, "controls": app.controls.all(),
            "period_end": services.control_period_end(app),
        })

    def get(self, request, pk):
        return self.render_page(forms.ControlOpenForm())

    def post(self, request, pk):
        form = forms.ControlOpenForm(request.POST)
        if not form.is_valid():
            return self.render_page(form)
        data = form.cleaned_data
        try:
            control = services.control_open(application=self.application, by=request.user, reason=data["reason"],
                                            requested_items=data["requested_items"], documents_due=data["documents_due"],
                                            today=timezone.localdate())
        except ServiceError as exc:
            _service_error(form, exc)
            return self.render_page(form)
        messages.success(request, _("Contrôle ouvert : les pièces sont demandées à l'étudiant et les versements sont suspendus."))
        return redirect("payments:control_detail", pk=control.pk)


class ControlDetailView(StaffAccess, View):
    permission_required = "applications.instruct_application"
    template_name = "payments/recovery/control_detail.html"

    @cached_property
    def control(self):
        files = selectors.officer_ledger_files(user=self.request.user)
        return get_object_or_404(Control.objects.filter(application__in=files).select_related("application__scheme"),
                                 pk=self.kwargs["pk"])

    def get_permission_object(self):
        return self.control.application

    def render_page(self, form):
        control = self.control
        sent = control.application.events.filter(kind="control_document_sent", payload__control=control.pk)
        documents = control.application.documents.filter(pk__in=[e.payload["document"] for e in sent])
        return render(self.request, self.template_name, {
            "control": control, "application": control.application, "form": form, "documents": documents,
        })

    def get(self, request, pk):
        return self.render_page(forms.ControlCloseForm())

    def post(self, request, pk):
        form = forms.ControlCloseForm(request.POST)
        if not form.is_valid():
            return self.render_page(form)
        try:
            order = services.control_close(control=self.control, by=request.user, today=timezone.localdate(),
                                           recovery=form.cleaned_data["outcome"] == "recovery",
                                           conclusion=form.cleaned_data["conclusion"])
        except ServiceError as exc:
            _service_error(form, exc)
            return self.render_page(form)
        if order is not None:
            messages.success(request, _("Contrôle clos : l'aide est perdue, la mise en demeure de reverser %(a)s est "
                                        "envoyée.") % {"a": euros(order.amount)})
            return redirect("payments:order_detail", pk=order.pk)
        messages.success(request, _("Contrôle clos."))
        return redirect("payments:officer_ledger", pk=self.control.application_id)


class StudentControlView(OwnApplicationMixin, View):
    template_name = "payments/recovery/student_control.html"

    def render_page(self, form=None):
        controls = list(self.application.controls.all())
        return render(self.request, self.template_name, {
            "application": self.application, "controls": controls,
            "form": form or forms.ControlDocumentForm(),
            "open": next((c for c in controls if c.status == Control.Status.OPEN), None),
        })

    def get(self, request, pk):
        return self.render_page()

    def post(self, request, pk):
        control = get_object_or_404(self.application.controls, status=Control.Status.OPEN)
        form = forms.ControlDocumentForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(form)
        try:
            services.control_document_send(control=control, by=request.user, upload=form.cleaned_data["document"])
        except ServiceError as exc:
            _service_error(form, exc)
            return self.render_page(form)
        messages.success(request, _("Pièce transmise au service instructeur."))
        return redirect("payments:student_control", pk=pk)


urlpatterns = [
    path("instruction/<int:pk>/controle/", ControlOpenView.as_view(), name="control_open"),
    path("instruction/controle/<int:pk>/", ControlDetailView.as_view(), name="control_detail"),
    path("demandes/<int:pk>/controle/", StudentControlView.as_view(), name="student_control"),
]
