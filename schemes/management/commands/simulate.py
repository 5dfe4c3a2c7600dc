"""`python manage.py simulate [FILE]`: the simulation contract on the command line.

Reads one JSON object, or an array of objects, from FILE or standard input; prints the result
(object or array, same order) as JSON. Exit 0 whatever the eligibility; on invalid input exit 2,
nothing on standard output, and one `field.path: message` line per problem on standard error.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from schemes.inputs import InvalidInput
from schemes.simulation import decode_payload, dump_result, simulate_payload

EXIT_INVALID = 2


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
