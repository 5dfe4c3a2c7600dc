"""E-mails to students and staff. Built here, sent by applications.tasks after commit."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from .models import Application

SUBJECTS = {
    "submitted": _("Votre demande %(ref)s a bien été déposée"),
    "opinion_given": _("Votre établissement a validé votre demande %(ref)s"),
    "documents_requested": _("Pièces à fournir pour votre demande %(ref)s"),
    "documents_reminder": _("Rappel : pièces à fournir avant le %(due)s (demande %(ref)s)"),
    "rejected_incomplete": _("Votre demande %(ref)s est rejetée : dossier incomplet"),
    "closed": _("Votre demande %(ref)s est classée sans suite"),
    "withdrawn": _("Votre demande %(ref)s est retirée"),
    "message": _("Nouveau message sur votre demande %(ref)s"),
    "student_message": _("Message de l'étudiant sur le dossier %(ref)s"),
    "notice_reminder": _("Rappel : mise en demeure sur votre dossier %(ref)s, réponse avant le %(due)s"),
}

BODIES = {
    "submitted": _(
        "Bonjour,\n\nVotre demande %(ref)s (%(scheme)s) a été déposée le %(date)s.\n"
        "Conservez ce message : il fait foi du dépôt de votre demande.\n"
    ),
    "opinion_given": _(
        "Bonjour,\n\nVotre établissement a donné son avis et validé votre demande %(ref)s, "
        "qui est transmise à %(authority)s pour instruction.\n"
    ),
    "documents_requested": _(
        "Bonjour,\n\n%(authority)s vous demande des pièces pour votre demande %(ref)s :\n\n%(message)s\n\n"
        "Vous avez jusqu'au %(due)s inclus pour les déposer sur le portail. Passé ce délai, "
        "le dossier incomplet sera rejeté.\n"
    ),
    "documents_reminder": _(
        "Bonjour,\n\nDes pièces manquent encore à votre demande %(ref)s. Vous avez jusqu'au %(due)s "
        "inclus pour les déposer sur le portail ; passé ce délai, le dossier sera rejeté.\n"
    ),
    "rejected_incomplete": _(
        "Bonjour,\n\nLes pièces demandées pour votre demande %(ref)s n'ont pas été reçues dans le délai "
        "de deux mois (au plus tard le %(due)s). Le dossier incomplet est rejeté.\n"
    ),
    "closed": _("Bonjour,\n\nVotre demande %(ref)s est classée sans suite. Motif : %(reason)s\n"),
    "withdrawn": _("Bonjour,\n\nVotre demande %(ref)s a été retirée à votre demande.\n"),
    "message": _("Bonjour,\n\nUn nouveau message a été déposé sur votre demande %(ref)s. Connectez-vous au portail pour le lire.\n"),
    "student_message": _("Bonjour,\n\nL'étudiant a déposé un message sur le dossier %(ref)s. Connectez-vous au portail pour le lire.\n"),
    "notice_reminder": _(
        "Bonjour,\n\nVous avez reçu une mise en demeure au sujet de votre dossier %(ref)s. Vous pouvez présenter vos "
        "observations et vos justificatifs sur le portail jusqu'au %(due)s inclus (art. 11) ; passé ce délai, "
        "le reversement sera exigé.\n"
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
        **extra,
    }
    return send_mail(
        SUBJECTS[kind] % context,
        BODIES[kind] % context + mail_signature(application, officer=kind == "student_message"),
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
