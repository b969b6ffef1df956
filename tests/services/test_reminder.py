"""Reminders: timing at local time across both clock changes, quiet hours, opt-out, missed
sessions, retries, and never twice (concurrent dispatchers, duplicated sends)."""

import threading
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import OperationalError, connection, connections

from programs.models import (
    Device,
    Notification,
    NotificationKind,
    NotificationStatus,
    ReminderPreference,
    WeeklyPain,
)
from programs.scoring import hoos_item_codes
from programs.services.outcome import questionnaire_response_upsert, weekly_pain_report
from programs.services.programme import session_reschedule
from programs.services.reminder import reminder_dispatch_due, reminder_send
from programs.services.session import attendance_register, session_log_upsert
from tests.conftest import enrol

AMS = ZoneInfo("Europe/Amsterdam")


def ams(*args):
    return datetime(*args, tzinfo=AMS)


def with_device(patient, token="device-token-0001"):
    return Device.objects.create(patient=patient, platform="android", token=token)


def prefer(patient, **values):
    ReminderPreference.objects.update_or_create(patient=patient, defaults=values)


def dispatch_and_send(now):
    """What beat's dispatcher and the worker do, in this process (the real path through the
    broker is tested in tests/test_reminders_e2e.py)."""
    with time_machine.travel(now, tick=False):
        report = reminder_dispatch_due()
        for ids in report.tasks:
            for pk in ids:
                reminder_send(notification_id=pk)
    return report


def sent(push, kind=NotificationKind.UPCOMING_SESSION):
    """Messages the provider got for one kind (other kinds fire alongside, e.g. questionnaires)."""
    return [message for message in push.sent if message.data["kind"] == kind]


def upcoming(patient):
    return Notification.objects.filter(patient=patient, kind=NotificationKind.UPCOMING_SESSION)


@pytest.fixture
def march(world):
    with time_machine.travel(ams(2027, 2, 20, 9, 0), tick=False):
        programme = enrol(world.owner, world.physio, start_date=ams(2027, 3, 1).date())
    with_device(world.owner)
    return programme


class TestTiming:
    def test_an_hour_before_the_session_not_a_minute_earlier(self, world, march, push):
        dispatch_and_send(ams(2027, 3, 1, 16, 59))
        assert not upcoming(world.owner).exists()
        dispatch_and_send(ams(2027, 3, 1, 17, 0))
        notification = upcoming(world.owner).get()
        assert notification.status == NotificationStatus.SENT
        assert notification.fire_at == ams(2027, 3, 1, 17, 0)
        assert len(sent(push)) == 1
        assert "18:00" in sent(push)[0].body

    def test_the_next_dispatch_sends_nothing_more(self, world, march, push):
        for minute in range(0, 5):
            dispatch_and_send(ams(2027, 3, 1, 17, minute))
        assert upcoming(world.owner).count() == 1
        assert len(sent(push)) == 1

    @pytest.mark.parametrize(
        ("day", "utc_hour"),
        [
            ((2027, 3, 21), 16),  # Sunday before the change: 17:00 CET = 16:00 UTC
            ((2027, 3, 28), 15),  # the change: 17:00 CEST = 15:00 UTC
            ((2027, 10, 31), 16),  # back to winter time: 17:00 CET = 16:00 UTC
        ],
    )
    def test_local_time_holds_on_the_clock_change_days(self, world, push, day, utc_hour):
        with time_machine.travel(ams(*day) - timedelta(days=2), tick=False):
            programme = enrol(
                world.owner,
                world.physio,
                start_date=ams(*day).date(),
                weekdays=[2, 6],
                supervised_weekdays=[6],
            )
        with_device(world.owner)
        session = programme.sessions.get(local_date=ams(*day).date())
        assert session.scheduled_at.astimezone(AMS).time() == time(18, 0)
        dispatch_and_send(datetime(*day, utc_hour, 0, tzinfo=UTC) - timedelta(minutes=1))
        assert not upcoming(world.owner).exists()
        dispatch_and_send(datetime(*day, utc_hour, 0, tzinfo=UTC))
        assert upcoming(world.owner).get().fire_at.astimezone(AMS).time() == time(17, 0)
        assert len(sent(push)) == 1

    def test_spring_forward_night_quiet_hours_end_at_local_eight(self, world, push):
        # Session Sunday 28 March 2027 at 09:00 CEST, 10 hours ahead: 23:00 CET on Saturday is
        # quiet, so the reminder moves to 08:00 CEST (06:00 UTC), one hour after 07:00 UTC.
        with time_machine.travel(ams(2027, 3, 20, 9), tick=False):
            programme = enrol(
                world.owner,
                world.physio,
                start_date=ams(2027, 3, 22).date(),
                weekdays=[2, 6],
                supervised_weekdays=[6],
                session_time=time(9, 0),
            )
        with_device(world.owner)
        prefer(world.owner, minutes_before=600)
        session = programme.sessions.get(local_date=ams(2027, 3, 28).date())
        dispatch_and_send(ams(2027, 3, 27, 23, 30))
        notification = upcoming(world.owner).get(session=session)
        assert notification.status == NotificationStatus.PENDING
        assert notification.fire_at == datetime(2027, 3, 28, 6, 0, tzinfo=UTC)
        dispatch_and_send(datetime(2027, 3, 28, 6, 0, tzinfo=UTC))
        notification.refresh_from_db()
        assert notification.status == NotificationStatus.SENT

    def test_fall_back_night_quiet_hours_end_at_local_eight(self, world, push):
        # Sunday 31 October 2027, session 09:00 CET (08:00 UTC), 3 hours ahead: 06:00 CET is
        # quiet; moved to 08:00 CET = 07:00 UTC.
        with time_machine.travel(ams(2027, 10, 20, 9), tick=False):
            programme = enrol(
                world.owner,
                world.physio,
                start_date=ams(2027, 10, 25).date(),
                weekdays=[2, 6],
                supervised_weekdays=[6],
                session_time=time(9, 0),
            )
        with_device(world.owner)
        prefer(world.owner, minutes_before=180)
        session = programme.sessions.get(local_date=ams(2027, 10, 31).date())
        dispatch_and_send(datetime(2027, 10, 31, 5, 0, tzinfo=UTC))
        assert upcoming(world.owner).get(session=session).fire_at == datetime(
            2027, 10, 31, 7, 0, tzinfo=UTC
        )
        # 02:00-03:00 happens twice that night; the reminder fires once, at 08:00 CET.
        for hour, minute in ((5, 30), (6, 59)):
            dispatch_and_send(datetime(2027, 10, 31, hour, minute, tzinfo=UTC))
        assert sent(push) == []
        for minute in (0, 1, 2):
            dispatch_and_send(datetime(2027, 10, 31, 7, minute, tzinfo=UTC))
        notification = upcoming(world.owner).get(session=session)
        assert notification.status == NotificationStatus.SENT
        assert len(sent(push)) == 1
        assert "09:00" in sent(push)[0].body


class TestQuietHoursAndOptOut:
    def setup_morning(self, world, at):
        with time_machine.travel(ams(2027, 2, 20, 9), tick=False):
            programme = enrol(
                world.owner, world.physio, start_date=ams(2027, 3, 1).date(), session_time=at
            )
        with_device(world.owner)
        return programme.sessions.get(local_date=ams(2027, 3, 1).date())

    def test_inside_quiet_hours_moves_to_their_end_when_still_before_the_session(self, world, push):
        session = self.setup_morning(world, time(8, 30))  # 07:30 is quiet: moves to 08:00
        dispatch_and_send(ams(2027, 3, 1, 7, 45))
        notification = upcoming(world.owner).get(session=session)
        assert (notification.status, notification.fire_at) == (
            NotificationStatus.PENDING,
            ams(2027, 3, 1, 8, 0),
        )
        dispatch_and_send(ams(2027, 3, 1, 8, 0))
        assert len(sent(push)) == 1

    def test_skipped_when_the_end_of_quiet_hours_is_too_late(self, world, push):
        session = self.setup_morning(world, time(7, 30))  # 06:30 quiet; 08:00 is after 07:30
        dispatch_and_send(ams(2027, 3, 1, 7, 0))
        notification = upcoming(world.owner).get(session=session)
        assert (notification.status, notification.skip_reason) == (
            NotificationStatus.SKIPPED,
            "quiet_hours",
        )
        dispatch_and_send(ams(2027, 3, 1, 8, 0))
        assert sent(push) == []

    def test_own_quiet_hours_and_lead_time(self, world, march, push):
        prefer(world.owner, minutes_before=120, quiet_start=time(15, 0), quiet_end=time(16, 30))
        dispatch_and_send(ams(2027, 3, 1, 16, 0))  # 16:00 is quiet now
        assert upcoming(world.owner).get().fire_at == ams(2027, 3, 1, 16, 30)

    def test_each_patient_at_their_own_lead_in_one_run(self, world, march, push):
        with time_machine.travel(ams(2027, 2, 20, 9, 0), tick=False):
            enrol(world.other_patient, world.physio, start_date=ams(2027, 3, 1).date())
        with_device(world.other_patient, "other-device-token")
        prefer(world.other_patient, minutes_before=180)  # 15:00; the owner keeps 60: 17:00
        dispatch_and_send(ams(2027, 3, 1, 14, 59))
        assert not Notification.objects.filter(kind=NotificationKind.UPCOMING_SESSION).exists()
        dispatch_and_send(ams(2027, 3, 1, 15, 0))
        assert [m.token for m in sent(push)] == ["other-device-token"]
        dispatch_and_send(ams(2027, 3, 1, 16, 59))
        assert not upcoming(world.owner).exists()
        dispatch_and_send(ams(2027, 3, 1, 17, 0))
        assert [m.token for m in sent(push)] == ["other-device-token", "device-token-0001"]

    def test_opted_out_of_a_kind_gets_none(self, world, march, push):
        prefer(world.owner, upcoming_session=False)
        dispatch_and_send(ams(2027, 3, 1, 17, 0))
        assert not upcoming(world.owner).exists()
        assert sent(push) == []

    @pytest.mark.parametrize(
        ("kind", "when"),
        [
            (NotificationKind.MISSED_SESSION, ams(2027, 3, 5, 8, 0)),  # Thursday's session
            (NotificationKind.QUESTIONNAIRE_DUE, ams(2027, 2, 21, 10, 0)),  # baseline window
            (NotificationKind.WEEKLY_PAIN, ams(2027, 3, 7, 19, 0)),  # Sunday evening
        ],
    )
    def test_opted_out_of_the_other_kinds_gets_none_of_them(self, world, march, push, kind, when):
        dispatch_and_send(when)  # opted in: the reminder of that kind goes out
        assert Notification.objects.get(kind=kind).status == NotificationStatus.SENT
        Notification.objects.filter(kind=kind).delete()
        push.reset()
        prefer(world.owner, **{str(kind): False})
        dispatch_and_send(when)
        assert not Notification.objects.filter(kind=kind).exists()
        assert sent(push, kind) == []

    def test_opting_out_after_it_was_queued_skips_it(self, world, march, push):
        with time_machine.travel(ams(2027, 3, 1, 17, 0), tick=False):
            reminder_dispatch_due()
        prefer(world.owner, upcoming_session=False)
        with time_machine.travel(ams(2027, 3, 1, 17, 1), tick=False):
            reminder_send(notification_id=upcoming(world.owner).get().pk)
        assert upcoming(world.owner).get().skip_reason == "opted_out"
        assert sent(push) == []

    def test_email_as_well_when_chosen(self, world, march, push):
        prefer(world.owner, email_enabled=True, questionnaire_due=False)
        dispatch_and_send(ams(2027, 3, 1, 17, 0))
        assert len(sent(push)) == 1
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.owner.user.email]

    def test_no_channel_is_recorded_as_skipped(self, world, march, push):
        Device.objects.all().delete()
        dispatch_and_send(ams(2027, 3, 1, 17, 0))
        assert upcoming(world.owner).get().skip_reason == "no_channel"


class TestTexts:
    @pytest.mark.parametrize(
        ("language", "title", "words"),
        [
            ("nl", "Tijd voor uw oefeningen", ("18:00", "maandag 1 maart", "in de praktijk")),
            ("en", "Time for your exercises", ("18:00", "Monday 1 March", "at the practice")),
        ],
    )
    def test_in_the_patients_language_and_local_time(
        self, world, march, push, language, title, words
    ):
        prefer(world.owner, language=language)
        dispatch_and_send(ams(2027, 3, 1, 17, 0))
        message = sent(push)[0]
        assert message.title == title
        for word in words:
            assert word in message.body, message.body

    def test_in_another_time_zone(self, world, push):
        world.owner.time_zone = "America/New_York"
        world.owner.save()
        with time_machine.travel(ams(2027, 2, 20, 9), tick=False):
            enrol(world.owner, world.physio, start_date=ams(2027, 3, 1).date())
        with_device(world.owner)
        prefer(world.owner, language="en")
        new_york = ZoneInfo("America/New_York")
        dispatch_and_send(datetime(2027, 3, 1, 17, 0, tzinfo=new_york))
        assert "18:00" in sent(push)[0].body


class TestMissedSession:
    def test_the_morning_after_when_nothing_was_logged(self, world, march, push):
        dispatch_and_send(ams(2027, 3, 4, 20, 0))  # Thursday's session passed, evening
        missed = Notification.objects.filter(kind=NotificationKind.MISSED_SESSION)
        assert not missed.exists()
        dispatch_and_send(ams(2027, 3, 5, 8, 0))
        notification = missed.get()
        assert notification.session.local_date == ams(2027, 3, 4).date()
        assert notification.status == NotificationStatus.SENT

    def test_not_when_logged_or_attended(self, world, march, push):
        thursday = march.sessions.get(local_date=ams(2027, 3, 4).date())
        monday = march.sessions.get(local_date=ams(2027, 3, 1).date())
        with time_machine.travel(ams(2027, 3, 4, 19, 0)):
            session_log_upsert(
                patient=world.owner,
                log_id=uuid.uuid4(),
                data={
                    "planned_session": thursday.pk,
                    "performed_at": thursday.scheduled_at,
                    "status": "completed",
                },
            )
            attendance_register(
                actor=world.physio.user, session=monday, status="attended", therapist=world.physio
            )
        dispatch_and_send(ams(2027, 3, 5, 8, 0))
        assert not Notification.objects.filter(kind=NotificationKind.MISSED_SESSION).exists()

    def test_logged_after_it_was_queued_is_skipped(self, world, march, push):
        thursday = march.sessions.get(local_date=ams(2027, 3, 4).date())
        with time_machine.travel(ams(2027, 3, 5, 8, 0), tick=False):
            report = reminder_dispatch_due()
            session_log_upsert(
                patient=world.owner,
                log_id=uuid.uuid4(),
                data={
                    "planned_session": thursday.pk,
                    "performed_at": thursday.scheduled_at,
                    "status": "skipped",
                    "skip_reason": "pain",
                },
            )
            for pk in report.tasks[0]:
                reminder_send(notification_id=pk)
        missed = Notification.objects.get(kind=NotificationKind.MISSED_SESSION)
        assert missed.skip_reason == "logged"


class TestRecovery:
    def test_a_worker_down_past_the_session_skips_instead_of_sending_late(self, world, march, push):
        with time_machine.travel(ams(2027, 3, 1, 17, 0), tick=False):
            report = reminder_dispatch_due()
        with time_machine.travel(ams(2027, 3, 1, 18, 5), tick=False):
            for pk in report.tasks[0]:
                reminder_send(notification_id=pk)
        assert upcoming(world.owner).get().skip_reason == "too_late"
        assert sent(push) == []

    def test_beat_down_for_a_while_still_sends_what_is_useful(self, world, march, push):
        dispatch_and_send(ams(2027, 3, 1, 17, 40))  # beat was down from 16:50 to 17:40
        assert len(sent(push)) == 1

    def test_beat_down_past_the_session_records_it_skipped_too_late(self, world, march, push):
        dispatch_and_send(ams(2027, 3, 1, 18, 30))  # beat and broker down from 16:50
        notification = upcoming(world.owner).get()
        assert (notification.status, notification.skip_reason) == (
            NotificationStatus.SKIPPED,
            "too_late",
        )
        assert notification.fire_at == ams(2027, 3, 1, 17, 0)
        dispatch_and_send(ams(2027, 3, 1, 18, 31))
        assert upcoming(world.owner).count() == 1
        assert sent(push) == []

    def test_down_longer_than_the_lookback_records_nothing_for_that_session(
        self, world, march, push
    ):
        dispatch_and_send(ams(2027, 3, 2, 0, 1))  # six hours after Monday's 18:00 session
        assert not upcoming(world.owner).exists()
        assert sent(push) == []

    def test_queued_but_never_published_is_published_again(self, world, march, push):
        with time_machine.travel(ams(2027, 3, 1, 17, 0), tick=False):
            reminder_dispatch_due()  # say the broker was down: the send task was lost
        report = dispatch_and_send(ams(2027, 3, 1, 17, 6))
        assert report.requeued == 2  # the session reminder and the baseline questionnaire one
        assert upcoming(world.owner).get().status == NotificationStatus.SENT
        assert len(sent(push)) == 1

    def test_transient_failure_retries_with_backoff_and_records_each_attempt(
        self, world, march, push
    ):
        push.outcomes["device-token-0001"] = "transient"
        dispatch_and_send(ams(2027, 3, 1, 17, 0))
        notification = upcoming(world.owner).get()
        assert notification.status == NotificationStatus.RETRY
        assert notification.next_attempt_at == ams(2027, 3, 1, 17, 1)
        dispatch_and_send(ams(2027, 3, 1, 17, 0, 30))  # not yet
        notification.refresh_from_db()
        assert notification.attempts == 1
        push.outcomes.clear()
        dispatch_and_send(ams(2027, 3, 1, 17, 1))
        notification.refresh_from_db()
        assert (notification.status, notification.attempts) == (NotificationStatus.SENT, 2)
        assert list(notification.deliveries.values_list("attempt", "outcome")) == [
            (1, "transient"),
            (2, "sent"),
        ]

    def test_a_duplicated_task_does_not_send_before_the_backoff_has_passed(
        self, world, march, push
    ):
        push.outcomes["device-token-0001"] = "transient"
        dispatch_and_send(ams(2027, 3, 1, 17, 0))
        notification = upcoming(world.owner).get()
        push.outcomes.clear()
        with time_machine.travel(ams(2027, 3, 1, 17, 0, 30), tick=False):
            # the first send task delivered a second time, before next_attempt_at (17:01)
            assert reminder_send(notification_id=notification.pk) == "not_claimed"
        notification.refresh_from_db()
        assert (notification.status, notification.attempts) == (NotificationStatus.RETRY, 1)
        assert len(sent(push)) == 1  # the transient attempt only
        dispatch_and_send(ams(2027, 3, 1, 17, 1))
        notification.refresh_from_db()
        assert notification.status == NotificationStatus.SENT
        assert len(sent(push)) == 2

    def test_an_invalid_token_is_deactivated(self, world, march, push):
        prefer(world.owner, questionnaire_due=False)
        device = Device.objects.get()
        push.outcomes[device.token] = "invalid_token"
        dispatch_and_send(ams(2027, 3, 1, 17, 0))
        device.refresh_from_db()
        assert device.active is False
        assert upcoming(world.owner).get().status == NotificationStatus.FAILED

    def test_a_moved_session_gets_a_reminder_at_its_new_time(self, world, march, push):
        monday = march.sessions.get(local_date=ams(2027, 3, 1).date())
        with time_machine.travel(ams(2027, 3, 1, 17, 0), tick=False):
            report = reminder_dispatch_due()
            session_reschedule(
                actor=world.physio.user,
                session=monday,
                local_date=ams(2027, 3, 2).date(),
                local_time=time(18, 0),
            )
            for pk in report.tasks[0]:
                reminder_send(notification_id=pk)
        assert upcoming(world.owner).get().skip_reason == "session_moved"
        dispatch_and_send(ams(2027, 3, 2, 17, 0))
        assert upcoming(world.owner).filter(status=NotificationStatus.SENT).count() == 1
        assert "dinsdag 2 maart" in sent(push)[0].body


def test_weekly_pain_check_on_sunday_evening_unless_reported(world, march, push):
    dispatch_and_send(ams(2027, 3, 7, 18, 59))
    assert not Notification.objects.filter(kind=NotificationKind.WEEKLY_PAIN).exists()
    dispatch_and_send(ams(2027, 3, 7, 19, 0))
    assert (
        Notification.objects.get(kind=NotificationKind.WEEKLY_PAIN).subject
        == "weekly_pain:2027-W09"
    )
    WeeklyPain.objects.create(
        patient=world.owner,
        week_start=ams(2027, 3, 8).date(),
        nrs=3,
        reported_at=ams(2027, 3, 14, 9),
    )
    dispatch_and_send(ams(2027, 3, 14, 19, 0))
    assert Notification.objects.filter(kind=NotificationKind.WEEKLY_PAIN).count() == 1


def test_weekly_pain_reported_after_it_was_queued_is_skipped(world, march, push):
    with time_machine.travel(ams(2027, 3, 7, 19, 0), tick=False):
        reminder_dispatch_due()
    weekly = Notification.objects.get(kind=NotificationKind.WEEKLY_PAIN)
    with time_machine.travel(ams(2027, 3, 7, 19, 0, 30), tick=False):
        weekly_pain_report(
            patient=world.owner,
            week_start=ams(2027, 3, 1).date(),
            nrs=3,
            reported_at=ams(2027, 3, 7, 19, 0, 20),
        )
        assert reminder_send(notification_id=weekly.pk) == NotificationStatus.SKIPPED
    weekly.refresh_from_db()
    assert weekly.skip_reason == "reported"
    assert sent(push, NotificationKind.WEEKLY_PAIN) == []


BASELINE_QUESTIONNAIRES = {
    "hoos": {"instrument_version": "2.0", "answers": dict.fromkeys(hoos_item_codes(), 1)},
    "oxford": {"instrument_version": "1998", "answers": {f"OHS{i}": 3 for i in range(1, 13)}},
    "psfs": {"instrument_version": "1995", "activities": [{"name": "Traplopen", "rating": 5}]},
}


@pytest.mark.parametrize(
    ("answered", "status", "reason"),
    [
        (("hoos", "oxford"), NotificationStatus.SENT, ""),  # one still to do: of use
        (("hoos", "oxford", "psfs"), NotificationStatus.SKIPPED, "answered"),
    ],
)
def test_questionnaires_answered_after_it_was_queued(world, march, push, answered, status, reason):
    with time_machine.travel(ams(2027, 2, 21, 10, 0), tick=False):
        reminder_dispatch_due()
    due = Notification.objects.get(kind=NotificationKind.QUESTIONNAIRE_DUE)
    with time_machine.travel(ams(2027, 2, 21, 10, 0, 30), tick=False):
        for instrument in answered:
            questionnaire_response_upsert(
                patient=world.owner,
                response_id=uuid.uuid4(),
                data={
                    "instrument": instrument,
                    "answered_at": ams(2027, 2, 21, 10, 0, 10),
                    **BASELINE_QUESTIONNAIRES[instrument],
                },
            )
        assert reminder_send(notification_id=due.pk) == status
    due.refresh_from_db()
    assert due.skip_reason == reason
    assert len(sent(push, NotificationKind.QUESTIONNAIRE_DUE)) == (status == "sent")


def test_questionnaire_reminder_when_a_window_opens(world, march, push):
    # The baseline window is already open on enrolment day; the week-6 one opens 29 March.
    dispatch_and_send(ams(2027, 2, 21, 10, 0))
    assert Notification.objects.filter(
        kind=NotificationKind.QUESTIONNAIRE_DUE, subject__endswith=":baseline"
    ).exists()
    dispatch_and_send(ams(2027, 3, 29, 9, 59))
    assert not Notification.objects.filter(subject__endswith=":week_6").exists()
    dispatch_and_send(ams(2027, 3, 29, 10, 0))
    assert Notification.objects.get(subject__endswith=":week_6").status == NotificationStatus.SENT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_each_reminder_once(world, push):
    with time_machine.travel(ams(2027, 2, 20, 9, 0), tick=False):
        enrol(world.owner, world.physio, start_date=ams(2027, 3, 1).date())
        enrol(world.other_patient, world.physio, start_date=ams(2027, 3, 1).date())
    with_device(world.owner, "token-owner-000001")
    with_device(world.other_patient, "token-other-000001")
    queued, errors = [], []
    barrier = threading.Barrier(3)

    def dispatcher():
        try:
            barrier.wait()
            with time_machine.travel(ams(2027, 3, 1, 17, 0), tick=False):
                report = reminder_dispatch_due()
                for ids in report.tasks:
                    for pk in ids:
                        queued.append(pk)
                        reminder_send(notification_id=pk)
                        reminder_send(notification_id=pk)  # and a duplicated task
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Notification.objects.filter(kind=NotificationKind.UPCOMING_SESSION).count() == 2
    # Each row queued by exactly one of the three dispatchers (two session reminders and two
    # baseline-questionnaire reminders).
    assert len(queued) == len(set(queued)) == Notification.objects.count() == 4
    assert sorted(m.token for m in sent(push)) == ["token-other-000001", "token-owner-000001"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_reminder_send_it_once(world, push):
    with time_machine.travel(ams(2027, 2, 20, 9, 0), tick=False):
        enrol(world.owner, world.physio, start_date=ams(2027, 3, 1).date())
    with_device(world.owner)
    with time_machine.travel(ams(2027, 3, 1, 17, 0), tick=False):
        reminder_dispatch_due()
    pk = Notification.objects.get(kind=NotificationKind.UPCOMING_SESSION).pk
    outcomes = []
    barrier = threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            with time_machine.travel(ams(2027, 3, 1, 17, 0, 5), tick=False):
                outcomes.append(reminder_send(notification_id=pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["not_claimed", "not_claimed", "not_claimed", "sent"]
    assert len(sent(push)) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_error_before_the_provider_call_leaves_the_reminder_to_the_retry(world, push):
    """A send that fails on the database before it reached the provider (here: the device table
    is locked and the lock wait times out) must not leave its row claimed: the retried task
    sends it, once."""
    with time_machine.travel(ams(2027, 2, 20, 9, 0), tick=False):
        enrol(world.owner, world.physio, start_date=ams(2027, 3, 1).date())
    with_device(world.owner)
    prefer(world.owner, questionnaire_due=False)
    with time_machine.travel(ams(2027, 3, 1, 17, 0), tick=False):
        reminder_dispatch_due()
    notification = upcoming(world.owner).get()
    blocker = connections.create_connection("default")
    try:
        blocker.set_autocommit(False)
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE programs_device IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        with (
            time_machine.travel(ams(2027, 3, 1, 17, 0, 5), tick=False),
            pytest.raises(OperationalError),
        ):
            reminder_send(notification_id=notification.pk)
    finally:
        blocker.rollback()
        blocker.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (NotificationStatus.QUEUED, 0)
    assert sent(push) == []
    with time_machine.travel(ams(2027, 3, 1, 17, 0, 7), tick=False):  # Celery's autoretry
        assert reminder_send(notification_id=notification.pk) == NotificationStatus.SENT
        assert reminder_send(notification_id=notification.pk) == "not_claimed"
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (NotificationStatus.SENT, 1)
    assert len(sent(push)) == 1
