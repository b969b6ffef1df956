"""One log format for every process: Django (web), gunicorn's access and error logs, Celery's
worker and beat. Times are UTC with an explicit offset (ISO 8601, ``2026-12-02T17:35:00.123+00:00``)
whatever the machine's zone, so that lines of different processes sort and compare.

``LOG_FORMAT=text`` (default) writes one readable line a record, for ``docker compose logs``;
``LOG_FORMAT=json`` one JSON object a line, for a log collector (Loki, Elastic, a SIEM).

What reaches the logs is chosen to keep patient data out: request lines carry the path, never
the query string (``?member_number=...``), nor the referrer; no request or response body and no
header other than the user agent is ever logged.

Imported by backend/settings.py (Django's LOGGING), backend/gunicorn.py (before Django is
loaded) and backend/celery.py: it imports nothing of Django's or ours."""

import json
import logging
import traceback
from datetime import UTC, datetime
from typing import Any

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"
# gunicorn's access line: no time (the formatter gives it), no query string, no referrer.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
# The fields of gunicorn's access atoms a JSON line carries (gunicorn offers every request
# header among its atoms, Authorization included: only these are taken).
ACCESS_FIELDS = {
    "h": "remote_addr",
    "m": "method",
    "U": "path",
    "s": "status",
    "b": "bytes",
    "M": "duration_ms",
    "a": "user_agent",
}


def utc_timestamp(created: float) -> str:
    """A record's time as ISO 8601 in UTC with its offset, to the millisecond."""
    return datetime.fromtimestamp(created, tz=UTC).isoformat(timespec="milliseconds")


def _current_task() -> tuple[str, str] | None:
    """The Celery task this record was logged in, as (name, id), if any."""
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a dependency
        return None
    if not current_task or not current_task.request or not current_task.request.id:
        return None
    return current_task.name, current_task.request.id


class TextFormatter(logging.Formatter):
    """``2026-12-02T17:35:00.123+00:00 INFO programs.tasks [42] message``; inside a Celery task
    the message starts with ``[task name id]``."""

    def __init__(self, fmt: str = TEXT_FORMAT, datefmt: str | None = None) -> None:
        super().__init__(fmt=fmt, datefmt=datefmt)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return utc_timestamp(record.created)

    def formatMessage(self, record: logging.LogRecord) -> str:
        task = _current_task()
        if task is not None:
            record.message = f"[{task[0]} {task[1]}] {record.message}"
        return super().formatMessage(record)


class JSONFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, process, message; exception (the
    traceback) when there is one; task (name, id) inside a Celery task; method, path, status
    and the other fields of ACCESS_FIELDS for gunicorn's access log; status and path for
    Django's request log."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": record.getMessage(),
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            for atom, field in ACCESS_FIELDS.items():
                value = record.args.get(atom)
                if value not in (None, "-"):
                    entry[field] = _number(value) if field in ("status", "bytes") else value
        request = getattr(record, "request", None)
        if getattr(record, "status_code", None) is not None:
            entry["status"] = record.status_code
        if request is not None and hasattr(request, "path"):
            entry["method"] = getattr(request, "method", None)
            entry["path"] = request.path
        task = _current_task()
        if task is not None:
            entry["task"] = {"name": task[0], "id": task[1]}
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def _number(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class RequestLineWithoutQuery(logging.Filter):
    """Django's development server logs ``"GET /path?query HTTP/1.1" 200 512``: keep the path,
    drop the query (it may name a member number)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            line = record.args[0]
            if "?" in line:
                method_and_path, _query = line.split("?", 1)
                protocol = _query.rsplit(" ", 1)[1] if " " in _query else ""
                record.args = (f"{method_and_path} {protocol}".rstrip(), *record.args[1:])
        return True


def formatter(log_format: str) -> logging.Formatter:
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return JSONFormatter() if log_format == "json" else TextFormatter()


def logging_config(*, log_format: str = "text", level: str = "INFO") -> dict[str, Any]:
    """Django's LOGGING (also applied by Celery's worker and beat, backend/celery.py)."""
    formatter(log_format)  # refuses an unknown format at start-up
    formatter_class = JSONFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": f"{__name__}.{formatter_class.__name__}"}},
        "filters": {"no_query": {"()": f"{__name__}.RequestLineWithoutQuery"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "default"},
            # On the handler, not the logger: a second dictConfig (Celery's workers apply it
            # again) replaces handlers but would stack a logger's filters.
            "server_console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["no_query"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's defaults print these a second time with DEBUG on (their own console
            # handler, local time): through the root handler only.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": ["server_console"], "level": level, "propagate": False},
            "axes": {"level": "WARNING"},
            "django.db.backends": {"level": "INFO"},
        },
    }
