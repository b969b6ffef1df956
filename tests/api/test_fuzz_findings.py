"""Regression tests for what fuzzing the API (tests/test_fuzz.py) found: each case is the
request that failed, replayed through schemathesis so the answer is checked against the
OpenAPI schema as well as for its status."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from drf_spectacular.generators import SchemaGenerator
from schemathesis.specs.openapi.checks import positive_data_acceptance

from programs.models import Attendance, PlannedSession
from tests.conftest import bearer

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def call(api_schema, user, method: str, path: str, **parts):
    """Send one request, check its answer against the schema (as the fuzzer does), return it."""
    operation = api_schema[path][method]
    case = operation.Case(**parts)
    response = case.call_and_validate(
        headers=bearer(user), excluded_checks=[positive_data_acceptance]
    )
    return response.status_code, (response.json() if response.content else None)


def field_codes(body) -> dict[str, list[str]]:
    return {name: [e["code"] for e in errors] for name, errors in body["error"]["fields"].items()}


# --- Answers that did not match their own schema -----------------------------------------------


def test_a_programme_with_exercises_without_variants_matches_the_schema(api_schema, world, flare):
    # Variants null (schema said string); session_time "18:00" (schema said RFC 3339 `time`).
    status, body = call(api_schema, world.owner.user, "GET", "/api/v1/me/programme/")
    assert status == 200
    assert body["session_time"] == "18:00"
    variants = [
        item["exercise"]["easier_variant"]
        for phase in body["phases"]
        for item in phase["exercises"]
    ]
    assert None in variants


def test_sessions_never_moved_match_the_schema(api_schema, world, flare):
    # originally_scheduled_at null (schema said string).
    status, body = call(api_schema, world.owner.user, "GET", "/api/v1/me/sessions/")
    assert status == 200
    assert body["results"][0]["originally_scheduled_at"] is None


def test_reminder_settings_match_the_schema(api_schema, world, flare):
    status, body = call(api_schema, world.owner.user, "GET", "/api/v1/me/reminder-settings/")
    assert (status, body["quiet_start"], body["quiet_end"]) == (200, "22:00", "08:00")
    status, body = call(
        api_schema,
        world.owner.user,
        "PATCH",
        "/api/v1/me/reminder-settings/",
        body={"quiet_start": "21:30:00"},
    )
    assert (status, body["quiet_start"]) == (200, "21:30")


def test_the_physiotherapists_programme_list_and_progress_match_the_schema(
    api_schema, world, flare
):
    status, body = call(api_schema, world.physio.user, "GET", "/api/v1/physio/programmes/")
    assert (status, body["results"][0]["session_time"]) == (200, "18:00")
    status, body = call(
        api_schema,
        world.physio.user,
        "GET",
        "/api/v1/physio/patients/{patient_id}/progress/",
        path_parameters={"patient_id": str(world.owner.pk)},
    )
    assert status == 200
    assert body["programme"]["id"] == str(flare.programme.pk)


# --- Bad query parameters: a 400 naming them, documented (was a 404 or an undocumented 400) ----


@pytest.mark.parametrize("page", ["-71248", "0", "{}", "two"])
def test_a_page_that_is_not_a_positive_number_is_a_400_naming_it(api_schema, world, page):
    status, body = call(
        api_schema, world.owner.user, "GET", "/api/v1/me/access-log/", query={"page": page}
    )
    assert (status, field_codes(body)) == (400, {"page": ["invalid"]})


def test_a_page_past_the_last_is_a_documented_404(api_schema, world):
    status, body = call(
        api_schema, world.owner.user, "GET", "/api/v1/me/session-logs/", query={"page": "9"}
    )
    assert (status, body["error"]["code"]) == (404, "not_found")


def test_page_size_zero_is_a_400_and_a_large_one_is_capped(api_schema, world, flare):
    status, body = call(
        api_schema, world.owner.user, "GET", "/api/v1/me/sessions/", query={"page_size": "0"}
    )
    assert (status, field_codes(body)) == (400, {"page_size": ["invalid"]})
    status, body = call(
        api_schema, world.owner.user, "GET", "/api/v1/me/sessions/", query={"page_size": "5000"}
    )
    assert (status, len(body["results"])) == (200, 24)


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/physio/alerts/", {"patient": "answered"}, "patient"),
        ("/api/v1/physio/programmes/", {"patient": "answered"}, "patient"),
        ("/api/v1/physio/programmes/", {"running": "maybe"}, "running"),
        ("/api/v1/physio/exercises/", {"kind": "juggling"}, "kind"),
    ],
)
def test_a_malformed_physiotherapist_filter_is_a_400_naming_it(
    api_schema, world, path, query, field
):
    status, body = call(api_schema, world.physio.user, "GET", path, query=query)
    assert status == 400
    assert list(field_codes(body)) == [field]


def test_a_malformed_include_own_is_a_400(api_schema, world):
    status, body = call(
        api_schema,
        world.owner.user,
        "GET",
        "/api/v1/me/access-log/",
        query={"include_own": "maybe"},
    )
    assert (status, list(field_codes(body))) == (400, ["include_own"])


# --- Implausible moments: a treatment in the year 897 was registered (and rendered with a ------
# --- local-mean-time offset no client can parse) ------------------------------------------------


def attendance_path(flare):
    session = flare.programme.sessions.filter(supervised=True).order_by("scheduled_at").first()
    return session, {"programme_id": str(flare.programme.pk), "session_id": str(session.pk)}


def test_a_treatment_in_the_year_897_is_refused(api_schema, world, flare):
    session, path_parameters = attendance_path(flare)
    status, body = call(
        api_schema,
        world.physio.user,
        "PUT",
        "/api/v1/physio/programmes/{programme_id}/sessions/{session_id}/attendance/",
        path_parameters=path_parameters,
        body={"status": "cancelled_by_practice", "treated_at": "0897-11-25T19:20:24.183Z"},
    )
    assert (status, field_codes(body)) == (400, {"treated_at": ["implausible"]})
    assert PlannedSession.objects.get(pk=session.pk).status == "scheduled"
    assert not Attendance.objects.exists()


def test_an_attendance_more_than_a_week_from_its_session_is_refused(api_schema, world, flare):
    session, path_parameters = attendance_path(flare)
    with time_machine.travel(session.scheduled_at + timedelta(days=20)):
        physio = world.physio.user
        late = (session.scheduled_at + timedelta(days=8)).astimezone(AMSTERDAM).isoformat()
        status, body = call(
            api_schema,
            physio,
            "PUT",
            "/api/v1/physio/programmes/{programme_id}/sessions/{session_id}/attendance/",
            path_parameters=path_parameters,
            body={"status": "attended", "treated_at": late},
        )
        assert (status, field_codes(body)) == (400, {"treated_at": ["far_from_session"]})
        on_time = (session.scheduled_at + timedelta(days=6)).astimezone(AMSTERDAM).isoformat()
        status, body = call(
            api_schema,
            physio,
            "PUT",
            "/api/v1/physio/programmes/{programme_id}/sessions/{session_id}/attendance/",
            path_parameters=path_parameters,
            body={"status": "attended", "treated_at": on_time},
        )
        assert status == 201


@pytest.mark.parametrize(
    ("recorded_on", "code"), [("2027-06-01", "in_the_future"), ("1999-12-31", "implausible")]
)
def test_an_indication_dated_in_the_future_or_last_century_is_refused(
    api_schema, world, recorded_on, code
):
    with time_machine.travel(datetime(2027, 1, 20, 10, tzinfo=AMSTERDAM)):
        status, body = call(
            api_schema,
            world.physio.user,
            "POST",
            "/api/v1/physio/patients/{patient_id}/indications/",
            path_parameters={"patient_id": str(world.owner.pk)},
            body={"recorded_on": recorded_on, "diagnosis_code": "6223"},
        )
    assert (status, field_codes(body)) == (400, {"recorded_on": [code]})
    assert not world.owner.indications.exists()


def test_a_performance_test_value_is_a_number_in_the_schema(api_schema, world, flare):
    # Was a decimal string whose generated pattern let "" through as schema-valid.
    schema = SchemaGenerator().get_schema(request=None, public=True)
    value = schema["components"]["schemas"]["PerformanceTestInputRequest"]["properties"]["value"]
    assert (value["type"], value["minimum"], value["maximum"]) == ("number", 0, 10000)
    _session, path_parameters = attendance_path(flare)
    status, body = call(
        api_schema,
        world.physio.user,
        "PUT",
        "/api/v1/physio/programmes/{programme_id}/sessions/{session_id}/performance-tests/{kind}/",
        path_parameters={**path_parameters, "kind": "chair_stand_30s"},
        body={"value": ""},
    )
    assert (status, list(field_codes(body))) == (400, ["value"])


def test_an_impossible_time_of_day_is_a_400_not_a_500(api_schema, world):
    # "12:99" has the shape of a time: Django's parser raised ValueError through the view.
    status, body = call(
        api_schema,
        world.physio.user,
        "PUT",
        "/api/v1/physio/patients/{patient_id}/treatments/{reference}/",
        path_parameters={
            "patient_id": str(world.owner.pk),
            "reference": "6f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
        },
        body={"treated_at": "2024-01-01T12:99:00Z", "location": "home"},
    )
    assert (status, list(field_codes(body))) == (400, ["treated_at"])


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/physio/programmes/{programme_id}/sessions/", {"from": "", "to": ""}, "from"),
        ("/api/v1/physio/programmes/{programme_id}/session-logs/", {"to": ""}, "to"),
        ("/api/v1/physio/exercises/", {"kind": ""}, "kind"),
        ("/api/v1/physio/alerts/", {"patient": ""}, "patient"),
        ("/api/v1/physio/caseload/", {"page": ""}, "page"),
    ],
)
def test_an_empty_query_parameter_is_a_400_not_ignored(
    api_schema, world, flare, path, query, field
):
    parts = {"query": query}
    if "{programme_id}" in path:
        parts["path_parameters"] = {"programme_id": str(flare.programme.pk)}
    status, body = call(api_schema, world.physio.user, "GET", path, **parts)
    assert status == 400
    assert field in field_codes(body)


def test_a_note_that_is_a_number_is_a_400_naming_it(api_schema, world, flare):
    # DRF's CharField took the integer and stored its digits as the resolution note.
    status, body = call(
        api_schema,
        world.physio.user,
        "POST",
        "/api/v1/physio/alerts/{alert_id}/resolve/",
        path_parameters={"alert_id": flare.pk},
        body={"note": -2503072008098441854976},
    )
    assert (status, field_codes(body)) == (400, {"note": ["invalid"]})
    flare.refresh_from_db()
    assert flare.status != "resolved"
