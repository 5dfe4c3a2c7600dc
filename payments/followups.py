"""The follow-up of a helped Aude student after their studies (service: writes).

The Aude regulation measures the scheme by « Nombre d'internes installés dans l'Aude après leur
cursus »: an officer records, for each helped student, whether they settled in the department,
when and where. The record can be corrected later (one FollowUp per file, last word wins); each
recording is an Event of the file's history.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.events import event_record
from applications.models import Application
from applications.services import ServiceError, application_locked
from decisions.models import Outcome

from .indicators import AUDE
from .models import FollowUp


def follow_up_record(*, application: Application, by, installed: bool, installed_on: date | None,
                     commune: str) -> FollowUp:
    """Record (or correct) the follow-up of a helped Aude student. Takes the file's row lock."""
    commune = (commune or "").strip()
    if installed:
        if installed_on is None:
            raise ServiceError(_("Indiquez la date d'installation."), field="installed_on")
        if installed_on > timezone.localdate():
            raise ServiceError(_("La date d'installation ne peut pas être future."), field="installed_on")
        if not commune:
            raise ServiceError(_("Indiquez la commune d'installation."), field="commune")
    else:
        # Not settled in the department: a date or a commune would mean nothing.
        installed_on, commune = None, ""
    with transaction.atomic():
        app = application_locked(application)
        membership = getattr(by, "officer_membership", None)
        if membership is None or membership.authority_id != app.scheme.authority_id:
            raise ServiceError(_("Seuls les agents de la collectivité renseignent le suivi de ses bénéficiaires."))
        if app.scheme.code != AUDE:
            raise ServiceError(_("Le suivi de l'installation concerne l'aide aux internes de l'Aude."))
        if app.current_decision_id is None or app.current_decision.outcome != Outcome.GRANTED:
            raise ServiceError(_("Seul un(e) étudiant(e) aidé(e) (décision d'attribution en vigueur) a un suivi."))
        follow_up, created = FollowUp.objects.update_or_create(
            application=app,
            defaults={"installed_in_department": installed, "installed_on": installed_on, "commune": commune[:120],
                      "recorded_by": by},
        )
        event_record(application=app, kind="follow_up_recorded", actor=by, payload={
            "installed_in_department": installed, "installed_on": installed_on.isoformat() if installed_on else None,
            "commune": commune[:120], "corrected": not created,
        })
    return follow_up
