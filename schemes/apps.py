from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchemesConfig(AppConfig):
    name = "schemes"
    verbose_name = _("Dispositifs et règles")

    def ready(self) -> None:
        from . import signals

        signals.connect(self)
