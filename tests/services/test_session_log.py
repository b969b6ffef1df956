"""Session logs from the app: idempotent, safe, with history and a lock after 7 days."""

import threading
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import translation

from programs.errors import ConflictError, NotFoundError, ValidationFailed
from programs.models import SessionLog, SessionLogRevision
from programs.services.session import attendance_register, session_log_upsert
from tests.conftest import enrol

AMS = ZoneInfo("Europe/Amsterdam")


def ams(*args):
    return datetime(*args, tzinfo=AMS)


@pytest.fixture
def march(world):
    """Mondays (supervised) and Thursdays at 18:00 from Monday 1 March 2027."""
    with time_machine.travel(ams(2027, 2, 26, 9, 0), tick=False):
        return enrol(world.owner, world.physio, start_date=ams(2027, 3, 1).date())


def session_on(programme, day):
    return programme.sessions.get(local_date=day)


def body(session, **overrides):
    data = {
        "planned_session": session.pk,
        "performed_at": session.scheduled_at + timedelta(minutes=5),
        "status": "completed",
        "pain_before": 3,
        "pain_during_max": 4,
        "exercises": [],
    }
    data.update(overrides)
    return data


def item(programme, slug, sets_done, week=1, **more):
    prescription = programme.phases.get(first_week__lte=week, last_week__gte=week).exercises.get(
        exercise__slug=slug
    )
    return {"programme_exercise": prescription.pk, "sets_done": sets_done, **more}


class TestUpsert:
    def test_a_new_log_keeps_what_was_done_beside_what_was_prescribed(self, world, march):
        session = session_on(march, ams(2027, 3, 4).date())
        data = body(
            session,
            status="partial",
            exercises=[item(march, "sit-to-stand", 2, repetitions_done=8)],
        )
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            result = session_log_upsert(patient=world.owner, log_id=uuid.uuid4(), data=data)
        assert result.outcome == "created"
        rows = {row.exercise.slug: row for row in result.log.exercises.select_related("exercise")}
        assert len(rows) == 7  # every exercise of phase 1, done or not
        assert (rows["sit-to-stand"].sets_prescribed, rows["sit-to-stand"].sets_done) == (2, 2)
        assert (
            rows["sit-to-stand"].repetitions_prescribed,
            rows["sit-to-stand"].repetitions_done,
        ) == (10, 8)
        assert (rows["bridging"].sets_prescribed, rows["bridging"].sets_done) == (2, 0)

    def test_the_same_body_again_returns_the_same_record_unchanged(self, world, march):
        session = session_on(march, ams(2027, 3, 4).date())
        log_id = uuid.uuid4()
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            first = session_log_upsert(patient=world.owner, log_id=log_id, data=body(session))
            again = session_log_upsert(patient=world.owner, log_id=log_id, data=body(session))
        assert (first.outcome, again.outcome) == ("created", "unchanged")
        assert again.log.pk == log_id and again.log.revision == 1
        assert SessionLog.objects.count() == 1
        assert not SessionLogRevision.objects.exists()

    def test_a_different_body_updates_and_keeps_the_previous_one(self, world, march):
        session = session_on(march, ams(2027, 3, 4).date())
        log_id = uuid.uuid4()
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            session_log_upsert(patient=world.owner, log_id=log_id, data=body(session))
        with time_machine.travel(ams(2027, 3, 5, 8, 0)):
            result = session_log_upsert(
                patient=world.owner, log_id=log_id, data=body(session, pain_next_morning=3)
            )
        assert result.outcome == "updated"
        log = SessionLog.objects.get(pk=log_id)
        assert (log.revision, log.pain_next_morning) == (2, 3)
        previous = log.revisions.get()
        assert previous.revision == 1 and previous.body["pain_next_morning"] is None

    def test_after_seven_days_a_log_is_locked_but_a_replay_still_answers(self, world, march):
        session = session_on(march, ams(2027, 3, 4).date())
        log_id = uuid.uuid4()
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            session_log_upsert(patient=world.owner, log_id=log_id, data=body(session))
        with time_machine.travel(ams(2027, 3, 11, 18, 59)):  # 6 days 23:59 later
            assert (
                session_log_upsert(
                    patient=world.owner, log_id=log_id, data=body(session, note="ok")
                ).outcome
                == "updated"
            )
        with time_machine.travel(ams(2027, 3, 11, 19, 1)):  # just over 7 days
            with pytest.raises(ConflictError) as caught:
                session_log_upsert(
                    patient=world.owner, log_id=log_id, data=body(session, note="later")
                )
            assert caught.value.code == "log_locked"
            replay = session_log_upsert(
                patient=world.owner, log_id=log_id, data=body(session, note="ok")
            )
            assert replay.outcome == "unchanged"
        assert SessionLog.objects.get(pk=log_id).note == "ok"

    def test_a_replay_after_an_exercise_was_removed_returns_the_stored_record(self, world, march):
        from programs.models import ProgrammeExercise
        from programs.services.programme import programme_exercise_remove

        session = session_on(march, ams(2027, 3, 4).date())
        log_id = uuid.uuid4()
        data = body(session, status="partial", exercises=[item(march, "bridging", 2)])
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            session_log_upsert(patient=world.owner, log_id=log_id, data=data)
            bridging = ProgrammeExercise.objects.get(pk=data["exercises"][0]["programme_exercise"])
            programme_exercise_remove(actor=world.physio.user, item=bridging)
            replay = session_log_upsert(patient=world.owner, log_id=log_id, data=data)
        assert (replay.outcome, replay.log.pk, replay.log.revision) == ("unchanged", log_id, 1)

    def test_a_replay_after_the_programme_ended_returns_the_stored_record(self, world, march):
        from programs.services.programme import programme_end

        log_id = uuid.uuid4()
        extra = {
            "planned_session": None,
            "performed_at": ams(2027, 3, 6, 10, 0),
            "status": "completed",
        }
        with time_machine.travel(ams(2027, 3, 6, 11, 0)):
            session_log_upsert(patient=world.owner, log_id=log_id, data=extra)
            programme_end(actor=world.physio.user, programme=march, reason="surgery_referral")
            replay = session_log_upsert(patient=world.owner, log_id=log_id, data=extra)
            # A change is made and checked in the log's own programme, ended or not.
            changed = session_log_upsert(
                patient=world.owner, log_id=log_id, data={**extra, "note": "x"}
            )
            with pytest.raises(ValidationFailed) as caught:
                session_log_upsert(
                    patient=world.owner,
                    log_id=log_id,
                    data={**extra, "performed_at": ams(2027, 2, 20, 10, 0)},
                )
        assert replay.outcome == "unchanged"
        assert (changed.outcome, changed.log.programme) == ("updated", march)
        assert list(caught.value.fields) == ["performed_at"]

    def test_another_patients_log_id_is_not_found_and_not_overwritten(self, world, march):
        session = session_on(march, ams(2027, 3, 4).date())
        log_id = uuid.uuid4()
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            session_log_upsert(patient=world.owner, log_id=log_id, data=body(session))
            with pytest.raises(NotFoundError):
                session_log_upsert(
                    patient=world.other_patient, log_id=log_id, data=body(session, note="mine")
                )
        assert SessionLog.objects.get(pk=log_id).patient == world.owner
        assert SessionLog.objects.get(pk=log_id).note == ""

    def test_another_patients_planned_session_is_not_found(self, world, march):
        session = session_on(march, ams(2027, 3, 4).date())
        with time_machine.travel(ams(2027, 3, 4, 19, 0)), pytest.raises(NotFoundError) as caught:
            session_log_upsert(patient=world.other_patient, log_id=uuid.uuid4(), data=body(session))
        assert "planned_session" in caught.value.fields
        assert not SessionLog.objects.exists()

    def test_a_second_log_for_the_same_session_is_refused(self, world, march):
        session = session_on(march, ams(2027, 3, 4).date())
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            session_log_upsert(patient=world.owner, log_id=uuid.uuid4(), data=body(session))
            with pytest.raises(ConflictError) as caught:
                session_log_upsert(patient=world.owner, log_id=uuid.uuid4(), data=body(session))
        assert caught.value.code == "session_already_logged"
        assert SessionLog.objects.count() == 1

    def test_a_cancelled_session_cannot_be_logged_but_its_log_can_be_replayed(self, world, march):
        monday = session_on(march, ams(2027, 3, 1).date())
        next_monday = session_on(march, ams(2027, 3, 8).date())
        log_id = uuid.uuid4()
        with time_machine.travel(ams(2027, 3, 1, 19, 0)):
            session_log_upsert(patient=world.owner, log_id=log_id, data=body(monday))
            attendance_register(
                actor=world.physio.user,
                session=monday,
                status="cancelled_by_practice",
                therapist=world.physio,
            )
            replay = session_log_upsert(patient=world.owner, log_id=log_id, data=body(monday))
            assert replay.outcome == "unchanged"
        with time_machine.travel(ams(2027, 2, 28, 12, 0)):
            attendance_register(
                actor=world.physio.user,
                session=next_monday,
                status="cancelled_by_practice",
                therapist=world.physio,
            )
        with time_machine.travel(ams(2027, 3, 8, 19, 0)), pytest.raises(ConflictError) as caught:
            session_log_upsert(patient=world.owner, log_id=uuid.uuid4(), data=body(next_monday))
        assert caught.value.code == "session_cancelled"
        # Whatever the body: a cancelled session takes no log, so that is what the app hears.
        early = body(next_monday, performed_at=ams(2027, 3, 5, 9, 0))
        with time_machine.travel(ams(2027, 3, 8, 19, 0)), pytest.raises(ConflictError) as caught:
            session_log_upsert(patient=world.owner, log_id=uuid.uuid4(), data=early)
        assert caught.value.code == "session_cancelled"
        assert SessionLog.objects.count() == 1

    def test_an_extra_session_has_no_planned_session(self, world, march):
        with time_machine.travel(ams(2027, 3, 6, 11, 0)):
            result = session_log_upsert(
                patient=world.owner,
                log_id=uuid.uuid4(),
                data={
                    "planned_session": None,
                    "performed_at": ams(2027, 3, 6, 10, 0),
                    "status": "completed",
                    "exercises": [item(march, "bridging", 2)],
                },
            )
        assert result.log.planned_session is None
        assert result.log.programme == march

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"performed_at": ams(2027, 3, 4, 20, 0)}, "performed_at"),  # in the future
            ({"status": "partial", "exercises": []}, "exercises"),
        ],
    )
    def test_invalid_logs_name_the_field_and_write_nothing(self, world, march, overrides, field):
        session = session_on(march, ams(2027, 3, 4).date())
        with time_machine.travel(ams(2027, 3, 4, 19, 0)), pytest.raises(ValidationFailed) as caught:
            session_log_upsert(
                patient=world.owner, log_id=uuid.uuid4(), data=body(session, **overrides)
            )
        assert field in caught.value.fields
        assert not SessionLog.objects.exists()

    def test_an_exercise_of_another_programme_is_refused(self, world, march):
        other = enrol(world.other_patient, world.physio, supervised_weekdays=[0])
        foreign = other.phases.get(order=1).exercises.first()
        session = session_on(march, ams(2027, 3, 4).date())
        data = body(session, exercises=[{"programme_exercise": foreign.pk, "sets_done": 1}])
        with time_machine.travel(ams(2027, 3, 4, 19, 0)), pytest.raises(ValidationFailed) as caught:
            session_log_upsert(patient=world.owner, log_id=uuid.uuid4(), data=data)
        assert list(caught.value.fields) == ["exercises.0.programme_exercise"]

    def test_another_phases_dose_of_an_exercise_due_this_week_is_refused(self, world, march):
        # Week 1 prescribes sit-to-stand (phase 1); the app sent phase 2's sit-to-stand.
        session = session_on(march, ams(2027, 3, 4).date())
        data = body(
            session,
            status="partial",
            exercises=[item(march, "bridging", 2), item(march, "sit-to-stand", 3, week=5)],
        )
        with (
            time_machine.travel(ams(2027, 3, 4, 19, 0)),
            translation.override("en"),
            pytest.raises(ValidationFailed) as caught,
        ):
            session_log_upsert(patient=world.owner, log_id=uuid.uuid4(), data=data)
        assert list(caught.value.fields) == ["exercises.1.programme_exercise"]
        (error,) = caught.value.fields["exercises.1.programme_exercise"]
        # The real problem, not a duplicate: a prescription of another phase than the week's.
        assert error["code"] == "other_phase"
        phase_2 = march.phases.get(order=2)
        assert f"phase 2 (weeks {phase_2.first_week}-{phase_2.last_week})" in error["message"]
        assert "week 1" in error["message"]
        assert str(item(march, "sit-to-stand", 1)["programme_exercise"]) in error["message"]
        assert not SessionLog.objects.exists()

    def test_the_weeks_prescription_beside_another_phases_one_names_the_other_phase(
        self, world, march
    ):
        session = session_on(march, ams(2027, 3, 4).date())
        data = body(
            session,
            status="partial",
            exercises=[item(march, "sit-to-stand", 3, week=5), item(march, "sit-to-stand", 2)],
        )
        with time_machine.travel(ams(2027, 3, 4, 19, 0)), pytest.raises(ValidationFailed) as caught:
            session_log_upsert(patient=world.owner, log_id=uuid.uuid4(), data=data)
        assert {
            name: [e["code"] for e in errors] for name, errors in caught.value.fields.items()
        } == {"exercises.0.programme_exercise": ["other_phase"]}

    def test_an_extra_session_cannot_list_two_phases_doses_of_one_exercise(self, world, march):
        data = {
            "planned_session": None,
            "performed_at": ams(2027, 3, 6, 10, 0),
            "status": "completed",
            "exercises": [
                item(march, "cycling-warm-up", 1),
                item(march, "cycling-warm-up", 1, week=5),
            ],
        }
        with time_machine.travel(ams(2027, 3, 6, 11, 0)), pytest.raises(ValidationFailed) as caught:
            session_log_upsert(patient=world.owner, log_id=uuid.uuid4(), data=data)
        assert list(caught.value.fields) == ["exercises.1.programme_exercise"]
        assert caught.value.fields["exercises.1.programme_exercise"][0]["code"] == (
            "duplicate_exercise"
        )
        assert not SessionLog.objects.exists()

    def test_an_exercise_of_another_phase_not_due_this_week_is_kept_unprescribed(
        self, world, march
    ):
        # Step-up is not in phase 1: done beside the week's exercises, with 0 sets prescribed.
        session = session_on(march, ams(2027, 3, 4).date())
        data = body(session, status="partial", exercises=[item(march, "step-up", 2, week=5)])
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            result = session_log_upsert(patient=world.owner, log_id=uuid.uuid4(), data=data)
        rows = {row.exercise.slug: row for row in result.log.exercises.select_related("exercise")}
        assert len(rows) == 8
        assert (rows["step-up"].sets_prescribed, rows["step-up"].sets_done) == (0, 2)

    def test_a_logged_session_no_longer_moves_with_a_pause(self, world, march):
        from programs.services.programme import programme_pause, programme_resume

        session = session_on(march, ams(2027, 3, 11).date())
        with time_machine.travel(ams(2027, 3, 10, 19, 0), tick=False):
            # skipped in advance, the day before the pause
            session_log_upsert(
                patient=world.owner,
                log_id=uuid.uuid4(),
                data=body(
                    session,
                    status="skipped",
                    skip_reason="no_time",
                    performed_at=ams(2027, 3, 10, 18, 0),
                ),
            )
            programme_pause(actor=world.physio.user, programme=march)
        with time_machine.travel(ams(2027, 3, 17, 9, 0), tick=False):
            programme_resume(actor=world.physio.user, programme=march)
        session.refresh_from_db()
        assert session.local_date == ams(2027, 3, 11).date()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_the_same_moment_give_one_record(world):
    with time_machine.travel(ams(2027, 2, 26, 9, 0), tick=False):
        march = enrol(world.owner, world.physio, start_date=ams(2027, 3, 1).date())
    session = session_on(march, ams(2027, 3, 4).date())
    log_id = uuid.uuid4()
    outcomes, errors = [], []
    barrier = threading.Barrier(4)

    def upsert():
        try:
            barrier.wait()
            outcomes.append(
                session_log_upsert(patient=world.owner, log_id=log_id, data=body(session)).outcome
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(ams(2027, 3, 4, 19, 0)):
        threads = [threading.Thread(target=upsert) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    assert sorted(outcomes) == ["created", "unchanged", "unchanged", "unchanged"]
    assert SessionLog.objects.filter(pk=log_id).count() == 1
    assert SessionLog.objects.get(pk=log_id).exercises.count() == 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_ids_for_one_session_at_the_same_moment_give_one_log_and_a_409(world):
    with time_machine.travel(ams(2027, 2, 26, 9, 0), tick=False):
        march = enrol(world.owner, world.physio, start_date=ams(2027, 3, 1).date())
    session = session_on(march, ams(2027, 3, 4).date())
    outcomes, errors = [], []
    barrier = threading.Barrier(2)

    def upsert():
        try:
            barrier.wait()
            outcomes.append(
                session_log_upsert(
                    patient=world.owner, log_id=uuid.uuid4(), data=body(session)
                ).outcome
            )
        except ConflictError as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    with time_machine.travel(ams(2027, 3, 4, 19, 0)):
        threads = [threading.Thread(target=upsert) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert (outcomes, errors) == (["created"], ["session_already_logged"])
    assert SessionLog.objects.filter(planned_session=session).count() == 1
