"""`python manage.py simulate [FILE]`: the simulation contract on the command line.

Reads one JSON object, or an array of objects, from FILE or standard input; prints the result
(object or array, same order) as JSON. Exit 0 whatever the eligibility; on invalid input exit 2,
nothing on standard output, and one `field.path: message` line per problem on standard error.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from schemes.inputs import InvalidInput
from schemes.simulation import simulate_batch, simulate_one

EXIT_INVALID = 2


def decode_payload(text: str) -> Any:
    """Decode the contract's JSON, keeping money exact (floats become Decimal).

    Shared with the HTTP API so that both read a body the same way. Raises InvalidInput.
    """
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        message = f"JSON invalide : {exc.msg} (ligne {exc.lineno}, colonne {exc.colno})"
        raise InvalidInput([("(corps)", message)]) from None
    except ValueError as exc:  # NaN/Infinity, or an integer too long to convert
        raise InvalidInput([("(corps)", f"JSON invalide : {exc}")]) from None
    except RecursionError:
        raise InvalidInput([("(corps)", "JSON trop profondément imbriqué")]) from None


def _reject_constant(name: str) -> Any:
    # JSON has no NaN nor Infinity; Python's decoder accepts them unless told otherwise.
    raise ValueError(f"{name} n'est pas un nombre JSON")


def simulate_payload(payload: Any, *, today) -> dict[str, Any] | list[dict[str, Any]]:
    """One object gives one result, an array an array in the same order. Raises InvalidInput."""
    if isinstance(payload, list):
        return simulate_batch(payload, today=today)
    if isinstance(payload, dict):
        return simulate_one(payload, today=today)
    raise InvalidInput([("(racine)", "objet JSON ou tableau d'objets attendu")])


def dump_result(result: Any) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2)


class Command(BaseCommand):
    # A pure computation whose stderr is read by scripts: no system-check chatter there.
    requires_system_checks: list[str] = []
    # `stdin` lets tests (call_command(..., stdin=io.StringIO(...))) feed standard input.
    stealth_options = ("stdin",)
    help = (
        "Simule un ou plusieurs cas (JSON, depuis FILE ou l'entrée standard) "
        "et affiche le résultat en JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", help="fichier JSON ; l'entrée standard si absent ou « - »"
        )

    def handle(self, *args, file: str | None = None, **options):
        try:
            text = self._read(file, options.get("stdin") or sys.stdin)
            result = simulate_payload(decode_payload(text), today=timezone.localdate())
        except InvalidInput as exc:
            for field, message in exc.errors:
                self.stderr.write(f"{field}: {message}", style_func=lambda s: s)
            sys.exit(EXIT_INVALID)
        self.stdout.write(dump_result(result), style_func=lambda s: s)

    def _read(self, file: str | None, stream) -> str:
        if file is None or file == "-":
            try:
                return stream.read()
            except UnicodeDecodeError:
                raise InvalidInput(
                    [("(entrée)", "l'entrée standard n'est pas du texte UTF-8")]
                ) from None
        try:
            return Path(file).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(
                [("(fichier)", f"{file} n'est pas un fichier texte UTF-8")]
            ) from None
        except OSError as exc:
            raise InvalidInput(
                [("(fichier)", f"lecture impossible de {file} : {exc.strerror or exc}")]
            ) from None
