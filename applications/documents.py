"""The documents each scheme requires (pure data), and what an upload may be."""

from django.utils.translation import gettext_lazy as _

KINDS = {
    # Aude (Session du 22 décembre 2017, "Pièces à transmettre")
    "complete_file": _("Dossier de demande complet"),
    "motivation_letter": _("Lettre de motivation"),
    # "à renouveler chaque année": one of the current academic year (see RENEWED_EACH_YEAR).
    "schooling_certificate": _("Certificat de scolarité de l'année universitaire en cours"),
    # Horizons (Art. 5 and 9)
    "enrolment_certificate": _("Certificat d'inscription"),
    "scholarship_notice": _("Notification de bourse sur critères sociaux"),
    "mobility_agreement": _("Convention de stage ou attestation d'inscription à l'étranger"),
    # Art. 3, chèque Apprentis: "Une attestation confirmant les conditions de prise en charge par
    # l'employeur sera demandée à la constitution du dossier."
    "employer_attestation": _("Attestation de l'employeur sur sa prise en charge des frais de mobilité"),
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


# Aude ("Pièces à transmettre"): "certificat de scolarité (à renouveler chaque année)". A copy
# uploaded before the academic year in which the file is sent does not count.
RENEWED_EACH_YEAR = {"aude": ("schooling_certificate",)}


def required_kinds(scheme: str, *, scholarship_holder: bool | None = None, aid: str = "") -> tuple[str, ...]:
    """Documents a file of `scheme` needs. A Horizons chèque applicant is not a scholarship holder,
    so no scholarship notice is asked of them (Art. 1); the chèque Apprentis needs the employer's
    attestation (Art. 3)."""
    kinds = REQUIRED.get(scheme, ())
    if scheme == "horizons" and scholarship_holder is False:
        kinds = tuple(k for k in kinds if k != "scholarship_notice")
    if scheme == "horizons" and aid == "apprentice":
        kinds = (*kinds[:-1], "employer_attestation", kinds[-1])
    return kinds
