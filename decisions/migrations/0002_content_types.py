from django.db import migrations

MOVED = ("commissionsession", "sessionentry", "decision", "letter", "appeal", "changereport")


def content_types_follow(apps, schema_editor):
    """Rename the moved models' content types (applications.* -> decisions.*), so that their
    permissions and the admin's history stay attached to them. On a new database none exists
    yet (they are created after migrating): nothing to do."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if ContentType.objects.using(db).filter(app_label="decisions", model=model).exists():
            continue
        ContentType.objects.using(db).filter(app_label="applications", model=model).update(app_label="decisions")


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if not ContentType.objects.using(db).filter(app_label="applications", model=model).exists():
            ContentType.objects.using(db).filter(app_label="decisions", model=model).update(app_label="applications")


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0006_decision_models_moved"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("decisions", "0001_initial"),
    ]

    operations = [migrations.RunPython(content_types_follow, content_types_back)]
