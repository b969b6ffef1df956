# One image for web (gunicorn), Celery worker and beat; see docker-compose.yml.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var

WORKDIR /app
RUN useradd --create-home --uid 10001 app

COPY pyproject.toml README.md manage.py ./
COPY backend ./backend
COPY programs ./programs
RUN pip install -e ".[fcm]" \
    && SECRET_KEY=build-only-collectstatic python manage.py collectstatic --noinput \
    && chown -R app:app /app/var

USER app
EXPOSE 8000
# Workers: WEB_CONCURRENCY (default 2 x CPUs + 1); see backend/gunicorn.py.
# The proxy's address inside Docker varies; docker-compose.yml publishes the port on the host's
# loopback only, so whatever reaches gunicorn came through the proxy on the host.
ENV FORWARDED_ALLOW_IPS="*"
CMD ["gunicorn", "-c", "python:backend.gunicorn", "backend.wsgi:application"]
