"""Minimise the files whose control period is over (Horizons Art. 12); the same sweep as the
Celery task `aid_portal.tasks.archive_files`, for installations using cron rather than beat."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aid_portal.archive import files_archive
from payments.archive import files_past_control


class Command(BaseCommand):
    help = ("Blanks the personal data and deletes the documents of files whose three-year control period "
            "(Art. 12) is over; keeps decisions, letters, instalments and the ledger. Safe to run twice.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD); default: today, Europe/Paris.")
        parser.add_argument("--dry-run", action="store_true", help="Count the files to archive, change nothing.")

    def handle(self, *args, **options):
        try:
            today = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError("--date: expected YYYY-MM-DD") from None
        due = files_past_control(today).count()
        if options["dry_run"]:
            self.stdout.write(f"past control period: {due}\nwould archive: {due} (dry run: nothing changed)")
            return
        self.stdout.write(f"past control period: {due}\narchived: {files_archive(today=today)}")
