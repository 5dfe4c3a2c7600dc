"""The balance and recovery screens: the student's request for the Horizons balance (Art. 9) and
answer to a formal notice (Art. 11); the officers' repayment orders (receipt of the notice,
waiver or maintenance, repayments received) and the Haute-Garonne breach.

Scope first: a student sees only their own files, an officer only the files of their authority;
anything else is a 404 (its existence is not revealed). Each action: form, one service call,
redirect; a ServiceError is shown next to its field or at the top of the page, never as a 500.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from accounts.rules import roles_of
from applications import queues
from applications import services as app_services
from applications.models import Application
from applications.services import ServiceError
from applications.views.staff import PER_PAGE, StaffAccess
from applications.views.student import OwnApplicationMixin
from schemes.engine.money import euros

from .. import recovery_forms as forms
from .. import selectors, services
from ..models import Account, Instalment, RepaymentOrder


# --- Reads of these screens ----------------------------------------------------------------------
# Kept beside their only callers so that parallel work on payments/selectors.py does not collide.
def pending_balance(application: Application) -> Instalment | None:
    """The Horizons balance awaiting its proofs (Art. 9), if any."""
    return application.instalments.filter(kind=Instalment.Kind.BALANCE, status=Instalment.Status.PLANNED,
                                          awaiting_proof=True).first()


def paid_advance(application: Application) -> Decimal | None:
    return application.instalments.filter(kind=Instalment.Kind.ADVANCE, status=Instalment.Status.PAID) \
        .aggregate(s=Sum("amount"))["s"]


def officer_orders(*, user):
    """The repayment orders of the officer's authority, newest first."""
    return (RepaymentOrder.objects.filter(application__scheme_id__in=roles_of(user).officer_scheme_ids)
            .select_related("application__scheme", "notice_letter"))


def letter_pdf_url(letter) -> str:
    """The download of a letter once it has been sent."""
    if letter is None or letter.sent_at is None:
        return ""
    return reverse("decisions:letter_pdf", args=[letter.pk])


def _service_error(form, exc: ServiceError) -> None:
    """A refusal about a visible field goes next to it; any other one at the top of the form."""
    field = form.fields.get(exc.field or "")
    form.add_error(exc.field if field is not None and not field.widget.is_hidden else None, exc.message)


# --- Student: repayment orders (Art. 11) -----------------------------------------------------------
class StudentOrdersView(OwnApplicationMixin, View):
    template_name = "payments/recovery/student_orders.html"

    def render_page(self, bound=None):
        orders = list(self.application.repayment_orders.select_related("notice_letter", "demand_letter"))
        for order in orders:
            order.pdf_url = letter_pdf_url(order.notice_letter)
            order.demand_pdf_url = letter_pdf_url(order.demand_letter)
            order.answerable = order.status == RepaymentOrder.Status.NOTICE_SENT
            if order.answerable:
                order.form = bound if bound is not None and bound.order_pk == order.pk else \
                    forms.OrderAnswerForm(prefix=f"o{order.pk}")
        return render(self.request, self.template_name, {"application": self.application, "orders": orders})

    def get(self, request, pk):
        return self.render_page()

    def post(self, request, pk):
        order_pk = request.POST.get("order", "")
        if not order_pk.isdigit():
            raise Http404
        order = get_object_or_404(self.application.repayment_orders, pk=order_pk)
        form = forms.OrderAnswerForm(request.POST, request.FILES, prefix=f"o{order.pk}")
        form.order_pk = order.pk
        if not form.is_valid():
            return self.render_page(form)
        try:
            services.repayment_order_answer(order=order, by=request.user, answer=form.cleaned_data["answer"],
                                            today=timezone.localdate())
        except ServiceError as exc:
            _service_error(form, exc)
            return self.render_page(form)
        messages.success(request, _("Votre réponse est transmise au service instructeur."))
        upload = form.cleaned_data.get("document")
        if upload:
            try:
                app_services.document_add(application=self.application, by=request.user, kind="other", upload=upload)
            except ServiceError as exc:
                messages.warning(request, _(
                    "La pièce « %(name)s » n'a pas pu être jointe : %(reason)s Envoyez-la par la messagerie "
                    "de votre dossier.") % {"name": upload.name, "reason": exc.message})
        return redirect("payments:student_orders", pk=pk)


# --- Officer ------------------------------------------------------------------------------------------
class OrdersView(StaffAccess, TemplateView):
    permission_required = "accounts.officer_space"
    template_name = "payments/recovery/orders.html"

    def get_context_data(self, **kwargs):
        filter_form = forms.StatusFilterForm(self.request.GET)
        orders = officer_orders(user=self.request.user)
        if filter_form.is_valid() and filter_form.cleaned_data["statut"]:
            orders = orders.filter(status=filter_form.cleaned_data["statut"])
        page = Paginator(orders, PER_PAGE).get_page(self.request.GET.get("page"))
        return super().get_context_data(filter_form=filter_form, page_obj=page, **kwargs)


class OrderDetailView(StaffAccess, View):
    """One order with the forms that act on it; each form posts its `action`."""

    permission_required = "applications.instruct_application"
    template_name = "payments/recovery/order_detail.html"
    ACTIONS = {
        "received": forms.NoticeReceivedForm,
        "decide": forms.OrderDecisionForm,
        "repayment": forms.RepaymentReceivedForm,
    }

    @cached_property
    def order(self):
        return get_object_or_404(officer_orders(user=self.request.user), pk=self.kwargs["pk"])

    def get_permission_object(self):
        return self.order.application

    def render_page(self, bound=None, action=""):
        order, app = self.order, self.order.application
        page_forms = {name: cls(prefix=name) for name, cls in self.ACTIONS.items()}
        if bound is not None:
            page_forms[action] = bound
        repaid, waived = services.order_settled_so_far(order)
        return render(self.request, self.template_name, {
            "order": order, "application": app, "forms": page_forms,
            "account": Account.objects.filter(application=app).first(),
            "entries": order.ledger_entries.select_related("recorded_by").order_by("booked_on", "pk"),
            "repaid": repaid, "waived": waived,
            "outstanding": order.amount - repaid - waived,
            "pdf_url": letter_pdf_url(order.notice_letter),
            "demand_pdf_url": letter_pdf_url(order.demand_letter),
            "can_decide": order.status in (RepaymentOrder.Status.NOTICE_SENT, RepaymentOrder.Status.ANSWERED),
            "can_record": order.status in (RepaymentOrder.Status.NOTICE_SENT, RepaymentOrder.Status.ANSWERED,
                                           RepaymentOrder.Status.STANDING),
        })

    def get(self, request, pk):
        return self.render_page()

    def post(self, request, pk):
        action = request.POST.get("action", "")
        if action not in self.ACTIONS:
            messages.error(request, _("Action inconnue."))
            return self.render_page()
        form = self.ACTIONS[action](request.POST, prefix=action)
        if not form.is_valid():
            return self.render_page(form, action)
        try:
            message = self.perform(action, form)
        except ServiceError as exc:
            _service_error(form, exc)
            return self.render_page(form, action)
        messages.success(request, message)
        return redirect("payments:order_detail", pk=pk)

    def perform(self, action, form) -> str:
        order, by, today = self.order, self.request.user, timezone.localdate()
        if action == "received":
            order = services.notice_received(order=order, received_on=form.cleaned_data["received_on"], by=by)
            return _("Réception enregistrée : réponse attendue au plus tard le %(d)s.") % {
                "d": order.response_due.strftime("%d/%m/%Y")}
        if action == "decide":
            order = services.repayment_order_decide(order=order, by=by, today=today, **form.service_kwargs())
            repaid, waived = services.order_settled_so_far(order)
            if order.status == RepaymentOrder.Status.WAIVED:
                return _("Remise accordée : la dette de %(a)s est éteinte.") % {"a": euros(order.amount)}
            return _("Reversement maintenu : %(a)s sont exigés ; la lettre de demande de reversement est envoyée à "
                     "l'étudiant.") % {"a": euros(order.amount - repaid - waived)}
        amount = form.cleaned_data["amount"]
        order = services.repayment_record(order=order, amount=amount, by=by, today=today)
        if order.status == RepaymentOrder.Status.SETTLED:
            return _("Reversement de %(a)s enregistré : l'ordre est soldé.") % {"a": euros(amount)}
        return _("Reversement de %(a)s enregistré.") % {"a": euros(amount)}


class _ClaimView(StaffAccess, View):
    """An officer's claim on a file of one scheme, from a motivated form: the service claims back
    what was paid with a formal notice (its order), or, when nothing was paid, only cancels the
    planned instalments (None). Subclasses name the scheme, the form, the service and messages."""

    permission_required = "applications.instruct_application"
    scheme_code = ""
    form_class: type = forms.BreachForm
    nothing_paid = ""
    notice_sent = ""

    @cached_property
    def application(self):
        return get_object_or_404(self.files().filter(scheme__code=self.scheme_code), pk=self.kwargs["pk"])

    def files(self):
        return queues.officer_applications(user=self.request.user)

    def get_permission_object(self):
        return self.application

    def extra_context(self, app) -> dict:
        return {}

    def render_page(self, form):
        app = self.application
        return render(self.request, self.template_name, {
            "application": app, "form": form, "account": Account.objects.filter(application=app).first(),
            "orders": app.repayment_orders.all(), **self.extra_context(app),
        })

    def get(self, request, pk):
        return self.render_page(self.form_class())

    def post(self, request, pk):
        form = self.form_class(request.POST)
        if not form.is_valid():
            return self.render_page(form)
        try:
            order = self.claim(form.cleaned_data)
        except ServiceError as exc:
            _service_error(form, exc)
            return self.render_page(form)
        if order is None:
            messages.success(request, self.nothing_paid)
            return redirect("payments:officer_ledger", pk=self.application.pk)
        messages.success(request, self.notice_sent % {"a": euros(order.amount)})
        return redirect("payments:order_detail", pk=order.pk)


class BreachView(_ClaimView):
    """Haute-Garonne: the officer records a breach of the commitments; everything paid is
    claimed back after a formal notice."""

    template_name = "payments/recovery/breach.html"
    scheme_code = "haute-garonne"
    form_class = forms.BreachForm
    nothing_paid = gettext_lazy("Manquement constaté avant tout versement : les échéances prévues sont annulées.")
    notice_sent = gettext_lazy("Manquement constaté : la mise en demeure de reverser %(a)s est envoyée.")

    def claim(self, data):
        return services.breach_claim(application=self.application, by=self.request.user,
                                     explanation=data["explanation"], today=timezone.localdate())


class AidLostView(_ClaimView):
    """Horizons Art. 10-11: the Région declares the aid lost itself (a change never reported, a
    breach found at a control); from the file's account page, with a confirmation."""

    template_name = "payments/recovery/aid_lost.html"
    scheme_code = "horizons"
    form_class = forms.AidLostForm
    nothing_paid = gettext_lazy("Rien n'a été versé : il n'y a rien à réclamer. Les échéances prévues sont annulées.")
    notice_sent = gettext_lazy("Aide perdue : la mise en demeure de reverser %(a)s est envoyée.")

    def files(self):
        return selectors.officer_ledger_files(user=self.request.user)

    def extra_context(self, app) -> dict:
        return {"planned": app.instalments.filter(status=Instalment.Status.PLANNED)}

    def claim(self, data):
        return services.aid_lost_declare(application=self.application, by=self.request.user,
                                         reason=data["reason"], today=timezone.localdate())


urlpatterns = [
    path("demandes/<int:pk>/reversements/", StudentOrdersView.as_view(), name="student_orders"),
    path("recouvrement/", OrdersView.as_view(), name="orders"),
    path("recouvrement/<int:pk>/", OrderDetailView.as_view(), name="order_detail"),
    path("instruction/<int:pk>/manquement/", BreachView.as_view(), name="breach"),
    path("instruction/<int:pk>/aide-perdue/", AidLostView.as_view(), name="aid_lost"),
]
