"""The status a sessions list shows (issue 14): one word per session derived from the schedule,
the patient's log and the physiotherapist's attendance, consistent with adherence (docs/domain.md
§4); the stored scheduling status stays available as `schedule_status`."""

import uuid
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from programs.models import AttendanceStatus
from programs.services.programme import programme_pause
from programs.services.session import attendance_register, session_log_upsert
from tests.conftest import enrol

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2027, 3, 24, 19, 0, tzinfo=AMS)  # Wednesday of week 4, an hour after its session


def log(patient, session, status, sets_done=None, skip_reason=""):
    """The patient's log; ``sets_done`` per prescription in the order of the phase."""
    data = {
        "planned_session": session.pk,
        "performed_at": session.scheduled_at,
        "status": status,
        "skip_reason": skip_reason,
    }
    if sets_done is not None:
        items = session.programme.phases.get(order=1).exercises.order_by("order", "id")
        data["exercises"] = [
            {"programme_exercise": item.pk, "sets_done": done}
            for item, done in zip(items, sets_done, strict=False)
        ]
    with time_machine.travel(session.scheduled_at):
        session_log_upsert(patient=patient, log_id=uuid.uuid4(), data=data)


@pytest.fixture
def story(world):
    """Mondays (supervised), Wednesdays and Fridays at 18:00 from Monday 1 March 2027, and what
    happened to each session up to Wednesday 24 March. Phase 1 prescribes 14 sets a session
    (1 + 2 + 2 + 2 + 3 + 2 + 2)."""
    with time_machine.travel(datetime(2027, 2, 25, 9, tzinfo=AMS), tick=False):
        programme = enrol(
            world.owner,
            world.physio,
            start_date=datetime(2027, 3, 1, tzinfo=AMS).date(),
            weekdays=[0, 2, 4],
            supervised_weekdays=[0],
        )
    by_day = {s.local_date.day: s for s in programme.sessions.filter(local_date__month=3)}
    owner, physio = world.owner, world.physio

    def attend(day, status):
        with time_machine.travel(by_day[day].scheduled_at):
            attendance_register(
                actor=physio.user, session=by_day[day], status=status, therapist=physio
            )

    attend(1, AttendanceStatus.ATTENDED)
    log(owner, by_day[3], "completed")
    log(owner, by_day[5], "partial", sets_done=[1, 2, 2, 2])  # 7 of 14: half
    attend(8, AttendanceStatus.NO_SHOW)
    log(owner, by_day[10], "partial", sets_done=[1, 2, 2, 1])  # 6 of 14: less than half
    log(owner, by_day[12], "skipped", skip_reason="pain")
    log(owner, by_day[15], "completed")  # supervised: the physiotherapist has not registered it
    # Friday 19: nothing logged.
    attend(22, AttendanceStatus.CANCELLED_BY_PRACTICE)
    # Wednesday 24, 18:00: nothing logged yet at 19:00.
    return programme


EXPECTED = {
    1: "done",
    3: "done",
    5: "done",
    8: "missed",
    10: "partial",
    12: "skipped",
    15: "awaiting_attendance",
    17: "missed",  # Wednesday 17: nothing logged, and the day has passed
    19: "missed",
    22: "cancelled",
    24: "due",
    26: "upcoming",
    29: "upcoming",
    31: "upcoming",
}


def statuses(response) -> dict[int, str]:
    assert response.status_code == 200, response.content
    return {
        int(s["local_date"][-2:]): s["status"]
        for s in response.json()["results"]
        if s["local_date"].startswith("2027-03")
    }


class TestDerivedStatus:
    def test_each_session_says_what_became_of_it(self, world, story):
        with time_machine.travel(NOW, tick=False):
            response = world.client("owner").get("/api/v1/me/sessions/", {"page_size": 200})
        assert statuses(response) == EXPECTED

    def test_the_physiotherapist_sees_the_same_statuses(self, world, story):
        url = f"/api/v1/physio/programmes/{story.pk}/sessions/"
        with time_machine.travel(NOW, tick=False):
            response = world.client("physio").get(url, {"page_size": 200})
        assert statuses(response) == EXPECTED

    def test_done_is_what_adherence_counts_as_done_and_every_due_session_is_shown_as_due(
        self, world, story
    ):
        with time_machine.travel(NOW, tick=False):
            client = world.client("owner")
            sessions = client.get("/api/v1/me/sessions/", {"page_size": 200}).json()["results"]
            adherence = client.get("/api/v1/me/adherence/").json()
        now = NOW.isoformat()
        shown = Counter(s["status"] for s in sessions if s["scheduled_at"] <= now)
        assert adherence["done"] == shown["done"] == 3
        not_due = {"cancelled", "on_hold", "upcoming"}
        assert adherence["due"] == sum(n for state, n in shown.items() if state not in not_due)

    def test_the_stored_scheduling_status_stays_available(self, world, story):
        with time_machine.travel(NOW, tick=False):
            results = world.client("owner").get("/api/v1/me/sessions/").json()["results"]
        by_day = {int(s["local_date"][-2:]): s for s in results}
        assert by_day[22]["schedule_status"] == "cancelled"
        assert by_day[19]["schedule_status"] == "scheduled"
        assert (by_day[15]["log_status"], by_day[15]["attendance_status"]) == ("completed", None)

    def test_a_paused_programme_shows_its_sessions_from_the_pause_on_hold(self, world, story):
        with time_machine.travel(NOW, tick=False):
            programme_pause(actor=world.physio.user, programme=story)  # from today
            found = statuses(world.client("owner").get("/api/v1/me/sessions/"))
        assert {day: found[day] for day in (19, 24, 26, 29)} == {
            19: "missed",
            24: "on_hold",
            26: "on_hold",
            29: "on_hold",
        }

    def test_a_due_session_becomes_missed_after_its_local_day(self, world, story):
        with time_machine.travel(datetime(2027, 3, 24, 23, 59, tzinfo=AMS), tick=False):
            before = statuses(world.client("owner").get("/api/v1/me/sessions/"))
        with time_machine.travel(datetime(2027, 3, 25, 0, 1, tzinfo=AMS), tick=False):
            after = statuses(world.client("owner").get("/api/v1/me/sessions/"))
        assert (before[24], after[24]) == ("due", "missed")

    @pytest.mark.parametrize(("language", "label"), [("en", "to do today"), ("nl", "vandaag")])
    def test_the_status_comes_with_a_label_in_the_language_asked_for(
        self, world, story, language, label
    ):
        with time_machine.travel(NOW, tick=False):
            results = (
                world.client("owner")
                .get("/api/v1/me/sessions/", HTTP_ACCEPT_LANGUAGE=language)
                .json()["results"]
            )
        due = next(s for s in results if s["status"] == "due")
        assert label in due["status_label"].lower()


def test_each_sessions_log_id_comes_from_the_join_adherence_already_makes(world, story):
    """programme_sessions reads the log's id through with_outcome's join of the logs (a
    session has at most one), not through a correlated subquery of its own."""
    from django.db.models.expressions import Col

    from programs.models import SessionLog
    from programs.selectors.programme import programme_sessions

    sessions = programme_sessions(programme=story)
    assert isinstance(sessions.query.annotations["log_id"], Col)
    logged = dict(SessionLog.objects.values_list("planned_session_id", "pk"))
    assert len(logged) == 5
    assert {s.pk: s.log_id for s in sessions} == {s.pk: logged.get(s.pk) for s in sessions}
