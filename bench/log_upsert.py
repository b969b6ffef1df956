"""Session-log upsert under load: PUT /api/v1/me/session-logs/{id}/ on gunicorn + PostgreSQL
with concurrent clients, and in the same run a bare Django view doing the same transaction.

    .venv/bin/python bench/log_upsert.py [--clients 16] [--requests 100] [--workers 4]

Needs PostgreSQL (BENCH_PG_ADMIN, default postgres://postgres@127.0.0.1:5432/postgres) and
Redis (BENCH_REDIS_URL) for the throttle cache; it creates and drops its own database."""

import argparse
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Client, analyze, gunicorn, percentiles, recreate_database


def prepare(patients: int) -> list[dict]:
    """A practice, a physiotherapist and one enrolled patient per client."""
    from rest_framework_simplejwt.tokens import RefreshToken

    from programs.models import Practice, ProgrammeTemplate
    from programs.services.people import patient_create, physiotherapist_create
    from programs.services.programme import programme_enrol

    practice = Practice.objects.create(name="Bench", agb_code="04999999")
    physio = physiotherapist_create(
        username="bench.physio", password=None, practice=practice, agb_code="04999998"
    )
    template = ProgrammeTemplate.objects.get(slug="hip-oa-12-weeks")
    people = []
    for index in range(patients):
        patient = patient_create(
            username=f"bench{index}",
            password=None,
            physiotherapist=physio,
            date_of_birth=date(1960, 1, 1),
        )
        programme = programme_enrol(
            actor=physio.user,
            physiotherapist=physio,
            patient=patient,
            template=template,
            start_date=datetime.now().astimezone().date() - timedelta(days=7),
            weekdays=[0, 3],
            session_time=clock(18, 0),
        )
        people.append(
            {
                "patient": str(patient.pk),
                "programme": str(programme.pk),
                "token": str(RefreshToken.for_user(patient.user).access_token),
                "exercises": list(
                    programme.phases.get(order=1).exercises.values_list("pk", flat=True)
                ),
            }
        )
    return people


def log_body(person: dict) -> dict:
    return {
        "planned_session": None,  # extra sessions: as many as the benchmark needs
        "performed_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "status": "completed",
        "pain_before": 3,
        "pain_during_max": 4,
        "exertion": 5,
        "note": "bench",
        "exercises": [
            {"programme_exercise": pk, "sets_done": 2, "repetitions_done": 10}
            for pk in person["exercises"]
        ],
    }


def run(port: int, people: list[dict], per_client: int, bare: bool) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(people))

    def client_loop(person: dict) -> None:
        headers = (
            {"X-Patient": person["patient"], "X-Programme": person["programme"]}
            if bare
            else {"Authorization": f"Bearer {person['token']}"}
        )
        client = Client(port, headers)
        mine, failed = [], []
        barrier.wait()
        for _ in range(per_client):
            log_id = uuid.uuid4()
            path = f"/bench/bare-log/{log_id}/" if bare else f"/api/v1/me/session-logs/{log_id}/"
            status, latency, _body = client.call("PUT", path, log_body(person))
            mine.append(latency)
            if status != 201:
                failed.append(status)
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    started = time.perf_counter()
    with ThreadPoolExecutor(len(people)) as pool:
        list(pool.map(client_loop, people))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "seconds": round(elapsed, 2),
        "req_per_s": round(len(latencies) / elapsed, 1),
        **percentiles(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=100, help="per client")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    args = parser.parse_args()

    env = recreate_database("hipcoach_bench_logs")
    people = prepare(args.clients)
    analyze()
    with gunicorn(env, workers=args.workers) as port:
        run(port, people, 10, bare=False)  # warm-up: connections, imports
        run(port, people, 10, bare=True)
        api = run(port, people, args.requests, bare=False)
        bare = run(port, people, args.requests, bare=True)

    print(
        f"log upsert, {args.clients} concurrent clients x {args.requests} requests, "
        f"gunicorn {args.workers} workers, PostgreSQL"
    )
    header = (
        f"{'':<26}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}"
    )
    print(header)
    for name, figures in (("API PUT session-log", api), ("bare Django view", bare)):
        print(
            f"{name:<26}{figures['req_per_s']:>8}{figures['p50_ms']:>9}{figures['p95_ms']:>9}"
            f"{figures['p99_ms']:>9}{figures['max_ms']:>9}{figures['errors']:>8}"
        )
    print(
        f"ratio API / bare: throughput {api['req_per_s'] / bare['req_per_s']:.2f}x, "
        f"p50 latency {api['p50_ms'] / bare['p50_ms']:.2f}x"
    )


if __name__ == "__main__":
    main()
