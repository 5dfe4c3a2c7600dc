"""Run every deadline sweep of the portal once (for installations using cron rather than beat)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aid_portal.sweeps import deadlines_run


class Command(BaseCommand):
    help = ("Runs every deadline sweep (document reminders, rejection of incomplete Horizons files, lapsed "
            "balances, unanswered repayment orders). Safe to run twice.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD); default: today, Europe/Paris.")

    def handle(self, *args, **options):
        try:
            today = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError("--date: expected YYYY-MM-DD") from None
        for sweep, count in deadlines_run(today=today).items():
            self.stdout.write(f"{sweep}: {count}")
