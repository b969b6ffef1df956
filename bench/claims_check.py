"""The insurer's check of 10,000 claim lines against a database of 1,000,000 planned sessions
(about half of them supervised and registered as treatments), on PostgreSQL: the time of the
service call with its query count, and of the same batch through the API on gunicorn: a dry
run, the recording call, and the same batch sent again.

    .venv/bin/python bench/claims_check.py [--sessions 1000000] [--lines 10000]

Needs PostgreSQL (BENCH_PG_ADMIN) and Redis (BENCH_REDIS_URL); creates and drops its own
database. The data is generated in SQL (generate_series), not through the services."""

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Client, analyze, gunicorn, recreate_database

SESSIONS_PER_PATIENT = 25


def generate(sessions: int) -> dict:
    from django.db import connection
    from rest_framework_simplejwt.tokens import RefreshToken

    from programs.models import Insurer, InsurerEmployee, Practice, Role, User
    from programs.services.people import physiotherapist_create

    practice = Practice.objects.create(name="Bench", agb_code="04999993")
    physio = physiotherapist_create(
        username="bench.claims", password=None, practice=practice, agb_code="04999992"
    )
    insurer = Insurer.objects.create(name="Bench Verzekeraar", uzovi_code="9999")
    user = User.objects.create(username="bench.insurer", role=Role.INSURER)
    InsurerEmployee.objects.create(user=user, insurer=insurer)
    patients = sessions // SESSIONS_PER_PATIENT
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO programs_user (password, is_superuser, username, first_name, last_name,
                email, is_staff, is_active, date_joined, role)
            SELECT '!', false, 'p' || n, '', '', '', false, true, now(), 'patient'
            FROM generate_series(1, %(patients)s) AS n;

            INSERT INTO programs_patient (id, created_at, updated_at, user_id, practice_id,
                physiotherapist_id, date_of_birth, time_zone, language)
            SELECT gen_random_uuid(), now(), now(), u.id, %(practice)s, %(physio)s,
                DATE '1960-01-01', 'Europe/Amsterdam', 'nl'
            FROM programs_user u WHERE u.role = 'patient';

            INSERT INTO programs_insurancecoverage (created_at, updated_at, patient_id,
                insurer_id, member_number, valid_from)
            SELECT now(), now(), p.id, %(insurer)s, 'M' || substr(u.username, 2), DATE '2020-01-01'
            FROM programs_patient p JOIN programs_user u ON u.id = p.user_id;

            INSERT INTO programs_programme (id, created_at, updated_at, patient_id,
                enrolled_by_id, name_nl, name_en, start_date, weeks, weekdays, session_time,
                time_zone, supervised_weekdays, status, end_reason, end_note)
            SELECT gen_random_uuid(), now(), now(), p.id, %(physio)s, 'Heup', 'Hip',
                DATE '2025-01-06' + (random() * 300)::int, 13, '[0, 3]', TIME '10:00',
                'Europe/Amsterdam', '[0]', 'completed', '', ''
            FROM programs_patient p;

            INSERT INTO programs_plannedsession (id, created_at, updated_at, programme_id, week,
                scheduled_at, local_date, supervised, status, cancel_reason)
            SELECT gen_random_uuid(), now(), now(), pr.id, 1 + (s / 2),
                ((pr.start_date + s * 3 + (s / 2)) + TIME '10:00') AT TIME ZONE 'Europe/Amsterdam',
                pr.start_date + s * 3 + (s / 2), s %% 2 = 0, 'scheduled', ''
            FROM programs_programme pr, generate_series(0, %(per)s - 1) AS s;

            INSERT INTO programs_attendance (created_at, updated_at, planned_session_id,
                patient_id, practice_id, therapist_id, status, treated_at, same_day_necessary,
                location, registered_by_id, revision)
            SELECT now(), now(), ps.id, pr.patient_id, %(practice)s, %(physio)s,
                CASE WHEN random() < 0.92 THEN 'attended' ELSE 'no_show' END,
                ps.scheduled_at, false, 'practice', %(physio_user)s, 1
            FROM programs_plannedsession ps JOIN programs_programme pr ON pr.id = ps.programme_id
            WHERE ps.supervised;
            ANALYZE;
            """,
            {
                "patients": patients,
                "practice": practice.pk,
                "physio": physio.pk,
                "physio_user": physio.user_id,
                "insurer": insurer.pk,
                "per": SESSIONS_PER_PATIENT,
            },
        )
        cursor.execute("SELECT count(*) FROM programs_plannedsession")
        (session_count,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM programs_attendance")
        (treatment_count,) = cursor.fetchone()
    return {
        "insurer": insurer,
        "practice_agb": practice.agb_code,
        "therapist_agb": physio.agb_code,
        "token": str(RefreshToken.for_user(user).access_token),
        "sessions": session_count,
        "registrations": treatment_count,
        "seconds": time.perf_counter() - started,
    }


def claim_lines(data: dict, count: int) -> list[dict]:
    """Lines for registered treatments of random members, and some that match nothing."""
    from programs.models import Attendance

    rng = random.Random(7)
    picked = list(
        Attendance.objects.order_by("?").values_list(
            "patient__coverages__member_number", "planned_session__local_date"
        )[:count]
    )
    lines = []
    for index, (member, day) in enumerate(picked):
        line = {
            "line_id": str(index),
            "member_number": member,
            "date": day.isoformat(),
            "practice_agb": data["practice_agb"],
            "therapist_agb": data["therapist_agb"],
            "diagnosis_code": "6223",
        }
        if rng.random() < 0.05:
            line["member_number"] = f"X{index}"  # not our member
        lines.append(line)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()

    env = recreate_database("hipcoach_bench_claims")
    data = generate(args.sessions)
    lines = claim_lines(data, args.lines)
    analyze()
    from collections import Counter

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from programs.services.reimbursement import claims_check

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        results = claims_check(
            insurer=data["insurer"],
            lines=[
                {"index": i, **{k: v for k, v in line.items() if k != "line_id"}}
                for i, line in enumerate(_parsed(lines))
            ],
            record=False,
        )
        service = time.perf_counter() - started
    queries = len(captured)
    reset_queries()
    connection.close()
    with gunicorn(env, workers=2) as port:
        client = Client(port, {"Authorization": f"Bearer {data['token']}"})
        started = time.perf_counter()
        status, _latency, _body = client.call(
            "POST", "/api/v1/insurer/claims/check/", {"lines": lines, "dry_run": True}
        )
        api = time.perf_counter() - started
        # The insurer's real call records a claim per covered line; sent again, the same
        # batch is all duplicate_claim (and records nothing more).
        recorded = []
        for _ in range(2):
            started = time.perf_counter()
            rec_status, _latency, rec_body = client.call(
                "POST", "/api/v1/insurer/claims/check/", {"lines": lines}
            )
            recorded.append(
                (
                    time.perf_counter() - started,
                    rec_status,
                    Counter(r.get("verdict", "error") for r in json.loads(rec_body)["results"]),
                )
            )
    verdicts = Counter(r.verdict for r in results)
    print(
        f"claims check: {len(lines)} lines against {data['sessions']:,} sessions "
        f"({data['registrations']:,} registrations), PostgreSQL"
    )
    print(f"  data generated in SQL: {data['seconds']:.1f} s")
    print(f"  service claims_check: {service:.2f} s, {queries} queries")
    print(f"  API POST /insurer/claims/check/ on gunicorn: {api:.2f} s (status {status})")
    print(f"  verdicts: { {str(k): v for k, v in verdicts.items()} }")
    for label, (seconds, rec_status, counts) in zip(
        ("recording claims", "the same batch again"), recorded, strict=True
    ):
        print(
            f"  API {label}: {seconds:.2f} s (status {rec_status}), "
            f"covered {counts.get('covered', 0)}, duplicate_claim "
            f"{counts.get('duplicate_claim', 0)}"
        )


def _parsed(lines: list[dict]) -> list[dict]:
    from datetime import date

    return [{**line, "date": date.fromisoformat(line["date"])} for line in lines]


if __name__ == "__main__":
    main()
