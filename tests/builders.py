"""Test data built directly: bulk data for list endpoints whose query count must not grow with
their size, and earlier programmes."""

import uuid
from datetime import date, time, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from programs.models import (
    Alert,
    AlertKind,
    OutcomeScore,
    Patient,
    PlannedSession,
    Programme,
    QuestionnaireResponse,
    Role,
    SessionLog,
    Timepoint,
    User,
    WeeklyPain,
)


def practice_with_patients(physiotherapist, count: int) -> list[Patient]:
    """``count`` patients of the physiotherapist's practice, each with a running programme,
    past and future sessions, a log, weekly pain, scores and an alert, in a few inserts."""
    now = timezone.now()
    today = timezone.localdate()
    password = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"bulk-{uuid.uuid4().hex[:12]}", role=Role.PATIENT, password=password)
        for _ in range(count)
    )
    patients = Patient.objects.bulk_create(
        Patient(
            id=uuid.uuid4(),
            user=user,
            practice_id=physiotherapist.practice_id,
            physiotherapist=physiotherapist,
            date_of_birth=date(1960, 1, 1),
        )
        for user in users
    )
    programmes = Programme.objects.bulk_create(
        Programme(
            id=uuid.uuid4(),
            patient=patient,
            enrolled_by=physiotherapist,
            name_nl="Bulk",
            name_en="Bulk",
            start_date=today - timedelta(days=14),
            weeks=12,
            weekdays=[0, 3],
            session_time=time(18, 0),
            time_zone="Europe/Amsterdam",
            supervised_weekdays=[0],
        )
        for patient in patients
    )
    sessions = PlannedSession.objects.bulk_create(
        PlannedSession(
            id=uuid.uuid4(),
            programme=programme,
            week=week,
            scheduled_at=now + timedelta(days=offset),
            local_date=today + timedelta(days=offset),
        )
        for programme in programmes
        for week, offset in ((1, -12), (2, -5), (3, 2), (4, 9))
    )
    SessionLog.objects.bulk_create(
        SessionLog(
            id=uuid.uuid4(),
            patient_id=session.programme.patient_id,
            programme=session.programme,
            planned_session=session,
            performed_at=session.scheduled_at,
            status="completed",
            pain_before=3,
            body_hash="bulk",
        )
        for session in sessions
        if session.week == 1
    )
    WeeklyPain.objects.bulk_create(
        WeeklyPain(
            patient=patient,
            week_start=today - timedelta(days=today.weekday() + 7 * w),
            nrs=3 + w % 2,
            reported_at=now,
        )
        for patient in patients
        for w in (0, 1)
    )
    responses = QuestionnaireResponse.objects.bulk_create(
        QuestionnaireResponse(
            id=uuid.uuid4(),
            patient=programme.patient,
            programme=programme,
            instrument="oxford",
            instrument_version="1998",
            timepoint=timepoint,
            answered_at=now - timedelta(days=days),
            body_hash="bulk",
        )
        for programme in programmes
        for timepoint, days in ((Timepoint.BASELINE, 15), (Timepoint.WEEK_6, 1))
    )
    OutcomeScore.objects.bulk_create(
        OutcomeScore(
            patient_id=response.patient_id,
            programme_id=response.programme_id,
            measure="oxford",
            value=30 if response.timepoint == Timepoint.BASELINE else 33,
            timepoint=response.timepoint,
            measured_at=response.answered_at,
            response=response,
        )
        for response in responses
    )
    Alert.objects.bulk_create(
        Alert(patient=patient, kind=AlertKind.PAIN_DURING, raised_at=now, detail={})
        for patient in patients[::2]
    )
    return patients


def completed_programme(patient, physiotherapist, start_date=date(2026, 1, 5)) -> Programme:
    """An earlier programme of the patient, already completed (no sessions): its reports and
    baseline are not a later programme's."""
    return Programme.objects.create(
        patient=patient,
        enrolled_by=physiotherapist,
        name_nl="Heup",
        name_en="Hip",
        start_date=start_date,
        weeks=12,
        weekdays=[0, 3],
        session_time=time(18, 0),
        time_zone="Europe/Amsterdam",
        supervised_weekdays=[0],
        status="completed",
    )


def answer_oxford(patient, total: int, when, timepoint: str) -> None:
    """An Oxford Hip Score of ``total`` (24 to 36) answered at ``when``, through the service
    as the app sends it."""
    import time_machine

    from programs.services.outcome import questionnaire_response_upsert

    answers = {f"OHS{i}": 3 if i <= total - 24 else 2 for i in range(1, 13)}
    with time_machine.travel(when):
        questionnaire_response_upsert(
            patient=patient,
            response_id=uuid.uuid4(),
            data={
                "instrument": "oxford",
                "instrument_version": "1998",
                "timepoint": timepoint,
                "answered_at": when,
                "answers": answers,
            },
        )
