"""Alert rules at, just below and just above their thresholds, and never a duplicate."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from programs.models import Alert, AlertKind, AlertStatus, WeeklyPain
from programs.services.alert import (
    alert_acknowledge,
    alert_resolve,
    alerts_evaluate_nightly,
    alerts_for_dropout,
)
from programs.services.outcome import questionnaire_response_upsert, weekly_pain_report
from programs.services.programme import programme_pause
from programs.services.session import session_log_upsert
from tests.conftest import enrol

AMS = ZoneInfo("Europe/Amsterdam")


def ams(*args):
    return datetime(*args, tzinfo=AMS)


@pytest.fixture
def march(world):
    """Mondays and Thursdays at 18:00 from Monday 1 March 2027."""
    with time_machine.travel(ams(2027, 2, 20, 9), tick=False):
        return enrol(world.owner, world.physio, start_date=ams(2027, 3, 1).date())


def kinds(patient):
    return sorted(Alert.objects.filter(patient=patient).values_list("kind", flat=True))


def log(world, programme, day, **pain):
    session = programme.sessions.get(local_date=ams(2027, 3, day).date())
    with time_machine.travel(session.scheduled_at + timedelta(hours=1)):
        session_log_upsert(
            patient=world.owner,
            log_id=uuid.uuid4(),
            data={
                "planned_session": session.pk,
                "performed_at": session.scheduled_at,
                "status": "completed",
                **pain,
            },
        )


class TestPainDuring:
    """P1: pain during exercise up to 5 is acceptable, above 5 a flare signal."""

    @pytest.mark.parametrize(("pain", "raised"), [(4, False), (5, False), (6, True)])
    def test_threshold(self, world, march, pain, raised):
        log(world, march, 1, pain_before=2, pain_during_max=pain)
        assert (AlertKind.PAIN_DURING in kinds(world.owner)) is raised


class TestNotRecovered:
    """P2: the next morning's pain should be back at the level before the session."""

    @pytest.mark.parametrize(("morning", "raised"), [(2, False), (3, False), (4, True)])
    def test_threshold(self, world, march, morning, raised):
        log(world, march, 1, pain_before=3, pain_during_max=4, pain_next_morning=morning)
        assert (AlertKind.PAIN_NOT_RECOVERED in kinds(world.owner)) is raised

    def test_raised_when_the_morning_value_arrives_as_an_update(self, world, march):
        session = march.sessions.get(local_date=ams(2027, 3, 1).date())
        log_id = uuid.uuid4()
        body = {"planned_session": session.pk, "performed_at": session.scheduled_at}
        with time_machine.travel(ams(2027, 3, 1, 19)):
            session_log_upsert(
                patient=world.owner,
                log_id=log_id,
                data={**body, "status": "completed", "pain_before": 3},
            )
        assert kinds(world.owner) == []
        with time_machine.travel(ams(2027, 3, 2, 8)):
            session_log_upsert(
                patient=world.owner,
                log_id=log_id,
                data={**body, "status": "completed", "pain_before": 3, "pain_next_morning": 5},
            )
        assert kinds(world.owner) == [AlertKind.PAIN_NOT_RECOVERED]


class TestWeeklyRise:
    """P3: a weekly NRS 2 or more above the baseline (the first report)."""

    @pytest.mark.parametrize(("nrs", "raised"), [(4, False), (5, True), (6, True)])
    def test_threshold(self, world, march, nrs, raised):
        with time_machine.travel(ams(2027, 3, 7, 20)):
            weekly_pain_report(
                patient=world.owner,
                week_start=ams(2027, 3, 1).date(),
                nrs=3,
                reported_at=ams(2027, 3, 7, 20),
            )
        with time_machine.travel(ams(2027, 3, 14, 20)):
            weekly_pain_report(
                patient=world.owner,
                week_start=ams(2027, 3, 8).date(),
                nrs=nrs,
                reported_at=ams(2027, 3, 14, 20),
            )
        assert (AlertKind.PAIN_WEEKLY_RISE in kinds(world.owner)) is raised


class TestDropout:
    def test_no_log_for_seven_days_while_sessions_were_due(self, world, march):
        log(world, march, 4, pain_before=2)  # Thursday 4 March 18:00
        # 6 days 23 hours later: not yet.
        assert alerts_for_dropout(programme=march, now=ams(2027, 3, 11, 17, 0)) == []
        (alert,) = alerts_for_dropout(programme=march, now=ams(2027, 3, 11, 18, 0))
        assert alert.kind == AlertKind.DROPOUT_NO_LOG
        assert alert.detail["days"] == 7

    def test_attendance_counts_as_activity(self, world, march):
        from programs.services.session import attendance_register

        monday = march.sessions.get(local_date=ams(2027, 3, 8).date())
        with time_machine.travel(ams(2027, 3, 8, 19)):
            attendance_register(
                actor=world.physio.user, session=monday, status="attended", therapist=world.physio
            )
        assert alerts_for_dropout(programme=march, now=ams(2027, 3, 14, 19)) == []

    def test_not_while_paused(self, world, march):
        with time_machine.travel(ams(2027, 3, 1, 9), tick=False):
            programme_pause(actor=world.physio.user, programme=march)
        assert alerts_for_dropout(programme=march, now=ams(2027, 3, 20, 9)) == []

    @pytest.mark.parametrize(
        ("done_weeks_1_2", "raised"),
        [
            ((1, 1), False),  # 50% and 50%: not below
            ((0, 1), False),  # one week below, the other not
            ((0, 0), True),  # 0% and 0%: below two weeks running
        ],
    )
    def test_weekly_adherence_below_half_two_weeks_running(
        self, world, march, done_weeks_1_2, raised
    ):
        # Weeks 1 and 2: log the home sessions, Thursdays 4 and 11 March, or not (the
        # supervised Mondays count only by attendance, and none is registered).
        for day, done in zip((4, 11), done_weeks_1_2, strict=True):
            if done:
                log(world, march, day, pain_before=2)
        # Asked on Monday 15 March 12:00, before week 3's first session.
        alerts = alerts_for_dropout(programme=march, now=ams(2027, 3, 15, 12, 0))
        assert (AlertKind.DROPOUT_LOW_ADHERENCE in [a.kind for a in alerts]) is raised


class TestScoreDecline:
    """An Oxford Hip Score 5 points below baseline is a clinically important decline."""

    @pytest.mark.parametrize(("later", "raised"), [(26, False), (25, True), (24, True)])
    def test_threshold(self, world, march, later, raised):
        def oxford(total, when, timepoint):
            answers = {f"OHS{i}": 2 for i in range(1, 13)}  # 24
            extra = total - 24
            for i in range(1, abs(extra) + 1):
                answers[f"OHS{i}"] = 3 if extra > 0 else 1
            with time_machine.travel(when):
                questionnaire_response_upsert(
                    patient=world.owner,
                    response_id=uuid.uuid4(),
                    data={
                        "instrument": "oxford",
                        "instrument_version": "1998",
                        "timepoint": timepoint,
                        "answered_at": when,
                        "answers": answers,
                    },
                )

        oxford(30, ams(2027, 2, 26, 10), "baseline")
        oxford(later, ams(2027, 4, 5, 10), "week_6")
        assert (AlertKind.SCORE_DECLINE in kinds(world.owner)) is raised


class TestNoDuplicates:
    def test_one_unresolved_alert_per_kind_and_a_new_one_after_resolving(self, world, march):
        log(world, march, 1, pain_before=2, pain_during_max=7)
        log(world, march, 4, pain_before=2, pain_during_max=8)
        assert kinds(world.owner) == [AlertKind.PAIN_DURING]
        alert = Alert.objects.get()
        acknowledged = alert_acknowledge(alert=alert, actor=world.physio.user)
        assert (acknowledged.status, acknowledged.acknowledged_by) == (
            AlertStatus.ACKNOWLEDGED,
            world.physio.user,
        )
        log(world, march, 8, pain_before=2, pain_during_max=9)
        assert Alert.objects.count() == 1  # acknowledged is still unresolved
        resolved = alert_resolve(alert=alert, actor=world.physio.user, note="dosis verlaagd")
        assert resolved.status == AlertStatus.RESOLVED and resolved.resolved_at is not None
        log(world, march, 11, pain_before=2, pain_during_max=9)
        assert Alert.objects.filter(status=AlertStatus.OPEN).count() == 1
        assert Alert.objects.count() == 2

    def test_the_nightly_run_twice_raises_once(self, world, march):
        WeeklyPain.objects.create(
            patient=world.owner,
            week_start=ams(2027, 3, 1).date(),
            nrs=2,
            reported_at=ams(2027, 3, 7),
        )
        WeeklyPain.objects.create(
            patient=world.owner,
            week_start=ams(2027, 3, 8).date(),
            nrs=5,
            reported_at=ams(2027, 3, 14),
        )
        with time_machine.travel(ams(2027, 3, 20, 2)):
            first = alerts_evaluate_nightly()
            second = alerts_evaluate_nightly()
        assert first >= 2 and second == 0  # weekly rise and dropping out, once
        assert kinds(world.owner) == sorted(
            [AlertKind.PAIN_WEEKLY_RISE, AlertKind.DROPOUT_NO_LOG, AlertKind.DROPOUT_LOW_ADHERENCE]
        )
