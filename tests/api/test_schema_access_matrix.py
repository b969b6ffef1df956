"""The access matrix over the whole API: every operation in the OpenAPI schema, with every
role, against ONE table. A new endpoint that is not in the table fails this test; so does an
entry of the table that is no longer in the schema, and a URL the API serves that the schema
does not show (it would escape the matrix).

Roles: the patient who owns the data, another patient, a physiotherapist of the practice and
one of another practice, the patient's insurer and another insurer, staff, and anonymous.

An allowed call must be accepted (2xx; a refusal, a 404 or a 400 fails: every body here is
valid), and when it reads or changes a patient's data it must add an entry for that patient to
the access log (NEN 7513, docs/domain.md §6). A refused call must get exactly the refusal the table
names: 401 anonymous, 403 a role the operation is not for, 404 another's object, and for a
record named in the body the refusal inside the answer.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from programs.models import AccessLogEntry, Alert, Device, Exercise, Patient, Programme
from programs.services.outcome import questionnaire_response_upsert
from programs.services.programme import programme_pause
from programs.services.session import session_log_upsert
from tests.conftest import ACTORS, enrol
from tests.factories import PatientFactory


@dataclass(frozen=True)
class Refused:
    """Refused about a record the body names, inside an answer with this status."""

    status: int
    says: Callable[[dict], bool]
    why: str


def field_codes(body: dict, name: str) -> list[str]:
    return [error["code"] for error in body["error"]["fields"].get(name, [])]


# Who may do what. "ok": allowed (see the module docstring); a number: the exact status a
# refused actor gets; Refused: refused on what the body names.
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
    # A batch naming the owner's planned session: the other patient's item is refused.
    "patient_batch": {
        **dict.fromkeys(ACTORS, 403),
        "owner": "ok",
        "other_patient": Refused(
            200,
            lambda body: (
                [item["status"] for item in body["results"]] == [404]
                and field_codes(body["results"][0], "planned_session") == ["not_found"]
            ),
            "another patient's planned session",
        ),
        "anonymous": 401,
    },
    "physio": {
        **dict.fromkeys(ACTORS, 403),
        "physio": "ok",
        "other_physio": "ok",
        "anonymous": 401,
    },
    # The exercise catalogue: the app's patients and the physiotherapists.
    "catalogue": {
        **dict.fromkeys(ACTORS, 403),
        "owner": "ok",
        "other_patient": "ok",
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
    # The body names a patient: one of another practice is not found.
    "physio_body": {
        **dict.fromkeys(ACTORS, 403),
        "physio": "ok",
        "other_physio": Refused(
            400,
            lambda body: field_codes(body, "patient") == ["not_found"],
            "a patient of another practice",
        ),
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
    # Claim lines name a member: another insurer's member is judged not_our_member.
    "insurer_lines": {
        **dict.fromkeys(ACTORS, 403),
        "insurer": "ok",
        "other_insurer": Refused(
            200,
            lambda body: [line["verdict"] for line in body["results"]] == ["not_our_member"],
            "another insurer's member",
        ),
        "anonymous": 401,
    },
}

TABLE = {
    ("POST", "/api/v1/auth/token/"): "public",
    ("POST", "/api/v1/auth/token/refresh/"): "public",
    ("POST", "/api/v1/auth/logout/"): "public",
    ("GET", "/api/v1/me/"): "signed_in",
    ("GET", "/api/v1/exercises/"): "catalogue",
    ("GET", "/api/v1/exercises/{exercise_id}/"): "catalogue",
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
    ("POST", "/api/v1/me/sync/"): "patient_batch",
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
    ("GET", "/api/v1/physio/patients/{patient_id}/"): "physio_object",
    ("POST", "/api/v1/physio/patients/{patient_id}/indications/"): "physio_object",
    ("GET", "/api/v1/physio/patients/{patient_id}/outcomes/"): "physio_object",
    ("GET", "/api/v1/physio/patients/{patient_id}/progress/"): "physio_object",
    ("GET", "/api/v1/physio/patients/{patient_id}/questionnaire-responses/"): "physio_object",
    ("GET", "/api/v1/physio/patients/{patient_id}/reimbursement/"): "physio_object",
    ("PUT", "/api/v1/physio/patients/{patient_id}/treatments/{reference}/"): "physio_object",
    ("GET", "/api/v1/physio/programmes/"): "physio",
    ("POST", "/api/v1/physio/programmes/"): "physio_body",
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
    ("POST", "/api/v1/insurer/claims/check/"): "insurer_lines",
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


# Served under /api/ and rightly not in the schema: the schema and its viewer.
NOT_IN_SCHEMA = {("GET", "/api/v1/schema/"), ("GET", "/api/v1/docs/")}
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def resolver_operations(patterns=None, prefix: str = "/") -> set[tuple[str, str]]:
    """Every (method, path) the URL configuration serves under /api/, in the schema's notation,
    whatever the schema generator makes of it."""
    operations = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = str(pattern.pattern).lstrip("^").rstrip("$")
        path = prefix + CONVERTER.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", route)
        if isinstance(pattern, URLResolver):
            operations |= resolver_operations(pattern.url_patterns, path)
        elif isinstance(pattern, URLPattern) and path.startswith("/api/"):
            view = getattr(pattern.callback, "view_class", None)
            methods = (
                [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)]
                if view is not None
                else ["get"]
            )
            operations |= {(method.upper(), path) for method in methods}
    return operations


@pytest.mark.django_db
def test_the_table_covers_exactly_the_operations_in_the_schema():
    operations = schema_operations()
    missing = sorted(operations - set(TABLE))
    stale = sorted(set(TABLE) - operations)
    assert not missing, f"add these to TABLE: {missing}"
    assert not stale, f"no longer in the schema: {stale}"


@pytest.mark.django_db
def test_every_operation_the_api_serves_is_in_the_schema():
    served = resolver_operations()
    assert len(served) > 50
    assert served >= NOT_IN_SCHEMA
    hidden = sorted(served - NOT_IN_SCHEMA - schema_operations())
    assert not hidden, f"served but not in the schema, so not in the matrix: {hidden}"


@dataclass
class Data:
    programme: Programme
    session_id: uuid.UUID
    future_session_id: uuid.UUID
    unlogged_session_id: uuid.UUID
    free_date: str
    log_id: uuid.UUID
    response_id: uuid.UUID
    device_id: int
    alert_id: int
    item_id: int
    newcomer: Patient


@pytest.fixture
def data(world) -> Data:
    ten_days_ago = timezone.localdate() - timedelta(days=10)
    programme = enrol(world.owner, world.physio, start_date=ten_days_ago)
    # The other patient follows a programme too: what they are allowed gets a real answer.
    enrol(world.other_patient, world.physio, start_date=ten_days_ago)
    past = programme.sessions.filter(scheduled_at__lt=timezone.now(), supervised=True).first()
    unlogged = programme.sessions.filter(scheduled_at__lt=timezone.now(), supervised=False)
    future = programme.sessions.filter(scheduled_at__gt=timezone.now()).order_by("scheduled_at")
    taken = set(programme.sessions.values_list("local_date", flat=True))
    free_date = next(
        future.first().local_date + timedelta(days=n)
        for n in range(1, 7)
        if future.first().local_date + timedelta(days=n) not in taken
    )
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
        unlogged_session_id=unlogged.first().pk,
        free_date=free_date.isoformat(),
        log_id=log_id,
        response_id=response_id,
        device_id=device.pk,
        alert_id=Alert.objects.get(patient=world.owner).pk,
        item_id=programme.phases.get(order=1).exercises.get(exercise__slug="bridging").pk,
        # Of the practice, not yet enrolled: the physiotherapist enrols them.
        newcomer=PatientFactory(physiotherapist=world.physio, user__username="newcomer"),
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
        "exercise_id": Exercise.objects.get(slug="bridging").pk,
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
        "/api/v1/me/sync/": {
            "session_logs": [
                {
                    "id": str(uuid.uuid4()),
                    "planned_session": str(data.unlogged_session_id),
                    "performed_at": now.isoformat(),
                    "status": "completed",
                }
            ]
        },
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
            "patient": str(data.newcomer.pk),
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
            "date": data.free_date
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


# What an allowed answer must say beyond its 2xx: a batch or a check judged item by item.
ACCEPTED = {
    ("POST", "/api/v1/me/sync/"): lambda body: [i["status"] for i in body["results"]] == [201],
    ("POST", "/api/v1/insurer/claims/check/"): (
        lambda body: [line["verdict"] for line in body["results"]] != ["not_our_member"]
    ),
}

# Operations on no patient's data; every other allowed call writes the access log.
NO_PATIENT_DATA = {
    ("POST", "/api/v1/auth/token/"),
    ("POST", "/api/v1/auth/token/refresh/"),
    ("POST", "/api/v1/auth/logout/"),
    ("GET", "/api/v1/physio/exercises/"),
    ("GET", "/api/v1/physio/templates/"),
    ("GET", "/api/v1/exercises/"),
    ("GET", "/api/v1/exercises/{exercise_id}/"),
}


def patients_touched(method: str, path: str, actor: str, world, data: Data) -> set:
    """Whose data an allowed call reads or changes: the access log must name them."""
    if (method, path) in NO_PATIENT_DATA:
        return set()
    if path.startswith("/api/v1/me/"):
        patient = {"owner": world.owner, "other_patient": world.other_patient}.get(actor)
        return {patient.pk} if patient else set()  # GET /me/ of someone else: their account
    if path.startswith("/api/v1/physio/"):
        if actor == "other_physio":
            return set()  # their practice has no patients
        if (method, path) == ("POST", "/api/v1/physio/programmes/"):
            return {data.newcomer.pk}
        return {world.owner.pk}
    if path.startswith("/api/v1/insurer/"):
        if actor == "other_insurer":  # their member is the other patient
            return {world.other_patient.pk} if path.endswith("export.csv") else set()
        return {world.owner.pk}
    raise AssertionError(f"whose data does {method} {path} touch?")


def prepare(method: str, path: str, world, data: Data) -> None:
    """The state an operation needs to be accepted."""
    if path.endswith("/resume/"):
        programme_pause(actor=world.physio.user, programme=data.programme)


def judge(want, status: int, body, accepted) -> str | None:
    """What is wrong with this answer, or None."""
    if isinstance(want, Refused):
        if status != want.status or not want.says(body):
            return f"{status}, not refused for {want.why}: {str(body.get('results', body))[:300]}"
        return None
    if want != "ok":
        return None if status == want else str(status)
    if not 200 <= status < 300:
        return str(status)
    if accepted is not None and not accepted(body):
        return f"{status} but not accepted: {body.get('results')}"
    return None


@pytest.mark.parametrize(("method", "path"), sorted(TABLE))
def test_every_operation_with_every_role(world, data, method, path):
    expected = CLASSES[TABLE[(method, path)]]
    url = concrete(path, world, data, method)
    payload = body(method, path, world, data)
    prepare(method, path, world, data)
    # Refused actors first: what the allowed ones change must not make a refusal pass.
    order = sorted(ACTORS, key=lambda actor: expected[actor] == "ok")
    outcomes, wrong = {}, {}
    for actor in order:
        client = world.client(actor)
        logged_before = AccessLogEntry.objects.count()
        response = getattr(client, method.lower())(url, payload, format="json")
        if response.streaming:  # the CSV export logs as it streams
            b"".join(response.streaming_content)
        status = outcomes[actor] = response.status_code
        json_body = response.json() if response.get("Content-Type") == "application/json" else {}
        want = expected[actor]
        if TABLE[(method, path)] == "public":
            # Signing in needs no access: any answer but a crash is about the credentials.
            problem = f"{status}" if status >= 500 else None
        else:
            problem = judge(want, status, json_body, ACCEPTED.get((method, path)))
        if problem is None and want == "ok":
            logged = set(
                AccessLogEntry.objects.order_by("pk")[logged_before:].values_list(
                    "patient_id", flat=True
                )
            )
            unlogged = patients_touched(method, path, actor, world, data) - logged
            if unlogged:
                problem = f"{status} but not in the access log: {sorted(map(str, unlogged))}"
        if problem is not None:
            wrong[actor] = problem
    assert not wrong, f"{method} {path}: {wrong} (all: {outcomes})"
