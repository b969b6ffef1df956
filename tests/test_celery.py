from django.conf import settings

from backend.celery import app
from programs.tasks import diagnostics_ping


def test_celery_reads_broker_and_queue_from_django_settings():
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.task_default_queue == settings.CELERY_TASK_DEFAULT_QUEUE
    assert app.conf.timezone == "UTC"
    assert app.conf.task_acks_late is True


def test_a_task_makes_the_round_trip_through_broker_and_a_real_worker(live_worker):
    result = diagnostics_ping.delay("hip")
    assert result.get(timeout=30) == "pong:hip"
    assert result.status == "SUCCESS"


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
