"""Reminder dispatch at scale: 100,000 sessions whose reminder is due, created in bulk, and as
many sessions spread over the next 24 hours whose reminder is not due yet (what the dispatcher
must pass over every minute); then one run of the dispatcher beat calls every minute (plan in
SQL, insert Notification rows under their unique key, claim them FOR UPDATE SKIP LOCKED,
publish the send tasks to Redis), beside a plain bulk insert of the same number of
Notification rows, in the same run.

    .venv/bin/python bench/reminder_dispatch.py [--sessions 100000] [--later 100000]

Needs PostgreSQL (BENCH_PG_ADMIN) and Redis (BENCH_REDIS_URL); creates and drops its own
database and uses its own queue, which it empties afterwards."""

import argparse
import os
import sys
import time
import uuid
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = "hipcoach-bench-reminders"

from bench.common import analyze, recreate_database

BATCH = 5000


def create_sessions(count: int, *, minutes_ahead, prefix: str, agb_codes: tuple[str, str]) -> float:
    """One patient, programme and session per reminder, ``minutes_ahead(i)`` minutes from now.
    Programmes started 20 days ago, so no questionnaire window is open and only session
    reminders are measured."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from programs.models import PlannedSession, Practice, Programme, Role, User
    from programs.models.people import Patient
    from programs.services.people import physiotherapist_create

    started = time.perf_counter()
    practice = Practice.objects.create(name=f"Bench {prefix}", agb_code=agb_codes[0])
    physio = physiotherapist_create(
        username=f"bench.{prefix}", password=None, practice=practice, agb_code=agb_codes[1]
    )
    now = timezone.now()
    unusable = make_password(None)
    for offset in range(0, count, BATCH):
        size = min(BATCH, count - offset)
        times = [now + timedelta(minutes=minutes_ahead(offset + i)) for i in range(size)]
        local = [timezone.localtime(at) for at in times]
        users = User.objects.bulk_create(
            User(username=f"{prefix}{offset + i}", role=Role.PATIENT, password=unusable)
            for i in range(size)
        )
        patients = Patient.objects.bulk_create(
            Patient(
                id=uuid.uuid4(),
                user=user,
                practice=practice,
                physiotherapist=physio,
                date_of_birth=date(1960, 1, 1),
            )
            for user in users
        )
        programmes = Programme.objects.bulk_create(
            Programme(
                id=uuid.uuid4(),
                patient=patient,
                enrolled_by=physio,
                name_nl="Bench",
                name_en="Bench",
                start_date=at.date() - timedelta(days=20),
                weeks=12,
                weekdays=[at.weekday()],
                session_time=clock(at.hour, at.minute),
                time_zone="Europe/Amsterdam",
                supervised_weekdays=[],
            )
            for patient, at in zip(patients, local, strict=True)
        )
        PlannedSession.objects.bulk_create(
            PlannedSession(
                id=uuid.uuid4(),
                programme=programme,
                week=3,
                scheduled_at=at,
                local_date=at_local.date(),
            )
            for programme, at, at_local in zip(programmes, times, local, strict=True)
        )
    return time.perf_counter() - started


def create_due_sessions(count: int) -> float:
    """Each session 30 minutes from now: the default 60-minute reminder is due."""
    return create_sessions(
        count, minutes_ahead=lambda i: 30, prefix="r", agb_codes=("04999997", "04999996")
    )


def create_later_sessions(count: int) -> float:
    """Sessions spread evenly from 61 minutes to 24 hours ahead: none is due yet with the
    default lead, so they cost the dispatcher only what passing over them costs."""
    span = 1440 - 61
    return create_sessions(
        count,
        minutes_ahead=lambda i: 61 + (i * span) // max(count, 1),
        prefix="l",
        agb_codes=("04999995", "04999994"),
    )


def bulk_insert_notifications(count: int) -> float:
    from django.utils import timezone

    from programs.models import Notification, Patient

    patient_ids = list(Patient.objects.values_list("pk", flat=True)[:count])
    now = timezone.now()
    started = time.perf_counter()
    for offset in range(0, len(patient_ids), 1000):
        Notification.objects.bulk_create(
            Notification(
                patient_id=patient_id,
                kind="upcoming_session",
                subject=f"bulk-{patient_id}",
                fire_at=now,
                deadline=now + timedelta(minutes=30),
            )
            for patient_id in patient_ids[offset : offset + 1000]
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000, help="due sessions")
    parser.add_argument(
        "--later", type=int, default=100_000, help="sessions in the next 24 h, not due yet"
    )
    args = parser.parse_args()

    recreate_database("hipcoach_bench_reminders")
    from backend.celery import app
    from programs.models import Notification, NotificationStatus
    from programs.services.reminder import DAILY_KINDS, SESSION_KINDS, reminder_dispatch_due

    setup = create_due_sessions(args.sessions) + create_later_sessions(args.later)
    analyze()

    started = time.perf_counter()
    report = reminder_dispatch_due(kinds=SESSION_KINDS)  # what beat runs every minute
    dispatch = time.perf_counter() - started
    sent_tasks = sum(-(-len(ids) // 100) for ids in report.tasks)  # chunks of 100 per task
    queued = Notification.objects.filter(status=NotificationStatus.QUEUED).count()
    second = time.perf_counter()
    again = reminder_dispatch_due(kinds=SESSION_KINDS)
    second_run = time.perf_counter() - second
    third = time.perf_counter()
    daily = reminder_dispatch_due(kinds=DAILY_KINDS)  # every ten minutes
    daily_run = time.perf_counter() - third
    purged = app.control.purge()

    Notification.objects.all().delete()
    insert = bulk_insert_notifications(args.sessions)

    print(
        f"reminder dispatch, {args.sessions} due sessions and {args.later} not due yet (spread"
        " over the next 24 h), PostgreSQL + Redis"
    )
    print(f"  setup (bulk create patients, programmes, sessions): {setup:.1f} s")
    print(
        f"  dispatcher run: {dispatch:.2f} s -> {report.planned} planned, {report.queued} "
        f"queued ({queued} rows queued), {sent_tasks} send tasks published ({purged} in the queue)"
    )
    print(f"    = {args.sessions / dispatch:,.0f} reminders/s")
    print(f"  second run right after (nothing new): {second_run:.2f} s, planned {again.planned}")
    print(
        f"  ten-minute run over the {args.sessions + args.later} programmes (questionnaires, "
        "weekly pain): "
        f"{daily_run:.2f} s, planned {daily.planned}"
    )
    print(f"  plain bulk insert of {args.sessions} Notification rows: {insert:.2f} s")
    print(f"  ratio dispatch / bulk insert: {dispatch / insert:.1f}x")


if __name__ == "__main__":
    main()
