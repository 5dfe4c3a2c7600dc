"""Fill the database with a realistic volume of files (aid_portal/volume.py says what and how).

    python manage.py generate_volume                 # 100,000 files, seed 1
    python manage.py generate_volume --files 300 --seed 7
    python manage.py generate_volume --files 5000 --append

Refuses a database that already holds generated files unless --append: a second run by mistake
would double the volume being measured. Volume data only: never on a production database.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from ...volume import generated_count, volume_generate


def _positive(name: str, value: int) -> int:
    if value < 1:
        raise CommandError(f"--{name} must be a positive whole number (got {value}).")
    return value


class Command(BaseCommand):
    help = "Génère un volume réaliste de dossiers (100 000 par défaut) pour mesurer le portail."

    def add_arguments(self, parser):
        parser.add_argument("--files", type=int, default=100_000, help="number of files to generate (default 100000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same files (default 1)")
        parser.add_argument("--batch", type=int, default=2000, help="files per transaction (default 2000)")
        parser.add_argument("--append", action="store_true", help="add to the generated files already in the database")

    def handle(self, *args, files: int, seed: int, batch: int, append: bool, **options):
        _positive("files", files)
        _positive("batch", batch)
        existing = generated_count()
        if existing and not append:
            raise CommandError(
                f"This database already holds {existing:,} generated files (references VOL-...): "
                "pass --append to add more, or use an empty database."
            )
        t0 = time.perf_counter()
        counts = volume_generate(files=files, seed=seed, batch=batch, write=self.stdout.write)
        elapsed = time.perf_counter() - t0
        self.stdout.write(f"{files:,} files generated in {elapsed:.1f} s: "
                          + ", ".join(f"{model} {count:,}" for model, count in sorted(counts.items())))
