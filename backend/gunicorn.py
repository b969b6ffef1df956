"""gunicorn settings for production (Dockerfile) and the benchmarks:
``gunicorn -c python:backend.gunicorn backend.wsgi:application``.

Sync workers, one request at a time each: a worker busy with a heavy request (a
physiotherapist's caseload) does not take the next one, so a patient's quick write goes to an
idle worker instead of waiting behind it (threads in one process share one interpreter lock).
Measured with bench/load (``make load ARGS="--wait 1-3"``, 100 users, on a 2-core machine, 23
November 2026): 3 workers x 2 threads gave 40.3 requests/s with a p99 of 1.3-1.6 s for patient
writes; 5 sync workers 46.6 requests/s with a p99 of 0.36-0.46 s (commit 58b2036). Compare on
your machine with ``bench/load/run.py --workers 3 --threads 2`` and ``--workers 5``."""

import gc
import os

from gunicorn import glogging

from backend.logconfig import ACCESS_LOG_FORMAT, formatter

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Load Django once in the master; workers share its memory until they write to it.
preload_app = True
# Recycle workers now and then (a slow leak in a dependency cannot grow without bound).
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# Path without query string, no referrer; the time comes from the formatter (UTC, ISO 8601).
access_log_format = ACCESS_LOG_FORMAT
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
# Set FORWARDED_ALLOW_IPS to the proxy's address when behind one (see BEHIND_TLS_PROXY).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class UTCLogger(glogging.Logger):
    """gunicorn's logger, its handlers (stdout, a file, syslog: wherever the settings send
    them) writing in the format of the rest of the service (backend/logconfig.py) instead of
    local time without offset."""

    def setup(self, cfg):
        super().setup(cfg)
        log_format = formatter(os.environ.get("LOG_FORMAT", "text"))
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(log_format)


logger_class = UTCLogger


def when_ready(server):
    # What the master loaded (Django, the URL map, translations) lives for the whole process:
    # keep it out of every collection the workers do.
    gc.freeze()


def post_fork(server, worker):
    # A connection opened while loading must not be shared between processes.
    from django.db import connections

    connections.close_all()
