"""gunicorn settings for production (Dockerfile) and the benchmarks:
``gunicorn -c python:backend.gunicorn backend.wsgi:application``.

Sync workers, one request at a time each: a worker busy with a heavy request (a
physiotherapist's caseload) does not take the next one, so a patient's quick write goes to an
idle worker instead of waiting behind it (threads in one process share one interpreter lock).
Measured in bench/load (bench/README.md)."""

import gc
import os

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
# Set FORWARDED_ALLOW_IPS to the proxy's address when behind one (see BEHIND_TLS_PROXY).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    # What the master loaded (Django, the URL map, translations) lives for the whole process:
    # keep it out of every collection the workers do.
    gc.freeze()


def post_fork(server, worker):
    # A connection opened while loading must not be shared between processes.
    from django.db import connections

    connections.close_all()
