"""The Horizons balance (Art. 9): the student's request with the stay's proofs and a preview of
the settlement, and the officer's check of the proofs. Recovery screens are in recovery.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from applications.models import Application, Document
from applications.services import ServiceError
from applications.states import State
from applications.views.staff import StaffAccess
from applications.views.student import OwnApplicationMixin
from schemes.engine.money import ZERO

from .. import recovery_forms as forms
from .. import selectors, services
from ..models import BalanceRequest
from .recovery import _service_error, paid_advance, pending_balance


@dataclass(frozen=True)
class BalancePreview:
    final_amount: Decimal
    advance: Decimal
    balance: Decimal
    repayment: Decimal
    actual_weeks: int | None


def balance_preview(application: Application, actual_end_date: date) -> tuple[BalancePreview | None, str]:
    """What balance_request_submit would compute, without writing (Art. 9): the engine's
    settlement on the decision's own snapshot, capped at the notified amount, against the advance
    actually paid. (preview, "") or (None, why no preview)."""
    from decisions.snapshots import snapshot_settle

    decision = application.current_decision
    start = date.fromisoformat(decision.snapshot["input"]["mobility"]["start_date"])
    if actual_end_date < start:
        return None, _("La date de fin effective précède le début de la mobilité.")
    try:
        settlement = snapshot_settle(decision.snapshot, actual_end_date=actual_end_date)
    except ValueError:
        return None, _("Le calcul du solde est impossible sur ces données : contactez le service instructeur.")
    final = services.balance_final_amount(decision, settlement.final_amount)
    advance = paid_advance(application)
    advance = settlement.advance if advance is None else advance
    return BalancePreview(final, advance, max(final - advance, ZERO), max(advance - final, ZERO),
                          getattr(settlement, "actual_weeks", None)), ""



# --- Student: the balance (Art. 9) ------------------------------------------------------------------
class BalanceRequestView(OwnApplicationMixin, View):
    template_name = "payments/recovery/balance_request.html"

    def refusal(self) -> str:
        """Why the balance cannot be requested now (for display: the service decides)."""
        app = self.application
        if app.scheme.code != "horizons" or app.state != State.GRANTED or app.current_decision is None:
            return _("Le solde se demande pour une aide Horizons attribuée.")
        balance = pending_balance(app)
        if balance is None and app.balance_requests.exists():
            # Already requested: the page shows the request above; "no balance pending" would
            # read as if the balance had vanished.
            return _("Votre solde est demandé : vous n'avez rien de plus à faire. Il vous sera versé après "
                     "vérification par le service instructeur.")
        if balance is None:
            return _("Aucun solde n'est en attente pour ce dossier.")
        if balance.latest_on and timezone.localdate() > balance.latest_on:
            return _("Le solde devait être demandé avant le %(d)s (art. 9) : il est caduc.") % {
                "d": balance.latest_on.strftime("%d/%m/%Y")}
        if paid_advance(app) is None:
            return _("L'avance n'a pas encore été versée : le solde se demandera ensuite.")
        if app.balance_requests.filter(status=BalanceRequest.Status.PENDING).exists():
            return _("Votre demande de solde est en cours de vérification.")
        return ""

    def render_page(self, *, preview_form, form=None, preview=None, preview_error=""):
        app = self.application
        return render(self.request, self.template_name, {
            "application": app, "balance": pending_balance(app), "refusal": self.refusal(),
            "preview_form": preview_form, "form": form, "preview": preview, "preview_error": preview_error,
            "requests": app.balance_requests.all(),
        })

    def _grant(self) -> bool:
        return (self.application.aid or "grant") == "grant"

    def get(self, request, pk):
        if "actual_end_date" not in request.GET or self.refusal():
            return self.render_page(preview_form=forms.BalancePreviewForm())
        preview_form = forms.BalancePreviewForm(request.GET)
        if not preview_form.is_valid():
            return self.render_page(preview_form=preview_form)
        day = preview_form.cleaned_data["actual_end_date"]
        preview, error = balance_preview(self.application, day)
        if error:
            preview_form.add_error("actual_end_date", error)
            return self.render_page(preview_form=preview_form)
        form = forms.BalanceRequestForm(initial={"actual_end_date": day}, grant=self._grant(), proofs=self._proofs())
        return self.render_page(preview_form=preview_form, form=form, preview=preview)

    def post(self, request, pk):
        form = forms.BalanceRequestForm(request.POST, request.FILES, grant=self._grant(), proofs=self._proofs())
        day = form.cleaned_data.get("actual_end_date") if form.is_valid() else None
        preview_form = forms.BalancePreviewForm({"actual_end_date": request.POST.get("actual_end_date", "")})
        preview = None
        if preview_form.is_valid():
            preview, _error = balance_preview(self.application, preview_form.cleaned_data["actual_end_date"])
        if day is None:
            return self.render_page(preview_form=preview_form, form=form, preview=preview)
        try:
            services.balance_request_submit(application=self.application, by=request.user, actual_end_date=day,
                                            today=timezone.localdate(), proofs=form.proofs())
        except ServiceError as exc:
            _service_error(form, exc)
            return self.render_page(preview_form=preview_form, form=form, preview=preview)
        messages.success(request, _("Votre demande de solde est enregistrée : le service vérifie vos justificatifs, "
                                    "le solde sera versé une fois le séjour prouvé (art. 9)."))
        return redirect("payments:balance_request", pk=pk)

    def _proofs(self) -> dict[str, str]:
        mobility = (self.application.current_decision.snapshot.get("input") or {}).get("mobility") or {}
        return services.balance_proofs(aid=self.application.aid or "grant", kind=mobility.get("kind", "study"))


# --- Officer: checking the balance proofs (Art. 9) ---------------------------------------------------
class BalanceReviewView(StaffAccess, View):
    """The proofs of a pending balance request, the dates to read on them, and the check."""

    permission_required = "applications.instruct_application"
    template_name = "payments/recovery/balance_review.html"

    @cached_property
    def balance_request(self) -> BalanceRequest:
        files = selectors.officer_ledger_files(user=self.request.user)
        return get_object_or_404(BalanceRequest.objects.filter(application__in=files).select_related(
            "application__scheme", "application__current_decision"), pk=self.kwargs["pk"])

    def get_permission_object(self):
        return self.balance_request.application

    def render_page(self, form):
        req = self.balance_request
        return render(self.request, self.template_name, {
            "request_obj": req, "application": req.application, "form": form,
            "documents": Document.objects.filter(pk__in=req.documents, application=req.application),
            "proofs": services.balance_proofs(aid=req.application.aid or "grant", kind=(
                (req.application.current_decision.snapshot.get("input") or {}).get("mobility") or {}).get("kind", "study")),
        })

    def get(self, request, pk):
        return self.render_page(forms.BalanceReviewForm(initial={"checked_end_date": self.balance_request.actual_end_date}))

    def post(self, request, pk):
        form = forms.BalanceReviewForm(request.POST)
        if not form.is_valid():
            return self.render_page(form)
        try:
            services.balance_request_review(request=self.balance_request, by=request.user, today=timezone.localdate(),
                                            **form.service_kwargs())
        except ServiceError as exc:
            _service_error(form, exc)
            return self.render_page(form)
        messages.success(request, _("Vérification enregistrée."))
        return redirect("payments:officer_ledger", pk=self.balance_request.application_id)


urlpatterns = [
    path("demandes/<int:pk>/solde/", BalanceRequestView.as_view(), name="balance_request"),
    path("instruction/solde/<int:pk>/", BalanceReviewView.as_view(), name="balance_review"),
]
