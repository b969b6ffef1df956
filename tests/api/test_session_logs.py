"""Session logging through the API: PUT by the app's UUID, batch sync with a change cursor,
attendance, adherence (with a hand-worked example), and the access matrix."""

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.models import (
    AccessLogEntry,
    Alert,
    Attendance,
    SessionLog,
    SessionStatus,
    SyncChange,
)
from programs.services.programme import (
    programme_end,
    programme_pause,
    programme_resume,
    programme_update_schedule,
    session_reschedule,
)
from programs.services.session import attendance_register, session_log_upsert
from tests.access import check_access
from tests.conftest import enrol

AMS = ZoneInfo("Europe/Amsterdam")


def ams(*args):
    return datetime(*args, tzinfo=AMS)


@pytest.fixture
def march(world):
    with time_machine.travel(ams(2027, 2, 26, 9, 0), tick=False):
        return enrol(world.owner, world.physio, start_date=ams(2027, 3, 1).date())


def on(programme, *day):
    return programme.sessions.get(local_date=ams(*day, 12).date())


def prescription(programme, slug, week=1):
    return (
        programme.phases.get(first_week__lte=week, last_week__gte=week)
        .exercises.get(exercise__slug=slug)
        .pk
    )


def log_body(session, **overrides):
    data = {
        "planned_session": str(session.pk),
        "performed_at": "2027-03-04T18:10:00+01:00",
        "status": "completed",
        "pain_before": 2,
        "pain_during_max": 4,
        "note": "Ging goed.",
    }
    data.update(overrides)
    return data


class TestPut:
    def test_put_creates_then_the_same_put_returns_the_same_record(self, world, march):
        session = on(march, 2027, 3, 4)
        url = f"/api/v1/me/session-logs/{uuid.uuid4()}/"
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            client = world.client("owner")
            first = client.put(url, log_body(session), format="json")
            second = client.put(url, log_body(session), format="json")
        assert (first.status_code, second.status_code) == (201, 200)
        assert first.json() == second.json()
        assert first.json()["performed_at"] == "2027-03-04T18:10:00+01:00"
        assert first.json()["editable_until"].startswith("2027-03-11T19:00")
        assert SessionLog.objects.count() == 1

    def test_performed_at_comes_back_with_the_offset_the_app_sent(self, world, march):
        session = on(march, 2027, 3, 4)
        log_id = uuid.uuid4()
        url = f"/api/v1/me/session-logs/{log_id}/"
        # 17:10 UTC, done on a trip in India: the app's clock said 22:40 (+05:30).
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            client = world.client("owner")
            created = client.put(
                url, log_body(session, performed_at="2027-03-04T22:40:00+05:30"), format="json"
            )
            read = client.get(url).json()
            listed = client.get("/api/v1/me/session-logs/").json()["results"][0]
            # The same moment with another offset is another body: an update, kept in history.
            moved = client.put(
                url, log_body(session, performed_at="2027-03-04T17:10:00+00:00"), format="json"
            )
        assert created.status_code == 201
        assert created.json()["performed_at"] == "2027-03-04T22:40:00+05:30"
        assert read["performed_at"] == listed["performed_at"] == "2027-03-04T22:40:00+05:30"
        assert (moved.status_code, moved.json()["revision"]) == (200, 2)
        assert moved.json()["performed_at"] == "2027-03-04T17:10:00+00:00"
        log = SessionLog.objects.get(pk=log_id)
        assert log.performed_offset_minutes == 0
        assert log.revisions.get().body["performed_offset_minutes"] == 330

    @pytest.mark.parametrize("moment", ["2027-03-04T18:10:00+15:00", "2027-03-04T18:10:00-14:30"])
    def test_an_offset_no_clock_uses_is_a_400(self, world, march, moment):
        with time_machine.travel(ams(2027, 3, 5, 19, 0)):
            response = world.client("owner").put(
                f"/api/v1/me/session-logs/{uuid.uuid4()}/",
                log_body(on(march, 2027, 3, 4), performed_at=moment),
                format="json",
            )
        assert response.status_code == 400, response.json()
        assert list(response.json()["error"]["fields"]) == ["performed_at"]

    def test_a_log_stored_before_offsets_were_kept_still_replays(self, world, march):
        import hashlib
        import json

        session = on(march, 2027, 3, 4)
        log_id = uuid.uuid4()
        url = f"/api/v1/me/session-logs/{log_id}/"
        body = log_body(session)
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            world.client("owner").put(url, body, format="json")
        # As such a log was stored: no offset, the hash of the body without it.
        before = {
            "status": "completed",
            "skip_reason": "",
            "exertion": None,
            "pain_before": 2,
            "pain_during_max": 4,
            "pain_next_morning": None,
            "note": "Ging goed.",
            "planned_session": str(session.pk),
            "performed_at": "2027-03-04T17:10:00+00:00",
            "exercises": [],
        }
        SessionLog.objects.filter(pk=log_id).update(
            performed_offset_minutes=None,
            body_hash=hashlib.sha256(json.dumps(before, sort_keys=True).encode()).hexdigest(),
        )
        with time_machine.travel(ams(2027, 3, 20, 9, 0)):  # locked by now
            replay = world.client("owner").put(url, body, format="json")
        assert replay.status_code == 200, replay.json()
        assert (replay.json()["revision"], replay.json()["performed_at"]) == (
            1,
            "2027-03-04T18:10:00+01:00",
        )

    def test_the_access_log_says_what_each_put_did(self, world, march):
        session = on(march, 2027, 3, 4)
        log_id = uuid.uuid4()
        url = f"/api/v1/me/session-logs/{log_id}/"
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            client = world.client("owner")
            client.put(url, log_body(session), format="json")
            client.put(url, log_body(session), format="json")  # a retry: nothing changes
            client.put(url, log_body(session, pain_next_morning=3), format="json")
        entries = AccessLogEntry.objects.filter(
            patient_id=world.owner.pk, resource="session_log", object_id=str(log_id)
        ).order_by("pk")
        assert [e.action for e in entries] == ["create", "read", "update"]

    def test_an_extra_session_keeps_its_programme_when_edited_after_it_ended(self, world, march):
        # Done on Saturday on the patient's own; the programme ends that evening; Sunday
        # morning the app sends the next-morning pain. Meanwhile a new programme started:
        # the log stays with the programme it was done in.
        log_id = uuid.uuid4()
        url = f"/api/v1/me/session-logs/{log_id}/"
        body = log_body(
            on(march, 2027, 3, 4), planned_session=None, performed_at="2027-03-06T10:00:00+01:00"
        )
        with time_machine.travel(ams(2027, 3, 6, 11, 0)):
            created = world.client("owner").put(url, body, format="json")
        with time_machine.travel(ams(2027, 3, 6, 20, 0), tick=False):
            programme_end(actor=world.physio.user, programme=march, reason="medical")
        with time_machine.travel(ams(2027, 3, 7, 8, 0)):
            after_the_end = world.client("owner").put(
                url, {**body, "pain_next_morning": 3}, format="json"
            )
        with time_machine.travel(ams(2027, 3, 7, 9, 0), tick=False):
            enrol(world.owner, world.physio, start_date=ams(2027, 3, 8).date())
        with time_machine.travel(ams(2027, 3, 7, 10, 0)):
            with_a_new_one = world.client("owner").put(
                url, {**body, "pain_next_morning": 4}, format="json"
            )
        assert created.status_code == 201, created.json()
        assert after_the_end.status_code == 200, after_the_end.json()
        assert with_a_new_one.status_code == 200, with_a_new_one.json()
        assert with_a_new_one.json()["programme"] == str(march.pk)
        log = SessionLog.objects.get(pk=log_id)
        assert (log.programme_id, log.pain_next_morning, log.revision) == (march.pk, 4, 3)

    def test_a_new_extra_session_after_the_programme_ended_is_still_a_400(self, world, march):
        with time_machine.travel(ams(2027, 3, 6, 20, 0), tick=False):
            programme_end(actor=world.physio.user, programme=march, reason="medical")
        body = log_body(
            on(march, 2027, 3, 4), planned_session=None, performed_at="2027-03-06T10:00:00+01:00"
        )
        with time_machine.travel(ams(2027, 3, 7, 8, 0)):
            response = world.client("owner").put(
                f"/api/v1/me/session-logs/{uuid.uuid4()}/", body, format="json"
            )
        assert response.status_code == 400, response.json()
        (error,) = response.json()["error"]["fields"]["planned_session"]
        assert error["code"] == "no_running_programme"

    def test_next_morning_pain_arrives_later_as_an_update(self, world, march):
        session = on(march, 2027, 3, 4)
        url = f"/api/v1/me/session-logs/{uuid.uuid4()}/"
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            world.client("owner").put(url, log_body(session), format="json")
        with time_machine.travel(ams(2027, 3, 5, 8, 0)):
            response = world.client("owner").put(
                url, log_body(session, pain_next_morning=5), format="json"
            )
        assert response.status_code == 200
        assert (response.json()["revision"], response.json()["pain_next_morning"]) == (2, 5)
        assert response.json()["pain_signals"] == ["P2"]

    def test_locked_after_seven_days_is_a_409(self, world, march):
        session = on(march, 2027, 3, 4)
        url = f"/api/v1/me/session-logs/{uuid.uuid4()}/"
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            world.client("owner").put(url, log_body(session), format="json")
        with time_machine.travel(ams(2027, 3, 12, 9, 0)):
            response = world.client("owner").put(url, log_body(session, note="x"), format="json")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "log_locked"

    def test_a_locked_log_is_a_409_even_when_the_new_body_fails_a_check(self, world, march):
        # Eight days on, an exercise of the body is no longer in the programme (or never was):
        # the log cannot change at all, which is what the app needs to hear.
        session = on(march, 2027, 3, 4)
        url = f"/api/v1/me/session-logs/{uuid.uuid4()}/"
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            world.client("owner").put(url, log_body(session), format="json")
        with time_machine.travel(ams(2027, 3, 12, 9, 0)):
            response = world.client("owner").put(
                url,
                log_body(
                    session,
                    status="partial",
                    exercises=[{"programme_exercise": 2**31 - 1, "sets_done": 1}],
                ),
                format="json",
            )
        assert response.status_code == 409, response.json()
        assert response.json()["error"]["code"] == "log_locked"

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"pain_during_max": 11}, "pain_during_max"),
            ({"pain_before": -1}, "pain_before"),
            ({"exertion": 10**15}, "exertion"),
            ({"performed_at": "2027-03-04T18:10:00"}, "performed_at"),
            ({"performed_at": "yesterday"}, "performed_at"),
            ({"performed_at": "9999-12-31T23:59:59-14:00"}, "performed_at"),
            ({"status": "done"}, "status"),
            ({"status": "skipped"}, "skip_reason"),
            ({"skip_reason": "pain"}, "skip_reason"),
            ({"note": "null byte \u0000 here"}, "note"),
            ({"note": "x" * 2001}, "note"),
            ({"planned_session": "not-a-uuid"}, "planned_session"),
            (
                {"status": "partial", "exercises": [{"programme_exercise": 1, "sets_done": 99}]},
                "exercises.0.sets_done",
            ),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field(self, world, march, overrides, field):
        session = on(march, 2027, 3, 4)
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            response = world.client("owner").put(
                f"/api/v1/me/session-logs/{uuid.uuid4()}/",
                log_body(session, **overrides),
                format="json",
            )
        assert response.status_code == 400, response.json()
        assert field in response.json()["error"]["fields"], response.json()
        assert not SessionLog.objects.exists()

    def test_another_phases_dose_of_this_weeks_exercise_is_a_400_not_a_500(self, world, march):
        session = on(march, 2027, 3, 4)
        body = log_body(
            session,
            status="partial",
            exercises=[
                {"programme_exercise": prescription(march, "sit-to-stand", 5), "sets_done": 2}
            ],
        )
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            response = world.client("owner").put(
                f"/api/v1/me/session-logs/{uuid.uuid4()}/", body, format="json"
            )
        assert response.status_code == 400, response.json()
        assert list(response.json()["error"]["fields"]) == ["exercises.0.programme_exercise"]
        (error,) = response.json()["error"]["fields"]["exercises.0.programme_exercise"]
        assert error["code"] == "other_phase"  # not "duplicate_exercise": it names the problem
        assert "week 1" in error["message"]
        assert not SessionLog.objects.exists()

    def test_another_patients_session_is_a_404(self, world, march):
        session = on(march, 2027, 3, 4)
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            response = world.client("other_patient").put(
                f"/api/v1/me/session-logs/{uuid.uuid4()}/", log_body(session), format="json"
            )
        assert response.status_code == 404
        assert not SessionLog.objects.exists()

    def test_access_matrix_for_one_log(self, world, march):
        session = on(march, 2027, 3, 4)
        log_id = uuid.uuid4()
        url = f"/api/v1/me/session-logs/{log_id}/"
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            world.client("owner").put(url, log_body(session), format="json")
            expected = {
                "owner": 200,
                "other_patient": 404,
                "physio": 403,
                "other_physio": 403,
                "insurer": 403,
                "other_insurer": 403,
                "staff": 403,
                "anonymous": 401,
            }
            check_access(world, "get", url, expected)
            check_access(world, "put", url, expected, log_body(session, note="changed"))
            check_access(
                world, "get", "/api/v1/me/session-logs/", {**expected, "other_patient": 200}
            )
        log = SessionLog.objects.get(pk=log_id)
        assert (log.patient, log.revision) == (world.owner, 2)  # only the owner's PUT changed it
        other_view = world.client("other_patient").get("/api/v1/me/session-logs/").json()
        assert other_view["count"] == 0


class TestPutQueries:
    """What one PUT costs, pinned (issue 15; 12 queries before): the user with the patient
    (one query), then in one transaction (BEGIN/COMMIT; a savepoint inside a test's): what the
    body refers to and whether the id is taken (one query), the prescriptions it needs, the
    log (INSERT ... ON CONFLICT DO NOTHING: no savepoint), its rows, the sync change and the
    access-log entry. Nothing is read again for the answer."""

    def put(self, client, log_id, body):
        return client.put(f"/api/v1/me/session-logs/{log_id}/", body, format="json")

    @pytest.fixture
    def client(self, world, march):
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            client = world.client("owner")
            client.get("/api/v1/me/session-logs/")  # warm: the first request loads more
            yield client

    def test_a_new_log_of_a_planned_session(self, march, client, django_assert_num_queries):
        body = log_body(
            on(march, 2027, 3, 4),
            status="partial",
            exercises=[{"programme_exercise": prescription(march, "bridging"), "sets_done": 2}],
        )
        with django_assert_num_queries(9):
            response = self.put(client, uuid.uuid4(), body)
        assert response.status_code == 201
        assert len(response.json()["exercises"]) == 7

    def test_a_new_extra_session(self, march, client, django_assert_num_queries):
        body = log_body(
            on(march, 2027, 3, 4),
            planned_session=None,
            exercises=[{"programme_exercise": prescription(march, "bridging"), "sets_done": 2}],
        )
        with django_assert_num_queries(9):
            response = self.put(client, uuid.uuid4(), body)
        assert response.status_code == 201

    def test_a_replay_reads_the_log_and_its_rows(self, march, client, django_assert_num_queries):
        log_id, body = uuid.uuid4(), log_body(on(march, 2027, 3, 4))
        created = self.put(client, log_id, body)
        # user, BEGIN, target (the id is taken), the log locked, its rows, access log, COMMIT
        with django_assert_num_queries(7):
            replay = self.put(client, log_id, body)
        assert (replay.status_code, replay.json()) == (200, created.json())

    def test_an_update_keeps_the_previous_body(self, march, client, django_assert_num_queries):
        log_id, body = uuid.uuid4(), log_body(on(march, 2027, 3, 4))
        self.put(client, log_id, body)
        # + the log locked, its rows for the history, the revision, the UPDATE, the old rows
        # deleted; no savepoint unless the log moves to another planned session
        with django_assert_num_queries(13):
            response = self.put(client, log_id, {**body, "pain_next_morning": 2})
        assert (response.status_code, response.json()["revision"]) == (200, 2)

    def test_a_second_log_of_a_session_is_answered_from_the_one_query(
        self, march, client, django_assert_num_queries
    ):
        session, first = on(march, 2027, 3, 4), uuid.uuid4()
        self.put(client, first, log_body(session))
        # user, BEGIN, target (which names the session's log), ROLLBACK (a savepoint's two
        # statements inside a test's transaction); 9 before the checks were reordered
        with django_assert_num_queries(5):
            response = self.put(client, uuid.uuid4(), log_body(session, note="again"))
        assert (response.status_code, response.json()["error"]["existing_log"]) == (409, str(first))

    def test_a_flare_raises_its_alert_and_an_open_alert_costs_one_question(
        self, march, client, django_assert_num_queries
    ):
        flare = {"pain_before": 2, "pain_during_max": 8}
        thursday, monday = on(march, 2027, 3, 4), on(march, 2027, 3, 1)
        # + is an alert of this kind known, and the new alert (in a savepoint: two sessions
        # of one patient may raise it at once)
        with django_assert_num_queries(13):
            first = self.put(client, uuid.uuid4(), log_body(thursday, **flare))
        with django_assert_num_queries(10):
            second = self.put(
                client,
                uuid.uuid4(),
                log_body(monday, performed_at="2027-03-01T18:10:00+01:00", **flare),
            )
        assert (first.status_code, second.status_code) == (201, 201)
        assert first.json()["pain_signals"] == second.json()["pain_signals"] == ["P1"]
        assert Alert.objects.filter(kind="pain_during").count() == 1

    @pytest.mark.postgres
    def test_the_access_log_entry_commits_with_the_log_or_neither_does(self, march, client):
        from django.db import IntegrityError
        from django.db import connection as db

        # PostgreSQL refuses the entry (the test's transaction rolls the constraint back).
        with db.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE programs_accesslogentry ADD CONSTRAINT test_refuse_entry "
                "CHECK (resource <> 'session_log')"
            )
        with pytest.raises(IntegrityError):
            self.put(client, uuid.uuid4(), log_body(on(march, 2027, 3, 4)))
        assert not SessionLog.objects.exists()
        assert not SyncChange.objects.filter(entity="session_log").exists()


class TestSecondLogOfASession:
    """A second log for a session that has one: 409 with the id of the log it has, so that
    the app can fetch that one and merge; never another patient's id."""

    def test_the_409_names_the_log_the_session_has(self, world, march):
        session = on(march, 2027, 3, 4)
        first, second = uuid.uuid4(), uuid.uuid4()
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            client = world.client("owner")
            client.put(f"/api/v1/me/session-logs/{first}/", log_body(session), format="json")
            response = client.put(
                f"/api/v1/me/session-logs/{second}/", log_body(session, note="again"), format="json"
            )
            fetched = client.get(
                f"/api/v1/me/session-logs/{response.json()['error']['existing_log']}/"
            )
        assert response.status_code == 409
        error = response.json()["error"]
        assert (error["code"], error["existing_log"]) == ("session_already_logged", str(first))
        assert list(error["fields"]) == ["planned_session"]
        assert fetched.status_code == 200 and fetched.json()["note"] == "Ging goed."
        assert list(SessionLog.objects.values_list("pk", flat=True)) == [first]

    def test_another_patient_gets_a_404_and_no_log_id(self, world, march):
        session = on(march, 2027, 3, 4)
        mine = uuid.uuid4()
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            world.client("owner").put(
                f"/api/v1/me/session-logs/{mine}/", log_body(session), format="json"
            )
            response = world.client("other_patient").put(
                f"/api/v1/me/session-logs/{uuid.uuid4()}/", log_body(session), format="json"
            )
        assert response.status_code == 404
        assert "existing_log" not in response.json()["error"]
        assert str(mine) not in response.content.decode()

    @pytest.mark.parametrize(
        "overrides",
        [
            {"performed_at": "2027-03-03T18:10:00+01:00"},  # before the session's day
            {"performed_at": "2027-03-05T18:10:00+01:00"},  # in the future
            {"status": "partial", "exercises": [{"programme_exercise": 2**31 - 1, "sets_done": 1}]},
        ],
        ids=["before-its-day", "in-the-future", "unknown-exercise"],
    )
    def test_a_second_log_is_a_409_even_when_its_body_fails_a_check(self, world, march, overrides):
        # The app must learn that the session has a log (to fetch and merge it), not be sent
        # to correct a body that can never be stored.
        session = on(march, 2027, 3, 4)
        first = uuid.uuid4()
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            client = world.client("owner")
            client.put(f"/api/v1/me/session-logs/{first}/", log_body(session), format="json")
            response = client.put(
                f"/api/v1/me/session-logs/{uuid.uuid4()}/",
                log_body(session, **overrides),
                format="json",
            )
        assert response.status_code == 409, response.json()
        error = response.json()["error"]
        assert (error["code"], error["existing_log"]) == ("session_already_logged", str(first))

    def test_moving_a_log_onto_a_logged_session_is_a_409_even_with_a_failing_body(
        self, world, march
    ):
        monday, thursday = on(march, 2027, 3, 1), on(march, 2027, 3, 4)
        monday_log, thursday_log = uuid.uuid4(), uuid.uuid4()
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            client = world.client("owner")
            client.put(
                f"/api/v1/me/session-logs/{monday_log}/",
                log_body(monday, performed_at="2027-03-01T18:10:00+01:00"),
                format="json",
            )
            client.put(
                f"/api/v1/me/session-logs/{thursday_log}/", log_body(thursday), format="json"
            )
            # Monday's log moved onto Thursday, with a moment before Thursday.
            response = client.put(
                f"/api/v1/me/session-logs/{monday_log}/",
                log_body(thursday, performed_at="2027-03-01T18:10:00+01:00"),
                format="json",
            )
        assert response.status_code == 409, response.json()
        error = response.json()["error"]
        assert (error["code"], error["existing_log"]) == (
            "session_already_logged",
            str(thursday_log),
        )

    def test_a_sync_item_gets_the_same_answer(self, world, march):
        session = on(march, 2027, 3, 4)
        first = log_body(session, id=str(uuid.uuid4()))
        second = log_body(session, id=str(uuid.uuid4()), note="from the tablet")
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            response = world.client("owner").post(
                "/api/v1/me/sync/", {"session_logs": [first, second]}, format="json"
            )
        results = response.json()["results"]
        assert [(r["status"], r["outcome"]) for r in results] == [(201, "created"), (409, "error")]
        assert results[1]["error"]["code"] == "session_already_logged"
        assert results[1]["error"]["existing_log"] == first["id"]


class TestLoggedBeforeItsDay:
    """A planned session is done on its day or later (Thursday 4 March, 18:00 in Amsterdam);
    a skipped one may be said in advance. Where the app cannot know better the rule gives
    way: the patient's own time zone, a clock a little behind, a session moved meanwhile."""

    def put(self, world, session, at, **overrides):
        return world.client("owner").put(
            f"/api/v1/me/session-logs/{uuid.uuid4()}/",
            log_body(session, performed_at=at, **overrides),
            format="json",
        )

    @pytest.mark.parametrize("status", ["completed", "partial"])
    def test_done_the_day_before_is_a_400_naming_performed_at(self, world, march, status):
        session = on(march, 2027, 3, 4)
        exercises = [{"programme_exercise": prescription(march, "bridging"), "sets_done": 1}]
        with time_machine.travel(ams(2027, 3, 3, 19, 0)):
            response = self.put(
                world, session, "2027-03-03T18:10:00+01:00", status=status, exercises=exercises
            )
        assert response.status_code == 400, response.json()
        (error,) = response.json()["error"]["fields"]["performed_at"]
        assert error["code"] == "before_session_day"
        assert "2027-03-04" in error["message"]
        assert not SessionLog.objects.exists()

    def test_a_skipped_session_may_be_logged_in_advance(self, world, march):
        session = on(march, 2027, 3, 4)
        with time_machine.travel(ams(2027, 3, 2, 12, 0)):
            response = self.put(
                world, session, "2027-03-02T12:00:00+01:00", status="skipped", skip_reason="no_time"
            )
        assert response.status_code == 201, response.json()

    def test_done_in_the_morning_of_its_day_is_accepted(self, world, march):
        with time_machine.travel(ams(2027, 3, 4, 9, 0)):
            response = self.put(world, on(march, 2027, 3, 4), "2027-03-04T08:00:00+01:00")
        assert response.status_code == 201, response.json()

    def test_the_day_where_the_patient_was_counts(self, world, march):
        # 07:30 on Thursday in Tokyo is still Wednesday 23:30 in Amsterdam.
        with time_machine.travel(ams(2027, 3, 3, 23, 45)):
            response = self.put(world, on(march, 2027, 3, 4), "2027-03-04T07:30:00+09:00")
        assert response.status_code == 201, response.json()

    @pytest.mark.parametrize(("at", "expected"), [("23:55", 201), ("23:45", 400)])
    def test_a_clock_up_to_ten_minutes_behind_is_given_way(self, world, march, at, expected):
        with time_machine.travel(ams(2027, 3, 4, 0, 30)):
            response = self.put(world, on(march, 2027, 3, 4), f"2027-03-03T{at}:00+01:00")
        assert response.status_code == expected, response.json()

    def test_a_session_moved_after_it_was_done_offline_is_accepted_and_stays_editable(
        self, world, march
    ):
        session = on(march, 2027, 3, 4)
        log_id = uuid.uuid4()
        url = f"/api/v1/me/session-logs/{log_id}/"
        # Done on Thursday morning, offline; at 10:00 the physiotherapist moves it to Friday.
        with time_machine.travel(ams(2027, 3, 4, 10, 0), tick=False):
            session_reschedule(
                actor=world.physio.user,
                session=session,
                local_date=ams(2027, 3, 5).date(),
                local_time=None,
            )
        body = log_body(session, performed_at="2027-03-04T09:00:00+01:00")
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            created = world.client("owner").put(url, body, format="json")
        with time_machine.travel(ams(2027, 3, 5, 8, 0)):
            updated = world.client("owner").put(
                url, {**body, "pain_next_morning": 2}, format="json"
            )
        assert (created.status_code, updated.status_code) == (201, 200), updated.json()

    def test_a_session_moved_later_may_still_be_done_on_its_old_day(self, world, march):
        # Moved on Tuesday from Thursday to Friday; an app offline since Monday still shows
        # Thursday, and the patient does it then: the log counts, the pain data is kept.
        session = on(march, 2027, 3, 4)
        with time_machine.travel(ams(2027, 3, 2, 10, 0), tick=False):
            session_reschedule(
                actor=world.physio.user,
                session=session,
                local_date=ams(2027, 3, 5).date(),
                local_time=None,
            )
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            response = self.put(world, session, "2027-03-04T18:10:00+01:00")
        assert response.status_code == 201, response.json()

    def test_a_session_moved_later_is_not_done_before_any_day_it_had(self, world, march):
        session = on(march, 2027, 3, 4)
        with time_machine.travel(ams(2027, 3, 2, 10, 0), tick=False):
            session_reschedule(
                actor=world.physio.user,
                session=session,
                local_date=ams(2027, 3, 5).date(),
                local_time=None,
            )
        with time_machine.travel(ams(2027, 3, 3, 19, 0)):
            response = self.put(world, session, "2027-03-03T18:10:00+01:00")
        assert response.status_code == 400, response.json()
        (error,) = response.json()["error"]["fields"]["performed_at"]
        assert error["code"] == "before_session_day"
        # The day it can be logged from is its first day, and its new day is named too.
        assert "2027-03-04" in error["message"] and "2027-03-05" in error["message"]

    def test_a_session_moved_earlier_counts_from_its_new_day(self, world, march):
        session = on(march, 2027, 3, 25)
        with time_machine.travel(ams(2027, 3, 2, 10, 0), tick=False):
            session_reschedule(
                actor=world.physio.user,
                session=session,
                local_date=ams(2027, 3, 10).date(),
                local_time=None,
            )
        with time_machine.travel(ams(2027, 3, 9, 19, 0)):
            early = self.put(world, session, "2027-03-09T18:10:00+01:00")
        with time_machine.travel(ams(2027, 3, 10, 19, 0)):
            on_its_day = self.put(world, session, "2027-03-10T18:10:00+01:00")
        assert early.status_code == 400, early.json()
        (error,) = early.json()["error"]["fields"]["performed_at"]
        assert error["code"] == "before_session_day" and "2027-03-10" in error["message"]
        assert on_its_day.status_code == 201, on_its_day.json()

    @pytest.mark.parametrize(
        "change",
        [
            {},  # the dashboard's schedule form saved as it was
            {"weekdays": [0, 3], "supervised_weekdays": [0]},
            {"supervised_weekdays": [3]},
            {"session_time": time(9, 0)},  # the hour moves, not the day
        ],
        ids=["unchanged", "same-values", "supervision", "time-of-day"],
    )
    def test_a_schedule_change_that_moves_no_day_opens_no_earlier_day(self, world, march, change):
        with time_machine.travel(ams(2027, 3, 2, 10, 0), tick=False):
            programme_update_schedule(actor=world.physio.user, programme=march, **change)
        with time_machine.travel(ams(2027, 3, 2, 11, 0)):
            response = self.put(world, on(march, 2027, 3, 25), "2027-03-02T09:00:00+01:00")
        assert response.status_code == 400, response.json()
        assert response.json()["error"]["fields"]["performed_at"][0]["code"] == (
            "before_session_day"
        )

    def test_a_pause_opens_no_earlier_day(self, world, march):
        with time_machine.travel(ams(2027, 3, 2, 10, 0), tick=False):
            programme_pause(actor=world.physio.user, programme=march)
        with time_machine.travel(ams(2027, 3, 2, 11, 0)):
            response = self.put(world, on(march, 2027, 3, 25), "2027-03-02T09:00:00+01:00")
        assert response.status_code == 400, response.json()
        assert response.json()["error"]["fields"]["performed_at"][0]["code"] == (
            "before_session_day"
        )

    def test_a_session_moved_by_a_resume_may_be_done_on_its_old_day(self, world, march):
        # Paused on Tuesday, resumed a week later: Thursday 4 March moves on. An app offline
        # since Monday did it on Thursday all the same.
        session = on(march, 2027, 3, 4)
        with time_machine.travel(ams(2027, 3, 2, 10, 0), tick=False):
            programme_pause(actor=world.physio.user, programme=march)
        with time_machine.travel(ams(2027, 3, 9, 10, 0), tick=False):
            programme_resume(actor=world.physio.user, programme=march)
        session.refresh_from_db()
        assert session.local_date > ams(2027, 3, 9).date()
        with time_machine.travel(ams(2027, 3, 9, 11, 0)):
            before = self.put(world, session, "2027-03-03T18:10:00+01:00")
            old_day = self.put(world, session, "2027-03-04T18:10:00+01:00")
        assert before.status_code == 400, before.json()
        assert old_day.status_code == 201, old_day.json()

    def test_a_session_moved_by_new_weekdays_may_be_done_on_its_old_day(self, world, march):
        # From Mondays and Thursdays to Tuesdays and Fridays, on Wednesday 3 March.
        session = on(march, 2027, 3, 4)
        with time_machine.travel(ams(2027, 3, 3, 10, 0), tick=False):
            programme_update_schedule(
                actor=world.physio.user,
                programme=march,
                weekdays=[1, 4],
                supervised_weekdays=[1],
            )
        session.refresh_from_db()
        assert session.local_date == ams(2027, 3, 5).date()
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            response = self.put(world, session, "2027-03-04T18:10:00+01:00")
        assert response.status_code == 201, response.json()


class TestSync:
    def test_a_batch_saves_the_valid_items_and_reports_each(self, world, march):
        good = log_body(on(march, 2027, 3, 4), id=str(uuid.uuid4()))
        bad_value = log_body(on(march, 2027, 3, 8), id=str(uuid.uuid4()), pain_before=42)
        foreign = log_body(
            on(march, 2027, 3, 1), id=str(uuid.uuid4()), planned_session=str(uuid.uuid4())
        )
        no_id = log_body(on(march, 2027, 3, 1))
        with time_machine.travel(ams(2027, 3, 9, 9, 0)):
            response = world.client("owner").post(
                "/api/v1/me/sync/",
                {"session_logs": [good, bad_value, foreign, no_id, good]},
                format="json",
            )
        assert response.status_code == 200
        results = response.json()["results"]
        assert [(r["status"], r["outcome"]) for r in results] == [
            (201, "created"),
            (400, "error"),
            (404, "error"),
            (400, "error"),
            (200, "unchanged"),
        ]
        assert list(results[1]["error"]["fields"]) == ["pain_before"]
        assert list(results[3]["error"]["fields"]) == ["id"]
        assert SessionLog.objects.count() == 1

    def test_each_saved_log_has_its_own_access_log_entry(self, world, march):
        good = log_body(on(march, 2027, 3, 4), id=str(uuid.uuid4()))
        bad = log_body(on(march, 2027, 3, 8), id=str(uuid.uuid4()), pain_before=42)
        with time_machine.travel(ams(2027, 3, 9, 9, 0)):
            client = world.client("owner")
            client.post("/api/v1/me/sync/", {"session_logs": [good, bad]}, format="json")
            client.post("/api/v1/me/sync/", {"session_logs": [good]}, format="json")  # replay
        entries = AccessLogEntry.objects.filter(patient_id=world.owner.pk, resource="session_log")
        # NEN 7513 logs the event that happened: the replay only read the stored log back.
        assert sorted((e.action, e.object_id) for e in entries) == [
            ("create", good["id"]),
            ("read", good["id"]),
        ]

    def test_an_item_that_is_not_an_object_is_that_items_error(self, world, march):
        good = log_body(on(march, 2027, 3, 4), id=str(uuid.uuid4()))
        later = log_body(
            on(march, 2027, 3, 8), id=str(uuid.uuid4()), performed_at="2027-03-08T18:10:00+01:00"
        )
        with time_machine.travel(ams(2027, 3, 9, 9, 0)):
            response = world.client("owner").post(
                "/api/v1/me/sync/",
                {"session_logs": [good, "a log", 7, None, [good], later]},
                format="json",
            )
        assert response.status_code == 200, response.json()
        results = response.json()["results"]
        assert [(r["index"], r["status"], r["outcome"]) for r in results] == [
            (0, 201, "created"),
            (1, 400, "error"),
            (2, 400, "error"),
            (3, 400, "error"),
            (4, 400, "error"),
            (5, 201, "created"),
        ]
        assert all(r["error"]["fields"] for r in results[1:5])
        assert SessionLog.objects.count() == 2

    @pytest.mark.postgres
    def test_an_unforeseen_database_refusal_is_that_items_409_and_the_others_are_saved(
        self, world, march
    ):
        from django.db import connection

        # A real refusal by PostgreSQL in the middle of the batch, where no check of ours
        # foresaw it (the test's transaction rolls the constraint back afterwards).
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE programs_sessionlogexercise ADD CONSTRAINT test_refuse_poison "
                "CHECK (load_done <> 'poison')"
            )
        first = log_body(on(march, 2027, 3, 1), id=str(uuid.uuid4()))
        poison = log_body(
            on(march, 2027, 3, 4),
            id=str(uuid.uuid4()),
            exercises=[
                {
                    "programme_exercise": prescription(march, "bridging"),
                    "sets_done": 2,
                    "load_done": "poison",
                }
            ],
        )
        last = log_body(
            on(march, 2027, 3, 8), id=str(uuid.uuid4()), performed_at="2027-03-08T18:10:00+01:00"
        )
        with time_machine.travel(ams(2027, 3, 9, 9, 0)):
            response = world.client("owner").post(
                "/api/v1/me/sync/", {"session_logs": [first, poison, last]}, format="json"
            )
        assert response.status_code == 200, response.json()
        results = response.json()["results"]
        assert [(r["status"], r["outcome"]) for r in results] == [
            (201, "created"),
            (409, "error"),
            (201, "created"),
        ]
        assert results[1]["id"] == poison["id"] and results[1]["error"]["code"] == "conflict"
        assert set(SessionLog.objects.values_list("pk", flat=True)) == {
            uuid.UUID(first["id"]),
            uuid.UUID(last["id"]),
        }
        # Nothing of the refused item stayed behind (its rows, its history, its alerts).
        assert not SessionLog.objects.filter(planned_session=on(march, 2027, 3, 4)).exists()

    def test_another_patients_real_log_and_session_are_404s_and_untouched(self, world, march):
        with time_machine.travel(ams(2027, 2, 26, 9, 0), tick=False):
            theirs = enrol(world.other_patient, world.physio, start_date=ams(2027, 3, 1).date())
        their_log = uuid.uuid4()
        their_session = on(theirs, 2027, 3, 4)
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            session_log_upsert(
                patient=world.other_patient,
                log_id=their_log,
                data={
                    "planned_session": their_session.pk,
                    "performed_at": their_session.scheduled_at,
                    "status": "completed",
                    "note": "van mij",
                },
            )
        on_their_log = log_body(on(march, 2027, 3, 4), id=str(their_log), note="overschreven")
        on_their_session = log_body(
            their_session, id=str(uuid.uuid4()), planned_session=str(their_session.pk)
        )
        mine = log_body(
            on(march, 2027, 3, 8), id=str(uuid.uuid4()), performed_at="2027-03-08T18:10:00+01:00"
        )
        with time_machine.travel(ams(2027, 3, 9, 9, 0)):
            response = world.client("owner").post(
                "/api/v1/me/sync/",
                {"session_logs": [on_their_log, on_their_session, mine]},
                format="json",
            )
        results = response.json()["results"]
        assert [(r["status"], r["outcome"]) for r in results] == [
            (404, "error"),
            (404, "error"),
            (201, "created"),
        ]
        stored = SessionLog.objects.get(pk=their_log)
        assert (stored.patient, stored.note, stored.revision) == (world.other_patient, "van mij", 1)
        assert SessionLog.objects.filter(planned_session=their_session).count() == 1
        assert not SessionLog.objects.filter(pk=on_their_session["id"]).exists()
        assert SessionLog.objects.filter(patient=world.owner).count() == 1

    def test_more_than_100_logs_is_refused_whole(self, world, march):
        logs = [log_body(on(march, 2027, 3, 4), id=str(uuid.uuid4())) for _ in range(101)]
        response = world.client("owner").post(
            "/api/v1/me/sync/", {"session_logs": logs}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["session_logs"]
        assert not SessionLog.objects.exists()

    def test_first_sync_returns_the_programme_and_its_sessions(self, world, march):
        with time_machine.travel(ams(2027, 3, 2, 9, 0)):
            body = world.client("owner").post("/api/v1/me/sync/", {}, format="json").json()
        assert [p["id"] for p in body["changes"]["programmes"]] == [str(march.pk)]
        assert len(body["changes"]["sessions"]) == 24
        assert body["cursor"] >= 0

    def test_a_reinstalled_app_gets_its_logs_back_on_the_first_sync(self, world, march):
        logged = [uuid.uuid4(), uuid.uuid4()]
        with time_machine.travel(ams(2027, 3, 5, 9, 0)):
            for log_id, day in zip(logged, (1, 4), strict=True):
                world.client("owner").put(
                    f"/api/v1/me/session-logs/{log_id}/",
                    log_body(on(march, 2027, 3, day), performed_at=f"2027-03-0{day}T18:05:00Z"),
                    format="json",
                )
        with time_machine.travel(ams(2027, 3, 9, 9, 0)):
            mine = world.client("owner").post("/api/v1/me/sync/", {}, format="json").json()
            theirs = world.client("other_patient").post("/api/v1/me/sync/", {}, format="json")
        assert {log["id"] for log in mine["changes"]["session_logs"]} == {str(i) for i in logged}
        assert theirs.json()["changes"]["session_logs"] == []

    def test_the_cursor_brings_what_the_physiotherapist_changed(self, world, march):
        with time_machine.travel(ams(2027, 3, 2, 9, 0)):
            cursor = (
                world.client("owner").post("/api/v1/me/sync/", {}, format="json").json()["cursor"]
            )
        with time_machine.travel(ams(2027, 3, 2, 10, 0), tick=False):
            moved = session_reschedule(
                actor=world.physio.user,
                session=on(march, 2027, 3, 8),
                local_date=ams(2027, 3, 9).date(),
                local_time=None,
            )
        with time_machine.travel(ams(2027, 3, 2, 10, 0, 30)):
            body = (
                world.client("owner")
                .post("/api/v1/me/sync/", {"cursor": cursor}, format="json")
                .json()
            )
        assert [s["id"] for s in body["changes"]["sessions"]] == [str(moved.pk)]
        assert body["changes"]["sessions"][0]["local_date"] == "2027-03-09"
        # Changed less than the overlap ago: the cursor stays, the change will come once more.
        assert body["cursor"] == cursor
        with time_machine.travel(ams(2027, 3, 2, 10, 30)):
            later = (
                world.client("owner")
                .post("/api/v1/me/sync/", {"cursor": cursor}, format="json")
                .json()
            )
            assert [s["id"] for s in later["changes"]["sessions"]] == [str(moved.pk)]
            assert later["cursor"] > cursor
            settled = (
                world.client("owner")
                .post("/api/v1/me/sync/", {"cursor": later["cursor"]}, format="json")
                .json()
            )
        assert settled["changes"]["sessions"] == [] and settled["changes"]["programmes"] == []

    def test_deleted_sessions_come_as_tombstones(self, world, march):
        with time_machine.travel(ams(2027, 3, 2, 9, 0)):
            cursor = (
                world.client("owner").post("/api/v1/me/sync/", {}, format="json").json()["cursor"]
            )
            before = set(march.sessions.values_list("pk", flat=True))
            programme_update_schedule(actor=world.physio.user, programme=march, weekdays=[2, 5])
        with time_machine.travel(ams(2027, 3, 2, 9, 30)):
            body = (
                world.client("owner")
                .post("/api/v1/me/sync/", {"cursor": cursor}, format="json")
                .json()
            )
        after = set(march.sessions.values_list("pk", flat=True))
        assert after == before  # same number a week: ids kept
        assert body["changes"]["deleted_sessions"] == []
        with time_machine.travel(ams(2027, 3, 2, 9, 40)):
            programme_update_schedule(actor=world.physio.user, programme=march, weekdays=[2, 4, 5])
            programme_update_schedule(actor=world.physio.user, programme=march, weekdays=[2, 5])
        with time_machine.travel(ams(2027, 3, 2, 10, 30)):
            body = (
                world.client("owner")
                .post("/api/v1/me/sync/", {"cursor": cursor}, format="json")
                .json()
            )
        gone = set(body["changes"]["deleted_sessions"])
        assert gone and not gone & set(march.sessions.values_list("pk", flat=True))

    def test_sync_is_for_patients_only(self, world, march):
        check_access(
            world,
            "post",
            "/api/v1/me/sync/",
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
            {},
        )


class TestAttendance:
    def url(self, programme, session):
        return f"/api/v1/physio/programmes/{programme.pk}/sessions/{session.pk}/attendance/"

    def test_register_attended_then_correct_to_no_show(self, world, march):
        session = on(march, 2027, 3, 1)
        with time_machine.travel(ams(2027, 3, 1, 19, 0)):
            client = world.client("physio")
            created = client.put(self.url(march, session), {"status": "attended"}, format="json")
            again = client.put(self.url(march, session), {"status": "attended"}, format="json")
            corrected = client.put(self.url(march, session), {"status": "no_show"}, format="json")
        assert (created.status_code, again.status_code, corrected.status_code) == (201, 200, 200)
        assert created.json()["therapist_agb_code"] == world.physio.agb_code
        attendance = Attendance.objects.get()
        assert (attendance.status, attendance.revision) == ("no_show", 2)
        assert attendance.revisions.get().body["status"] == "attended"

    def test_cancelled_by_the_practice_is_no_longer_due(self, world, march):
        session = on(march, 2027, 3, 1)
        with time_machine.travel(ams(2027, 2, 28, 12, 0)):
            response = world.client("physio").put(
                self.url(march, session), {"status": "cancelled_by_practice"}, format="json"
            )
        assert response.status_code == 201
        session.refresh_from_db()
        assert session.status == SessionStatus.CANCELLED

    def test_undoing_a_practice_cancellation_when_its_day_was_given_away_is_a_409(
        self, world, march
    ):
        monday = on(march, 2027, 3, 8)
        with time_machine.travel(ams(2027, 3, 2, 9, 0)):
            world.client("physio").put(
                self.url(march, monday), {"status": "cancelled_by_practice"}, format="json"
            )
            # The Thursday after moves onto the free Monday.
            session_reschedule(
                actor=world.physio.user,
                session=on(march, 2027, 3, 11),
                local_date=ams(2027, 3, 8).date(),
                local_time=None,
            )
        with time_machine.travel(ams(2027, 3, 8, 19, 0)):
            response = world.client("physio").put(
                self.url(march, monday), {"status": "attended"}, format="json"
            )
        assert response.status_code == 409, response.json()
        assert list(response.json()["error"]["fields"]) == ["status"]
        monday.refresh_from_db()
        assert monday.status == SessionStatus.CANCELLED
        assert Attendance.objects.get(planned_session=monday).status == "cancelled_by_practice"

    def test_undoing_a_practice_cancellation_makes_the_session_due_again(self, world, march):
        monday = on(march, 2027, 3, 8)
        with time_machine.travel(ams(2027, 3, 2, 9, 0)):
            world.client("physio").put(
                self.url(march, monday), {"status": "cancelled_by_practice"}, format="json"
            )
        with time_machine.travel(ams(2027, 3, 8, 19, 0)):
            response = world.client("physio").put(
                self.url(march, monday), {"status": "attended"}, format="json"
            )
        assert response.status_code == 200, response.json()
        monday.refresh_from_db()
        assert monday.status == SessionStatus.SCHEDULED

    def test_a_session_on_hold_or_cancelled_has_no_attendance(self, world, march):
        from programs.services.programme import programme_end, programme_pause

        monday = on(march, 2027, 3, 15)
        with time_machine.travel(ams(2027, 3, 10, 12, 0), tick=False):
            programme_pause(actor=world.physio.user, programme=march)
        with time_machine.travel(ams(2027, 3, 16, 9, 0), tick=False):
            on_hold = world.client("physio").put(
                self.url(march, monday), {"status": "attended"}, format="json"
            )
            programme_end(actor=world.physio.user, programme=march, reason="medical")
            cancelled = world.client("physio").put(
                self.url(march, monday), {"status": "attended"}, format="json"
            )
        assert (on_hold.status_code, cancelled.status_code) == (409, 409)
        assert on_hold.json()["error"]["code"] == "session_on_hold"
        assert cancelled.json()["error"]["code"] == "session_cancelled"
        assert list(on_hold.json()["error"]["fields"]) == ["session"]
        assert list(cancelled.json()["error"]["fields"]) == ["session"]
        assert not Attendance.objects.exists()

    def test_a_home_session_has_no_attendance(self, world, march):
        session = on(march, 2027, 3, 4)
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            response = world.client("physio").put(
                self.url(march, session), {"status": "attended"}, format="json"
            )
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["session"]

    def test_attendance_cannot_be_registered_in_advance(self, world, march):
        session = on(march, 2027, 3, 8)
        with time_machine.travel(ams(2027, 3, 2, 9, 0)):
            response = world.client("physio").put(
                self.url(march, session), {"status": "attended"}, format="json"
            )
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["treated_at"]

    def test_another_therapist_of_the_practice_and_not_of_another(self, world, march):
        from tests.factories import PhysiotherapistFactory

        colleague = PhysiotherapistFactory(practice=world.physio.practice)
        session = on(march, 2027, 3, 1)
        with time_machine.travel(ams(2027, 3, 1, 19, 0)):
            ok = world.client("physio").put(
                self.url(march, session),
                {"status": "attended", "therapist_agb_code": colleague.agb_code},
                format="json",
            )
            refused = world.client("physio").put(
                self.url(march, session),
                {"status": "attended", "therapist_agb_code": world.other_physio.agb_code},
                format="json",
            )
        assert ok.status_code == 201 and ok.json()["therapist_agb_code"] == colleague.agb_code
        assert refused.status_code == 400
        assert list(refused.json()["error"]["fields"]) == ["therapist_agb_code"]

    def test_access_matrix(self, world, march):
        session = on(march, 2027, 3, 1)
        with time_machine.travel(ams(2027, 3, 1, 19, 0)):
            check_access(
                world,
                "put",
                self.url(march, session),
                {
                    "owner": 403,
                    "other_patient": 403,
                    "physio": 201,
                    "other_physio": 404,
                    "insurer": 403,
                    "other_insurer": 403,
                    "staff": 403,
                    "anonymous": 401,
                },
                {"status": "attended"},
            )
        assert Attendance.objects.count() == 1


class TestAdherence:
    """The hand-worked example. Programme from Monday 1 March 2027, Mondays supervised,
    Thursdays at home; phase 1 (weeks 1-4) prescribes 14 sets a session (cycling 1,
    sit-to-stand 2, bridging 2, side-lying abduction 2, single-leg stance 3, hip flexor
    stretch 2, hip rotation 2), phase 2 (weeks 5-8) 18 (cycling 1, sit-to-stand 3, band
    abduction 3, band extension 3, step-up 3, single-leg stance 3, hip flexor stretch 2).
    Asked on Tuesday 30 March, 12:00. Supervised sessions are done only when the
    physiotherapist registers them as attended (docs/domain.md §4); home sessions by the log.

    | date   | week | kind       | what happened                            | due | done | sets |
    |--------|------|------------|------------------------------------------|-----|------|------|
    | 1 Mar  | 1    | supervised | attended, no log                         | 1   | 1    | 14   |
    | 4 Mar  | 1    | home       | log "completed" without detail           | 1   | 1    | 14   |
    | 8 Mar  | 2    | supervised | no-show (the patient logged "completed") | 1   | 0    | 0    |
    | 11 Mar | 2    | home       | partial: 2+2+1+3 = 8 of 14 sets (8 >= 7) | 1   | 1    | 8    |
    | 15 Mar | 3    | supervised | cancelled by the practice                | 0   | -    | -    |
    | 18 Mar | 3    | home       | partial: 1+2 = 3 of 14 sets (3 < 7)      | 1   | 0    | 3    |
    | 22 Mar | 4    | supervised | nothing registered, nothing logged       | 1   | 0    | 0    |
    | 25 Mar | 4    | home       | partial: 2+2+3 = 7 of 14, exactly half   | 1   | 1    | 7    |
    | 29 Mar | 5    | supervised | logged "completed", no attendance        | 1   | 0    | 0/18 |
    | 20 Mar | -    | extra      | an extra session (not counted)           | -   | -    | -    |

    Sessions: 4 done of 8 due = 0.5 (not adherent). Sets: 46 of 116 = 0.3966.
    Weeks: 1: 2/2 = 1.0 (28/28); 2: 1/2 = 0.5 (8/28); 3: 0/1 (3/14); 4: 1/2 = 0.5 (7/28);
    5: 0/1 (0/18).
    """

    ASKED = (2027, 3, 30, 12, 0)

    @pytest.fixture
    def history(self, world, march):
        physio = world.physio

        def log(day, **data):
            session = on(march, 2027, 3, day)
            session_log_upsert(
                patient=world.owner,
                log_id=uuid.uuid4(),
                data={
                    "planned_session": session.pk,
                    "performed_at": session.scheduled_at,
                    "exercises": [],
                    **data,
                },
            )

        def done(slug, sets):
            return {"programme_exercise": prescription(march, slug), "sets_done": sets}

        with time_machine.travel(ams(*self.ASKED)):
            attendance_register(
                actor=physio.user,
                session=on(march, 2027, 3, 1),
                status="attended",
                therapist=physio,
            )
            log(4, status="completed")
            log(8, status="completed")
            attendance_register(
                actor=physio.user, session=on(march, 2027, 3, 8), status="no_show", therapist=physio
            )
            log(
                11,
                status="partial",
                exercises=[
                    done("sit-to-stand", 2),
                    done("bridging", 2),
                    done("side-lying-hip-abduction", 1),
                    done("single-leg-stance", 3),
                ],
            )
            attendance_register(
                actor=physio.user,
                session=on(march, 2027, 3, 15),
                status="cancelled_by_practice",
                therapist=physio,
            )
            log(18, status="partial", exercises=[done("cycling-warm-up", 1), done("bridging", 2)])
            log(
                25,
                status="partial",
                exercises=[
                    done("sit-to-stand", 2),
                    done("bridging", 2),
                    done("single-leg-stance", 3),
                ],
            )
            log(29, status="completed")
            session_log_upsert(
                patient=world.owner,
                log_id=uuid.uuid4(),
                data={
                    "planned_session": None,
                    "performed_at": ams(2027, 3, 20, 10, 0),
                    "status": "completed",
                },
            )
        return march

    def test_the_hand_worked_example(self, world, history):
        with time_machine.travel(ams(*self.ASKED)):
            body = world.client("owner").get("/api/v1/me/adherence/").json()
        assert (body["due"], body["done"], body["session_adherence"], body["adherent"]) == (
            8,
            4,
            0.5,
            False,
        )
        assert (body["sets_prescribed"], body["sets_done"], body["exercise_adherence"]) == (
            116,
            46,
            0.3966,
        )
        assert body["extra_sessions"] == 1
        assert body["threshold"] == 0.8
        weeks = [
            (
                w["week"],
                w["due"],
                w["done"],
                w["session_adherence"],
                w["sets_done"],
                w["sets_prescribed"],
                w["adherent"],
            )
            for w in body["weeks"]
        ]
        assert weeks == [
            (1, 2, 2, 1.0, 28, 28, True),
            (2, 2, 1, 0.5, 8, 28, False),
            (3, 1, 0, 0.0, 3, 14, False),
            (4, 2, 1, 0.5, 7, 28, False),
            (5, 1, 0, 0.0, 0, 18, False),
        ]

    def test_a_supervised_session_counts_once_its_attendance_is_registered(self, world, history):
        with time_machine.travel(ams(*self.ASKED)):
            attendance_register(
                actor=world.physio.user,
                session=on(history, 2027, 3, 29),
                status="attended",
                therapist=world.physio,
            )
            body = world.client("owner").get("/api/v1/me/adherence/").json()
        # 29 March now done, with the 18 sets the patient logged.
        assert (body["due"], body["done"], body["sets_done"]) == (8, 5, 64)
        assert body["weeks"][-1]["done"] == 1

    def test_the_physiotherapist_sees_the_same_figures(self, world, history):
        with time_machine.travel(ams(*self.ASKED)):
            mine = world.client("owner").get("/api/v1/me/adherence/").json()
            theirs = (
                world.client("physio")
                .get(f"/api/v1/physio/programmes/{history.pk}/adherence/")
                .json()
            )
        assert {k: v for k, v in mine.items() if k != "as_of"} == {
            k: v for k, v in theirs.items() if k != "as_of"
        }

    def test_a_replayed_log_does_not_count_twice(self, world, march):
        session = on(march, 2027, 3, 4)
        log_id = uuid.uuid4()
        with time_machine.travel(ams(2027, 3, 5, 12, 0)):
            for _ in range(3):
                session_log_upsert(
                    patient=world.owner,
                    log_id=log_id,
                    data={
                        "planned_session": session.pk,
                        "performed_at": session.scheduled_at,
                        "status": "completed",
                    },
                )
            body = world.client("owner").get("/api/v1/me/adherence/").json()
        assert (body["due"], body["done"]) == (2, 1)

    def test_after_the_programme_ended_the_patient_still_sees_its_figures(self, world, history):
        from programs.services.programme import programme_end

        with time_machine.travel(ams(*self.ASKED)):
            before = world.client("owner").get("/api/v1/me/adherence/").json()
            programme_end(actor=world.physio.user, programme=history, reason="surgery_referral")
            response = world.client("owner").get("/api/v1/me/adherence/")
            never = world.client("other_patient").get("/api/v1/me/adherence/")
        assert response.status_code == 200, response.json()
        after = response.json()
        assert after["programme"] == str(history.pk)
        assert {k: v for k, v in after.items() if k != "as_of"} == {
            k: v for k, v in before.items() if k != "as_of"
        }
        assert (never.status_code, never.json()["error"]["code"]) == (404, "no_programme")

    def test_adherence_access_matrix(self, world, march):
        expected = {
            "owner": 200,
            "other_patient": 404,  # has no programme of their own
            "physio": 403,
            "other_physio": 403,
            "insurer": 403,
            "other_insurer": 403,
            "staff": 403,
            "anonymous": 401,
        }
        check_access(world, "get", "/api/v1/me/adherence/", expected)
        physio_url = f"/api/v1/physio/programmes/{march.pk}/adherence/"
        check_access(
            world,
            "get",
            physio_url,
            {**expected, "owner": 403, "other_patient": 403, "physio": 200, "other_physio": 404},
        )

    def test_adherence_is_one_query_whatever_the_number_of_logs(
        self, world, history, django_assert_num_queries
    ):
        from programs.selectors.adherence import adherence_by_programme, adherence_by_week

        with time_machine.travel(ams(*self.ASKED)), django_assert_num_queries(2):
            adherence_by_programme([history.pk])
            adherence_by_week(history.pk)


def test_physio_reads_the_logs_with_pain_signals(world, march):
    session = on(march, 2027, 3, 4)
    with time_machine.travel(ams(2027, 3, 4, 19, 0)):
        world.client("owner").put(
            f"/api/v1/me/session-logs/{uuid.uuid4()}/",
            log_body(session, pain_during_max=7),
            format="json",
        )
        body = (
            world.client("physio").get(f"/api/v1/physio/programmes/{march.pk}/session-logs/").json()
        )
        other = world.client("other_physio").get(
            f"/api/v1/physio/programmes/{march.pk}/session-logs/"
        )
    assert body["results"][0]["pain_signals"] == ["P1"]
    assert other.status_code == 404


def test_physio_session_logs_access_matrix(world, march):
    check_access(
        world,
        "get",
        f"/api/v1/physio/programmes/{march.pk}/session-logs/",
        {
            "owner": 403,
            "other_patient": 403,
            "physio": 200,
            "other_physio": 404,
            "insurer": 403,
            "other_insurer": 403,
            "staff": 403,
            "anonymous": 401,
        },
    )


class TestQueryCounts:
    """Log lists and the sync answer cost the same number of queries for 1 log as for 20."""

    @pytest.fixture
    def logs(self, world, march):
        """The owner has logged 1 session, the other patient (same start) 20."""
        with time_machine.travel(ams(2027, 2, 26, 9, 0), tick=False):
            theirs = enrol(world.other_patient, world.physio, start_date=ams(2027, 3, 1).date())
        for patient, programme, count in (
            (world.owner, march, 1),
            (world.other_patient, theirs, 20),
        ):
            for session in programme.sessions.order_by("scheduled_at")[:count]:
                with time_machine.travel(session.scheduled_at + timedelta(hours=1)):
                    session_log_upsert(
                        patient=patient,
                        log_id=uuid.uuid4(),
                        data={
                            "planned_session": session.pk,
                            "performed_at": session.scheduled_at,
                            "status": "completed",
                            "pain_before": 2,
                        },
                    )
        return {"owner": march, "other_patient": theirs}

    def count(self, world, actor, method, url, data=None):
        with time_machine.travel(ams(2027, 6, 1, 9, 0)):
            client = world.client(actor)
            getattr(client, method)(url, data, format="json")  # warm: sessions, caches
            with CaptureQueriesContext(connection) as captured:
                response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 200, response.json()
        return len(captured), response.json()

    def test_my_session_logs(self, world, logs):
        one, body_one = self.count(world, "owner", "get", "/api/v1/me/session-logs/")
        many, body_many = self.count(world, "other_patient", "get", "/api/v1/me/session-logs/")
        assert (body_one["count"], body_many["count"]) == (1, 20)
        assert one == many

    def test_the_physiotherapists_session_logs(self, world, logs):
        one, body_one = self.count(
            world, "physio", "get", f"/api/v1/physio/programmes/{logs['owner'].pk}/session-logs/"
        )
        many, body_many = self.count(
            world,
            "physio",
            "get",
            f"/api/v1/physio/programmes/{logs['other_patient'].pk}/session-logs/",
        )
        assert (body_one["count"], body_many["count"]) == (1, 20)
        assert one == many

    @pytest.mark.parametrize("cursor", [None, 0])
    def test_the_sync_answer(self, world, logs, cursor):
        data = {} if cursor is None else {"cursor": cursor}
        one, body_one = self.count(world, "owner", "post", "/api/v1/me/sync/", data)
        many, body_many = self.count(world, "other_patient", "post", "/api/v1/me/sync/", data)
        assert (
            len(body_one["changes"]["session_logs"]),
            len(body_many["changes"]["session_logs"]),
        ) == (
            1,
            20,
        )
        assert one == many


class TestLogAnswer:
    """SessionLogSerializer writes its answer out for speed; it must be, key for key, what
    DRF's walk over the declared fields (the schema) gives."""

    def test_the_written_out_answer_is_what_the_declared_fields_give(self, world, march):
        from django.utils import translation
        from rest_framework import serializers

        from programs.api.shared import SessionLogSerializer
        from programs.models import SessionLogExercise
        from programs.selectors.session import session_logs

        thursday, monday = on(march, 2027, 3, 4), on(march, 2027, 3, 8)
        written = []
        with time_machine.travel(ams(2027, 3, 8, 19, 0)):
            for data in (
                {
                    "planned_session": thursday.pk,
                    "performed_at": datetime(2027, 3, 4, 22, 40, tzinfo=ZoneInfo("Asia/Kolkata")),
                    "status": "partial",
                    "exertion": 6,
                    "pain_before": 2,
                    "pain_during_max": 7,
                    "pain_next_morning": 4,
                    "note": "Zwaar.",
                    "exercises": [
                        {
                            "programme_exercise": prescription(march, "bridging"),
                            "sets_done": 1,
                            "repetitions_done": 6,
                            "load_done": "2 kg",
                        }
                    ],
                },
                {
                    "planned_session": monday.pk,
                    "performed_at": ams(2027, 3, 8, 8, 0),
                    "status": "skipped",
                    "skip_reason": "illness",
                },
                {
                    "planned_session": None,
                    "performed_at": ams(2027, 3, 6, 10, 0),
                    "status": "completed",
                },
            ):
                result = session_log_upsert(patient=world.owner, log_id=uuid.uuid4(), data=data)
                written.append(result.log)  # as the PUT answers it: rows from the service
        SessionLogExercise.objects.filter(log=written[0]).update(programme_exercise=None)
        SessionLog.objects.filter(pk=written[1].pk).update(performed_offset_minutes=None)
        stored = list(session_logs(patient=world.owner))
        assert len(stored) == 3
        for language in ("nl", "en"):
            with translation.override(language):
                for log in [*written, *stored]:
                    serializer = SessionLogSerializer(log)
                    declared = serializers.Serializer.to_representation(serializer, log)
                    answer = serializer.data
                    assert list(answer.items()) == list(declared.items())
