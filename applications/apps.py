from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Demandes")

    def ready(self) -> None:
        from .search import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="applications_search_sqlite")
