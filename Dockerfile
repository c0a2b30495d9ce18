# Image for the web, worker and beat services of docker-compose.yml.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# Pango (and a font) for weasyprint, which renders the CSR impact statement as PDF.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY sumut_umkm ./sumut_umkm
COPY registry ./registry
COPY csr ./csr
COPY plut ./plut
RUN pip install --no-cache-dir .
COPY . .
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput \
    && useradd --system --home /app app && mkdir -p /app/var/media /app/var/plut-private && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "sumut_umkm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
