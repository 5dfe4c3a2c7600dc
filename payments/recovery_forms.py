"""Forms of the balance and recovery screens (payments/views/balance.py, recovery.py). They validate input
only; every write goes through payments.services (and applications.services for the proofs)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.uploads import UploadRefused, upload_content_type
from schemes.forms import BoundedDateField

from .models import RepaymentOrder

CONFIRM_REQUIRED = _("Cochez cette case pour confirmer.")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _confirm(label):
    return forms.BooleanField(label=label, error_messages={"required": CONFIRM_REQUIRED})


def _proof(label, *, required=True, help_text=""):
    return forms.FileField(label=label, required=required, help_text=help_text,
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
                           error_messages={"required": _("Joignez cette pièce.")})


def _clean_upload(upload):
    """The service's checks (on the content, never the name), made before anything is written so
    that a bad file is refused with nothing recorded; the service checks again."""
    if not upload:
        return upload
    try:
        upload_content_type(upload)
    except UploadRefused as exc:
        raise forms.ValidationError(exc.message) from None
    return upload


# --- Student: the balance (Horizons Art. 9) ----------------------------------------------------------
class BalancePreviewForm(forms.Form):
    """Step 1 (GET): the actual end date, to preview the settlement before anything is sent."""

    actual_end_date = BoundedDateField(
        label=_("Date de fin effective de votre mobilité"), widget=DATE_WIDGET,
        help_text=_("Celle qui figure sur l'attestation de séjour ou de stage."),
        error_messages={"required": _("Indiquez la date de fin effective."), "invalid": _("Date invalide.")},
    )


class BalanceRequestForm(BalancePreviewForm):
    """Step 2 (POST): the same date, the proofs of Art. 9 and the confirmation."""

    stay_certificate = _proof(
        _("Attestation de séjour ou de stage (dates effectives de début et de fin)"),
        help_text=_("Émise par l'établissement d'accueil. PDF, JPEG ou PNG, 10 Mo au plus."),
    )
    scholarship_notice = _proof(
        _("Notification définitive de bourse pour l'année universitaire concernée"),
        help_text=_("CROUS, ministère compétent, FNAU ou Région. PDF, JPEG ou PNG, 10 Mo au plus."),
    )
    confirm = _confirm(_("Je certifie l'exactitude de ces informations et je demande le solde de mon aide."))

    def __init__(self, *args, grant: bool = True, proofs: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actual_end_date"].widget = forms.HiddenInput()
        if not grant:
            # Art. 9.1: the final scholarship notice is asked for the grants (bourses) only.
            del self.fields["scholarship_notice"]
        # Each aid's own proof of the stay (Art. 9.1 and 9.2), as the service asks for it.
        for name, label in (proofs or {}).items():
            if name in self.fields:
                self.fields[name].label = label

    def clean_stay_certificate(self):
        return _clean_upload(self.cleaned_data["stay_certificate"])

    def clean_scholarship_notice(self):
        return _clean_upload(self.cleaned_data["scholarship_notice"])

    def proofs(self) -> list[tuple[str, object]]:
        """(proof name, upload) of each proof given, for services.balance_request_submit."""
        return [(name, self.cleaned_data[name]) for name in ("stay_certificate", "scholarship_notice")
                if self.cleaned_data.get(name)]


class BalanceReviewForm(forms.Form):
    """The officer's check of the balance proofs (Art. 9)."""

    decision = forms.ChoiceField(
        label=_("Justificatifs"), widget=forms.RadioSelect,
        choices=[("validate", _("Valider : le séjour est prouvé")), ("reject", _("Refuser les justificatifs"))],
        error_messages={"required": _("Choisissez de valider ou de refuser.")},
    )
    checked_start_date = forms.DateField(label=_("Date de début portée sur l'attestation"), widget=DATE_WIDGET, required=False,
                                         error_messages={"invalid": _("Date invalide.")})
    checked_end_date = forms.DateField(label=_("Date de fin portée sur l'attestation"), widget=DATE_WIDGET, required=False,
                                       error_messages={"invalid": _("Date invalide.")})
    note = forms.CharField(label=_("Observations (obligatoires pour un refus)"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    confirm = _confirm(_("Je confirme : cette vérification ne peut être annulée."))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"validate": data["decision"] == "validate", "note": data["note"],
                "checked_start_date": data["checked_start_date"], "checked_end_date": data["checked_end_date"]}


# --- Student: answer to the formal notice (Art. 11) -------------------------------------------------
class OrderAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Vos observations"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Expliquez votre situation et, le cas échéant, les circonstances exceptionnelles (art. 11)."),
        error_messages={"required": _("Expliquez votre situation.")},
    )
    document = _proof(_("Justificatif (facultatif) : PDF, JPEG ou PNG, 10 Mo au plus"), required=False)

    def clean_document(self):
        return _clean_upload(self.cleaned_data.get("document"))


# --- Officer --------------------------------------------------------------------------------------
class StatusFilterForm(forms.Form):
    statut = forms.ChoiceField(label=_("Statut"), required=False,
                               choices=[("", _("Tous")), *RepaymentOrder.Status.choices])


class NoticeReceivedForm(forms.Form):
    received_on = BoundedDateField(
        label=_("Date de réception portée sur l'accusé de réception"), widget=DATE_WIDGET,
        error_messages={"required": _("Indiquez la date de réception."), "invalid": _("Date invalide.")},
    )


class OrderDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Suite donnée"), widget=forms.RadioSelect,
        choices=[("maintain", _("Maintenir : le reversement est exigé")),
                 ("partial", _("Remise partielle, à due proportion (art. 11) : le reste est exigé")),
                 ("waive", _("Accorder une remise totale : circonstances exceptionnelles (art. 11)"))],
        error_messages={"required": _("Choisissez la suite donnée.")},
    )
    amount = forms.DecimalField(
        label=_("Montant de la remise partielle (€)"), required=False, max_digits=10, decimal_places=2,
        min_value=Decimal("0.01"), error_messages={"invalid": _("Montant invalide.")},
    )
    note = forms.CharField(label=_("Motivation"), widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": _("Motivez la décision.")})
    confirm = _confirm(_("Je confirme cette décision (elle est inscrite au dossier et irréversible)."))

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "partial" and data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Indiquez le montant de la remise."))
        return data

    def service_kwargs(self) -> dict:
        outcome = self.cleaned_data["outcome"]
        return {"waive": outcome != "maintain", "note": self.cleaned_data["note"],
                "amount": self.cleaned_data["amount"] if outcome == "partial" else None}


class RepaymentReceivedForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Montant reçu (€)"), max_digits=10, decimal_places=2, min_value=Decimal("0.01"),
        error_messages={"required": _("Indiquez le montant reçu."), "invalid": _("Montant invalide.")},
    )


class BreachForm(forms.Form):
    explanation = forms.CharField(
        label=_("Manquement constaté"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Quel engagement n'a pas été respecté, depuis quand, sur quelle pièce."),
        error_messages={"required": _("Motivez le constat de manquement.")},
    )
    confirm = _confirm(_("Je confirme le manquement : tout ce qui a été versé est réclamé et les versements "
                         "à venir sont annulés."))


class AidLostForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la perte de l'aide"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("La modification non signalée ou le manquement constaté (lors d'un contrôle par exemple), "
                    "sa date et la pièce qui l'établit (art. 10 et 11)."),
        error_messages={"required": _("Motivez la perte de l'aide.")},
    )
    confirm = _confirm(_("Je confirme : l'aide est perdue, les versements prévus sont annulés et tout ce qui a été "
                         "versé est réclamé après une mise en demeure."))


# --- Controls (Horizons Art. 12) ------------------------------------------------------------------
class ControlOpenForm(forms.Form):
    reason = forms.CharField(label=_("Objet du contrôle"), widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Indiquez l'objet du contrôle.")})
    requested_items = forms.CharField(
        label=_("Pièces demandées à l'étudiant"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Une pièce par ligne : justificatifs des dépenses, attestations, etc."),
        error_messages={"required": _("Indiquez les pièces demandées.")},
    )
    documents_due = BoundedDateField(
        label=_("À fournir au plus tard le"), widget=DATE_WIDGET,
        error_messages={"required": _("Indiquez le délai de remise des pièces."), "invalid": _("Date invalide.")},
    )
    confirm = _confirm(_("Je confirme l'ouverture du contrôle : les versements du dossier sont suspendus jusqu'à sa clôture."))


class ControlCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Conclusion"), widget=forms.RadioSelect,
        choices=[("compliant", _("Aide conforme : rien à reverser, les versements reprennent")),
                 ("recovery", _("Aide perdue : les versements prévus sont annulés et ce qui a été versé est réclamé"))],
        error_messages={"required": _("Choisissez la conclusion.")},
    )
    conclusion = forms.CharField(label=_("Conclusions motivées"), widget=forms.Textarea(attrs={"rows": 4}),
                                 error_messages={"required": _("Motivez les conclusions du contrôle.")})
    confirm = _confirm(_("Je confirme la clôture du contrôle (elle est inscrite au dossier et irréversible)."))


class ControlDocumentForm(forms.Form):
    document = _proof(_("Pièce demandée : PDF, JPEG ou PNG, 10 Mo au plus"))

    def clean_document(self):
        return _clean_upload(self.cleaned_data.get("document"))
