"""Every write to the data the simulator caches bumps the version stamp (schemes.models.
ReferenceVersion), so that every web process reloads it on its next request.

save() and delete() (the admin, a shell) arrive here; bulk writes (the importers) bump through
VersionedQuerySet; data migrations write with historical models, which send no signal, hence the
bump after every migrate.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_migrate, post_save

from .models import OdaCountry, Parameter, PartnerRegion, ReferenceVersion, Scheme, ZoningEntry

CACHED_MODELS = (Scheme, Parameter, ZoningEntry, PartnerRegion, OdaCountry)


def _bump(sender, using, **kwargs) -> None:
    ReferenceVersion.objects.db_manager(using).bump()


def _bump_after_migrate(sender, using, **kwargs) -> None:
    ReferenceVersion.objects.db_manager(using).bump()


def connect(app_config) -> None:
    for model in CACHED_MODELS:
        post_save.connect(_bump, sender=model, dispatch_uid=f"reference-version-save-{model.__name__}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"reference-version-delete-{model.__name__}")
    post_migrate.connect(_bump_after_migrate, sender=app_config, dispatch_uid="reference-version-migrate")
