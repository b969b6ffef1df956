"""Time of the physiotherapist's pages for a practice of 500 patients on gunicorn +
PostgreSQL: the caseload (/dashboard/ and /api/v1/physio/caseload/?page_size=500), the patient
page and the progress report of the patient with the most logs.

    .venv/bin/python bench/caseload_page.py [--patients 500] [--requests 30]

The practice looks like one in use: every patient enrolled through the service (phases,
exercises, 24 sessions), started 0 to 13 weeks ago; about 85% of the sessions due logged with
pain and every exercise prescribed beside done, supervised ones attended; weekly pain each
week, Oxford and HOOS scores at baseline, week 6 and week 12 where reached; alerts for a fifth.
Also prints each page's query count (in-process, Django's test client). Needs PostgreSQL and
Redis (see bench/common.py); creates and drops its own database."""

import argparse
import random
import re
import statistics
import sys
import uuid
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Client, analyze, gunicorn, recreate_database

PASSWORD = "bench-caseload-password"


def enrol_all(physio, count: int) -> list:
    """``count`` patients enrolled through the service, then moved back by 0-13 weeks (the
    service refuses a start more than four weeks back): one update per group."""
    from datetime import date, time

    from django.db.models import DateField, DateTimeField, ExpressionWrapper, F
    from django.utils import timezone

    from programs.models import PlannedSession, Programme, ProgrammeChange, ProgrammeTemplate
    from programs.services.people import patient_create
    from programs.services.programme import programme_enrol

    template = ProgrammeTemplate.objects.get(slug="hip-oa-12-weeks")
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    by_weeks: dict[int, list] = {}
    for number in range(count):
        patient = patient_create(
            username=f"bench-{number:04d}",
            password=None,
            physiotherapist=physio,
            date_of_birth=date(1950 + number % 20, 1 + number % 12, 1 + number % 28),
            first_name=random.choice(["Anna", "Bert", "Carla", "Dirk", "Emma", "Fatima"]),
            last_name=f"Patient {number:04d}",
        )
        programme = programme_enrol(
            actor=physio.user,
            physiotherapist=physio,
            patient=patient,
            template=template,
            start_date=monday,
            weekdays=[0, 3],
            session_time=time(18, 0),
            supervised_weekdays=[0],
        )
        by_weeks.setdefault(number % 14, []).append(programme.pk)
    for weeks, ids in by_weeks.items():
        back = timedelta(weeks=weeks)
        Programme.objects.filter(pk__in=ids).update(
            start_date=ExpressionWrapper(F("start_date") - back, output_field=DateField())
        )
        PlannedSession.objects.filter(programme_id__in=ids).update(
            scheduled_at=ExpressionWrapper(F("scheduled_at") - back, output_field=DateTimeField()),
            local_date=ExpressionWrapper(F("local_date") - back, output_field=DateField()),
        )
        ProgrammeChange.objects.filter(programme_id__in=ids).update(
            occurred_at=ExpressionWrapper(F("occurred_at") - back, output_field=DateTimeField())
        )
    return list(Programme.objects.select_related("patient"))


def fill(physio, programmes) -> None:
    """Logs (with every exercise planned beside done), attendance, weekly pain, scores and
    alerts, in bulk."""
    from django.utils import timezone

    from programs.models import (
        Alert,
        AlertKind,
        Attendance,
        OutcomeScore,
        ProgrammeExercise,
        QuestionnaireResponse,
        SessionLog,
        SessionLogExercise,
        Timepoint,
        WeeklyPain,
    )

    now = timezone.now()
    rng = random.Random(13)
    exercises: dict = {}
    for item in ProgrammeExercise.objects.select_related("phase"):
        exercises.setdefault(item.phase.programme_id, []).append(item)
    logs, rows, attendances, pains, responses, scores, alerts = [], [], [], [], [], [], []
    for programme in programmes:
        patient = programme.patient
        past = list(programme.sessions.filter(scheduled_at__lt=now).order_by("scheduled_at"))
        for session in past:
            if rng.random() > 0.85:
                continue
            during = rng.choice([2, 3, 4, 5, 6, 7])
            log = SessionLog(
                id=uuid.uuid4(),
                patient=patient,
                programme=programme,
                planned_session=session,
                performed_at=session.scheduled_at + timedelta(minutes=50),
                performed_offset_minutes=60,
                status="completed",
                pain_before=3,
                pain_during_max=during,
                pain_next_morning=rng.choice([2, 3, 4]),
                exertion=5,
                note=rng.choice(["", "", "Ging goed.", "Stijf in de ochtend."]),
                body_hash="bench",
            )
            logs.append(log)
            for item in exercises[programme.pk]:
                if item.phase.first_week <= session.week <= item.phase.last_week:
                    rows.append(
                        SessionLogExercise(
                            log=log,
                            programme_exercise=item,
                            exercise_id=item.exercise_id,
                            sets_prescribed=item.sets,
                            repetitions_prescribed=item.repetitions,
                            hold_seconds_prescribed=item.hold_seconds,
                            duration_seconds_prescribed=item.duration_seconds,
                            load_prescribed=item.load_nl,
                            sets_done=item.sets - (rng.random() < 0.2),
                            repetitions_done=item.repetitions,
                            hold_seconds_done=item.hold_seconds,
                            duration_seconds_done=item.duration_seconds,
                        )
                    )
            if session.supervised:
                attendances.append(
                    Attendance(
                        planned_session=session,
                        patient=patient,
                        practice_id=physio.practice_id,
                        therapist=physio,
                        status="attended",
                        treated_at=session.scheduled_at,
                        registered_by=physio.user,
                    )
                )
        weeks = (timezone.localdate() - programme.start_date).days // 7
        for week in range(weeks):
            pains.append(
                WeeklyPain(
                    patient=patient,
                    programme=programme,
                    week_start=programme.start_date + timedelta(weeks=week),
                    nrs=max(0, 5 - week // 3 + rng.choice([-1, 0, 1])),
                    reported_at=now - timedelta(weeks=weeks - week),
                )
            )
        for timepoint, week, oxford in (
            (Timepoint.BASELINE, 0, 26),
            (Timepoint.WEEK_6, 6, 31),
            (Timepoint.WEEK_12, 12, 36),
        ):
            if weeks < week:
                continue
            response = QuestionnaireResponse(
                id=uuid.uuid4(),
                patient=patient,
                programme=programme,
                instrument="oxford",
                instrument_version="1998",
                timepoint=timepoint,
                answered_at=now - timedelta(weeks=weeks - week, days=1),
                body_hash="bench",
            )
            responses.append(response)
            for measure, value in (("oxford", oxford), ("hoos_pain", 40 + oxford)):
                scores.append(
                    OutcomeScore(
                        patient=patient,
                        programme=programme,
                        measure=measure,
                        value=value + rng.choice([-3, 0, 3]),
                        timepoint=timepoint,
                        measured_at=response.answered_at,
                        response=response,
                    )
                )
        if rng.random() < 0.2:
            alerts.append(
                Alert(
                    patient=patient,
                    kind=AlertKind.PAIN_DURING,
                    subject=f"bench-{patient.pk}",
                    raised_at=now,
                    detail={},
                )
            )
    SessionLog.objects.bulk_create(logs, batch_size=2000)
    SessionLogExercise.objects.bulk_create(rows, batch_size=5000)
    Attendance.objects.bulk_create(attendances, batch_size=2000)
    WeeklyPain.objects.bulk_create(pains, batch_size=5000)
    QuestionnaireResponse.objects.bulk_create(responses, batch_size=2000)
    OutcomeScore.objects.bulk_create(scores, batch_size=5000)
    Alert.objects.bulk_create(alerts)
    print(
        f"data: {len(programmes)} programmes, {len(logs)} logs, {len(rows)} exercises logged, "
        f"{len(attendances)} attendances, {len(pains)} weekly pain, {len(scores)} scores, "
        f"{len(alerts)} alerts"
    )


def prepare(patients: int) -> tuple[str, str]:
    from django.db.models import Count
    from rest_framework_simplejwt.tokens import RefreshToken

    from programs.models import Practice, SessionLog
    from programs.services.people import physiotherapist_create

    practice = Practice.objects.create(name="Bench", agb_code="04999995")
    physio = physiotherapist_create(
        username="bench.caseload", password=PASSWORD, practice=practice, agb_code="04999994"
    )
    fill(physio, enrol_all(physio, patients))
    busiest = (
        SessionLog.objects.values("patient_id")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    return str(RefreshToken.for_user(physio.user).access_token), str(busiest["patient_id"])


def query_counts(paths: list[str]) -> dict[str, int]:
    """Each page's queries, in this process (the same code the server runs)."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    from programs.models import User

    client = DjangoClient()
    client.force_login(User.objects.get(username="bench.caseload"))
    counts = {}
    for path in paths:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, secure=True, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (path, response.status_code)
        counts[path] = len(captured)
    connection.close()
    return counts


def session_cookie(port: int) -> str:
    """Sign in through the login form, as a browser does."""
    client = Client(port, {"Content-Type": "application/x-www-form-urlencoded"})
    client.connection.request("GET", "/accounts/login/")
    response = client.connection.getresponse()
    page = response.read().decode()
    csrf = SimpleCookie(response.getheader("Set-Cookie"))["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urlencode(
        {"username": "bench.caseload", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    client.connection.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"http://127.0.0.1:{port}/",
        },
    )
    response = client.connection.getresponse()
    response.read()
    cookies = SimpleCookie()
    for header in response.getheaders():
        if header[0].lower() == "set-cookie":
            cookies.load(header[1])
    return f"sessionid={cookies['sessionid'].value}"


def timed(client: Client, path: str, count: int) -> tuple[list[float], int]:
    latencies, size = [], 0
    for _ in range(count):
        status, latency, body = client.call("GET", path)
        assert status == 200, (path, status, body[:200])
        latencies.append(latency)
        size = len(body)
    return latencies, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--database", default="hipcoach_bench_caseload", help="dropped and created again"
    )
    args = parser.parse_args()

    env = recreate_database(args.database)
    token, patient = prepare(args.patients)
    analyze()
    pages = [
        ("dashboard page /dashboard/", "page", "/dashboard/"),
        ("  searched ?q=anna", "page", "/dashboard/?q=anna"),
        ("API /physio/caseload/", "api", f"/api/v1/physio/caseload/?page_size={args.patients}"),
        ("patient page", "page", f"/dashboard/patients/{patient}/"),
        ("progress report", "page", f"/dashboard/patients/{patient}/report/"),
    ]
    counts = query_counts([path for _name, kind, path in pages if kind == "page"])
    results = []
    with gunicorn(env, workers=2) as port:
        clients = {
            "page": Client(port, {"Cookie": session_cookie(port)}),
            "api": Client(port, {"Authorization": f"Bearer {token}"}),
        }
        for name, kind, path in pages:
            timed(clients[kind], path, 3)  # warm-up
            times, size = timed(clients[kind], path, args.requests)
            results.append((name, path, times, size))
    print(f"{args.patients} patients, gunicorn + PostgreSQL, {args.requests} requests each")
    for name, path, times, size in results:
        queries = f"{counts[path]:3d} queries" if path in counts else "           "
        print(
            f"  {name:<28} median {statistics.median(times) * 1000:7.1f} ms   "
            f"max {max(times) * 1000:7.1f} ms   {size / 1024:4.0f} KiB  {queries}"
        )


if __name__ == "__main__":
    main()
