"""Check every file's event chain; report any row altered or removed. Exit 1 when one is."""

import sys

from django.core.management.base import BaseCommand

from applications.events import verify_chain
from applications.models import Application, Event


class Command(BaseCommand):
    help = "Verifies the SHA-256 chain of every file's history (altered, missing or removed events)."

    def handle(self, *args, **options):
        problems, checked = [], 0
        # Files are read in pages with their events, so memory stays flat on a large history.
        apps = Application.objects.order_by("pk").only("pk", "events_head", "events_count")
        for application in apps.iterator(chunk_size=500):
            events = Event.objects.filter(application_id=application.pk).order_by("seq")
            problems.extend(verify_chain(application, events))
            checked += 1
        for problem in problems:
            self.stderr.write(str(problem))
        self.stdout.write(f"{checked} files checked, {len(problems)} problem(s).")
        if problems:
            sys.exit(1)
