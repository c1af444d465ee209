FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=onestop.settings_production \
    MEDIA_ROOT=/var/lib/onestop/media \
    PRIVATE_MEDIA_ROOT=/var/lib/onestop/private-media

WORKDIR /app
# Pango and fonts with Vietnamese glyphs for WeasyPrint's PDF slips; pg_dump for scripts/backup.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    postgresql-client \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --create-home --home-dir /home/onestop onestop

# The locked versions first (scripts/lock writes them), so a code change reuses this layer.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY onestop ./onestop
COPY procedures ./procedures
COPY citizens ./citizens
COPY workflows ./workflows
COPY seeds ./seeds
COPY locale ./locale
COPY manage.py ./
COPY scripts ./scripts
# Uploads live on volumes shared by web, workers and beat (docker-compose.yml); a fresh named volume takes the
# directory's owner from the image, so the unprivileged user can write to it.
RUN pip install --no-deps . \
 && SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost EMAIL_URL=smtp://localhost \
    SMS_BACKEND=onestop.sms.HttpGatewayBackend python manage.py collectstatic --noinput \
 && mkdir -p "$MEDIA_ROOT" "$PRIVATE_MEDIA_ROOT" \
 && chown onestop:onestop "$MEDIA_ROOT" "$PRIVATE_MEDIA_ROOT"
VOLUME ["/var/lib/onestop/media", "/var/lib/onestop/private-media"]

USER onestop
EXPOSE 8000
ENV PORT=8000
# Checks that MEDIA_ROOT and PRIVATE_MEDIA_ROOT are there and writable before any process starts.
ENTRYPOINT ["/app/scripts/docker-entrypoint"]
CMD ["gunicorn", "onestop.wsgi:application", "--workers", "2", "--access-logfile", "-"]
