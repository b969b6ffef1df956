"""Test defaults for the environment, loaded by pytest before Django's settings
(``addopts = -p tests.testenv``). Variables already set win: CI sets DATABASE_URL and REDIS_URL.

Tests run as production does (DEBUG off), with a throwaway secret, plain HTTP, and their own
local state, queue and cache database so that a running `make run` is not disturbed."""

import os
import uuid
from pathlib import Path

_run = uuid.uuid4().hex[:8]

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", f"test-only-secret-{_run}-" + "k" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"hipcoach-test-{_run}")
os.environ.setdefault("CACHE_REDIS_DB", "15")
os.environ.setdefault("CACHE_KEY_PREFIX", f"hipcoach-test-{_run}")
