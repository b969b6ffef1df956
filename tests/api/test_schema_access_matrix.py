"""The access matrix over the whole API: every operation in the OpenAPI schema, with every
role, against ONE table. A new endpoint that is not in the table fails this test; so does an
entry of the table that is no longer in the schema.

Roles: the patient who owns the data, another patient, a physiotherapist of the practice and
one of another practice, the patient's insurer and another insurer, staff, and anonymous.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from programs.models import Alert, Device, Programme
from programs.services.outcome import questionnaire_response_upsert
from programs.services.session import session_log_upsert
from tests.conftest import ACTORS, enrol

# Who may do what. "ok": allowed (any answer but 401/403, and not 404 for the owner of the
# object); otherwise the exact status a refused actor gets.
CLASSES = {
    "public": dict.fromkeys(ACTORS, "ok"),
    "signed_in": {**dict.fromkeys(ACTORS, "ok"), "anonymous": 401},
    "patient": {
        **dict.fromkeys(ACTORS, 403),
        "owner": "ok",
        "other_patient": "ok",
        "anonymous": 401,
    },
    "patient_object": {
        **dict.fromkeys(ACTORS, 403),
        "owner": "ok",
        "other_patient": 404,
        "anonymous": 401,
    },
    "physio": {
        **dict.fromkeys(ACTORS, 403),
        "physio": "ok",
        "other_physio": "ok",
        "anonymous": 401,
    },
    "physio_object": {
        **dict.fromkeys(ACTORS, 403),
        "physio": "ok",
        "other_physio": 404,
        "anonymous": 401,
    },
    "insurer": {
        **dict.fromkeys(ACTORS, 403),
        "insurer": "ok",
        "other_insurer": "ok",
        "anonymous": 401,
    },
    "insurer_member": {
        **dict.fromkeys(ACTORS, 403),
        "insurer": "ok",
        "other_insurer": 404,
        "anonymous": 401,
    },
}

TABLE = {
    ("POST", "/api/v1/auth/token/"): "public",
    ("POST", "/api/v1/auth/token/refresh/"): "public",
    ("POST", "/api/v1/auth/logout/"): "public",
    ("GET", "/api/v1/me/"): "signed_in",
    # the patient's own data
    ("GET", "/api/v1/me/access-log/"): "patient",
    ("GET", "/api/v1/me/adherence/"): "patient",
    ("GET", "/api/v1/me/devices/"): "patient",
    ("POST", "/api/v1/me/devices/"): "patient",
    ("DELETE", "/api/v1/me/devices/{device_id}/"): "patient_object",
    ("GET", "/api/v1/me/outcomes/"): "patient",
    ("GET", "/api/v1/me/programme/"): "patient",
    ("GET", "/api/v1/me/questionnaire-responses/"): "patient",
    ("GET", "/api/v1/me/questionnaire-responses/{response_id}/"): "patient_object",
    ("PUT", "/api/v1/me/questionnaire-responses/{response_id}/"): "patient_object",
    ("GET", "/api/v1/me/questionnaires/due/"): "patient",
    ("GET", "/api/v1/me/reimbursement/"): "patient",
    ("GET", "/api/v1/me/reminder-settings/"): "patient",
    ("PATCH", "/api/v1/me/reminder-settings/"): "patient",
    ("GET", "/api/v1/me/session-logs/"): "patient",
    ("GET", "/api/v1/me/session-logs/{log_id}/"): "patient_object",
    ("PUT", "/api/v1/me/session-logs/{log_id}/"): "patient_object",
    ("GET", "/api/v1/me/sessions/"): "patient",
    ("POST", "/api/v1/me/sync/"): "patient",
    ("GET", "/api/v1/me/weekly-pain/"): "patient",
    ("PUT", "/api/v1/me/weekly-pain/{week}/"): "patient",
    # the physiotherapist's practice
    ("GET", "/api/v1/physio/alerts/"): "physio",
    ("POST", "/api/v1/physio/alerts/{alert_id}/acknowledge/"): "physio_object",
    ("POST", "/api/v1/physio/alerts/{alert_id}/resolve/"): "physio_object",
    ("GET", "/api/v1/physio/caseload/"): "physio",
    ("GET", "/api/v1/physio/exercises/"): "physio",
    ("GET", "/api/v1/physio/templates/"): "physio",
    ("GET", "/api/v1/physio/patients/"): "physio",
    ("POST", "/api/v1/physio/patients/{patient_id}/indications/"): "physio_object",
    ("GET", "/api/v1/physio/patients/{patient_id}/outcomes/"): "physio_object",
    ("GET", "/api/v1/physio/patients/{patient_id}/progress/"): "physio_object",
    ("GET", "/api/v1/physio/patients/{patient_id}/questionnaire-responses/"): "physio_object",
    ("GET", "/api/v1/physio/patients/{patient_id}/reimbursement/"): "physio_object",
    ("PUT", "/api/v1/physio/patients/{patient_id}/treatments/{reference}/"): "physio_object",
    ("GET", "/api/v1/physio/programmes/"): "physio",
    ("POST", "/api/v1/physio/programmes/"): "physio",
    ("GET", "/api/v1/physio/programmes/{programme_id}/"): "physio_object",
    ("PATCH", "/api/v1/physio/programmes/{programme_id}/"): "physio_object",
    ("GET", "/api/v1/physio/programmes/{programme_id}/adherence/"): "physio_object",
    ("POST", "/api/v1/physio/programmes/{programme_id}/end/"): "physio_object",
    ("PATCH", "/api/v1/physio/programmes/{programme_id}/exercises/{item_id}/"): "physio_object",
    ("DELETE", "/api/v1/physio/programmes/{programme_id}/exercises/{item_id}/"): "physio_object",
    ("GET", "/api/v1/physio/programmes/{programme_id}/history/"): "physio_object",
    ("POST", "/api/v1/physio/programmes/{programme_id}/pause/"): "physio_object",
    ("POST", "/api/v1/physio/programmes/{programme_id}/resume/"): "physio_object",
    ("GET", "/api/v1/physio/programmes/{programme_id}/performance-tests/"): "physio_object",
    ("POST", "/api/v1/physio/programmes/{programme_id}/phases/{phase_order}/exercises/"): (
        "physio_object"
    ),
    ("GET", "/api/v1/physio/programmes/{programme_id}/session-logs/"): "physio_object",
    ("GET", "/api/v1/physio/programmes/{programme_id}/sessions/"): "physio_object",
    ("PUT", "/api/v1/physio/programmes/{programme_id}/sessions/{session_id}/attendance/"): (
        "physio_object"
    ),
    (
        "PUT",
        "/api/v1/physio/programmes/{programme_id}/sessions/{session_id}/performance-tests/{kind}/",
    ): "physio_object",
    ("POST", "/api/v1/physio/programmes/{programme_id}/sessions/{session_id}/reschedule/"): (
        "physio_object"
    ),
    # the insurer's members
    ("POST", "/api/v1/insurer/claims/check/"): "insurer",
    ("GET", "/api/v1/insurer/episodes/"): "insurer_member",
    ("GET", "/api/v1/insurer/episodes/export.csv"): "insurer",
}


def schema_operations() -> set[tuple[str, str]]:
    response = APIClient().get("/api/v1/schema/", {"format": "json"})
    return {
        (method.upper(), path)
        for path, operations in response.json()["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }


@pytest.mark.django_db
def test_the_table_covers_exactly_the_operations_in_the_schema():
    operations = schema_operations()
    missing = sorted(operations - set(TABLE))
    stale = sorted(set(TABLE) - operations)
    assert not missing, f"add these to TABLE: {missing}"
    assert not stale, f"no longer in the schema: {stale}"


@dataclass
class Data:
    programme: Programme
    session_id: uuid.UUID
    future_session_id: uuid.UUID
    log_id: uuid.UUID
    response_id: uuid.UUID
    device_id: int
    alert_id: int
    item_id: int


@pytest.fixture
def data(world) -> Data:
    programme = enrol(
        world.owner, world.physio, start_date=timezone.localdate() - timedelta(days=10)
    )
    past = programme.sessions.filter(scheduled_at__lt=timezone.now(), supervised=True).first()
    future = programme.sessions.filter(scheduled_at__gt=timezone.now()).order_by("scheduled_at")
    log_id = uuid.uuid4()
    session_log_upsert(
        patient=world.owner,
        log_id=log_id,
        data={
            "planned_session": past.pk,
            "performed_at": past.scheduled_at,
            "status": "completed",
            "pain_before": 2,
            "pain_during_max": 8,
        },
    )
    response_id = uuid.uuid4()
    questionnaire_response_upsert(
        patient=world.owner,
        response_id=response_id,
        data={
            "instrument": "oxford",
            "instrument_version": "1998",
            "answered_at": timezone.now() - timedelta(days=1),
            "answers": {f"OHS{i}": 2 for i in range(1, 13)},
        },
    )
    device = Device.objects.create(patient=world.owner, platform="ios", token="matrix-token-1")
    return Data(
        programme=programme,
        session_id=past.pk,
        future_session_id=future.first().pk,
        log_id=log_id,
        response_id=response_id,
        device_id=device.pk,
        alert_id=Alert.objects.get(patient=world.owner).pk,
        item_id=programme.phases.get(order=1).exercises.get(exercise__slug="bridging").pk,
    )


def concrete(path: str, world, data: Data, method: str) -> str:
    year, week, _day = timezone.localdate().isocalendar()
    session = data.future_session_id if path.endswith("/reschedule/") else data.session_id
    values = {
        "programme_id": data.programme.pk,
        "session_id": session,
        "patient_id": world.owner.pk,
        "log_id": data.log_id,
        "response_id": data.response_id,
        "device_id": data.device_id,
        "alert_id": data.alert_id,
        "item_id": data.item_id,
        "phase_order": 1,
        "kind": "tug",
        "week": f"{year}-W{week:02d}",
        "reference": uuid.uuid4(),
    }
    url = path.format(**values)
    if path == "/api/v1/insurer/episodes/":
        url += "?member_number=111111111"
    return url


def body(method: str, path: str, world, data: Data) -> dict | None:
    """A valid body, so that a refusal is about who asks, not about what they send."""
    now = timezone.now()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    bodies = {
        "/api/v1/auth/token/": {"username": "owner", "password": "wrong"},
        "/api/v1/auth/token/refresh/": {"refresh": "not-a-token"},
        "/api/v1/auth/logout/": {"refresh": "not-a-token"},
        "/api/v1/me/devices/": {"platform": "android", "token": f"t-{uuid.uuid4()}"},
        "/api/v1/me/questionnaire-responses/{response_id}/": {
            "instrument": "oxford",
            "instrument_version": "1998",
            "answered_at": now.isoformat(),
            "answers": {f"OHS{i}": 3 for i in range(1, 13)},
        },
        "/api/v1/me/reminder-settings/": {"minutes_before": 45},
        "/api/v1/me/session-logs/{log_id}/": {
            "planned_session": str(data.session_id),
            "performed_at": now.isoformat(),
            "status": "completed",
        },
        "/api/v1/me/sync/": {},
        "/api/v1/me/weekly-pain/{week}/": {"nrs": 3},
        "/api/v1/physio/alerts/{alert_id}/resolve/": {"note": "ok"},
        "/api/v1/physio/patients/{patient_id}/indications/": {
            "recorded_on": timezone.localdate().isoformat(),
            "diagnosis_code": "6223",
        },
        "/api/v1/physio/patients/{patient_id}/treatments/{reference}/": {
            "treated_at": now.isoformat()
        },
        "/api/v1/physio/programmes/": {
            "patient": str(world.other_patient.pk),
            "start_date": tomorrow,
            "weekdays": [1, 4],
            "session_time": "10:00",
        },
        "/api/v1/physio/programmes/{programme_id}/": {"session_time": "18:30"},
        "/api/v1/physio/programmes/{programme_id}/end/": {"reason": "other"},
        "/api/v1/physio/programmes/{programme_id}/exercises/{item_id}/": {"sets": 3},
        "/api/v1/physio/programmes/{programme_id}/pause/": {},
        "/api/v1/physio/programmes/{programme_id}/resume/": {},
        "/api/v1/physio/programmes/{programme_id}/phases/{phase_order}/exercises/": {
            "exercise": "brisk-walking",
            "sets": 1,
            "duration_seconds": 600,
        },
        "/api/v1/physio/programmes/{programme_id}/sessions/{session_id}/attendance/": {
            "status": "attended"
        },
        (
            "/api/v1/physio/programmes/{programme_id}/sessions/{session_id}/"
            "performance-tests/{kind}/"
        ): {"value": "10.5"},
        "/api/v1/physio/programmes/{programme_id}/sessions/{session_id}/reschedule/": {
            "date": (timezone.localdate() + timedelta(days=30)).isoformat()
        },
        "/api/v1/insurer/claims/check/": {
            "dry_run": True,
            "lines": [
                {
                    "member_number": "111111111",
                    "date": timezone.localdate().isoformat(),
                    "practice_agb": world.physio.practice.agb_code,
                    "therapist_agb": world.physio.agb_code,
                    "diagnosis_code": "6223",
                }
            ],
        },
    }
    return bodies.get(path) if method in ("POST", "PUT", "PATCH") else None


@pytest.mark.parametrize(("method", "path"), sorted(TABLE))
def test_every_operation_with_every_role(world, data, method, path):
    expected = CLASSES[TABLE[(method, path)]]
    url = concrete(path, world, data, method)
    payload = body(method, path, world, data)
    # Refused actors first: what the allowed ones change must not make a refusal pass.
    order = sorted(ACTORS, key=lambda actor: expected[actor] == "ok")
    outcomes = {}
    for actor in order:
        client = world.client(actor)
        response = getattr(client, method.lower())(url, payload, format="json")
        outcomes[actor] = response.status_code
    wrong = {}
    for actor, status in outcomes.items():
        want = expected[actor]
        if want == "ok" and TABLE[(method, path)] == "public":
            # Signing in needs no access: any answer but a crash is about the credentials.
            if status >= 500:
                wrong[actor] = status
        elif want == "ok":
            owner_of_object = (
                TABLE[(method, path)].endswith("_object")
                and actor
                in (
                    "owner",
                    "physio",
                )
            ) or (TABLE[(method, path)] == "insurer_member" and actor == "insurer")
            bad = status in (401, 403) or status >= 500 or (owner_of_object and status == 404)
            if bad:
                wrong[actor] = status
        elif status != want:
            wrong[actor] = status
    assert not wrong, f"{method} {path}: {wrong} (all: {outcomes})"
