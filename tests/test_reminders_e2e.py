"""The real path, end to end: Celery beat's dispatcher entry -> broker (Redis in CI) -> a real
worker -> dispatcher -> broker -> worker -> push backend -> Notification marked sent."""

import threading
import time as clock
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.beat import Service
from django.utils import timezone

from backend.celery import app
from programs.models import (
    Device,
    Notification,
    NotificationKind,
    NotificationStatus,
    ReminderPreference,
)
from tests.conftest import enrol


@pytest.fixture
def beat(tmp_path):
    """A real beat service in a thread, with the dispatcher entry every second (production:
    every minute) and its own schedule file."""
    saved = app.conf.beat_schedule
    app.conf.beat_schedule = {
        "reminders-dispatch": {"task": "programs.tasks.reminders_dispatch", "schedule": 1.0}
    }
    service = Service(app, schedule_filename=str(tmp_path / "beat-schedule"), max_interval=1)
    thread = threading.Thread(target=service.start, daemon=True)
    thread.start()
    yield service
    service.stop()
    thread.join(timeout=10)
    app.conf.beat_schedule = saved


@pytest.mark.django_db(transaction=True)
def test_beat_broker_worker_backend_sent(world, push, live_worker, beat):
    zone = ZoneInfo(world.owner.time_zone)
    soon = (timezone.now() + timedelta(minutes=30)).astimezone(zone)
    programme = enrol(
        world.owner,
        world.physio,
        start_date=soon.date(),
        weekdays=[soon.weekday(), (soon.weekday() + 3) % 7],
        supervised_weekdays=[soon.weekday()],
        session_time=time(soon.hour, soon.minute),
    )
    ReminderPreference.objects.create(
        patient=world.owner,
        quiet_start=time(0, 0),
        quiet_end=time(0, 0),  # no quiet hours, whatever the hour this test runs
        questionnaire_due=False,
        weekly_pain=False,
    )
    Device.objects.create(patient=world.owner, platform="ios", token="e2e-device-token-01")
    session = programme.sessions.order_by("scheduled_at").first()

    deadline = clock.monotonic() + 60
    notification = None
    while clock.monotonic() < deadline:
        notification = Notification.objects.filter(
            kind=NotificationKind.UPCOMING_SESSION, session=session
        ).first()
        if notification is not None and notification.status == NotificationStatus.SENT:
            break
        clock.sleep(0.25)
    assert notification is not None, "beat's dispatcher never created the reminder"
    assert notification.status == NotificationStatus.SENT
    assert [m.token for m in push.sent] == ["e2e-device-token-01"]
    assert notification.deliveries.get().outcome == "sent"
