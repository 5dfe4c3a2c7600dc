"""The balance and recovery screens: the student's request for the Horizons balance (Art. 9) and
answer to a formal notice (Art. 11); the officers' repayment orders (receipt of the notice,
waiver or maintenance, repayments received) and the Haute-Garonne breach.

Scope first: a student sees only their own files, an officer only the files of their authority;
anything else is a 404 (its existence is not revealed). Each action: form, one service call,
redirect; a ServiceError is shown next to its field or at the top of the page, never as a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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
from django.views import View
from django.views.generic import TemplateView

from accounts.rules import roles_of
from applications import queues
from applications import services as app_services
from applications.models import Application, Document
from applications.services import ServiceError
from applications.states import State
from applications.views.staff import PER_PAGE, StaffAccess
from applications.views.student import OwnApplicationMixin
from schemes.engine.money import ZERO, euros

from .. import recovery_forms as forms
from .. import selectors, services
from ..models import Account, BalanceRequest, Instalment, RepaymentOrder


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


def _service_error(form, exc: ServiceError) -> None:
    """A refusal about a visible field goes next to it; any other one at the top of the form."""
    field = form.fields.get(exc.field or "")
    form.add_error(exc.field if field is not None and not field.widget.is_hidden else None, exc.message)


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


class BreachView(StaffAccess, View):
    """Haute-Garonne: the officer records a breach of the commitments; everything paid is
    claimed back after a formal notice."""

    permission_required = "applications.instruct_application"
    template_name = "payments/recovery/breach.html"

    @cached_property
    def application(self):
        qs = queues.officer_applications(user=self.request.user).filter(scheme__code="haute-garonne")
        return get_object_or_404(qs, pk=self.kwargs["pk"])

    def get_permission_object(self):
        return self.application

    def render_page(self, form):
        app = self.application
        return render(self.request, self.template_name, {
            "application": app, "form": form, "account": Account.objects.filter(application=app).first(),
            "orders": app.repayment_orders.all(),
        })

    def get(self, request, pk):
        return self.render_page(forms.BreachForm())

    def post(self, request, pk):
        form = forms.BreachForm(request.POST)
        if not form.is_valid():
            return self.render_page(form)
        try:
            order = services.breach_claim(application=self.application, by=request.user,
                                          explanation=form.cleaned_data["explanation"], today=timezone.localdate())
        except ServiceError as exc:
            _service_error(form, exc)
            return self.render_page(form)
        if order is None:
            messages.success(request, _("Manquement constaté avant tout versement : les échéances prévues sont annulées."))
            return redirect("payments:officer_ledger", pk=self.application.pk)
        messages.success(request, _("Manquement constaté : la mise en demeure de reverser %(a)s est envoyée.") % {
            "a": euros(order.amount)})
        return redirect("payments:order_detail", pk=order.pk)


class AidLostView(StaffAccess, View):
    """Horizons Art. 10-11: the Région declares the aid lost itself (a change never reported, a
    breach found at a control); from the file's account page, with a confirmation."""

    permission_required = "applications.instruct_application"
    template_name = "payments/recovery/aid_lost.html"

    @cached_property
    def application(self):
        qs = selectors.officer_ledger_files(user=self.request.user).filter(scheme__code="horizons")
        return get_object_or_404(qs, pk=self.kwargs["pk"])

    def get_permission_object(self):
        return self.application

    def render_page(self, form):
        app = self.application
        return render(self.request, self.template_name, {
            "application": app, "form": form, "account": Account.objects.filter(application=app).first(),
            "orders": app.repayment_orders.all(),
            "planned": app.instalments.filter(status=Instalment.Status.PLANNED),
        })

    def get(self, request, pk):
        return self.render_page(forms.AidLostForm())

    def post(self, request, pk):
        form = forms.AidLostForm(request.POST)
        if not form.is_valid():
            return self.render_page(form)
        try:
            order = services.aid_lost_declare(application=self.application, by=request.user,
                                              reason=form.cleaned_data["reason"], today=timezone.localdate())
        except ServiceError as exc:
            _service_error(form, exc)
            return self.render_page(form)
        if order is None:
            messages.success(request, _("Rien n'a été versé : il n'y a rien à réclamer. Les échéances prévues sont annulées."))
            return redirect("payments:officer_ledger", pk=self.application.pk)
        messages.success(request, _("Aide perdue : la mise en demeure de reverser %(a)s est envoyée.") % {"a": euros(order.amount)})
        return redirect("payments:order_detail", pk=order.pk)


urlpatterns = [
    path("demandes/<int:pk>/solde/", BalanceRequestView.as_view(), name="balance_request"),
    path("instruction/solde/<int:pk>/", BalanceReviewView.as_view(), name="balance_review"),
    path("demandes/<int:pk>/reversements/", StudentOrdersView.as_view(), name="student_orders"),
    path("recouvrement/", OrdersView.as_view(), name="orders"),
    path("recouvrement/<int:pk>/", OrderDetailView.as_view(), name="order_detail"),
    path("instruction/<int:pk>/manquement/", BreachView.as_view(), name="breach"),
    path("instruction/<int:pk>/aide-perdue/", AidLostView.as_view(), name="aid_lost"),
]
