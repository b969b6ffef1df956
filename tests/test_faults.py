"""Redis goes away and comes back. The test runs a Redis server of its own (on a spare port, so
nothing else on the machine is disturbed) as the cache and the Celery broker, stops it while
patients keep logging, and starts it again:

- while it is down, every log is saved (2xx) and the rate limits let requests through;
- reminders the dispatcher queued but could not publish are published once Redis is back:
  the one still useful is sent, once; the one whose session began meanwhile is skipped.

Needs the `redis-server` binary (.ci/run has it; without it, and outside CI, this is skipped)."""

import os
import shutil
import socket
import subprocess
import time as clock
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import kombu.pools
import pytest
import redis
import time_machine

from backend.celery import app
from programs.models import (
    Device,
    Notification,
    NotificationKind,
    NotificationStatus,
    SessionLog,
)
from programs.services.reminder import SESSION_KINDS, reminder_dispatch_due
from tests.conftest import enrol

AMS = ZoneInfo("Europe/Amsterdam")
REDIS_SERVER = shutil.which("redis-server")

pytestmark = [
    pytest.mark.skipif(
        REDIS_SERVER is None and not os.environ.get("REQUIRE_FULL_SUITE"),
        reason="needs the redis-server binary (.ci/run has it)",
    ),
    pytest.mark.django_db(transaction=True),
]


class RedisServer:
    """A throwaway redis-server without persistence, like one that crashed and restarted."""

    def __init__(self, workdir):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = clock.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if clock.monotonic() > deadline:
                    raise
                clock.sleep(0.05)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def is_down(self) -> bool:
        try:
            redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
        except redis.ConnectionError:
            return True
        return False


def _reset_broker_connections():
    """After changing the broker URL: drop the app's pooled connections and kombu's registry of
    pools (closing them), so the next publish connects to the broker of the moment."""
    kombu.pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def own_redis(tmp_path, settings):
    """Cache and broker on a Redis server of this test's own."""
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"{server.url}/1",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = f"{server.url}/0"
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    _reset_broker_connections()
    yield server
    server.stop()
    app.conf.broker_url, app.conf.broker_transport_options = saved
    _reset_broker_connections()


@pytest.fixture
def start_worker():
    """Starts a real Celery worker (a thread of this process) on the broker of the moment."""
    from celery.contrib.testing.worker import start_worker as start

    return lambda: start(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        shutdown_timeout=15,
        loglevel="WARNING",
    )


def log(client, session):
    return client.put(
        f"/api/v1/me/session-logs/{uuid.uuid4()}/",
        {
            "planned_session": str(session.pk),
            "performed_at": session.scheduled_at.isoformat(),
            "status": "completed",
            "pain_before": 2,
            "pain_during_max": 3,
        },
        format="json",
    )


def test_redis_down_then_back(world, push, own_redis, start_worker):
    # Monday 8 March 2027, 17:00 in Amsterdam: the owner trains at 18:00 (reminder due now),
    # the other patient at 17:20 (reminder due since 16:20).
    with time_machine.travel(datetime(2027, 2, 26, 9, tzinfo=AMS), tick=False):
        start = {"start_date": date(2027, 3, 1), "weekdays": [0, 3]}
        mine = enrol(world.owner, world.physio, session_time=time(18, 0), **start)
        theirs = enrol(world.other_patient, world.physio, session_time=time(17, 20), **start)
    Device.objects.create(patient=world.owner, platform="ios", token="owner-phone")
    Device.objects.create(patient=world.other_patient, platform="ios", token="other-phone")
    # The sessions of last week (1 and 4 March), logged from the app while Redis is down.
    done = [
        session
        for programme in (mine, theirs)
        for session in programme.sessions.filter(local_date__lt=date(2027, 3, 8))
    ]
    assert len(done) == 4

    with time_machine.travel(datetime(2027, 3, 8, 17, 0, tzinfo=AMS), tick=True) as traveller:
        own_redis.stop()
        assert own_redis.is_down()

        # Patients keep logging: every log is saved, none refused for want of a rate counter.
        owner, other = world.client("owner"), world.client("other_patient")
        answers = [log(owner if s.programme_id == mine.pk else other, s) for s in done]
        assert [a.status_code for a in answers] == [201] * len(done)
        assert SessionLog.objects.count() == len(done)

        # A dispatcher run (beat's tick reached a worker just before) queues both reminders;
        # publishing them fails, and must neither raise nor lose them: both rows stay queued,
        # to be published again.
        report = reminder_dispatch_due(kinds=SESSION_KINDS)
        assert (report.queued, report.skipped) == (2, 0)
        statuses = Notification.objects.values_list("status", flat=True)
        assert sorted(statuses) == [NotificationStatus.QUEUED] * 2
        assert push.sent == []
        # It gives up after a bounded number of attempts instead of waiting for the broker
        # (a dispatcher or a request that publishes must not hang while Redis is down).
        policy = app.conf.task_publish_retry_policy
        assert app.conf.task_publish_retry and 0 < policy["max_retries"] <= 3
        assert policy["interval_max"] <= 1

        # Half an hour later Redis is back (empty: what it held is gone); so is a worker.
        traveller.shift(timedelta(minutes=30))
        own_redis.start()
        with start_worker():
            # Beat's next tick goes through the broker to the worker, like every minute.
            app.send_task("programs.tasks.reminders_dispatch")
            mine_reminder = Notification.objects.get(
                kind=NotificationKind.UPCOMING_SESSION, patient=world.owner
            )
            deadline = clock.monotonic() + 60
            while clock.monotonic() < deadline:
                mine_reminder.refresh_from_db()
                if mine_reminder.status == NotificationStatus.SENT:
                    break
                clock.sleep(0.2)
            assert mine_reminder.status == NotificationStatus.SENT

            # The next ticks find nothing more to send.
            report = reminder_dispatch_due(kinds=SESSION_KINDS)
            assert report.queued == 0
            clock.sleep(1)

    assert [message.token for message in push.sent] == ["owner-phone"]
    late = Notification.objects.get(
        kind=NotificationKind.UPCOMING_SESSION, patient=world.other_patient
    )
    assert (late.status, late.skip_reason) == (NotificationStatus.SKIPPED, "too_late")
    assert SessionLog.objects.count() == len(done)
