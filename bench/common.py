"""Shared by the benchmark scripts: a throwaway PostgreSQL database, a gunicorn server on it,
HTTP clients and percentile maths. Not imported by the application."""

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def bench_env(database: str) -> dict[str, str]:
    base = PG_ADMIN.rsplit("/", 1)[0]
    return {
        **os.environ,
        "DATABASE_URL": f"{base}/{database}",
        "REDIS_URL": REDIS_URL,
        "CACHE_REDIS_DB": "14",
        "CACHE_KEY_PREFIX": f"bench-{database}",
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ROOT_URLCONF": "bench.urls",
        "THROTTLE_USER": "1000000/minute",
        "THROTTLE_ANON": "1000000/minute",
        "THROTTLE_PATIENT": "1000000/minute",
        "JWT_ACCESS_MINUTES": "120",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(ROOT / "var" / "bench"),
    }


def analyze() -> None:
    """Give the freshly filled bench database its planner statistics, as a database in use
    has them (autovacuum would only get there some time into the run), then close the
    connection so that no forked server inherits it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()


def recreate_database(database: str) -> dict[str, str]:
    """Drop and create the bench database, migrate it, and point this process at it."""
    subprocess.run(
        ["psql", PG_ADMIN, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=True
    )
    subprocess.run(["psql", PG_ADMIN, "-qc", f"CREATE DATABASE {database}"], check=True)
    env = bench_env(database)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    import django

    django.setup()
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    env: dict[str, str],
    workers: int = 4,
    threads: int = 1,
    access_log: str = "/dev/null",
    access_format: str | None = None,
):
    """gunicorn as in production on a free port. Access lines are formatted and written as in
    production, by default into /dev/null; ``access_format`` replaces the line's format."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:backend.gunicorn",
            "backend.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            *(["--access-logformat", access_format] if access_format else []),
        ],
        cwd=ROOT,
        env={**env, "GUNICORN_ACCESS_LOG": access_log},
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not come up")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


class Client:
    """One keep-alive HTTP/1.1 connection, as an app would hold."""

    def __init__(self, port: int, headers: dict[str, str] | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json", **(headers or {})}

    def call(self, method: str, path: str, body=None, headers=None) -> tuple[int, float, bytes]:
        payload = json.dumps(body).encode() if body is not None else None
        started = time.perf_counter()
        self.connection.request(
            method, path, body=payload, headers={**self.headers, **(headers or {})}
        )
        response = self.connection.getresponse()
        data = response.read()
        return response.status, time.perf_counter() - started, data


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }
