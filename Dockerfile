# The portal's image: web (gunicorn), worker and beat all run it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

# PYTHONPATH: import the project from /app, where its templates, static and locale live, for
# gunicorn and celery alike.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# WeasyPrint (PDF letters) needs Pango, HarfBuzz with HarfBuzz-Subset (without it a letter does not
# print the same twice) and fontconfig: the packages scripts/check_system.py checks, which
# tests/unit/test_check_system.py keeps equal to this list. The fonts are shipped in static/fonts/.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libglib2.0-0 libpango-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, in their own layer: a code change does not reinstall them. With only
# pyproject.toml present the project itself is empty, so this installs just its dependencies.
COPY pyproject.toml README.md ./
RUN pip install .

# Then the code (owned by root, read-only for the app user) and the hashed, compressed static
# files WhiteNoise serves; the dummy key only lets the settings load, it is not kept. Uploads
# land in /app/media when no S3 bucket is configured: the one place the app user may write.
COPY . .
RUN pip install --no-deps --force-reinstall . \
    && DJANGO_DEBUG=false DJANGO_SECRET_KEY=build-time-collectstatic-only-not-a-secret \
       DJANGO_ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown app:app /app/media

USER app
EXPOSE 8000
# --timeout: a sync worker is silent to gunicorn's arbiter while it streams a response, and the
# default 30 s would kill the officers' largest export mid-download (an XLSX of 100,000 files
# took 134 s in bench/exports.py). tests/unit/test_deployment.py keeps it above the measured time.
CMD ["gunicorn", "aid_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "300", "--access-logfile", "-"]
