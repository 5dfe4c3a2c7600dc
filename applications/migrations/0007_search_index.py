"""Accent- and case-insensitive search of files (applications/search.py), fast on PostgreSQL.

PostgreSQL: the unaccent and pg_trgm extensions, an immutable portal_unaccent() wrapper (an
index expression may only call immutable functions, and unaccent() is only stable), and a
trigram GIN index on the folded "first_name last_name reference", which serves the LIKE
'%word%' of the search. SQLite gets portal_unaccent() from Python on each connection and
needs nothing here.
"""

from django.db import migrations

INDEX_EXPRESSION = (
    "portal_unaccent(LOWER(COALESCE(first_name, '') || ' ' || COALESCE(last_name, '') || ' ' "
    "|| COALESCE(reference, '')))"
)

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE OR REPLACE FUNCTION portal_unaccent(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    "AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$",
    f"CREATE INDEX IF NOT EXISTS application_search_trgm ON applications_application "
    f"USING gin (({INDEX_EXPRESSION}) gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS application_search_trgm",
    "DROP FUNCTION IF EXISTS portal_unaccent(text)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("applications", "0006_decision_models_moved")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
