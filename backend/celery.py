"""The Celery app, configured from Django settings (namespace ``CELERY``)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _log_as_django_does(**kwargs) -> None:
    """Worker and beat log through Django's LOGGING (UTC with offset, text or JSON lines,
    backend/logconfig.py) instead of Celery's own handlers, which write local time without an
    offset. Connecting this receiver is what keeps Celery from configuring logging itself;
    LOG_LEVEL, not --loglevel, sets the level."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
