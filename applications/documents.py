"""The documents each scheme requires (pure data), and what an upload may be."""

from django.utils.translation import gettext_lazy as _

KINDS = {
    # Aude (Session du 22 décembre 2017, "Pièces à transmettre")
    "complete_file": _("Dossier de demande complet"),
    "motivation_letter": _("Lettre de motivation"),
    "schooling_certificate": _("Certificat de scolarité"),
    # Horizons (Art. 5 and 9)
    "enrolment_certificate": _("Certificat d'inscription"),
    "scholarship_notice": _("Notification de bourse sur critères sociaux"),
    "mobility_agreement": _("Convention de stage ou attestation d'inscription à l'étranger"),
    # Haute-Garonne
    "internship_assignment": _("Affectation de stage"),
    "resource_proof": _("Justificatif de ressources (bourse ou précarité sociale)"),
    # All schemes
    "bank_details": _("Relevé d'identité bancaire (RIB)"),
    "other": _("Autre pièce"),
}

REQUIRED = {
    "aude": ("complete_file", "motivation_letter", "schooling_certificate", "bank_details"),
    "horizons": ("enrolment_certificate", "scholarship_notice", "mobility_agreement", "bank_details"),
    "haute-garonne": ("internship_assignment", "resource_proof", "bank_details"),
}

# Accepted uploads, checked on the file's content (magic bytes), never on its name.
ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def required_kinds(scheme: str, *, scholarship_holder: bool | None = None) -> tuple[str, ...]:
    """Documents a file of `scheme` needs. A Horizons chèque applicant is not a scholarship holder,
    so no scholarship notice is asked of them (Art. 1)."""
    kinds = REQUIRED.get(scheme, ())
    if scheme == "horizons" and scholarship_holder is False:
        kinds = tuple(k for k in kinds if k != "scholarship_notice")
    return kinds
