"""Enrolment and changes to a programme (docs/domain.md §1)."""

from datetime import UTC, date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from programs.errors import ConflictError, ValidationFailed
from programs.models import (
    ChangeKind,
    Exercise,
    PlannedSession,
    Programme,
    ProgrammeStatus,
    ProgrammeTemplate,
    SessionStatus,
    TemplateExercise,
)
from programs.services.programme import (
    programme_end,
    programme_enrol,
    programme_exercise_add,
    programme_exercise_remove,
    programme_exercise_update,
    programme_pause,
    programme_resume,
    programme_update_schedule,
    programmes_complete_finished,
    session_reschedule,
)
from tests.conftest import HIP_TEMPLATE, enrol
from tests.factories import PatientFactory

AMS = ZoneInfo("Europe/Amsterdam")


def local(moment):
    return moment.astimezone(AMS)


def live_sessions(programme):
    return list(programme.sessions.exclude(status=SessionStatus.CANCELLED).order_by("scheduled_at"))


class TestEnrolment:
    def test_two_a_week_gives_24_sessions_with_mondays_supervised(self, world):
        programme = enrol(world.owner, world.physio, weekdays=[3, 0])
        sessions = live_sessions(programme)
        assert len(sessions) == 24
        assert programme.weekdays == [0, 3]
        assert [s.supervised for s in sessions] == [s.local_date.weekday() == 0 for s in sessions]
        assert {local(s.scheduled_at).time() for s in sessions} == {time(18, 0)}
        assert programme.status == ProgrammeStatus.ACTIVE
        assert programme.time_zone == "Europe/Amsterdam"

    def test_three_a_week_gives_36_sessions(self, world):
        programme = enrol(world.owner, world.physio, weekdays=[0, 2, 4], supervised_weekdays=[0, 4])
        sessions = live_sessions(programme)
        assert len(sessions) == 36
        assert sum(s.supervised for s in sessions) == 24

    def test_18_00_stays_18_00_across_the_october_clock_change(self, world):
        # Summer time ends on Sunday 31 October 2027: 18:00 is 16:00 UTC before, 17:00 after.
        with time_machine.travel(datetime_ams(2027, 10, 20, 9, 0), tick=False):
            programme = enrol(
                world.owner, world.physio, start_date=date(2027, 10, 25), weekdays=[0, 3]
            )
        first = list(programme.sessions.order_by("scheduled_at")[:3])
        assert [s.local_date for s in first] == [
            date(2027, 10, 25),
            date(2027, 10, 28),
            date(2027, 11, 1),
        ]
        assert [s.scheduled_at.astimezone(UTC).hour for s in first] == [16, 16, 17]
        assert {local(s.scheduled_at).time() for s in programme.sessions.all()} == {time(18, 0)}

    def test_the_template_is_copied_so_template_edits_never_reach_the_programme(self, world):
        template = ProgrammeTemplate.objects.get(slug=HIP_TEMPLATE)
        programme = enrol(world.owner, world.physio)
        copied = {
            (p.order, e.exercise.slug, e.sets, e.repetitions)
            for p in programme.phases.all()
            for e in p.exercises.select_related("exercise")
        }
        assert len(copied) == TemplateExercise.objects.filter(phase__template=template).count()

        TemplateExercise.objects.filter(phase__template=template).update(sets=9)
        TemplateExercise.objects.filter(exercise__slug="bridging").delete()
        template.phases.filter(order=3).update(name_en="Renamed")

        after = {
            (p.order, e.exercise.slug, e.sets, e.repetitions)
            for p in programme.phases.all()
            for e in p.exercises.select_related("exercise")
        }
        assert after == copied
        assert programme.phases.get(order=3).name_en == "Phase 3: strengthening"

    def test_the_patient_sees_the_time_in_their_own_time_zone(self, world):
        world.owner.time_zone = "America/Curacao"
        world.owner.save()
        programme = enrol(world.owner, world.physio)
        first = live_sessions(programme)[0]
        assert first.scheduled_at.astimezone(ZoneInfo("America/Curacao")).time() == time(18, 0)

    @pytest.mark.parametrize(
        ("weekdays", "code"),
        [
            ([0], "sessions_per_week"),
            ([0, 1, 3, 5], "sessions_per_week"),
            ([0, 0], "duplicate_weekday"),
        ],
    )
    def test_one_or_four_a_week_or_repeated_days_are_refused_and_nothing_is_written(
        self, world, weekdays, code
    ):
        with pytest.raises(ValidationFailed) as caught:
            enrol(world.owner, world.physio, weekdays=weekdays)
        assert caught.value.fields["weekdays"][0]["code"] == code
        assert not Programme.objects.exists()
        assert not PlannedSession.objects.exists()

    def test_the_start_lies_at_most_a_year_ahead(self, world):
        today = timezone.localdate()
        with pytest.raises(ValidationFailed) as caught:
            enrol(world.owner, world.physio, start_date=today + timedelta(days=366))
        assert caught.value.fields["start_date"][0]["code"] == "too_late"
        assert not Programme.objects.exists()
        programme = enrol(world.owner, world.physio, start_date=today + timedelta(days=365))
        assert programme.sessions.count() == 24

    def test_supervised_days_must_be_session_days(self, world):
        with pytest.raises(ValidationFailed) as caught:
            enrol(world.owner, world.physio, weekdays=[0, 3], supervised_weekdays=[1])
        assert list(caught.value.fields) == ["supervised_weekdays"]

    def test_a_patient_of_another_practice_is_refused(self, world):
        with pytest.raises(ValidationFailed) as caught:
            enrol(world.owner, world.other_physio)
        assert list(caught.value.fields) == ["patient"]
        assert not Programme.objects.exists()

    def test_a_second_running_programme_is_refused(self, world, programme):
        with pytest.raises(ConflictError) as caught:
            enrol(world.owner, world.physio)
        assert caught.value.code == "programme_already_running"
        assert "patient" in caught.value.fields
        assert Programme.objects.filter(patient=world.owner).count() == 1

    def test_the_database_refuses_a_second_running_programme_too(self, world, programme):
        duplicate = Programme.objects.get(pk=programme.pk)
        duplicate.pk = None
        duplicate.id = None
        with pytest.raises(IntegrityError), transaction.atomic():
            Programme.objects.create(
                **{
                    f.attname: getattr(duplicate, f.attname)
                    for f in Programme._meta.concrete_fields
                    if f.attname not in ("id", "created_at", "updated_at")
                }
            )

    def test_after_ending_a_new_programme_can_start(self, world, programme):
        programme_end(actor=world.physio.user, programme=programme, reason="other")
        again = enrol(world.owner, world.physio)
        assert again.status == ProgrammeStatus.ACTIVE

    def test_a_finished_programme_is_completed_when_the_next_one_starts(self, world, programme):
        after_last = programme.sessions.order_by("-scheduled_at").first().scheduled_at
        with time_machine.travel(after_last + timedelta(days=1)):
            nxt = enrol(world.owner, world.physio)
        programme.refresh_from_db()
        assert programme.status == ProgrammeStatus.COMPLETED
        assert nxt.status == ProgrammeStatus.ACTIVE

    def test_the_nightly_task_completes_finished_programmes(self, world, programme):
        other = enrol(
            world.other_patient, world.physio, start_date=timezone.localdate() + timedelta(days=30)
        )
        after_last = programme.sessions.order_by("-scheduled_at").first().scheduled_at
        with time_machine.travel(after_last + timedelta(hours=1)):
            assert programmes_complete_finished() == 1
        programme.refresh_from_db()
        other.refresh_from_db()
        assert (programme.status, other.status) == (
            ProgrammeStatus.COMPLETED,
            ProgrammeStatus.ACTIVE,
        )

    def test_enrolment_is_in_the_history(self, world, programme):
        change = programme.changes.get()
        assert change.kind == ChangeKind.ENROLLED
        assert change.actor == world.physio.user
        assert change.detail["session_count"] == 24


@pytest.fixture
def winter(world):
    """A programme starting Monday 1 March 2027, Mondays and Thursdays at 18:00; the clocks
    change on Sunday 28 March."""
    with time_machine.travel(datetime_ams(2027, 2, 26, 9, 0), tick=False):
        programme = enrol(world.owner, world.physio, start_date=date(2027, 3, 1))
    return programme


def log_session(patient, session):
    import uuid

    from programs.services.session import session_log_upsert

    session_log_upsert(
        patient=patient,
        log_id=uuid.uuid4(),
        data={
            "planned_session": session.pk,
            "performed_at": session.scheduled_at,
            "status": "completed",
        },
    )


def datetime_ams(*args):
    from datetime import datetime

    return datetime(*args, tzinfo=AMS)


class TestPauseAndResume:
    def test_pause_puts_the_sessions_from_its_start_on_hold(self, world, winter):
        with time_machine.travel(datetime_ams(2027, 3, 10, 12, 0), tick=False):
            programme_pause(actor=world.physio.user, programme=winter, reason="flu")
        winter.refresh_from_db()
        assert winter.status == ProgrammeStatus.PAUSED
        held = winter.sessions.filter(status=SessionStatus.ON_HOLD)
        # Mon 1, Thu 4, Mon 8 lie before the pause; the other 21 are on hold.
        assert held.count() == 21
        assert not winter.sessions.filter(
            status=SessionStatus.SCHEDULED, local_date__gte=date(2027, 3, 10)
        ).exists()

    def test_resume_shifts_the_remaining_sessions_keeping_weeks_and_local_time(self, world, winter):
        weeks_before = [s.week for s in winter.sessions.filter(local_date__gte=date(2027, 3, 10))]
        with time_machine.travel(datetime_ams(2027, 3, 10, 12, 0), tick=False):
            programme_pause(actor=world.physio.user, programme=winter)
        with time_machine.travel(datetime_ams(2027, 3, 24, 9, 0), tick=False):  # a Wednesday
            programme_resume(actor=world.physio.user, programme=winter)
        winter.refresh_from_db()
        assert winter.status == ProgrammeStatus.ACTIVE
        moved = list(
            winter.sessions.filter(local_date__gte=date(2027, 3, 10)).order_by("scheduled_at")
        )
        assert [s.week for s in moved] == weeks_before
        assert all(s.status == SessionStatus.SCHEDULED for s in moved)
        assert moved[0].local_date == date(2027, 3, 25)  # the first Thursday from the resume date
        # Across the clock change of 28 March, still 18:00 local.
        assert {local(s.scheduled_at).time() for s in moved} == {time(18, 0)}
        assert {s.local_date.weekday() for s in moved} == {0, 3}
        assert all(s.supervised == (s.local_date.weekday() == 0) for s in moved)
        # Two weeks of pause: the programme ends two weeks later.
        assert moved[-1].local_date == date(2027, 6, 3)
        assert len(live_sessions(winter)) == 24
        assert winter.pauses.get().end_date == date(2027, 3, 24)

    def test_a_session_logged_during_the_pause_stays_on_its_day(self, world, winter):
        thursday = winter.sessions.get(local_date=date(2027, 3, 11))
        with time_machine.travel(datetime_ams(2027, 3, 10, 12, 0), tick=False):
            programme_pause(actor=world.physio.user, programme=winter)
        with time_machine.travel(datetime_ams(2027, 3, 11, 19, 0), tick=False):
            # Ill, but did the session anyway: the app logs it, on hold or not.
            log_session(world.owner, thursday)
        with time_machine.travel(datetime_ams(2027, 3, 24, 9, 0), tick=False):
            programme_resume(actor=world.physio.user, programme=winter)
        thursday.refresh_from_db()
        assert (thursday.local_date, thursday.status) == (
            date(2027, 3, 11),
            SessionStatus.SCHEDULED,
        )
        moved = list(winter.sessions.filter(local_date__gt=date(2027, 3, 11)))
        assert len(moved) == 20 and min(s.local_date for s in moved) == date(2027, 3, 25)
        assert len(live_sessions(winter)) == 24
        resumed = winter.changes.get(kind=ChangeKind.RESUMED).detail
        assert resumed["sessions_moved"] == 20

    def test_ending_after_a_pause_keeps_a_session_logged_during_it(self, world, winter):
        thursday = winter.sessions.get(local_date=date(2027, 3, 11))
        with time_machine.travel(datetime_ams(2027, 3, 10, 12, 0), tick=False):
            programme_pause(actor=world.physio.user, programme=winter)
        with time_machine.travel(datetime_ams(2027, 3, 11, 19, 0), tick=False):
            log_session(world.owner, thursday)
        with time_machine.travel(datetime_ams(2027, 3, 20, 12, 0), tick=False):
            programme_end(actor=world.physio.user, programme=winter, reason="medical")
        thursday.refresh_from_db()
        assert thursday.status == SessionStatus.SCHEDULED
        assert winter.sessions.filter(status=SessionStatus.CANCELLED).count() == 20

    def test_resume_at_most_a_year_ahead(self, world, winter):
        with time_machine.travel(datetime_ams(2027, 3, 10, 12, 0), tick=False):
            programme_pause(actor=world.physio.user, programme=winter)
            with pytest.raises(ValidationFailed) as caught:
                programme_resume(
                    actor=world.physio.user, programme=winter, resume_date=date(2028, 3, 10)
                )
            assert caught.value.fields["resume_date"][0]["code"] == "too_late"
            programme_resume(
                actor=world.physio.user, programme=winter, resume_date=date(2028, 3, 9)
            )
        assert max(s.local_date for s in live_sessions(winter)) > date(2028, 5, 1)

    def test_paused_programme_cannot_be_paused_again_and_active_cannot_resume(self, world, winter):
        with time_machine.travel(datetime_ams(2027, 3, 2, 12, 0), tick=False):
            with pytest.raises(ConflictError):
                programme_resume(actor=world.physio.user, programme=winter)
            programme_pause(actor=world.physio.user, programme=winter)
            with pytest.raises(ConflictError):
                programme_pause(actor=world.physio.user, programme=winter)

    def test_a_pause_cannot_start_in_the_future_or_before_the_programme(self, world, winter):
        with time_machine.travel(datetime_ams(2027, 3, 10, 12, 0), tick=False):
            for start in (date(2027, 3, 11), date(2027, 2, 20)):
                with pytest.raises(ValidationFailed) as caught:
                    programme_pause(actor=world.physio.user, programme=winter, start_date=start)
                assert list(caught.value.fields) == ["start_date"]
        assert winter.pauses.count() == 0

    def test_pause_and_resume_are_in_the_history(self, world, winter):
        with time_machine.travel(datetime_ams(2027, 3, 10, 12, 0), tick=False):
            programme_pause(actor=world.physio.user, programme=winter, reason="flu")
        with time_machine.travel(datetime_ams(2027, 3, 15, 12, 0), tick=False):
            programme_resume(actor=world.physio.user, programme=winter)
        kinds = list(winter.changes.values_list("kind", flat=True))
        assert kinds == [ChangeKind.ENROLLED, ChangeKind.PAUSED, ChangeKind.RESUMED]
        assert winter.changes.get(kind=ChangeKind.PAUSED).detail["reason"] == "flu"


class TestReschedule:
    def test_one_session_moves_and_keeps_its_week(self, world, winter):
        session = winter.sessions.order_by("scheduled_at")[2]  # Monday 8 March, week 2
        with time_machine.travel(datetime_ams(2027, 3, 2, 12, 0), tick=False):
            moved = session_reschedule(
                actor=world.physio.user,
                session=session,
                local_date=date(2027, 3, 9),
                local_time=time(10, 30),
                reason="therapist away",
            )
        assert (moved.week, moved.local_date) == (2, date(2027, 3, 9))
        assert local(moved.scheduled_at).time() == time(10, 30)
        assert local(moved.originally_scheduled_at) == datetime_ams(2027, 3, 8, 18, 0)
        assert winter.changes.filter(kind=ChangeKind.SESSION_RESCHEDULED).count() == 1

    def test_a_session_keeps_the_earliest_day_it_had_and_only_a_new_day_counts(self, world, winter):
        session = winter.sessions.order_by("scheduled_at")[2]  # Monday 8 March
        assert session.earliest_local_date is None
        with time_machine.travel(datetime_ams(2027, 3, 2, 12, 0), tick=False):
            for day, at in [(9, time(10, 30)), (9, time(8, 0)), (12, None), (10, None)]:
                session = session_reschedule(
                    actor=world.physio.user,
                    session=session,
                    local_date=date(2027, 3, day),
                    local_time=at,
                )
        session.refresh_from_db()
        assert (session.local_date, session.earliest_local_date) == (
            date(2027, 3, 10),
            date(2027, 3, 8),
        )

    def test_a_resume_keeps_each_sessions_earlier_day(self, world, winter):
        with time_machine.travel(datetime_ams(2027, 3, 2, 12, 0), tick=False):
            programme_pause(actor=world.physio.user, programme=winter)
            before = {s.pk: s.local_date for s in winter.sessions.filter(status="on_hold")}
        with time_machine.travel(datetime_ams(2027, 3, 16, 12, 0), tick=False):
            programme_resume(actor=world.physio.user, programme=winter)
        after = {
            s.pk: (s.local_date, s.earliest_local_date)
            for s in winter.sessions.filter(pk__in=before)
        }
        assert all(after[pk] == (after[pk][0], day) for pk, day in before.items())
        assert all(after[pk][0] > day for pk, day in before.items())

    def test_not_onto_a_day_that_has_a_session(self, world, winter):
        first, second = winter.sessions.order_by("scheduled_at")[:2]
        with (
            time_machine.travel(datetime_ams(2027, 2, 27, 12, 0), tick=False),
            pytest.raises(ValidationFailed) as caught,
        ):
            session_reschedule(
                actor=world.physio.user,
                session=first,
                local_date=second.local_date,
                local_time=None,
            )
        assert list(caught.value.fields) == ["date"]
        first.refresh_from_db()
        assert first.local_date == date(2027, 3, 1)

    def test_not_into_the_past_and_not_a_session_already_due(self, world, winter):
        first, second = winter.sessions.order_by("scheduled_at")[:2]
        with time_machine.travel(datetime_ams(2027, 3, 2, 12, 0), tick=False):
            with pytest.raises(ValidationFailed):
                session_reschedule(
                    actor=world.physio.user,
                    session=second,
                    local_date=date(2027, 3, 2),
                    local_time=time(8),
                )
            with pytest.raises(ConflictError):
                session_reschedule(
                    actor=world.physio.user,
                    session=first,
                    local_date=date(2027, 3, 5),
                    local_time=None,
                )


class TestEnd:
    def test_ending_cancels_the_sessions_to_come_and_keeps_the_past(self, world, winter):
        with time_machine.travel(datetime_ams(2027, 3, 10, 12, 0), tick=False):
            programme_end(
                actor=world.physio.user,
                programme=winter,
                reason="surgery_referral",
                note="THA planned",
            )
        winter.refresh_from_db()
        assert winter.status == ProgrammeStatus.ENDED
        assert winter.end_reason == "surgery_referral"
        assert winter.sessions.filter(status=SessionStatus.SCHEDULED).count() == 3
        assert winter.sessions.filter(status=SessionStatus.CANCELLED).count() == 21
        with pytest.raises(ConflictError):
            programme_pause(actor=world.physio.user, programme=winter)

    def test_ending_a_paused_programme_cancels_its_sessions_on_hold(self, world, winter):
        with time_machine.travel(datetime_ams(2027, 3, 10, 12, 0), tick=False):
            programme_pause(actor=world.physio.user, programme=winter)
        with time_machine.travel(datetime_ams(2027, 3, 20, 12, 0), tick=False):
            programme_end(actor=world.physio.user, programme=winter, reason="medical")
        assert not winter.sessions.filter(status=SessionStatus.ON_HOLD).exists()
        assert winter.pauses.get().end_date == date(2027, 3, 20)


class TestScheduleChange:
    def test_from_two_to_three_a_week_plans_the_remaining_weeks_again(self, world, winter):
        # Three weeks done (Mondays and Thursdays of 1-18 March); change on Friday 19 March.
        with time_machine.travel(datetime_ams(2027, 3, 19, 12, 0), tick=False):
            programme_update_schedule(actor=world.physio.user, programme=winter, weekdays=[0, 2, 4])
        sessions = live_sessions(winter)
        past = [s for s in sessions if s.local_date < date(2027, 3, 19)]
        future = [s for s in sessions if s.local_date >= date(2027, 3, 19)]
        assert len(past) == 6
        assert len(future) == 9 * 3
        assert {s.local_date.weekday() for s in future} == {0, 2, 4}
        assert [s.week for s in future][:3] == [4, 4, 4]
        assert {local(s.scheduled_at).time() for s in future} == {time(18, 0)}

    def test_a_new_time_of_day_moves_only_the_sessions_to_come(self, world, winter):
        with time_machine.travel(datetime_ams(2027, 3, 19, 12, 0), tick=False):
            programme_update_schedule(
                actor=world.physio.user, programme=winter, session_time=time(9, 15)
            )
        sessions = live_sessions(winter)
        assert {
            local(s.scheduled_at).time() for s in sessions if s.local_date < date(2027, 3, 19)
        } == {time(18)}
        assert {
            local(s.scheduled_at).time() for s in sessions if s.local_date >= date(2027, 3, 19)
        } == {time(9, 15)}
        change = winter.changes.get(kind=ChangeKind.SCHEDULE_CHANGED)
        assert change.detail["before"]["session_time"] == "18:00"
        assert change.detail["after"]["session_time"] == "09:15"

    def test_session_ids_survive_a_change_of_weekdays(self, world, winter):
        before = {s.pk for s in winter.sessions.all()}
        with time_machine.travel(datetime_ams(2027, 3, 19, 12, 0), tick=False):
            programme_update_schedule(actor=world.physio.user, programme=winter, weekdays=[1, 4])
        assert {s.pk for s in winter.sessions.all()} == before

    def test_the_same_schedule_again_records_nothing_and_sends_the_app_nothing(self, world, winter):
        from programs.models import SyncChange

        changes, feed = winter.changes.count(), SyncChange.objects.count()
        with time_machine.travel(datetime_ams(2027, 3, 19, 12, 0), tick=False):
            programme_update_schedule(
                actor=world.physio.user,
                programme=winter,
                weekdays=list(winter.weekdays),
                session_time=winter.session_time,
                supervised_weekdays=list(winter.supervised_weekdays),
                supervised_until_week=winter.supervised_until_week,
            )
        assert (winter.changes.count(), SyncChange.objects.count()) == (changes, feed)

    def test_a_change_of_supervision_sends_the_app_only_the_sessions_it_changed(
        self, world, winter
    ):
        from programs.models import SyncChange, SyncEntity

        last = SyncChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with time_machine.travel(datetime_ams(2027, 3, 19, 12, 0), tick=False):
            programme_update_schedule(
                actor=world.physio.user, programme=winter, supervised_until_week=6
            )
        changed = {
            s.pk
            for s in winter.sessions.filter(local_date__gte=date(2027, 3, 19))
            if s.supervised is False and s.week > 6 and s.local_date.weekday() == 0
        }
        sent = set(
            SyncChange.objects.filter(pk__gt=last, entity=SyncEntity.SESSION).values_list(
                "entity_id", flat=True
            )
        )
        assert changed and sent == changed


class TestExercises:
    def test_adjust_add_and_remove_are_kept_in_the_history(self, world, programme):
        phase = programme.phases.get(order=1)
        item = phase.exercises.get(exercise__slug="sit-to-stand")
        programme_exercise_update(
            actor=world.physio.user, item=item, dose={"sets": 1, "repetitions": 8}
        )
        item.refresh_from_db()
        assert (item.sets, item.repetitions) == (1, 8)
        added = programme_exercise_add(
            actor=world.physio.user,
            phase=phase,
            exercise=Exercise.objects.get(slug="brisk-walking"),
            dose={"sets": 1, "duration_seconds": 900, "target_exertion": 3},
        )
        programme_exercise_remove(actor=world.physio.user, item=added)
        changes = list(programme.changes.exclude(kind=ChangeKind.ENROLLED).order_by("id"))
        assert [c.kind for c in changes] == [
            ChangeKind.EXERCISE_CHANGED,
            ChangeKind.EXERCISE_ADDED,
            ChangeKind.EXERCISE_REMOVED,
        ]
        assert changes[0].detail["before"]["sets"] == 2
        assert changes[0].detail["after"]["sets"] == 1

    def test_a_dose_out_of_bounds_is_refused(self, world, programme):
        item = programme.phases.get(order=1).exercises.first()
        with pytest.raises(ValidationFailed) as caught:
            programme_exercise_update(actor=world.physio.user, item=item, dose={"sets": 0})
        assert list(caught.value.fields) == ["sets"]

    def test_the_same_exercise_twice_in_a_phase_is_refused(self, world, programme):
        phase = programme.phases.get(order=1)
        with pytest.raises(ValidationFailed) as caught:
            programme_exercise_add(
                actor=world.physio.user,
                phase=phase,
                exercise=Exercise.objects.get(slug="bridging"),
                dose={"sets": 2, "repetitions": 10},
            )
        assert list(caught.value.fields) == ["exercise"]

    def test_another_patients_programme_is_untouched(self, world, programme):
        other = enrol(world.other_patient, world.physio)
        item = programme.phases.get(order=1).exercises.get(exercise__slug="bridging")
        programme_exercise_update(actor=world.physio.user, item=item, dose={"sets": 4})
        assert other.phases.get(order=1).exercises.get(exercise__slug="bridging").sets == 2


def test_enrol_requires_a_patient_of_the_physiotherapists_practice_even_with_same_names(world):
    stranger = PatientFactory(physiotherapist=world.other_physio)
    with pytest.raises(ValidationFailed):
        programme_enrol(
            actor=world.physio.user,
            physiotherapist=world.physio,
            patient=stranger,
            template=ProgrammeTemplate.objects.get(slug=HIP_TEMPLATE),
            start_date=timezone.localdate(),
            weekdays=[0, 3],
            session_time=time(18),
        )


def test_by_default_the_first_session_of_each_programme_week_is_supervised(world):
    # Starting on a Wednesday with Mondays and Thursdays: weeks run Wednesday to Tuesday, so
    # Thursday is the first session of every week.
    wednesday = timezone.localdate() + timedelta(days=(2 - timezone.localdate().weekday()) % 7 or 7)
    programme = enrol(
        world.owner, world.physio, start_date=wednesday, weekdays=[0, 3], supervised_weekdays=None
    )
    assert programme.supervised_weekdays == [3]
    first_of_each_week = {}
    for session in programme.sessions.order_by("scheduled_at"):
        first_of_each_week.setdefault(session.week, session)
    assert all(s.supervised for s in first_of_each_week.values())
