"""Caseload, progress and alerts through the API: query counts for 10 and 500 patients,
filters and sorting, who acknowledged and resolved what, and the access matrix."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.models import AlertKind, AlertStatus
from tests.access import check_access
from tests.builders import practice_with_patients

AMS = ZoneInfo("Europe/Amsterdam")
PHYSIO = {
    "owner": 403,
    "other_patient": 403,
    "physio": 200,
    "other_physio": 200,
    "insurer": 403,
    "other_insurer": 403,
    "staff": 403,
    "anonymous": 401,
}


def caseload_queries(world, **params) -> tuple[int, dict]:
    """Queries of one caseload request, apart from the access-log insert: that is one INSERT
    for all rows on PostgreSQL, and split by SQLite's 999-parameter limit (asserted too)."""
    client = world.client("physio")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/physio/caseload/", {"page_size": 500, **params})
    assert response.status_code == 200, response.json()
    inserts = [q for q in captured if q["sql"].startswith('INSERT INTO "programs_accesslogentry"')]
    rows = len(response.json()["results"])
    allowed = 1 if connection.vendor == "postgresql" else -(-rows * 16 // 999)
    assert len(inserts) <= allowed
    return len(captured) - len(inserts), response.json()


def test_the_caseload_costs_the_same_queries_for_10_or_500_patients(world):
    practice_with_patients(world.physio, 8)  # + owner and other_patient = 10
    small, body = caseload_queries(world)
    assert body["count"] == 10
    practice_with_patients(world.physio, 490)
    large, body = caseload_queries(world)
    assert body["count"] == 500
    assert small == large
    assert small <= 13


def test_caseload_rows_carry_adherence_pain_scores_and_alerts(world):
    practice_with_patients(world.physio, 4)
    _queries, body = caseload_queries(world)
    bulk = [r for r in body["results"] if r["programme"] is not None]
    assert len(bulk) == 4
    row = bulk[0]
    assert row["programme_week"] == 3  # next session is in week 3
    assert (row["adherence_overall"]["due"], row["adherence_overall"]["done"]) == (2, 1)
    assert row["adherence_overall"]["session_adherence"] == 0.5
    assert row["weekly_pain"] in (3, 4) and row["weekly_pain_trend"] in (-1, 1)
    assert row["scores"]["oxford"] == {"value": 33.0, "baseline": 30.0, "change": 3.0}
    assert sum(r["open_alerts"] for r in bulk) == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"filter": "alerts"}, 2),
        ({"filter": "not_adherent"}, 4),
        ({"filter": "mine"}, 6),
        ({"filter": "all", "sort": "-alerts"}, 6),
    ],
)
def test_filters(world, params, expected):
    practice_with_patients(world.physio, 4)
    _queries, body = caseload_queries(world, **params)
    assert body["count"] == expected
    if params.get("sort") == "-alerts":
        assert [r["open_alerts"] for r in body["results"]][:2] == [1, 1]


def test_bad_filter_or_sort_is_a_400(world):
    for params, field in (({"filter": "everything"}, "filter"), ({"sort": "age"}, "sort")):
        response = world.client("physio").get("/api/v1/physio/caseload/", params)
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == [field]


def test_the_other_practice_sees_none_of_ours(world):
    practice_with_patients(world.physio, 3)
    body = world.client("other_physio").get("/api/v1/physio/caseload/").json()
    assert body["count"] == 0


def test_caseload_access_matrix(world):
    check_access(world, "get", "/api/v1/physio/caseload/", PHYSIO)
    check_access(world, "get", "/api/v1/physio/alerts/", PHYSIO)


def test_progress_of_a_patient(world, flare):
    from programs.services.session import attendance_register

    monday = flare.programme.sessions.order_by("scheduled_at").first()
    with time_machine.travel(datetime(2027, 3, 2, 9, tzinfo=AMS)):
        before = (
            world.client("physio").get(f"/api/v1/physio/patients/{world.owner.pk}/progress/").json()
        )
        # The supervised Monday the patient logged is done once attendance is registered.
        attendance_register(
            actor=world.physio.user, session=monday, status="attended", therapist=world.physio
        )
        body = (
            world.client("physio").get(f"/api/v1/physio/patients/{world.owner.pk}/progress/").json()
        )
    assert body["programme"]["weeks"] == 12
    assert before["weeks"][0]["week"] == 1 and before["weeks"][0]["done"] == 0
    assert body["weeks"][0]["week"] == 1 and body["weeks"][0]["done"] == 1
    assert body["session_pain"][0]["signals"] == ["P1"]
    assert [a["kind"] for a in body["alerts"]] == [AlertKind.PAIN_DURING]
    assert [c["kind"] for c in body["changes"]] == ["enrolled"]


def test_acknowledge_and_resolve_keep_who_and_when(world, flare):
    client = world.client("physio")
    acknowledged = client.post(f"/api/v1/physio/alerts/{flare.pk}/acknowledge/").json()
    assert (acknowledged["status"], acknowledged["acknowledged_by"]) == ("acknowledged", "physio")
    resolved = client.post(
        f"/api/v1/physio/alerts/{flare.pk}/resolve/", {"note": "dosis verlaagd"}, format="json"
    ).json()
    assert (resolved["status"], resolved["resolved_by"], resolved["resolution_note"]) == (
        "resolved",
        "physio",
        "dosis verlaagd",
    )
    again = client.post(f"/api/v1/physio/alerts/{flare.pk}/acknowledge/")
    assert again.status_code == 409
    assert client.get("/api/v1/physio/alerts/").json()["count"] == 0
    assert client.get("/api/v1/physio/alerts/", {"status": "resolved"}).json()["count"] == 1


def test_alert_actions_and_progress_access_matrix(world, flare):
    check_access(
        world,
        "get",
        f"/api/v1/physio/patients/{world.owner.pk}/progress/",
        {**PHYSIO, "other_physio": 404},
    )
    check_access(
        world,
        "post",
        f"/api/v1/physio/alerts/{flare.pk}/acknowledge/",
        {**PHYSIO, "other_physio": 404},
    )
    flare.refresh_from_db()
    assert flare.status == AlertStatus.ACKNOWLEDGED
    assert flare.acknowledged_by == world.physio.user
