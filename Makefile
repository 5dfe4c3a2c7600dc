# Developer entry points. With no environment the portal runs on its embedded default
# (SQLite, Celery tasks run eagerly in-process); DATABASE_URL / REDIS_URL switch it to
# PostgreSQL and Redis (see README.md and .env.example).

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Re-install only when the declared dependencies change.
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: install system-check db run test bench bench-simulate bench-volume bench-web-volume bench-batch bench-web bench-exports bench-scale lint accessibility-audit

install: system-check $(STAMP)

# WeasyPrint's system libraries (Pango, HarfBuzz and HarfBuzz-Subset, fontconfig): when one is
# missing this stops with one line naming the Debian packages to install (scripts/check_system.py).
system-check:
	@$(PYTHON) scripts/check_system.py

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# The database the portal (or the benchmark) runs on: schema, then the reference tables.
db: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_reference_data

# seed_demo arrives with a later issue: run it only once the command exists (and let it fail
# loudly when it does). With DEBUG on, WhiteNoise serves static files straight from the
# finders; only a DJANGO_DEBUG=false run needs the collected, hashed copies.
# Letters are signed when issued: without LETTER_SIGNING_CERT, a demonstration certificate is
# made in .signing/ (a configured one is only checked).
run: db
	$(MANAGE) ensure_signing_certificate
	if $(MANAGE) help seed_demo >/dev/null 2>&1; then $(MANAGE) seed_demo; fi
	$(MANAGE) shell -c "from django.conf import settings; raise SystemExit(not settings.DEBUG)" \
		|| $(MANAGE) collectstatic --noinput
	$(MANAGE) runserver 0.0.0.0:8000

# pytest exits 5 when it collected nothing; the suite has tests, so an empty run means a broken
# collection and must never pass as green.
test: install
	@status=0; $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then \
		echo "make test: pytest collected no tests (exit 5); treated as a failure." >&2; exit 1; \
	fi; exit $$status

# Every benchmark of bench/, on the local PostgreSQL (127.0.0.1, user postgres) and Redis, with wrk
# installed; about an hour on 2 cores, most of it the first time, when the 100,000-file volume is
# generated. Each writes its bench/results/*.json; README's tables come from them.
bench: bench-simulate bench-volume bench-batch bench-web-volume bench-exports bench-scale

# 10,000 simulated cases through `manage.py simulate` (on the database of make run).
bench-simulate: db
	$(MANAGE) ensure_signing_certificate
	$(BIN)/python bench/simulate_batch.py $(BENCH_ARGS)

# The 100,000-file volume the measures at scale copy (VOLUME_DB, default aid_portal_100k): made
# once by bench/volume.py (generate_volume, then verify_events; about 7 minutes), then kept.
PG_URL ?= postgres://postgres@127.0.0.1:5432
VOLUME_DB ?= aid_portal_100k
bench-volume: install
	@if psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$(VOLUME_DB)'" | grep -q 1; then \
		echo "bench-volume: $(VOLUME_DB) exists, kept (dropdb it to generate it again)"; \
	else \
		createdb -h 127.0.0.1 -U postgres $(VOLUME_DB) \
		&& DATABASE_URL=$(PG_URL)/$(VOLUME_DB) $(MANAGE) migrate --noinput \
		&& DATABASE_URL=$(PG_URL)/$(VOLUME_DB) $(MANAGE) load_reference_data \
		&& DATABASE_URL=$(PG_URL)/$(VOLUME_DB) $(BIN)/python bench/volume.py; \
	fi

# The web benchmark on a fresh copy of the volume (web_100k), as README's table was measured.
bench-web-volume: bench-volume
	dropdb -h 127.0.0.1 -U postgres --if-exists web_100k
	createdb -h 127.0.0.1 -U postgres -T $(VOLUME_DB) web_100k
	DATABASE_URL=$(PG_URL)/web_100k $(BIN)/python bench/web.py $(BENCH_ARGS)

# The batch work at 100,000 files (bench/batch.py): deadline sweeps, closing a 1,000-file
# commission, a 10,000-instalment payment run with its SEPA file and listings, 1,000 letters on 2
# Celery workers. Each run copies BATCH_TEMPLATE_DB (default aid_portal_100k, filled by
# bench-volume) to batch_100k on the local PostgreSQL, and uses Redis db 4; BATCH_ARGS
# (e.g. --repeat 1) are passed on. Writes bench/results/batch.json.
BATCH_ARGS ?=
bench-batch: bench-volume
	$(MANAGE) ensure_signing_certificate
	$(BIN)/python bench/batch.py $(BATCH_ARGS)

# The pages and the API under gunicorn + wrk beside a bare Django view (a few minutes). Needs
# DATABASE_URL on PostgreSQL and wrk; migrates and seeds that database itself.
bench-web: install
	$(BIN)/python bench/web.py $(BENCH_ARGS)

# Scaling out (a few minutes): two gunicorn instances and two Celery workers sharing only
# PostgreSQL (database scale_bench, created and seeded if missing), Redis (db 6) and one folder as
# the file store; same answers, throughput of one and two, letters exactly once with a worker
# killed. Needs wrk and redis-cli. Figures: bench/results/scale.json; docs/scaling.md uses them.
bench-scale: install
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

# Peak memory of the CSV/XLSX exports at 10,000 and 100,000 rows (throw-away SQLite without
# DATABASE_URL; with it, a dedicated database).
bench-exports: install
	$(BIN)/python bench/exports.py $(BENCH_ARGS)

# ruff, then the import contracts of pyproject.toml (the workflow's layers, the pure engine).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The browser tests with their axe audits, then their summary copied to where the accessibility
# statement (/accessibilite/) reads it. Run after adding a page to a journey; CI fails when an
# audited page is missing from the committed summary.
accessibility-audit: install
	E2E_ARTEFACTS=$(CURDIR)/artefacts/screenshots $(BIN)/pytest -q -p no:cacheprovider tests/e2e
	cp artefacts/accessibility.json aid_portal/accessibility_audit.json
