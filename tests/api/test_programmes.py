"""Programmes through the API: the patient's view, the physiotherapist's enrolment and changes,
validation, and the access matrix of every endpoint."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from programs.models import (
    AccessLogEntry,
    Exercise,
    Programme,
    ProgrammeStatus,
    SessionStatus,
)
from programs.services.programme import programme_exercise_add
from tests.access import check_access
from tests.conftest import enrol

TOMORROW = lambda: (timezone.localdate() + timedelta(days=1)).isoformat()  # noqa: E731


class TestPatientProgramme:
    def test_my_programme_has_phases_exercises_and_doses(self, world, programme):
        body = world.client("owner").get("/api/v1/me/programme/", HTTP_ACCEPT_LANGUAGE="en").json()
        assert body["id"] == str(programme.pk)
        assert body["status"] == "active"
        assert body["sessions_total"] == 24
        assert [p["first_week"] for p in body["phases"]] == [1, 5, 9]
        first = body["phases"][0]["exercises"][1]
        assert first["exercise"]["slug"] == "sit-to-stand"
        assert first["exercise"]["name"] == "Sit to stand"
        assert (first["sets"], first["repetitions"], first["target_exertion"]) == (2, 10, 4)

    def test_texts_follow_the_language_asked_for(self, world, programme):
        body = world.client("owner").get("/api/v1/me/programme/", HTTP_ACCEPT_LANGUAGE="nl").json()
        assert body["phases"][0]["exercises"][1]["exercise"]["name"] == "Opstaan uit een stoel"
        assert body["name"] == "Oefenprogramma heupartrose, 12 weken"

    def test_no_running_programme_is_a_404_with_its_own_code(self, world):
        response = world.client("owner").get("/api/v1/me/programme/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "no_running_programme"

    def test_sessions_carry_the_exercises_of_their_phase(self, world, programme):
        body = world.client("owner").get("/api/v1/me/sessions/").json()
        sessions = body["results"]
        assert body["count"] == len(sessions) == 24
        by_week = {s["week"]: s for s in sessions}
        assert by_week[1]["phase"]["order"] == 1
        assert by_week[9]["phase"]["order"] == 3
        slugs_week_9 = {e["exercise"]["slug"] for e in by_week[9]["exercises"]}
        assert "forward-lunge" in slugs_week_9 and "bridging" not in slugs_week_9
        assert sessions[0]["local_time"] == "18:00"
        assert sessions[0]["scheduled_at"].endswith(("+01:00", "+02:00"))
        assert sessions[0]["supervised"] == (
            date.fromisoformat(sessions[0]["local_date"]).weekday() == 0
        )

    def test_sessions_between_two_dates(self, world, programme):
        first = programme.sessions.order_by("scheduled_at").first().local_date
        window = {"from": first.isoformat(), "to": (first + timedelta(days=13)).isoformat()}
        body = world.client("owner").get("/api/v1/me/sessions/", window).json()
        assert body["count"] == 4

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ({"from": "2027-02-30"}, "from"),
            ({"to": "soon"}, "to"),
            ({"from": "2027-03-10", "to": "2027-03-01"}, "to"),
            ({"from": "2027-01-01", "to": "2029-01-01"}, "to"),
        ],
    )
    def test_a_bad_range_is_a_400_naming_the_field(self, world, programme, query, field):
        response = world.client("owner").get("/api/v1/me/sessions/", query)
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == [field]

    def test_no_programme_gives_an_empty_list(self, world):
        body = world.client("owner").get("/api/v1/me/sessions/").json()
        assert body["count"] == 0 and body["results"] == []

    def test_the_session_list_costs_the_same_queries_for_24_or_36_sessions(self, world):
        def queries_for(patient, **kwargs):
            enrol(patient, world.physio, **kwargs)
            client = world.client("owner" if patient == world.owner else "other_patient")
            with CaptureQueriesContext(connection) as captured:
                response = client.get("/api/v1/me/sessions/")
            assert response.status_code == 200
            return len(captured), response.json()["count"]

        small = queries_for(world.owner, weekdays=[0, 3])
        large = queries_for(world.other_patient, weekdays=[0, 2, 4])
        # More exercises in a phase do not cost more queries either.
        phase = Programme.objects.get(patient=world.other_patient).phases.get(order=1)
        for slug in ("brisk-walking", "step-up", "forward-lunge"):
            programme_exercise_add(
                actor=world.physio.user,
                phase=phase,
                exercise=Exercise.objects.get(slug=slug),
                dose={"sets": 1, "repetitions": 5},
            )
        client = world.client("other_patient")
        with CaptureQueriesContext(connection) as captured:
            client.get("/api/v1/me/sessions/")
        assert len(captured) == large[0]
        assert (small[1], large[1]) == (24, 36)
        assert small[0] == large[0]
        assert small[0] == 7  # user with patient, programme, phases, exercises, count, page, log

    def test_reading_sessions_is_in_the_access_log(self, world, programme):
        world.client("owner").get("/api/v1/me/sessions/")
        assert AccessLogEntry.objects.filter(
            patient_id=world.owner.pk, resource="sessions"
        ).exists()


def enrolment(world, **overrides):
    body = {
        "patient": str(world.owner.pk),
        "template": "hip-oa-12-weeks",
        "start_date": TOMORROW(),
        "weekdays": [0, 3],
        "session_time": "18:00",
    }
    body.update(overrides)
    return body


class TestEnrolmentApi:
    def test_enrol_creates_the_programme_and_its_sessions(self, world):
        response = world.client("physio").post(
            "/api/v1/physio/programmes/",
            enrolment(world, weekdays=[0, 2, 4], supervised_weekdays=[0]),
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["sessions_total"] == 36
        assert body["supervised_total"] == 12
        assert body["patient"]["id"] == str(world.owner.pk)
        entry = AccessLogEntry.objects.get(patient_id=world.owner.pk, action="create")
        assert entry.actor_username == "physio"

    @pytest.mark.parametrize(
        ("overrides", "field", "status"),
        [
            ({"weekdays": [0]}, "weekdays", 400),
            ({"weekdays": [0, 1, 2, 3]}, "weekdays", 400),
            ({"weekdays": [2, 2]}, "weekdays", 400),
            ({"weekdays": [0, 9]}, "weekdays.1", 400),
            ({"session_time": "25:00"}, "session_time", 400),
            ({"template": "no-such-template"}, "template", 400),
            ({"start_date": "2020-01-01"}, "start_date", 400),
            ({"start_date": "9999-12-30"}, "start_date", 400),
            ({"start_date": "9999-12-31"}, "start_date", 400),
            ({"supervised_weekdays": [5]}, "supervised_weekdays", 400),
            ({"patient": "not-a-uuid"}, "patient", 400),
            ({"patient": "00000000-0000-0000-0000-000000000000"}, "patient", 400),
        ],
    )
    def test_bad_input_names_the_field_and_writes_nothing(self, world, overrides, field, status):
        response = world.client("physio").post(
            "/api/v1/physio/programmes/", enrolment(world, **overrides), format="json"
        )
        assert response.status_code == status
        assert field in response.json()["error"]["fields"], response.json()
        assert not Programme.objects.exists()

    def test_a_patient_of_another_practice_looks_unknown(self, world):
        response = world.client("other_physio").post(
            "/api/v1/physio/programmes/", enrolment(world), format="json"
        )
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["patient"][0]["code"] == "not_found"
        assert not Programme.objects.exists()

    def test_a_second_running_programme_is_a_409(self, world, programme):
        response = world.client("physio").post(
            "/api/v1/physio/programmes/", enrolment(world), format="json"
        )
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "programme_already_running"
        assert "patient" in error["fields"]
        assert Programme.objects.count() == 1

    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True)
    def test_two_simultaneous_enrolments_give_one_programme(self, world):
        import threading

        statuses = []
        barrier = threading.Barrier(2)

        def post():
            try:
                barrier.wait()
                response = world.client("physio").post(
                    "/api/v1/physio/programmes/", enrolment(world), format="json"
                )
                statuses.append(response.status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [201, 409]
        assert Programme.objects.filter(patient=world.owner).count() == 1


class TestChangesApi:
    def test_pause_resume_and_end(self, world, programme):
        base = f"/api/v1/physio/programmes/{programme.pk}"
        first = programme.sessions.order_by("scheduled_at").first().scheduled_at
        with time_machine.travel(first + timedelta(days=3)):
            paused = world.client("physio").post(
                f"{base}/pause/", {"reason": "griep"}, format="json"
            )
            assert paused.status_code == 200, paused.json()
            assert paused.json()["status"] == "paused"
        with time_machine.travel(first + timedelta(days=10)):
            client = world.client("physio")
            resumed = client.post(f"{base}/resume/", {}, format="json")
            assert resumed.json()["status"] == "active"
            ended = client.post(f"{base}/end/", {"reason": "surgery_referral"}, format="json")
            assert ended.json()["status"] == "ended"
            again = client.post(f"{base}/pause/", {}, format="json")
            assert again.status_code == 409
        history = world.client("physio").get(f"{base}/history/").json()["results"]
        assert [h["kind"] for h in history] == ["enrolled", "paused", "resumed", "ended"]

    def test_end_needs_a_known_reason(self, world, programme):
        response = world.client("physio").post(
            f"/api/v1/physio/programmes/{programme.pk}/end/", {"reason": "bored"}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["reason"]
        programme.refresh_from_db()
        assert programme.status == ProgrammeStatus.ACTIVE

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"date": "0001-01-01", "time": "00:10"}, "date"),
            ({"date": "9999-12-31", "time": "23:59"}, "date"),
        ],
    )
    def test_a_reschedule_to_the_ends_of_the_calendar_is_a_400(self, world, programme, body, field):
        session = programme.sessions.order_by("scheduled_at")[1]
        response = world.client("physio").post(
            f"/api/v1/physio/programmes/{programme.pk}/sessions/{session.pk}/reschedule/",
            body,
            format="json",
        )
        assert response.status_code == 400, response.json()
        assert list(response.json()["error"]["fields"]) == [field]
        before = session.scheduled_at
        session.refresh_from_db()
        assert session.scheduled_at == before

    @pytest.mark.parametrize("resume_date", ["9999-12-30", "9999-12-31"])
    def test_resuming_at_the_end_of_the_calendar_is_a_400(self, world, programme, resume_date):
        base = f"/api/v1/physio/programmes/{programme.pk}"
        first = programme.sessions.order_by("scheduled_at").first().scheduled_at
        with time_machine.travel(first + timedelta(days=3)):
            world.client("physio").post(f"{base}/pause/", {}, format="json")
            response = world.client("physio").post(
                f"{base}/resume/", {"resume_date": resume_date}, format="json"
            )
        assert response.status_code == 400, response.json()
        assert list(response.json()["error"]["fields"]) == ["resume_date"]
        programme.refresh_from_db()
        assert programme.status == ProgrammeStatus.PAUSED

    def test_reschedule_a_session(self, world, programme):
        session = programme.sessions.order_by("scheduled_at")[1]
        new_day = session.local_date + timedelta(days=1)
        response = world.client("physio").post(
            f"/api/v1/physio/programmes/{programme.pk}/sessions/{session.pk}/reschedule/",
            {"date": new_day.isoformat(), "time": "10:00"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert (response.json()["local_date"], response.json()["local_time"]) == (
            new_day.isoformat(),
            "10:00",
        )

    def test_change_weekdays_through_patch(self, world, programme):
        response = world.client("physio").patch(
            f"/api/v1/physio/programmes/{programme.pk}/",
            {"weekdays": [1, 3, 5], "supervised_weekdays": [1]},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["sessions_total"] == 36
        bad = world.client("physio").patch(
            f"/api/v1/physio/programmes/{programme.pk}/", {"weekdays": [1]}, format="json"
        )
        assert bad.status_code == 400
        assert list(bad.json()["error"]["fields"]) == ["weekdays"]

    def test_adjust_a_dose_add_and_remove_an_exercise(self, world, programme):
        client = world.client("physio")
        base = f"/api/v1/physio/programmes/{programme.pk}"
        item = programme.phases.get(order=2).exercises.get(exercise__slug="step-up")
        changed = client.patch(f"{base}/exercises/{item.pk}/", {"repetitions": 6}, format="json")
        assert changed.status_code == 200, changed.json()
        assert (changed.json()["sets"], changed.json()["repetitions"]) == (3, 6)
        added = client.post(
            f"{base}/phases/2/exercises/",
            {"exercise": "brisk-walking", "sets": 1, "duration_seconds": 1200},
            format="json",
        )
        assert added.status_code == 201, added.json()
        assert client.delete(f"{base}/exercises/{added.json()['id']}/").status_code == 204
        patient_view = world.client("owner").get("/api/v1/me/programme/").json()
        step_up = next(
            e for e in patient_view["phases"][1]["exercises"] if e["exercise"]["slug"] == "step-up"
        )
        assert step_up["repetitions"] == 6

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"sets": 0}, "sets"),
            ({"sets": 11}, "sets"),
            ({"repetitions": 10**12}, "repetitions"),
            ({"target_exertion": 11}, "target_exertion"),
            ({"repetitions": None, "hold_seconds": None, "duration_seconds": None}, "repetitions"),
        ],
    )
    def test_a_bad_dose_is_a_400_naming_the_field(self, world, programme, body, field):
        item = programme.phases.get(order=1).exercises.get(exercise__slug="bridging")
        response = world.client("physio").patch(
            f"/api/v1/physio/programmes/{programme.pk}/exercises/{item.pk}/", body, format="json"
        )
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]
        item.refresh_from_db()
        assert (item.sets, item.repetitions) == (2, 10)

    def test_unknown_exercise_is_a_400_naming_it(self, world, programme):
        response = world.client("physio").post(
            f"/api/v1/physio/programmes/{programme.pk}/phases/1/exercises/",
            {"exercise": "moonwalk", "sets": 1, "repetitions": 5},
            format="json",
        )
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["exercise"]


# --- Access matrix: every endpoint, every actor ------------------------------------------------

PHYSIO_ONLY = {
    "owner": 403,
    "other_patient": 403,
    "insurer": 403,
    "other_insurer": 403,
    "staff": 403,
    "anonymous": 401,
}


def programme_url(suffix=""):
    def build(world):
        programme = Programme.objects.get(patient=world.owner)
        return f"/api/v1/physio/programmes/{programme.pk}/{suffix}"

    return build


@pytest.mark.parametrize(
    ("method", "url", "physio", "other_physio", "data"),
    [
        ("get", "/api/v1/physio/templates/", 200, 200, None),
        ("get", "/api/v1/physio/exercises/", 200, 200, None),
        ("get", "/api/v1/physio/programmes/", 200, 200, None),
        ("get", programme_url(), 200, 404, None),
        ("get", programme_url("sessions/"), 200, 404, None),
        ("get", programme_url("history/"), 200, 404, None),
        ("patch", programme_url(), 200, 404, {"session_time": "18:30"}),
        ("post", programme_url("phases/1/exercises/"), 201, 404, None),
    ],
)
def test_physio_endpoints_access_matrix(world, programme, method, url, physio, other_physio, data):
    if data is None and method == "post":
        data = {"exercise": "brisk-walking", "sets": 1, "duration_seconds": 600}
    expected = {**PHYSIO_ONLY, "physio": physio, "other_physio": other_physio}
    check_access(world, method, url, expected, data)


def test_programme_actions_access_matrix(world, programme):
    session = programme.sessions.order_by("scheduled_at")[1]
    new_day = (session.local_date + timedelta(days=1)).isoformat()
    refused = {**PHYSIO_ONLY, "physio": None, "other_physio": 404}
    for suffix, body in [
        (f"sessions/{session.pk}/reschedule/", {"date": new_day}),
        ("pause/", {}),
        ("resume/", {}),
        ("end/", {"reason": "other"}),
    ]:
        url = programme_url(suffix)
        for actor, status in refused.items():
            if status is None:
                continue
            response = world.client(actor).post(url(world), body, format="json")
            assert response.status_code == status, (suffix, actor, response.status_code)
        programme.refresh_from_db()
        assert programme.status == ProgrammeStatus.ACTIVE
    assert programme.sessions.get(pk=session.pk).status == SessionStatus.SCHEDULED


def test_exercise_edit_access_matrix(world, programme):
    item = programme.phases.get(order=1).exercises.get(exercise__slug="bridging")
    url = programme_url(f"exercises/{item.pk}/")
    for method, body in (("patch", {"sets": 3}), ("delete", None)):
        for actor, status in {**PHYSIO_ONLY, "other_physio": 404}.items():
            response = getattr(world.client(actor), method)(url(world), body, format="json")
            assert response.status_code == status, (method, actor, response.status_code)
    item.refresh_from_db()
    assert item.sets == 2


def test_enrolment_access_matrix(world):
    check_access(
        world,
        "post",
        "/api/v1/physio/programmes/",
        {**PHYSIO_ONLY, "other_physio": 400, "physio": 201},
        enrolment(world),
    )


def test_patient_endpoints_access_matrix(world, programme):
    enrol(world.other_patient, world.physio, weekdays=[1, 4], supervised_weekdays=[1])
    for url in ("/api/v1/me/programme/", "/api/v1/me/sessions/"):
        check_access(
            world,
            "get",
            url,
            {
                "owner": 200,
                "other_patient": 200,
                "physio": 403,
                "other_physio": 403,
                "insurer": 403,
                "other_insurer": 403,
                "staff": 403,
                "anonymous": 401,
            },
        )
    mine = world.client("owner").get("/api/v1/me/programme/").json()
    theirs = world.client("other_patient").get("/api/v1/me/programme/").json()
    assert mine["id"] != theirs["id"]
    assert mine["weekdays"] == [0, 3] and theirs["weekdays"] == [1, 4]


def test_the_list_shows_only_the_practices_programmes(world, programme):
    assert world.client("other_physio").get("/api/v1/physio/programmes/").json()["count"] == 0
    assert world.client("physio").get("/api/v1/physio/programmes/").json()["count"] == 1
