"""E-mails to students and staff. Built here, sent by applications.tasks after commit."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from . import deadlines
from .models import Application

SUBJECTS = {
    "submitted": _("Votre demande %(ref)s a bien été déposée"),
    "opinion_given": _("Votre établissement a validé votre demande %(ref)s"),
    "documents_requested": _("Pièces à fournir pour votre demande %(ref)s"),
    "documents_reminder": _("Rappel : pièces à fournir avant le %(due)s (demande %(ref)s)"),
    "withdrawn": _("Votre demande %(ref)s est retirée"),
    "message": _("Nouveau message sur votre demande %(ref)s"),
    "student_message": _("Message de l'étudiant sur le dossier %(ref)s"),
    "notice_reminder": _("Rappel : mise en demeure sur votre dossier %(ref)s, réponse avant le %(due)s"),
    "control_opened": _("Contrôle de votre aide %(ref)s : pièces à fournir avant le %(due)s"),
}

BODIES = {
    # Art. L112-11 and R112-11-1 CRPA: the electronic acknowledgement of receipt.
    "submitted": _(
        "Bonjour,\n\nACCUSÉ DE RÉCEPTION ÉLECTRONIQUE\n\n"
        "Votre demande %(ref)s (%(scheme)s) a été reçue le %(received)s.\n\n"
        "Service chargé du dossier : %(service)s\n%(contacts)s\n\n"
        "%(silence)s\n\n"
        "Conservez ce message : il fait foi du dépôt de votre demande. L'accusé de réception est aussi "
        "téléchargeable en PDF sur la page de votre dossier.\n"
    ),
    "opinion_given": _(
        "Bonjour,\n\nVotre établissement a donné son avis et validé votre demande %(ref)s, "
        "qui est transmise à %(authority)s pour instruction.\n"
    ),
    # Art. L114-5 CRPA: the request lists the missing or non-conforming items and the deadline.
    "documents_requested": _(
        "Bonjour,\n\n%(authority)s vous demande des pièces pour votre demande %(ref)s.\n\n"
        "Pièces manquantes ou non conformes :\n%(items)s\n\n%(message)s\n\n"
        "Vous avez jusqu'au %(due)s inclus pour les déposer sur le portail, ou pour expliquer à la place "
        "de chacune pourquoi vous ne pouvez pas la fournir. %(consequence)s\n"
    ),
    "documents_reminder": _(
        "Bonjour,\n\nDes pièces manquent encore à votre demande %(ref)s. Vous avez jusqu'au %(due)s "
        "inclus pour les déposer sur le portail. %(consequence)s\n"
    ),
    "withdrawn": _("Bonjour,\n\nVotre demande %(ref)s a été retirée à votre demande.\n"),
    "message": _("Bonjour,\n\nUn nouveau message a été déposé sur votre demande %(ref)s. Connectez-vous au portail pour le lire.\n"),
    "student_message": _("Bonjour,\n\nL'étudiant a déposé un message sur le dossier %(ref)s. Connectez-vous au portail pour le lire.\n"),
    "notice_reminder": _(
        "Bonjour,\n\nVous avez reçu une mise en demeure au sujet de votre dossier %(ref)s. Vous pouvez présenter vos "
        "observations et vos justificatifs sur le portail jusqu'au %(due)s inclus (art. 11) ; passé ce délai, "
        "le reversement sera exigé.\n"
    ),
    # Horizons Art. 12: the control and the documents it needs; Art. 11: payments suspended meanwhile.
    "control_opened": _(
        "Bonjour,\n\n%(authority)s contrôle l'aide accordée sur votre dossier %(ref)s (art. 12 du règlement). "
        "Merci de fournir les pièces suivantes au plus tard le %(due)s, depuis la page « Contrôle » de votre "
        "dossier sur le portail :\n%(items)s\n\nLes versements restant à faire sont suspendus pendant le "
        "contrôle (art. 11).\n"
    ),
}


def file_url(application: Application, *, officer: bool = False) -> str:
    """The file's page, absolute: e-mails are read outside the portal, and the host that served
    the request that triggered them (a task has none) is not the public address."""
    name = "applications:officer_application" if officer else "applications:student_application"
    with override(settings.LANGUAGE_CODE):  # the unprefixed (French) URL works for everyone
        path = reverse(name, args=[application.pk])
    return f"{settings.PORTAL_BASE_URL}{path}"


def mail_signature(application: Application, *, officer: bool = False) -> str:
    """The end of every e-mail about a file: the link to it, and the portal that sends it."""
    return _("\nVotre dossier sur le portail : %(url)s\n\n%(portal)s\n") % {
        "url": file_url(application, officer=officer),
        "portal": settings.PORTAL_NAME,
    }


def silence_sentence(receipt: dict) -> str:
    """The consequence of the administration's silence (art. L231-4 3° CRPA), as the
    acknowledgement states it."""
    return str(_(
        "À défaut de décision dans un délai de %(m)d mois à compter de la réception de votre demande complète, "
        "celle-ci sera réputée rejetée (article L231-4 du code des relations entre le public et "
        "l'administration). Vous pourrez alors former un recours gracieux ou saisir le tribunal administratif "
        "dans les deux mois. Si des pièces manquent, le service vous les demandera et le délai ne courra "
        "qu'à compter de leur réception (article L114-5)."
    ) % {"m": receipt["silence_months"]})


def receipt_mail_fields(receipt: dict) -> dict[str, str]:
    """The acknowledgement's fields for the `submitted` e-mail."""
    from datetime import datetime

    authority = receipt["authority"]
    contacts = [*authority["address_lines"]]
    if authority["email"]:
        contacts.append(str(_("Courriel : %(e)s")) % {"e": authority["email"]})
    if authority["phone"]:
        contacts.append(str(_("Téléphone : %(p)s")) % {"p": authority["phone"]})
    received = datetime.fromisoformat(receipt["received_at"])
    return {
        "received": received.strftime("%d/%m/%Y %H:%M"),
        "service": f"{authority['service']} – {authority['name']}",
        "contacts": "\n".join(contacts),
        "silence": silence_sentence(receipt),
    }


def _consequence(application: Application) -> str:
    """What happens when a document request's deadline passes: Horizons Art. 5 rejects the file;
    the other texts have no such rule, so the file only waits."""
    if deadlines.rejects_incomplete(application.scheme.code):
        return str(_("Passé ce délai, le dossier incomplet fera l'objet d'une décision de rejet (art. 5 du règlement)."))
    return str(_("Passé ce délai, votre dossier restera en attente de ces pièces et ne pourra pas être présenté à la décision."))


def application_mail_send(*, application: Application, kind: str, **extra: str) -> int:
    """Send one notification about a file to its student (or, for a student's message, to the
    officers of its authority); returns the number of e-mails sent."""
    if kind == "student_message":
        recipients = list(
            application.scheme.authority.officers.filter(user__is_active=True)
            .exclude(user__email__isnull=True).values_list("user__email", flat=True)
        )
    else:
        recipients = [application.student.email] if application.student.email else []
    if not recipients:
        return 0
    context = {
        "ref": application.reference or "",
        "scheme": application.scheme.name,
        "authority": application.scheme.authority.name,
        "date": application.submitted_at.strftime("%d/%m/%Y") if application.submitted_at else "",
        "reason": application.closing_reason,
        "message": "",
        "due": "",
        "items": "",
        "consequence": _consequence(application),
        **extra,
    }
    return send_mail(
        SUBJECTS[kind] % context,
        BODIES[kind] % context + mail_signature(application, officer=kind == "student_message"),
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
