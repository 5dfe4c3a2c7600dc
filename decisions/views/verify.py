"""The public page that says whether a letter is one the portal issued, unchanged, and when
(issue "Nothing lost, nothing exposed", point 13). Reachable signed out: a student, a bank, a
landlord or a court checks a letter with the PDF itself, or with the file reference printed on
it and the PDF's SHA-256. The answer never shows the letter's content (decisions/verification.py)."""

from __future__ import annotations

import re

from django import forms
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views import View

from ..verification import UnreadablePdf, letter_authenticity_of_file, letter_authenticity_of_hash

# A letter is tens of kilobytes; anything much larger is not one of ours.
MAX_PDF_BYTES = 5 * 1024 * 1024
SHA256 = re.compile(r"[0-9a-f]{64}")


class VerifyForm(forms.Form):
    # Kept beside its only view; the answer comes from the selectors, not from the form.
    pdf = forms.FileField(label=_("Le courrier (PDF)"), required=False,
                          help_text=_("Le fichier PDF reçu, tel quel (5 Mo au plus)."))
    reference = forms.CharField(label=_("Référence du dossier"), required=False, max_length=20,
                                help_text=_("Imprimée en haut du courrier, sous « Dossier »."))
    sha256 = forms.CharField(label=_("Empreinte SHA-256 du PDF"), required=False, max_length=100,
                             help_text=_("64 caractères hexadécimaux, par exemple calculés par « sha256sum courrier.pdf »."))

    def clean_pdf(self):
        upload = self.cleaned_data.get("pdf")
        if not upload:
            return None
        if upload.size > MAX_PDF_BYTES:
            raise forms.ValidationError(_("Le courrier (PDF) dépasse 5 Mo : ce n'est pas un courrier du portail."))
        content = upload.read(MAX_PDF_BYTES + 1)
        if not content.startswith(b"%PDF-"):
            raise forms.ValidationError(_("Le courrier (PDF) n'est pas un fichier PDF."))
        return content

    def clean_sha256(self):
        value = re.sub(r"\s", "", self.cleaned_data.get("sha256", "")).lower()
        if value and not SHA256.fullmatch(value):
            raise forms.ValidationError(_("L'empreinte SHA-256 compte 64 caractères de 0 à 9 et de a à f."))
        return value

    def clean(self):
        data = super().clean()
        if self.errors or data.get("pdf"):
            return data
        reference, sha256 = data.get("reference", "").strip(), data.get("sha256", "")
        if not reference and not sha256:
            raise forms.ValidationError(_("Déposez le courrier (PDF), ou indiquez la référence du dossier et l'empreinte SHA-256."))
        if not reference:
            self.add_error("reference", _("Indiquez la référence du dossier avec l'empreinte SHA-256."))
        if not sha256:
            self.add_error("sha256", _("Indiquez l'empreinte SHA-256 avec la référence du dossier."))
        data["reference"] = reference
        return data


class VerifyView(View):
    template_name = "decisions/verify.html"

    def get(self, request):
        return render(request, self.template_name, {"form": VerifyForm()})

    def post(self, request):
        form = VerifyForm(request.POST, request.FILES)
        answer = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                answer = (letter_authenticity_of_file(pdf=data["pdf"]) if data.get("pdf") else
                          letter_authenticity_of_hash(reference=data["reference"], sha256=data["sha256"]))
            except UnreadablePdf:
                form.add_error("pdf", _("Le courrier (PDF) ne peut pas être lu : le fichier est abîmé ou n'est pas un PDF."))
        return render(request, self.template_name, {"form": form, "answer": answer}, status=200 if form.is_valid() else 400)


urlpatterns = [
    path("verifier-un-courrier/", VerifyView.as_view(), name="letter_verify"),
]
