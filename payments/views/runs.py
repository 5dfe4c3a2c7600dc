"""Payment runs (officers of the funding authority) and a file's ledger (officer and student).

Scope first, permission second, as on the instruction screens: a run or a file of another
authority is not found (404); a non-officer is refused (403). Each action: permission mixin,
form, one service call, redirect. A refusal of the service (ServiceError) goes next to its field
or at the top of the page; bad input never reaches a 500. Replaying an action (double submit,
back button) gives the same result: the services are idempotent or refuse with a sentence.
"""

from __future__ import annotations

import tempfile
from functools import cached_property

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import FormView, TemplateView

from applications.services import ServiceError
from applications.views.staff import StaffAccess
from applications.views.student import OwnApplicationMixin
from core.pagination import CountedPaginator

from .. import exports, forms, pdf, selectors
from ..services import payment_run_cancel, payment_run_confirm, payment_run_create

PER_PAGE = 50  # instalments per page: a run is usually prepared from one or two pages
RUNS_PER_PAGE = 10


class OfficerAccess(StaffAccess):
    permission_required = "accounts.officer_space"


# --- Payable instalments and run creation ------------------------------------------------------
class PayableView(OfficerAccess, FormView):
    """GET: the payable list (filtered, paginated) and the runs; POST: create a run of the ticked
    instalments. The POST keeps the list's query string, so an error re-renders the same page."""

    template_name = "payments/runs/payable.html"
    form_class = forms.RunCreateForm

    def get_initial(self):
        return {"execution_date": timezone.localdate()}

    @cached_property
    def filter_form(self) -> forms.PayableFilterForm:
        return forms.PayableFilterForm(self.request.GET, schemes=selectors.officer_schemes(user=self.request.user))

    def get_context_data(self, **kwargs):
        user, filter_form = self.request.user, self.filter_form
        if filter_form.errors:
            messages.warning(
                self.request, _("Filtre ignoré (valeur invalide) : %(f)s.") % {"f": filter_form.error_text()}
            )
        payable = selectors.payable_instalments(user=user, today=timezone.localdate(), filters=filter_form.filters)
        count, total = selectors.payable_summary(payable)
        page = CountedPaginator(payable, PER_PAGE, count=count).get_page(self.request.GET.get("page"))
        runs = Paginator(selectors.runs_for_officer(user=user), RUNS_PER_PAGE).get_page(self.request.GET.get("lots"))
        return super().get_context_data(
            filter_form=filter_form, page_obj=page, payable_total=total, runs=runs, **kwargs
        )

    def form_valid(self, form):
        ids = form.cleaned_data["instalments"]
        # A superuser passes the permission check (Django grants them every permission) without
        # belonging to any authority: refused with a sentence, not a 500 on the missing membership.
        membership = getattr(self.request.user, "officer_membership", None)
        if membership is None:
            messages.error(self.request, _("Seuls les agents d'une collectivité préparent ses lots de paiement ; "
                                           "ce compte n'est rattaché à aucune collectivité."))
            return self.form_invalid(form)
        try:
            run = payment_run_create(
                authority=membership.authority,
                instalment_ids=ids,
                by=self.request.user,
                execution_date=form.cleaned_data["execution_date"],
                today=timezone.localdate(),
            )
        except ServiceError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                messages.error(self.request, exc.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Lot %(ref)s préparé : %(n)s virement(s). Téléchargez le fichier SEPA pour la paierie.")
            % {"ref": run.reference, "n": run.count},
        )
        if run.count < len(ids):
            # The others were paid, put in another run or no longer payable in the meantime.
            messages.warning(
                self.request,
                ngettext(
                    "%(n)s échéance cochée n'était plus payable et n'est pas dans le lot.",
                    "%(n)s échéances cochées n'étaient plus payables et ne sont pas dans le lot.",
                    len(ids) - run.count,
                )
                % {"n": len(ids) - run.count},
            )
        return redirect("payments:run_detail", pk=run.pk)


# --- One run -----------------------------------------------------------------------------------
class RunMixin(OfficerAccess):
    @cached_property
    def run(self):
        return get_object_or_404(selectors.runs_for_officer(user=self.request.user), pk=self.kwargs["pk"])

    @cached_property
    def listing(self) -> dict:
        return selectors.run_listing(run=self.run)


class RunDetailView(RunMixin, TemplateView):
    template_name = "payments/runs/detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(run=self.run, listing=self.listing, **kwargs)


class SepaXmlView(RunMixin, View):
    """The pain.001 file exactly as stored when the run was created (validated then)."""

    def get(self, request, pk):
        response = HttpResponse(self.run.sepa_xml.encode("utf-8"), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{self.run.reference}.xml"'
        return response


class ListingPdfView(RunMixin, View):
    """Printed in parts into a temporary file (payments.pdf), then streamed from it: neither the
    layout of the whole listing nor the PDF is held in memory. The file goes when the response
    is closed."""

    def get(self, request, pk):
        out = tempfile.TemporaryFile()
        try:
            pdf.run_listing_pdf(self.listing, out=out)
        except BaseException:
            out.close()
            raise
        out.seek(0)
        return FileResponse(out, as_attachment=True, filename=f"{self.run.reference}.pdf",
                            content_type="application/pdf")


class ListingCsvView(RunMixin, View):
    """Streamed: the lines are read and written in chunks (payments.exports)."""

    def get(self, request, pk):
        lines = selectors.run_transfer_lines(run=self.run)
        response = StreamingHttpResponse(exports.run_listing_csv_stream(lines), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.run.reference}.csv"'
        return response


class RunActionView(RunMixin, FormView):
    """A confirmation page with a checkbox, then one service call. A refusal of the service (the
    run is no longer in a state that allows it) is said on the run's page."""

    template_name = "payments/runs/confirm.html"
    form_class = forms.ConfirmForm
    title = button = explanation = ""
    danger = False

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            run=self.run,
            listing=self.listing,
            title=self.title,
            button=self.button,
            explanation=self.explanation,
            danger=self.danger,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            message = self.perform()
        except ServiceError as exc:
            messages.error(self.request, exc.message)
        else:
            messages.success(self.request, message)
        return redirect("payments:run_detail", pk=self.run.pk)


class RunConfirmView(RunActionView):
    title = gettext_lazy("Confirmer le paiement (paierie)")
    button = gettext_lazy("Confirmer le paiement")
    explanation = gettext_lazy(
        "La paierie a exécuté les virements de ce lot : chaque échéance sera inscrite au grand livre comme "
        "payée à la date du jour. Cette action est irréversible."
    )

    def perform(self) -> str:
        paid = payment_run_confirm(run=self.run, by=self.request.user, today=timezone.localdate())
        if paid:
            return ngettext(
                "Paiement confirmé : %(n)s virement inscrit au grand livre.",
                "Paiement confirmé : %(n)s virements inscrits au grand livre.",
                paid,
            ) % {"n": paid}
        # Replayed (double submit) or no longer prepared: the service paid nothing twice.
        return _("Ce lot n'attendait plus de confirmation : aucune nouvelle écriture.")


class RunCancelView(RunActionView):
    title = gettext_lazy("Annuler le lot")
    button = gettext_lazy("Annuler le lot")
    explanation = gettext_lazy(
        "Le fichier SEPA de ce lot ne doit pas être transmis (ou la paierie l'a rejeté) : ses échéances "
        "redeviennent payables et pourront entrer dans un nouveau lot."
    )
    danger = True

    def perform(self) -> str:
        payment_run_cancel(run=self.run, by=self.request.user)
        return _("Lot annulé : ses échéances sont de nouveau payables.")


# --- A file's ledger ---------------------------------------------------------------------------
class LedgerContextMixin:
    template_name = "payments/runs/ledger_page.html"
    back_url_name = ""

    def get_context_data(self, **kwargs):
        app = self.application
        return super().get_context_data(
            application=app,
            ledger=selectors.application_ledger(application=app),
            back_url=reverse(self.back_url_name, args=[app.pk]),
            **kwargs,
        )


class OfficerLedgerView(StaffAccess, LedgerContextMixin, TemplateView):
    permission_required = "applications.instruct_application"
    back_url_name = "applications:officer_application"

    @cached_property
    def application(self):
        return get_object_or_404(selectors.officer_ledger_files(user=self.request.user), pk=self.kwargs["pk"])

    def get_permission_object(self):
        return self.application

    def get_context_data(self, **kwargs):
        # Art. 9: the balance requests whose proofs an officer checks; Art. 10-12: controls, orders.
        app = self.application
        controls = list(app.controls.all())
        return super().get_context_data(
            balance_requests=list(app.balance_requests.all()), officer=True, controls=controls,
            open_control=any(c.status == "open" for c in controls), orders=list(app.repayment_orders.all()), **kwargs)


class StudentLedgerView(OwnApplicationMixin, LedgerContextMixin, TemplateView):
    back_url_name = "applications:student_application"

    @cached_property
    def application(self):
        return get_object_or_404(selectors.student_ledger_files(user=self.request.user), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(controls=list(self.application.controls.all()), **kwargs)


urlpatterns = [
    path("paiements/", PayableView.as_view(), name="payable"),
    path("paiements/lots/<int:pk>/", RunDetailView.as_view(), name="run_detail"),
    path("paiements/lots/<int:pk>/sepa.xml", SepaXmlView.as_view(), name="run_sepa_xml"),
    path("paiements/lots/<int:pk>/liste.pdf", ListingPdfView.as_view(), name="run_listing_pdf"),
    path("paiements/lots/<int:pk>/liste.csv", ListingCsvView.as_view(), name="run_listing_csv"),
    path("paiements/lots/<int:pk>/confirmer/", RunConfirmView.as_view(), name="run_confirm"),
    path("paiements/lots/<int:pk>/annuler/", RunCancelView.as_view(), name="run_cancel"),
    path("instruction/<int:pk>/compte/", OfficerLedgerView.as_view(), name="officer_ledger"),
    path("demandes/<int:pk>/compte/", StudentLedgerView.as_view(), name="student_ledger"),
]
