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
from tests.builders import answer_oxford, practice_with_patients

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


@pytest.fixture
def varied(world):
    """Three bulk patients whose rows differ in every sortable column:

    | patient | week | adherence | last activity | pain | alerts |
    | a       | 3    | 2/3       | yesterday     | 3    | 0      |
    | b       | 4    | 2/2       | 5 days ago    | 7    | 1      |
    | c       | 5    | 0/2       | none          | 5    | 2      |

    owner and other_patient have no programme (missing values sort last either way)."""
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from programs.models import Alert, PlannedSession, Programme, SessionLog, WeeklyPain

    a, b, c = practice_with_patients(world.physio, 3)
    now, today = timezone.now(), timezone.localdate()
    for patient, name in (
        (a, "Aalders"),
        (b, "Bakker"),
        (c, "Claes"),
        (world.owner, "Ooster"),
        (world.other_patient, "Pieters"),
    ):
        patient.user.last_name = name
        patient.user.save()
    programmes = {p.patient_id: p for p in Programme.objects.filter(patient__in=[a, b, c])}
    # a: a second week-3 session yesterday, done: this week 1 of 1, overall 2 of 3.
    extra = PlannedSession.objects.create(
        programme=programmes[a.pk],
        week=3,
        scheduled_at=now - timedelta(days=1),
        local_date=today - timedelta(days=1),
    )
    SessionLog.objects.create(
        patient=a,
        programme=programmes[a.pk],
        planned_session=extra,
        performed_at=extra.scheduled_at,
        status="completed",
        body_hash="x",
    )
    # b: week 2 done as well, and one week further on (it started a week earlier).
    week_2 = programmes[b.pk].sessions.get(week=2)
    SessionLog.objects.create(
        patient=b,
        programme=programmes[b.pk],
        planned_session=week_2,
        performed_at=week_2.scheduled_at,
        status="completed",
        body_hash="x",
    )
    PlannedSession.objects.filter(programme=programmes[b.pk]).update(week=F("week") + 1)
    Programme.objects.filter(pk=programmes[b.pk].pk).update(
        start_date=programmes[b.pk].start_date - timedelta(days=7)
    )
    # c: nothing done, two weeks further on.
    SessionLog.objects.filter(patient=c).delete()
    PlannedSession.objects.filter(programme=programmes[c.pk]).update(week=F("week") + 2)
    Programme.objects.filter(pk=programmes[c.pk].pk).update(
        start_date=programmes[c.pk].start_date - timedelta(days=14)
    )
    this_monday = today - timedelta(days=today.weekday())
    for patient, nrs in ((a, 3), (b, 7), (c, 5)):
        WeeklyPain.objects.filter(patient=patient, week_start=this_monday).update(nrs=nrs)
    Alert.objects.filter(patient=a).delete()
    Alert.objects.create(patient=b, kind=AlertKind.PAIN_DURING, subject="b", raised_at=now)
    Alert.objects.create(patient=c, kind=AlertKind.DROPOUT_NO_LOG, subject="c", raised_at=now)
    return {"a": a.pk, "b": b.pk, "c": c.pk, "owner": world.owner.pk}


def order(world, varied, **params):
    _queries, body = caseload_queries(world, **params)
    names = {str(pk): name for name, pk in varied.items()}
    return [names.get(r["patient"]["id"], "other") for r in body["results"]], body


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["a", "b", "c", "owner", "other"]),
        ("-name", ["other", "owner", "c", "b", "a"]),
        ("week", ["a", "b", "c"]),
        ("-week", ["c", "b", "a"]),
        ("adherence", ["c", "a", "b"]),
        ("-adherence", ["b", "a", "c"]),
        ("last_activity", ["b", "a"]),
        ("-last_activity", ["a", "b"]),
        ("pain", ["a", "c", "b"]),
        ("-pain", ["b", "c", "a"]),
        ("-alerts", ["c", "b"]),
    ],
)
def test_each_sort(world, varied, sort, expected):
    names, _body = order(world, varied, sort=sort)
    assert names[: len(expected)] == expected
    assert len(names) == 5


def test_ascending_alerts_puts_the_most_alerts_last(world, varied):
    names, _body = order(world, varied, sort="alerts")
    assert names[-2:] == ["b", "c"]


@pytest.mark.parametrize(
    ("filter_by", "expected"),
    [
        ("all", {"a", "b", "c", "owner", "other"}),
        ("alerts", {"b", "c"}),
        ("not_adherent", {"a", "c"}),
        ("mine", {"a", "b", "c", "owner", "other"}),
    ],
)
def test_each_filter(world, varied, filter_by, expected):
    names, _body = order(world, varied, filter=filter_by)
    assert set(names) == expected


def test_mine_leaves_out_a_colleagues_patients(world, varied):
    from tests.factories import PatientFactory, PhysiotherapistFactory

    colleague = PhysiotherapistFactory(practice=world.physio.practice)
    PatientFactory(physiotherapist=colleague)
    all_names, _body = order(world, varied, filter="all")
    mine, _body = order(world, varied, filter="mine")
    assert (len(all_names), len(mine)) == (6, 5)


def test_adherence_this_week_and_overall(world, varied):
    _names, body = order(world, varied)
    rows = {r["patient"]["id"]: r for r in body["results"]}
    a = rows[str(varied["a"])]
    assert a["programme_week"] == 3
    assert (a["adherence_week"]["due"], a["adherence_week"]["done"]) == (1, 1)
    assert a["adherence_week"]["session_adherence"] == 1.0
    assert (a["adherence_overall"]["due"], a["adherence_overall"]["done"]) == (3, 2)
    assert a["adherence_overall"]["adherent"] is False
    assert a["this_week"] == {"planned": 2, "due": 1, "done": 1}
    b = rows[str(varied["b"])]
    assert (b["programme_week"], b["adherence_week"]) == (4, None)  # nothing due yet
    assert b["this_week"] == {"planned": 1, "due": 0, "done": 0}
    assert b["adherence_overall"]["session_adherence"] == 1.0
    assert rows[str(varied["owner"])]["adherence_week"] is None


def test_progress_series_scores_and_tests(world):
    """Weekly pain with change and the NRS rule (2 points or 30%: with a baseline of 3, one
    point is important), scores with their change against baseline, performance tests."""
    from datetime import date
    from decimal import Decimal

    from programs.services.outcome import (
        performance_test_record,
        weekly_pain_report,
    )
    from tests.conftest import enrol

    with time_machine.travel(datetime(2027, 2, 20, 9, tzinfo=AMS), tick=False):
        programme = enrol(world.owner, world.physio, start_date=date(2027, 3, 1))
    for monday, nrs in ((1, 3), (8, 3), (15, 2), (22, 5)):
        at = datetime(2027, 3, monday + 6, 20, tzinfo=AMS)
        with time_machine.travel(at):
            weekly_pain_report(
                patient=world.owner, week_start=date(2027, 3, monday), nrs=nrs, reported_at=at
            )
    for total, when, timepoint in (
        (30, datetime(2027, 2, 26, 10, tzinfo=AMS), "baseline"),
        (36, datetime(2027, 4, 5, 10, tzinfo=AMS), "week_6"),
    ):
        answer_oxford(world.owner, total, when, timepoint)
    first, second = programme.sessions.filter(supervised=True).order_by("scheduled_at")[:2]
    for session, stands in ((first, "10"), (second, "13")):
        with time_machine.travel(session.scheduled_at):
            performance_test_record(
                physiotherapist=world.physio,
                session=session,
                kind="chair_stand_30s",
                value=Decimal(stands),
            )
    with time_machine.travel(datetime(2027, 4, 6, 9, tzinfo=AMS)):
        response = world.client("physio").get(f"/api/v1/physio/patients/{world.owner.pk}/progress/")
    assert response.status_code == 200
    body = response.json()
    assert [
        (p["nrs"], p["baseline"], p["change"], p["important"], p["p3_signal"])
        for p in body["weekly_pain"]
    ] == [
        (3, 3, None, None, False),
        (3, 3, 0.0, False, False),
        (2, 3, -1.0, True, False),
        (5, 3, 2.0, True, True),
    ]
    assert [
        (s["measure"], s["timepoint"], s["value"], s["change"], s["improvement"], s["important"])
        for s in body["scores"]
    ] == [
        ("oxford", "baseline", 30.0, None, None, None),
        ("oxford", "week_6", 36.0, 6.0, 6.0, True),
    ]
    assert [
        (t["measure"], t["timepoint"], t["value"], t["baseline"], t["change"])
        for t in body["performance_tests"]
    ] == [
        ("chair_stand_30s", "baseline", 10.0, 10.0, None),
        ("chair_stand_30s", "unscheduled", 13.0, 10.0, 3.0),
    ]


def test_progress_shows_the_weekly_pain_of_the_current_programme_only(world):
    from datetime import date

    from programs.models import WeeklyPain
    from tests.builders import completed_programme
    from tests.conftest import enrol

    earlier = completed_programme(world.owner, world.physio)
    for week_start, nrs in ((date(2026, 1, 5), 1), (date(2026, 1, 12), 2)):
        WeeklyPain.objects.create(
            patient=world.owner,
            programme=earlier,
            week_start=week_start,
            nrs=nrs,
            reported_at=datetime(2026, 1, 18, tzinfo=AMS),
        )
    with time_machine.travel(datetime(2027, 2, 20, 9, tzinfo=AMS), tick=False):
        current = enrol(world.owner, world.physio, start_date=date(2027, 3, 1))
    WeeklyPain.objects.create(
        patient=world.owner,
        programme=current,
        week_start=date(2027, 3, 1),
        nrs=4,
        reported_at=datetime(2027, 3, 7, tzinfo=AMS),
    )
    with time_machine.travel(datetime(2027, 3, 9, 9, tzinfo=AMS)):
        body = (
            world.client("physio").get(f"/api/v1/physio/patients/{world.owner.pk}/progress/").json()
        )
    assert [(p["week_start"], p["nrs"], p["baseline"]) for p in body["weekly_pain"]] == [
        ("2027-03-01", 4, 4)
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"page": 2, "page_size": 3},
        {"page": 1, "page_size": 4, "sort": "-name"},
        {"page": 2, "page_size": 2, "filter": "mine"},
    ],
)
def test_a_page_by_name_has_the_figures_of_the_whole_caseload(world, params):
    """Ordered by name, only the page's patients are computed: the same rows, figures and
    count as from the whole caseload."""
    from programs.api.physio import CaseloadRowSerializer
    from programs.selectors.monitoring import caseload, filter_and_sort

    practice_with_patients(world.physio, 6)
    practice_with_patients(world.other_physio, 2)  # another practice: never listed
    body = world.client("physio").get("/api/v1/physio/caseload/", params).json()
    whole = filter_and_sort(
        caseload(physiotherapist=world.physio),
        physiotherapist=world.physio,
        filter_by=params.get("filter", "all"),
        sort=params.get("sort", "name"),
    )
    start = (params["page"] - 1) * params["page_size"]
    expected = CaseloadRowSerializer(whole[start : start + params["page_size"]], many=True).data
    assert body["count"] == len(whole)
    assert body["results"] == expected
    assert len(body["results"]) == params["page_size"]
