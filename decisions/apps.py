from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    """The attribution stage: commission sessions, decisions and their snapshots, letters, appeals
    and changes after the decision. It reads and moves files of the applications app; the
    payments app reacts to its decisions through `decisions.signals.decisions_recorded`."""

    name = "decisions"
    verbose_name = _("Décisions")

    def ready(self) -> None:
        # A file rejected as incomplete or classé sans suite (applications) gets its decision act
        # and letter here (Art. 8): applications sends the signal, never imports this app.
        from applications.signals import files_rejected

        from .receivers import decision_acts_on_files_rejected

        files_rejected.connect(decision_acts_on_files_rejected, dispatch_uid="decisions.decision_acts_on_files_rejected")
