"""The file's page: documents, messages, submission and withdrawal."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


# --- Documents, messages, submission, withdrawal -------------------------------------------------
class DocumentUploadForm(forms.Form):
    """One document kind (the view knows which, from the form's prefix): a file or an explanation."""

    file = forms.FileField(
        label=_("Fichier (PDF, JPEG ou PNG, 10 Mo au plus)"),
        required=False,
        widget=forms.FileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )
    explanation = forms.CharField(
        label=_("Ou expliquez pourquoi vous ne pouvez pas fournir cette pièce"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"upload": d["file"] or None, "explanation": d["explanation"]}


class StudentSubmitForm(forms.Form):
    certify = forms.BooleanField(
        label=_("Je certifie l'exactitude des informations fournies et des pièces jointes."),
        error_messages={"required": _("Cochez cette case pour déposer votre demande.")},
    )


class StudentMessageForm(forms.Form):
    body = forms.CharField(label=_("Votre message"), widget=forms.Textarea(attrs={"rows": 4}))
    attachment = forms.FileField(
        label=_("Pièce jointe (facultatif : PDF, JPEG ou PNG)"), required=False
    )

    def service_kwargs(self) -> dict:
        return {
            "body": self.cleaned_data["body"],
            "attachment": self.cleaned_data["attachment"] or None,
        }


class StudentWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (facultatif)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
