"""Make sure the letters can be signed (applications/signing.py).

With no LETTER_SIGNING_CERT in the environment, create the demonstration certificate in
.signing/ if it is not there yet (`make run` calls this). With one configured, only check that
the certificate and key load: a configured certificate is never replaced by a demonstration one.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from applications.signing import SigningError, demo_certificate_create, load_signer


class Command(BaseCommand):
    help = "Create the demonstration signing certificate when none is configured; check the configured one."

    def handle(self, *args, **options):
        cert, key = Path(settings.LETTER_SIGNING_CERT), Path(settings.LETTER_SIGNING_KEY)
        if settings.LETTER_SIGNING_DEMO and not (cert.is_file() and key.is_file()):
            demo_certificate_create(cert_path=cert, key_path=key, now=timezone.now())
            self.stdout.write(f"Demonstration signing certificate created: {cert}")
        try:
            signer = load_signer()
        except SigningError as error:
            raise CommandError(str(error)) from error
        subject = signer.signing_cert.subject.human_friendly
        kind = "demonstration" if settings.LETTER_SIGNING_DEMO else "configured"
        self.stdout.write(f"Letters are signed with the {kind} certificate: {subject}")
