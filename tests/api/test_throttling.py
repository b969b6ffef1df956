"""Rate limits on sign-in and on the patient app, and what happens when their counter store
(the cache: Redis in production) cannot be reached: requests go through."""

import logging
import socket
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from programs.models import SessionLog
from tests.conftest import enrol
from tests.factories import PASSWORD

AMS = ZoneInfo("Europe/Amsterdam")
TOKEN_URL = "/api/v1/auth/token/"
REFRESH_URL = "/api/v1/auth/token/refresh/"


@pytest.fixture
def rates(settings):
    def set_rates(**changes):
        framework = dict(settings.REST_FRAMEWORK)
        framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], **changes}
        settings.REST_FRAMEWORK = framework

    return set_rates


def sign_in(username, password, address):
    return APIClient(REMOTE_ADDR=address).post(
        TOKEN_URL, {"username": username, "password": password}, format="json"
    )


def test_sign_in_is_limited_per_address(world, rates):
    rates(login="3/minute")
    answers = [sign_in("owner", "wrong", "10.1.1.1").status_code for _ in range(3)]
    assert answers == [401, 401, 401]
    refused = sign_in("owner", "wrong", "10.1.1.1")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    # Another address is counted on its own, whatever username it tries.
    assert sign_in("otherpatient", "wrong", "10.1.1.2").status_code == 401


def refresh(token, address):
    return APIClient(REMOTE_ADDR=address).post(REFRESH_URL, {"refresh": token}, format="json")


def test_refreshing_is_limited_per_token_not_per_address(world, rates):
    rates(login="3/minute", refresh="2/minute")
    # Patients behind one carrier NAT address, each refreshing their own token.
    users = [world.owner.user, world.other_patient.user, world.physio.user, world.staff] * 2
    tokens = [str(RefreshToken.for_user(user)) for user in users]
    assert [refresh(token, "100.64.0.1").status_code for token in tokens] == [200] * 8
    # One token: exchanged, replayed once within the grace period, then refused.
    token = str(RefreshToken.for_user(world.owner.user))
    answers = [refresh(token, "100.64.0.1").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    # Signing in from that address was not counted by any of it.
    assert sign_in("owner", PASSWORD, "100.64.0.1").status_code == 200


def test_refreshing_with_tokens_that_do_not_verify_counts_as_signing_in(world, rates):
    rates(login="3/minute")
    answers = [refresh(f"not.a.token{n}", "10.1.1.3").status_code for n in range(3)]
    assert answers == [401, 401, 401]
    assert refresh("not.a.token", "10.1.1.3").status_code == 429
    assert sign_in("owner", PASSWORD, "10.1.1.3").status_code == 429


def test_a_refresh_body_that_does_not_parse_is_a_parse_error(world):
    response = APIClient().generic(
        "POST", REFRESH_URL, "{not json", content_type="application/json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "parse_error")


def test_the_patient_app_is_limited_per_patient(world, rates):
    rates(patient="5/minute")
    owner = world.client("owner")
    answers = [owner.get("/api/v1/me/").status_code for _ in range(5)]
    assert answers == [200] * 5
    refused = owner.get("/api/v1/me/")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert "Retry-After" in refused
    # Each patient has a bucket of their own; physiotherapists are not counted by it.
    assert world.client("other_patient").get("/api/v1/me/").status_code == 200
    physio = world.client("physio")
    assert [physio.get("/api/v1/physio/patients/").status_code for _ in range(6)] == [200] * 6


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unreachable_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_with_the_cache_down_patients_still_log_and_sign_in(
    world, rates, unreachable_cache, caplog
):
    rates(patient="1/minute", login="1/minute")  # with a cache, the second request is refused
    with time_machine.travel(datetime(2027, 2, 26, 9, tzinfo=AMS), tick=False):
        programme = enrol(world.owner, world.physio)
    session = programme.sessions.order_by("scheduled_at").first()
    url = f"/api/v1/me/session-logs/{uuid.uuid4()}/"
    body = {
        "planned_session": str(session.pk),
        "performed_at": session.scheduled_at.isoformat(),
        "status": "completed",
        "pain_before": 2,
        "pain_during_max": 3,
    }
    caplog.set_level(logging.WARNING, logger="programs.api.throttling")
    with time_machine.travel(session.scheduled_at.astimezone(AMS).replace(hour=20)):
        client = world.client("owner")
        # The app retries after a lost answer: saved once, the retry says "already there".
        assert [client.put(url, body, format="json").status_code for _ in range(2)] == [201, 200]
        assert [sign_in("owner", PASSWORD, "10.1.1.3").status_code for _ in range(2)] == [200, 200]
    assert SessionLog.objects.filter(patient=world.owner).count() == 1
    assert "cache unreachable" in caplog.text


def test_with_the_cache_back_the_limits_apply_again(world, rates, unreachable_cache, settings):
    rates(patient="1/minute")
    owner = world.client("owner")
    assert [owner.get("/api/v1/me/").status_code for _ in range(2)] == [200, 200]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttle-back",
        }
    }
    assert [owner.get("/api/v1/me/").status_code for _ in range(2)] == [200, 429]
