"""Load the shipped reference data: zoning sample, partner regions, ODA list, Pegasus members
(schemes/fixtures/*.csv) and the regulations' dated parameters (parameters.json).

Run by `make run` after `migrate`, so it must be idempotent: rows already present are left
as they are (an administrator's corrections survive a restart) and no row is ever deleted.
`--update-existing` makes the CSV fixtures overwrite the matching rows of the four tables;
parameters are never overwritten, whatever the option.
"""

from django.core.management.base import BaseCommand, CommandError

from schemes.importers import ImportRejected, reference_data_load


class Command(BaseCommand):
    help = "Insert the shipped reference data and parameters that are missing (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update-existing",
            action="store_true",
            help="overwrite the rows of the four tables that differ from the shipped CSV files",
        )

    def handle(self, *args, update_existing, **options):
        try:
            results = reference_data_load(overwrite=update_existing)
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError("shipped data rejected: nothing loaded", returncode=2) from exc
        for result in results:
            self.stdout.write(str(result))
