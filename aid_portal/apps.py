from django.apps import AppConfig


class AidPortalConfig(AppConfig):
    """The project package as an app, above every other: it holds the work that spans the stages
    (daily sweeps, archiving), with their tasks and management commands."""

    name = "aid_portal"
    verbose_name = "Portail"
