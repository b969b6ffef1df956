"""Load test: the production server (gunicorn) on PostgreSQL and Redis, driven by simulated
app users with locust in the product's mix (80% patients logging and reading, 15%
physiotherapists on caseload and progress, 5% insurers checking claims).

    make load                                   # or: .venv/bin/python bench/load/run.py
    .venv/bin/python bench/load/run.py --users 100 --duration 120 --wait 3-10

Prints requests per second, p50/p95/p99 per endpoint and the error count, and whether the
target holds: no errors, p99 under 100 ms for the patient's writes; exits 1 when it does not
(or when locust could not run). Needs PostgreSQL and Redis
(BENCH_PG_ADMIN, BENCH_REDIS_URL; see bench/common.py) and locust (`pip install -e .[load]`);
it creates and drops its own database. Rate limits stay at their production defaults."""

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from bench.common import ROOT, analyze, gunicorn, recreate_database

# Server time per request, as gunicorn measured it (from reading the request to the end of the
# answer; the wait in the listen queue is not in it): which endpoints cost the machine most.
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(M)s"
ID_SEGMENT = re.compile(
    r"/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+)(?=/)"
)
WEEK_SEGMENT = re.compile(r"/\d{4}-W\d{2}(?=/)")

PATIENT_WRITES = ("PUT /me/session-logs/{id}/", "PUT /me/weekly-pain/{week}/", "POST /me/sync/")
TARGET_P99_MS = 100
# locust shares the two cores with gunicorn and PostgreSQL: waiting for a core, it would
# count its own wait as the server's latency. Run it ahead of them where allowed (root).
NICE_LOCUST = ["nice", "-n", "-10"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


# App patients were enrolled four weeks ago (as far back as enrolment goes), three sessions a
# week, and logged their sessions up to two weeks ago; the six or so since are still open, for
# the simulated app to log (adherence and alerts evaluated as for any real log): most of the
# logs of a default run.
ENROLLED_DAYS_AGO = 28
LOGGED_UNTIL_DAYS_AGO = 14


def prepare(app_patients: int, physios: int, insurers: int, caseload: int) -> dict:
    """Practices with a full caseload per physiotherapist (bulk), and the app users: patients
    enrolled through the services four weeks ago, with logs of the first two weeks and every
    past supervised session attended."""
    from django.db.models import Max
    from django.utils import timezone

    from programs.models import (
        AttendanceStatus,
        Insurer,
        Practice,
        ProgrammeTemplate,
        SyncChange,
    )
    from programs.services.auth import RoleRefreshToken
    from programs.services.people import (
        coverage_add,
        insurer_employee_create,
        patient_create,
        physiotherapist_create,
    )
    from programs.services.programme import programme_enrol
    from programs.services.session import attendance_register, session_log_upsert
    from tests.builders import practice_with_patients

    def token(user) -> str:
        # As the app gets it from sign-in (it names the role).
        return str(RoleRefreshToken.for_user(user).access_token)

    template = ProgrammeTemplate.objects.get(slug="hip-oa-12-weeks")
    insurer = Insurer.objects.create(name="Bench Zorgverzekeraar", uzovi_code="3399")
    today = timezone.localdate()
    practices = [
        Practice.objects.create(name=f"Bench {n}", agb_code=f"0498{n:04d}") for n in range(3)
    ]
    therapists = []
    for n in range(physios):
        physio = physiotherapist_create(
            username=f"load.physio{n}",
            password=None,
            practice=practices[n % len(practices)],
            agb_code=f"0497{n:04d}",
        )
        practice_with_patients(physio, caseload)
        therapists.append(physio)

    people = {"patients": [], "physios": [], "insurers": []}
    followed: dict[int, dict[str, list[str]]] = {
        t.pk: {"patients": [], "programmes": []} for t in therapists
    }
    claim_lines, members = [], []
    for n in range(app_patients):
        physio = therapists[n % len(therapists)]
        patient = patient_create(
            username=f"load.patient{n}",
            password=None,
            physiotherapist=physio,
            date_of_birth=date(1958, 1, 1) + timedelta(days=97 * n),
        )
        member = f"{100000000 + n}"
        coverage_add(
            patient=patient, insurer=insurer, member_number=member, valid_from=date(2020, 1, 1)
        )
        programme = programme_enrol(
            actor=physio.user,
            physiotherapist=physio,
            patient=patient,
            template=template,
            start_date=today - timedelta(days=ENROLLED_DAYS_AGO),
            weekdays=[0, 2, 4],
            session_time=clock(18, 0),
            supervised_weekdays=[0],
        )
        logged_until = timezone.now() - timedelta(days=LOGGED_UNTIL_DAYS_AGO)
        for session in programme.sessions.filter(scheduled_at__lt=timezone.now()):
            if session.scheduled_at < logged_until:
                session_log_upsert(
                    patient=patient,
                    log_id=uuid.uuid4(),
                    data={
                        "planned_session": session.pk,
                        "performed_at": session.scheduled_at,
                        "status": "completed",
                        "pain_before": 3,
                        "pain_during_max": 4,
                    },
                )
            if session.supervised:
                attendance_register(
                    actor=physio.user,
                    session=session,
                    status=AttendanceStatus.ATTENDED,
                    therapist=physio,
                )
                claim_lines.append(
                    {
                        "line_id": f"{member}-{session.local_date}",
                        "member_number": member,
                        "date": session.local_date.isoformat(),
                        "practice_agb": physio.practice.agb_code,
                        "therapist_agb": physio.agb_code,
                        "diagnosis_code": "6223",
                    }
                )
        members.append(member)
        followed[physio.pk]["patients"].append(str(patient.pk))
        followed[physio.pk]["programmes"].append(str(programme.pk))
        people["patients"].append(
            {
                "token": token(patient.user),
                # The app has synced before (its first, full sync was at sign-in).
                "cursor": SyncChange.objects.filter(patient=patient).aggregate(top=Max("id"))[
                    "top"
                ],
                # For a log of an extra session (once the open ones are logged).
                "exercises": list(
                    programme.phases.get(order=1).exercises.values_list("pk", flat=True)
                ),
                "programme_start": programme.start_date.isoformat(),
            }
        )
    for physio in therapists:
        people["physios"].append({"token": token(physio.user), **followed[physio.pk]})
    for n in range(insurers):
        employee = insurer_employee_create(
            username=f"load.insurer{n}", password=None, insurer=insurer
        )
        people["insurers"].append(
            {"token": token(employee.user), "claim_lines": claim_lines, "members": members}
        )
    return people


def server_time(access_log: Path) -> list[tuple[str, int, float, float]]:
    """(endpoint, requests, server seconds, mean ms) from the access log, costliest first."""
    totals: dict[str, list[float]] = {}
    for line in access_log.read_text().splitlines():
        # The line's own fields come last, after the time, level, logger and process that
        # the project's log formatter (backend/logconfig.py) puts before every message.
        method, path, _status, ms = line.split(" ")[-4:]
        name = WEEK_SEGMENT.sub("/{week}", ID_SEGMENT.sub("/{id}", path))
        entry = totals.setdefault(f"{method} {name}", [0, 0.0])
        entry[0] += 1
        entry[1] += float(ms) / 1000
    rows = [
        (name, count, seconds, 1000 * seconds / count) for name, (count, seconds) in totals.items()
    ]
    return sorted(rows, key=lambda row: -row[2])


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100, help="simulated app users")
    parser.add_argument("--duration", type=int, default=120, help="seconds of load")
    parser.add_argument("--spawn-rate", type=float, default=20, help="users started per second")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument(
        "--wait", default="3-10", help="seconds a user waits between actions, a-b (uniform)"
    )
    parser.add_argument("--caseload", type=int, default=40, help="bulk patients per physio")
    parser.add_argument("--database", default="hipcoach_bench_load")
    args = parser.parse_args()
    wait_min, wait_max = args.wait.split("-")

    physios = max(1, round(args.users * 0.15))
    insurers = max(1, round(args.users * 0.05))
    patients = max(1, args.users - physios - insurers)
    started = time.monotonic()
    env = recreate_database(args.database)
    env = {**env, "ROOT_URLCONF": "backend.urls"}
    for name in ("THROTTLE_USER", "THROTTLE_ANON", "THROTTLE_PATIENT"):
        env.pop(name, None)  # production rate limits
    people = prepare(patients, physios, insurers, args.caseload)
    analyze()
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    users_file = out / "load-users.json"
    users_file.write_text(json.dumps(people))
    print(f"prepared in {time.monotonic() - started:.0f} s", flush=True)

    prefix = out / "load"
    access_log = out / "load-access.log"
    access_log.unlink(missing_ok=True)
    with gunicorn(
        env,
        workers=args.workers,
        threads=args.threads,
        access_log=str(access_log),
        access_format=ACCESS_FORMAT,
    ) as port:
        locust = subprocess.run(
            [
                *NICE_LOCUST,
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "--only-summary",
                "--reset-stats",  # steady state: figures from when all users are running
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.duration}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(prefix),
                "--loglevel",
                "WARNING",
            ],
            env={
                **os.environ,
                "LOAD_USERS": str(users_file),
                "LOAD_WAIT_MIN": wait_min,
                "LOAD_WAIT_MAX": wait_max,
            },
            check=False,  # locust exits 1 when any request failed; the table says which
            stdout=subprocess.DEVNULL,
        )

    if not Path(f"{prefix}_stats.csv").exists():
        sys.exit(f"load: locust produced no statistics (exit {locust.returncode})")
    rows = read_stats(prefix)
    print(
        f"\nload: {args.users} users ({patients} patients, {physios} physiotherapists, "
        f"{insurers} insurers), {args.duration} s, wait {args.wait} s between actions; "
        f"gunicorn {args.workers} workers x {args.threads} threads, PostgreSQL + Redis"
    )
    print(
        f"{'endpoint':<44}{'reqs':>7}{'errors':>7}{'req/s':>8}{'p50':>6}{'p95':>6}{'p99':>6}{'max':>7}"
    )
    for row in rows:
        print(
            f"{row['Name']:<44}{row['Request Count']:>7}{row['Failure Count']:>7}"
            f"{float(row['Requests/s']):>8.1f}{row['50%']:>6}{row['95%']:>6}{row['99%']:>6}"
            f"{float(row['Max Response Time']):>7.0f}"
        )
    if access_log.exists():
        costs = server_time(access_log)
        whole = sum(seconds for _name, _count, seconds, _mean in costs) or 1
        print("\nserver time (gunicorn, whole run including the start), costliest first")
        print(f"{'endpoint':<52}{'reqs':>7}{'seconds':>9}{'share':>7}{'mean ms':>9}")
        for name, count, seconds, mean in costs[:12]:
            print(f"{name:<52}{count:>7}{seconds:>9.1f}{seconds / whole:>7.0%}{mean:>9.1f}")
    total = next(row for row in rows if row["Name"] == "Aggregated")
    errors = int(total["Failure Count"])
    writes = [row for row in rows if row["Name"] in PATIENT_WRITES]
    # No patient write measured at all is no evidence that they are fast.
    worst = max((float(row["99%"]) for row in writes), default=float("inf"))
    met = errors == 0 and worst < TARGET_P99_MS
    print(f"(milliseconds; errors detailed in {prefix}_failures.csv)")
    print(
        f"\ntarget (no errors, p99 of patient writes < {TARGET_P99_MS} ms): "
        f"errors {errors}, worst patient-write p99 {worst:.0f} ms -> "
        f"{'met' if met else 'NOT met'}"
    )
    subprocess.run(
        [
            "psql",
            env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres",
            "-qc",
            f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)",
        ],
        check=False,
    )
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
