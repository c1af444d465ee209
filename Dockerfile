FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=onestop.settings_production

WORKDIR /app
# Pango and fonts with Vietnamese glyphs for WeasyPrint's PDF slips.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --create-home --home-dir /home/onestop onestop

COPY pyproject.toml README.md ./
COPY onestop ./onestop
COPY procedures ./procedures
COPY citizens ./citizens
COPY workflows ./workflows
COPY seeds ./seeds
COPY locale ./locale
COPY manage.py ./
RUN pip install . \
 && SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
 && mkdir -p /app/media && chown onestop /app/media

USER onestop
EXPOSE 8000
ENV PORT=8000
CMD ["gunicorn", "onestop.wsgi:application", "--workers", "2", "--access-logfile", "-"]
