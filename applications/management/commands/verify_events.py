"""Check every file's event chain; report any row altered or removed. Exit 1 when one is."""

import sys
from itertools import groupby

from django.core.management.base import BaseCommand

from applications.events import verify_chain
from applications.models import Application, Event


class Command(BaseCommand):
    help = "Verifies the SHA-256 chain of every file's history (altered, missing or removed events)."

    def handle(self, *args, **options):
        # Two streamed queries whatever the number of files: the files' chain heads, then every
        # event in chain order, checked file by file as they come.
        heads = {
            pk: Application(pk=pk, events_head=head, events_count=count)
            for pk, head, count in Application.objects.values_list("pk", "events_head", "events_count").iterator()
        }
        events = Event.objects.order_by("application_id", "seq").iterator(chunk_size=2000)
        problems, seen = [], set()
        for app_id, chain in groupby(events, key=lambda e: e.application_id):
            seen.add(app_id)
            problems.extend(verify_chain(heads[app_id], chain))
        for app_id in heads.keys() - seen:  # every event of a file removed
            problems.extend(verify_chain(heads[app_id], []))
        for problem in problems:
            self.stderr.write(str(problem))
        self.stdout.write(f"{len(heads)} files checked, {len(problems)} problem(s).")
        if problems:
            sys.exit(1)
