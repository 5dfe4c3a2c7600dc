"""A database created before the decision stage moved into its own app migrates forward cleanly:
the tables stay, the rows stay, and the foreign keys of files and payments follow the models."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from decisions.models import Decision, Letter
from payments.models import Instalment
from tests.flows import decided_file, officer

# The last migrations before the move (what a demo database of the previous release holds).
BEFORE_MOVE = [("applications", "0005_document_appeal"), ("payments", "0003_order_reminder"), ("decisions", None)]


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


# serialized_rollback: the test needs the migrated reference data (schemes, parameters) that an
# earlier transactional test may have flushed, and gives it back to the tests after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_old_schema_with_decided_files_migrates_forward():
    app = decided_file("horizons", officer("horizons"))
    decision = app.current_decision
    letters = sorted(Letter.objects.filter(application=app).values_list("pk", flat=True))
    instalments = sorted(Instalment.objects.filter(decision=decision).values_list("pk", flat=True))
    assert letters and instalments
    content_type = ContentType.objects.get_for_model(Decision)
    permission = Permission.objects.get(content_type=content_type, codename="view_decision")

    executor = _executor()
    executor.migrate(BEFORE_MOVE)
    old = _executor().loader.project_state(BEFORE_MOVE[:2]).apps
    # The previous release's models read the same rows, under the applications app.
    assert old.get_model("applications", "Decision").objects.get(pk=decision.pk).amount == decision.amount
    assert old.get_model("payments", "Instalment").objects.filter(decision_id=decision.pk).count() == len(instalments)
    assert ContentType.objects.filter(pk=content_type.pk).values_list("app_label", flat=True).get() == "applications"

    executor = _executor()
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = Decision.objects.get(pk=decision.pk)
    assert moved.application_id == app.pk and moved.amount == decision.amount
    assert moved.application.current_decision_id == decision.pk
    assert sorted(moved.letters.values_list("pk", flat=True)) == letters
    assert sorted(moved.instalments.values_list("pk", flat=True)) == instalments
    # Permissions stay attached: the content type itself moved, not a new one created.
    content_type.refresh_from_db()
    assert (content_type.app_label, content_type.model) == ("decisions", "decision")
    assert Permission.objects.get(pk=permission.pk).content_type_id == content_type.pk
    assert not ContentType.objects.filter(app_label="applications", model="decision").exists()


def test_the_moved_models_keep_their_tables():
    assert [m._meta.db_table for m in (Decision, Letter)] == ["applications_decision", "applications_letter"]


# serialized_rollback: as above, the reference data comes back for the tests after this one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_instalments_get_their_files_scheme():
    """payments 0008 adds the instalment's scheme to a database that already has instalments:
    each gets its own file's scheme (filled in SQL, on SQLite as on PostgreSQL), then the column
    is NOT NULL."""
    for code in ("horizons", "aude", "haute-garonne"):
        decided_file(code, officer(code))
    expected = dict(Instalment.objects.values_list("pk", "application__scheme_id"))
    assert len(set(expected.values())) == 3

    executor = _executor()
    executor.migrate([("payments", "0007_verbose_names")])
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "payments_instalment")]
    assert "scheme_id" not in columns

    executor = _executor()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert dict(Instalment.objects.values_list("pk", "scheme_id")) == expected
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, "payments_instalment")
    assert [c.null_ok for c in description if c.name == "scheme_id"] == [False]
