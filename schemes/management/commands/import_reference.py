"""Import one reference table from a CSV file.

    python manage.py import_reference zoning zonage_ars.csv [--replace]

Every line is checked first; any bad line is printed on standard error as
`line N: column: message`, nothing is written and the exit status is 2. Columns and sources:
docs/reference-data.md.
"""

from django.core.management.base import BaseCommand, CommandError

from schemes.importers import TABLES, ImportRejected, reference_import


class Command(BaseCommand):
    help = "Import a reference table (zoning, partner_regions, oda, pegasus) from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("table", choices=sorted(TABLES))
        parser.add_argument("file", help="CSV file, UTF-8, with a header row; ';' or ',' separated")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete every row of the table first: the file becomes the whole table",
        )

    def handle(self, *args, table, file, replace, **options):
        try:
            # Binary: the importer decodes, so a non-UTF-8 file gets its line number.
            with open(file, "rb") as source:
                result = reference_import(table=table, source=source, replace=replace)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}", returncode=2) from exc
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            message = f"{len(exc.errors)} error(s) in {file}: nothing imported"
            raise CommandError(message, returncode=2) from exc
        self.stdout.write(str(result))
