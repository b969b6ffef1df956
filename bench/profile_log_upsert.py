"""Where the time of one session-log PUT goes, in process (no HTTP server, no other clients):
the whole Django stack (middleware, authentication, throttles, the view, rendering) called
as gunicorn calls it, on PostgreSQL and Redis as in production.

    .venv/bin/python bench/profile_log_upsert.py [--requests 300] [--profile]

Prints the mean and median time per request, the mean CPU time of this process per request
(the Python side alone: it hardly changes with the load other processes put on the machine,
where wall times do) and the queries per request, for a new log, a
replay (the same PUT again) and an update, beside the bare view (bench/bare.py) doing the same
transaction; with ``--profile`` also a pyinstrument profile of the new logs (pyinstrument is
not a dependency of the project: ``pip install pyinstrument``). In-process timings do not
depend on how many clients share the machine, so they compare versions where a loaded
machine makes the HTTP benchmark noisy. Needs PostgreSQL and Redis as bench/log_upsert.py."""

import argparse
import io
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import analyze, recreate_database
from bench.log_upsert import log_body, prepare


def wsgi_call(application, method: str, path: str, body: dict, headers: dict) -> int:
    payload = json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(payload)),
        "wsgi.input": io.BytesIO(payload),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        **{"HTTP_" + key.upper().replace("-", "_"): value for key, value in headers.items()},
    }
    status = []
    chunks = application(environ, lambda line, _headers, *_: status.append(line))
    b"".join(chunks)
    chunks.close()
    return int(status[0].split()[0])


def measure(label: str, calls, expected: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, cpu, queries = [], [], []
    for call in calls:
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            status = call()
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        queries.append(len(captured))
        last = captured.captured_queries
        if status != expected:
            raise SystemExit(f"{label}: answered {status}, expected {expected}")
    return {
        "label": label,
        "mean_ms": round(statistics.fmean(times) * 1000, 2),
        "median_ms": round(statistics.median(times) * 1000, 2),
        "cpu_ms": round(statistics.fmean(cpu) * 1000, 2),
        "queries": max(queries),
        "last": last,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="pyinstrument the new logs")
    parser.add_argument("--queries", action="store_true", help="print one request's queries")
    parser.add_argument("--database", default="hipcoach_bench_profile")
    args = parser.parse_args()

    recreate_database(args.database)
    (person,) = prepare(1)
    analyze()
    from backend.wsgi import application

    api = {"Authorization": f"Bearer {person['token']}"}
    bare = {"X-Patient": person["patient"], "X-Programme": person["programme"]}

    def api_put(log_id, body):
        return lambda: wsgi_call(
            application, "PUT", f"/api/v1/me/session-logs/{log_id}/", body, api
        )

    def bare_put(log_id, body):
        return lambda: wsgi_call(application, "PUT", f"/bench/bare-log/{log_id}/", body, bare)

    body = log_body(person)
    changed = {**body, "note": "changed"}
    # Warm up: imports, translations, connections, the URL map.
    for _ in range(30):
        api_put(uuid.uuid4(), body)()
        bare_put(uuid.uuid4(), body)()

    ids = [uuid.uuid4() for _ in range(args.requests)]
    created = measure("API PUT, new log", [api_put(i, body) for i in ids], 201)
    results = [
        created,
        measure("API PUT, replay", [api_put(i, body) for i in ids], 200),
        measure("API PUT, update", [api_put(i, changed) for i in ids], 200),
        measure("bare view, new log", [bare_put(uuid.uuid4(), body) for _ in ids], 201),
    ]
    profiler = None
    if args.profile:  # apart from the figures: the profiler slows what it watches
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        measure("profiled", [api_put(uuid.uuid4(), body) for _ in ids], 201)
        profiler.stop()
    print(f"in-process, {args.requests} requests each, PostgreSQL + Redis, one process")
    print(f"{'':<22}{'mean ms':>9}{'median ms':>11}{'CPU ms':>8}{'queries':>9}")
    for row in results:
        print(
            f"{row['label']:<22}{row['mean_ms']:>9}{row['median_ms']:>11}{row['cpu_ms']:>8}"
            f"{row['queries']:>9}"
        )
    bare = results[-1]
    print(
        f"API new log / bare: {created['median_ms'] / bare['median_ms']:.2f}x (median time), "
        f"{created['cpu_ms'] / bare['cpu_ms']:.2f}x (CPU time of this process)"
    )
    if args.queries:
        for row in results:
            print(f"\n{row['label']}:")
            for query in row["last"]:
                print(f"  {query['time']:>6} s  {query['sql'][:160]}")
    if profiler is not None:
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
