"""Searching files by name and reference the way people type them: "Léa Martin", "lea",
"martin léa" and "hz-2025" all find Léa Martin's file HZ-2025-000042.

Both sides are folded (lower case, accents removed): the query in Python, the row in SQL by
`portal_unaccent()`. On PostgreSQL that function wraps the `unaccent` extension (immutable, so
that migration 0006 can index the folded text with a pg_trgm GIN index, which serves LIKE
'%...%'); on SQLite it is this module's `fold`, registered on every new connection. Each word
of the query must appear somewhere in the folded "first name last name reference".
"""

from __future__ import annotations

import unicodedata

from django.db.models import CharField, F, Func, QuerySet

# The folded columns, in the order of the index expression (migration 0006): keep them equal,
# or PostgreSQL no longer uses the index.
SEARCHED = ("first_name", "last_name", "reference")


def fold(text: str | None) -> str | None:
    """"Léa MARTIN" -> "lea martin": lower case, without accents (ligatures kept as letters)."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class SearchText(Func):
    """The folded "first_name last_name reference" of the row, as migration 0006 indexes it."""

    output_field = CharField()

    def __init__(self):
        super().__init__(*(F(name) for name in SEARCHED))

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(f"COALESCE({sql}, '')")
            params.extend(expression_params)
        joined = " || ' ' || ".join(parts)
        return f"portal_unaccent(LOWER({joined}))", params


def search_files(queryset: QuerySet, query: str) -> QuerySet:
    """The files of `queryset` whose name or reference contains every word of `query`."""
    words = (fold(query) or "").split()
    if not words:
        return queryset
    queryset = queryset.annotate(search_text=SearchText())
    for word in words:
        queryset = queryset.filter(search_text__contains=word)
    return queryset


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """connection_created receiver: gives SQLite the portal_unaccent() PostgreSQL has."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("portal_unaccent", 1, fold, deterministic=True)
