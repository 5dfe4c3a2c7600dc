from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    """The attribution stage: commission sessions, decisions and their snapshots, letters, appeals
    and changes after the decision. It reads and moves files of the applications app; the
    payments app reacts to its decisions through `decisions.signals.decision_recorded`."""

    name = "decisions"
    verbose_name = _("Décisions")
