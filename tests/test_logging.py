"""Every process logs in one format: UTC with an explicit offset (ISO 8601), as text lines or
JSON lines (LOG_FORMAT); Django, gunicorn's access and error logs, Celery's worker and beat.
Request lines carry no query string, referrer or header other than the user agent."""

import http.client
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backend.logconfig import (
    JSONFormatter,
    RequestLineWithoutQuery,
    TextFormatter,
    logging_config,
)

ROOT = Path(__file__).resolve().parent.parent
ISO_UTC = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00"
MOMENT = datetime(2026, 12, 2, 17, 35, 0, 123000, tzinfo=UTC)


@pytest.fixture
def amsterdam_clock():
    """The machine's zone is not UTC (as on a developer's laptop in the Netherlands)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Amsterdam"
    time.tzset()
    yield
    if saved is None:
        os.environ.pop("TZ")
    else:
        os.environ["TZ"] = saved
    time.tzset()


def record(name="programs.tasks", message="sent %d reminders", args=(3,), **extra):
    entry = logging.LogRecord(name, logging.INFO, __file__, 1, message, args, None)
    entry.created = MOMENT.timestamp()
    entry.__dict__.update(extra)
    return entry


def test_text_lines_are_utc_with_the_offset_whatever_the_machines_zone(amsterdam_clock):
    line = TextFormatter().format(record())
    assert (
        line
        == f"2026-12-02T17:35:00.123+00:00 INFO programs.tasks [{os.getpid()}] sent 3 reminders"
    )


def test_json_lines_carry_time_level_logger_and_message(amsterdam_clock):
    entry = json.loads(JSONFormatter().format(record()))
    assert entry == {
        "time": "2026-12-02T17:35:00.123+00:00",
        "level": "INFO",
        "logger": "programs.tasks",
        "process": os.getpid(),
        "message": "sent 3 reminders",
    }


def test_json_lines_carry_the_traceback_of_an_exception():
    try:
        raise ValueError("broken")
    except ValueError:
        entry = record(message="failed", args=())
        entry.exc_info = sys.exc_info()
    logged = json.loads(JSONFormatter().format(entry))
    assert logged["message"] == "failed"
    assert logged["exception"].startswith("Traceback")
    assert logged["exception"].endswith("ValueError: broken")


def test_an_unknown_log_format_is_refused_at_start_up():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config(log_format="xml")


def test_the_development_servers_request_line_loses_its_query_string():
    entry = record(
        name="django.server",
        message='"%s" %s %s',
        args=("GET /api/v1/insurer/episodes/?member_number=111111111 HTTP/1.1", "200", "512"),
    )
    assert RequestLineWithoutQuery().filter(entry)
    assert entry.getMessage() == '"GET /api/v1/insurer/episodes/ HTTP/1.1" 200 512'


@pytest.mark.django_db
def test_djangos_own_loggers_write_through_the_configured_formatter(client, caplog, settings):
    """What settings.LOGGING installs: the root handler with our formatter, and Django's
    loggers without their own (which would print a second, local-time line)."""
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if isinstance(handler.formatter, TextFormatter)]
    assert ours, root.handlers
    assert logging.getLogger("django").handlers == []
    # (pytest's capturing handlers may sit beside ours when a Celery test reapplied LOGGING.)
    server_handlers = [
        handler
        for handler in logging.getLogger("django.server").handlers
        if isinstance(handler.formatter, TextFormatter)
    ]
    assert [[type(f) for f in handler.filters] for handler in server_handlers] == [
        [RequestLineWithoutQuery]
    ]
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/api/v1/no-such-thing/?member_number=111111111")
    lines = [TextFormatter().format(entry) for entry in caplog.records]
    assert any(
        re.match(rf"{ISO_UTC} WARNING django.request \[\d+\] Not Found: ", line) for line in lines
    )
    assert not any("111111111" in line for line in lines)


def gunicorn_logger(access_log: Path, log_format: str, monkeypatch):
    """gunicorn's logger as backend/gunicorn.py configures it."""
    from gunicorn.config import Config

    monkeypatch.setenv("LOG_FORMAT", log_format)
    import backend.gunicorn as module

    config = Config()
    for name, value in vars(module).items():
        if name in config.settings:
            config.set(name, value)
    config.set("accesslog", str(access_log))
    return config.logger_class(config)


class _Response:
    status = "200 OK"
    sent = 512
    headers = [("Content-Type", "application/json")]


def _access(logger):
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/api/v1/insurer/episodes/?member_number=111111111",
        "PATH_INFO": "/api/v1/insurer/episodes/",
        "QUERY_STRING": "member_number=111111111",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.5",
        "HTTP_USER_AGENT": "hipcoach-app/1.0",
        "HTTP_REFERER": "https://example.org/?member_number=111111111",
    }
    request_headers = [("Authorization", "Bearer secret-token"), ("User-Agent", "hipcoach-app/1.0")]

    class Request:
        headers = request_headers

    logger.access(_Response(), Request(), environ, timedelta(milliseconds=12))


def test_gunicorns_access_log_as_text_has_utc_and_no_query_string(tmp_path, monkeypatch):
    access_log = tmp_path / "access.log"
    _access(gunicorn_logger(access_log, "text", monkeypatch))
    line = access_log.read_text().strip()
    assert re.fullmatch(
        rf'{ISO_UTC} INFO gunicorn.access \[\d+\] 10.0.0.5 "GET /api/v1/insurer/episodes/ '
        r'HTTP/1.1" 200 512 12ms "hipcoach-app/1.0"',
        line,
    ), line
    assert "111111111" not in line and "secret-token" not in line


def test_gunicorns_access_log_as_json_has_the_request_fields_only(tmp_path, monkeypatch):
    access_log = tmp_path / "access.log"
    _access(gunicorn_logger(access_log, "json", monkeypatch))
    text = access_log.read_text()
    entry = json.loads(text)
    assert re.fullmatch(ISO_UTC, entry["time"])
    assert {key: entry[key] for key in ("logger", "method", "path", "status", "bytes")} == {
        "logger": "gunicorn.access",
        "method": "GET",
        "path": "/api/v1/insurer/episodes/",
        "status": 200,
        "bytes": 512,
    }
    assert (entry["duration_ms"], entry["remote_addr"]) == (12, "10.0.0.5")
    assert "111111111" not in text and "secret-token" not in text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_as_started_in_production_logs_utc_lines(tmp_path):
    """The image's command, for real: its error log (stderr) and access log (a file here)."""
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": str(access_log),
        "LOG_FORMAT": "text",
        "TZ": "Europe/Amsterdam",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:backend.gunicorn", "backend.wsgi"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz?member_number=111111111")
                connection.getresponse().read()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()[-2000:]
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        deadline = time.monotonic() + 10
        while not access_log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        _out, errors = server.communicate(timeout=30)
    access = access_log.read_text()
    assert re.match(rf'{ISO_UTC} INFO gunicorn.access \[\d+\] 127.0.0.1 "GET /healthz ', access)
    assert "111111111" not in access
    started = [line for line in errors.splitlines() if "Starting gunicorn" in line]
    assert started and re.match(rf"{ISO_UTC} INFO gunicorn.error \[\d+\] ", started[0]), errors


@pytest.mark.parametrize(
    ("program", "ready"),
    [
        (["worker", "--pool", "solo", "--without-mingle", "--without-gossip"], "ready."),
        (["beat", "--schedule", "{tmp}/beat-schedule"], "beat: Starting..."),
    ],
    ids=["worker", "beat"],
)
def test_celery_worker_and_beat_log_json_lines_in_utc(tmp_path, program, ready):
    """Started for real, on an in-memory broker of their own (nothing reaches the test run's
    queue): their lines go through Django's LOGGING, not Celery's local-time format."""
    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        "TZ": "Europe/Amsterdam",
        "CELERY_BROKER_URL": "memory://",
        "CELERY_RESULT_BACKEND": "cache+memory://",
    }
    command = [sys.executable, "-m", "celery", "-A", "backend"]
    command += [part.format(tmp=tmp_path) for part in program]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    lines = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            lines.append(line)
            if ready in line:
                break
    finally:
        process.terminate()
        process.communicate(timeout=30)
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert any(ready in entry["message"] for entry in entries), "".join(lines)[-3000:]
    assert all(re.fullmatch(ISO_UTC, entry["time"]) for entry in entries)


def test_a_line_logged_inside_a_celery_task_names_the_task():
    from backend.celery import app

    lines = []

    class Collect(logging.Handler):
        def emit(self, entry):
            lines.append(self.format(entry))

    handler = Collect()
    handler.setFormatter(TextFormatter())
    logger = logging.getLogger("tests.logging.task")
    logger.addHandler(handler)

    @app.task(name="tests.logging.noisy", bind=True)
    def noisy(self):
        logger.warning("inside")
        return self.request.id

    try:
        task_id = noisy.apply().get()
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    assert lines[0].endswith(f"[tests.logging.noisy {task_id}] inside")
    assert lines[1].endswith("] outside") and "noisy" not in lines[1]
