import os
from dataclasses import dataclass

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from programs.models import Insurer, Patient, Physiotherapist, Role, User
from tests.factories import (
    CoverageFactory,
    InsurerEmployeeFactory,
    InsurerFactory,
    PatientFactory,
    PhysiotherapistFactory,
    PracticeFactory,
    UserFactory,
)


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need row locks, triggers or real concurrency. The full suite
    (.ci/run) also runs the Celery tests on Redis, never on the filesystem transport."""
    from django.conf import settings

    if os.environ.get("REQUIRE_FULL_SUITE") and not settings.CELERY_BROKER_URL.startswith(
        ("redis://", "rediss://")
    ):
        raise pytest.UsageError("REQUIRE_FULL_SUITE is set but the Celery broker is not Redis")
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    if os.environ.get("REQUIRE_FULL_SUITE"):
        raise pytest.UsageError("REQUIRE_FULL_SUITE is set but DATABASE_URL is not PostgreSQL")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); .ci/run runs it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Production hashes passwords slowly on purpose; tests sign in hundreds of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def push(settings):
    """Push goes to a recording stand-in for the provider (a third party)."""
    from tests.support import RecordingPushBackend

    settings.PUSH_BACKEND = "tests.support.RecordingPushBackend"
    RecordingPushBackend.reset()
    yield RecordingPushBackend
    RecordingPushBackend.reset()


def _clear_own_cache() -> None:
    """Only this run's keys: on Redis, ``cache.clear()`` would flush the whole database, and
    with it the counters of any other test run (or `make run`) sharing it."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{backend.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        backend.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and lock-outs live in the cache: every test starts without them."""
    _clear_own_cache()
    yield


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def bearer(user: User | None) -> dict[str, str]:
    """The Authorization header the app sends: a real JWT access token."""
    if user is None:
        return {}
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


def client_for(user: User | None) -> APIClient:
    """An API client signed in the way the app signs in: a real JWT access token."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=bearer(user)["Authorization"])
    return client


@pytest.fixture
def api_schema(db):
    """The API's own OpenAPI schema, loaded by schemathesis, which calls the WSGI application
    directly (as Django's test client does) to check answers against it. Like the test client,
    keep request_started/finished from closing the test's database connection."""
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from backend.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@dataclass
class World:
    """Two practices, an insurer with a member, a second insurer, staff: every actor of the
    access matrix (DEVELOPERS.md: owner, other patient, physio of the practice, physio of
    another practice, insurer, other insurer, anonymous)."""

    owner: Patient
    other_patient: Patient
    physio: Physiotherapist
    other_physio: Physiotherapist
    insurer: Insurer
    insurer_user: User
    other_insurer_user: User
    staff: User

    def user(self, actor: str) -> User | None:
        return {
            "owner": self.owner.user,
            "other_patient": self.other_patient.user,
            "physio": self.physio.user,
            "other_physio": self.other_physio.user,
            "insurer": self.insurer_user,
            "other_insurer": self.other_insurer_user,
            "staff": self.staff,
            "anonymous": None,
        }[actor]

    def client(self, actor: str) -> APIClient:
        return client_for(self.user(actor))


ACTORS = (
    "owner",
    "other_patient",
    "physio",
    "other_physio",
    "insurer",
    "other_insurer",
    "staff",
    "anonymous",
)


def ensure_catalogue() -> None:
    """The shipped catalogue and template come from a data migration; a transactional test's
    flush removes them for the tests after it, so they are loaded again when missing."""
    import importlib

    from django.apps import apps

    from programs.models import ProgrammeTemplate

    if not ProgrammeTemplate.objects.filter(slug=HIP_TEMPLATE).exists():
        migration = importlib.import_module("programs.migrations.0004_hip_osteoarthritis_template")
        migration.load(apps, None)


@pytest.fixture
def world(db) -> World:
    ensure_catalogue()
    practice = PracticeFactory(name="Fysio Centrum", agb_code="04000001")
    other_practice = PracticeFactory(name="Fysio Elders", agb_code="04000002")
    physio = PhysiotherapistFactory(practice=practice, user__username="physio")
    other_physio = PhysiotherapistFactory(practice=other_practice, user__username="otherphysio")
    owner = PatientFactory(physiotherapist=physio, user__username="owner")
    # Same practice and physiotherapist: the hardest case for patient-to-patient isolation.
    other_patient = PatientFactory(physiotherapist=physio, user__username="otherpatient")
    insurer = InsurerFactory(name="Verzekeraar A", uzovi_code="3311")
    other_insurer = InsurerFactory(name="Verzekeraar B", uzovi_code="3322")
    CoverageFactory(patient=owner, insurer=insurer, member_number="111111111")
    CoverageFactory(patient=other_patient, insurer=other_insurer, member_number="222222222")
    insurer_user = InsurerEmployeeFactory(insurer=insurer, user__username="insurer").user
    other_insurer_user = InsurerEmployeeFactory(
        insurer=other_insurer, user__username="otherinsurer"
    ).user
    staff = UserFactory(username="staff", role=Role.STAFF, is_staff=True, is_superuser=True)
    return World(
        owner=owner,
        other_patient=other_patient,
        physio=physio,
        other_physio=other_physio,
        insurer=insurer,
        insurer_user=insurer_user,
        other_insurer_user=other_insurer_user,
        staff=staff,
    )


@pytest.fixture
def live_worker():
    """A real Celery worker (in a thread of this process) consuming this test run's own queue on
    the configured broker: Redis in CI, the filesystem transport without REDIS_URL. Not eager
    mode (PITFALLS.md: eager mode is not a test of Celery)."""
    from celery.contrib.testing.worker import start_worker

    from backend.celery import app

    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        shutdown_timeout=15,
        loglevel="WARNING",
    ) as worker:
        yield worker


HIP_TEMPLATE = "hip-oa-12-weeks"


def enrol(patient: Patient, physio: Physiotherapist, **overrides):
    """Enrol through the service, as the physiotherapist would."""
    from datetime import time, timedelta

    from django.utils import timezone

    from programs.models import ProgrammeTemplate
    from programs.services.programme import programme_enrol

    values = {
        "start_date": timezone.localdate() + timedelta(days=1),
        "weekdays": [0, 3],
        "supervised_weekdays": [0],
        "session_time": time(18, 0),
        "template": ProgrammeTemplate.objects.get(slug=HIP_TEMPLATE),
    }
    values.update(overrides)
    return programme_enrol(actor=physio.user, physiotherapist=physio, patient=patient, **values)


@pytest.fixture
def programme(world):
    """The owner's running programme: Mondays (supervised) and Thursdays at 18:00."""
    return enrol(world.owner, world.physio)


@pytest.fixture
def flare(world):
    """The owner's programme from 1 March 2027, and one logged session with pain 7 during
    exercise: an open P1 alert."""
    import uuid
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    import time_machine

    from programs.models import Alert
    from programs.services.session import session_log_upsert

    amsterdam = ZoneInfo("Europe/Amsterdam")
    with time_machine.travel(datetime(2027, 2, 20, 9, tzinfo=amsterdam), tick=False):
        programme = enrol(world.owner, world.physio, start_date=date(2027, 3, 1))
    session = programme.sessions.order_by("scheduled_at").first()
    with time_machine.travel(datetime(2027, 3, 1, 19, tzinfo=amsterdam)):
        session_log_upsert(
            patient=world.owner,
            log_id=uuid.uuid4(),
            data={
                "planned_session": session.pk,
                "performed_at": session.scheduled_at,
                "status": "completed",
                "pain_before": 3,
                "pain_during_max": 7,
            },
        )
    return Alert.objects.get()
