"""Settings come from the environment; production variables give a clean deploy check."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_is_clean_with_production_variables(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="heup.example.org",
        SECURE_SSL_REDIRECT="1",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example.org:587",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_debug_a_secret_key_is_required(tmp_path):
    result = manage("check", VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_migrations_check_runs_without_a_secret(tmp_path):
    # It reads the code only; other commands still need SECRET_KEY (the test above).
    result = manage("makemigrations", "--check", "--dry-run", VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_debug_runs_without_a_secret_and_on_embedded_defaults(tmp_path):
    environment = {"DEBUG": "1", "VAR_DIR": str(tmp_path)}
    environment.update({"DATABASE_URL": "", "REDIS_URL": "", "CELERY_BROKER_URL": ""})
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.TIME_ZONE, s.USE_TZ, "
        "[c for c, _ in s.LANGUAGES])",
        **environment,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "Europe/Amsterdam",
        "True",
        "['nl',",
        "'en']",
    ]


def test_email_url_configures_smtp_on_either_django_version(tmp_path):
    result = manage(
        "shell",
        "-c",
        "from django.core import mail; "
        "c = mail.mailers.default if hasattr(mail, 'mailers') else mail.get_connection(); "
        "print(type(c).__module__, c.host, c.port, c.username, c.use_tls)",
        DEBUG="1",
        VAR_DIR=str(tmp_path),
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example.org:587",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.core.mail.backends.smtp",
        "smtp.example.org",
        "587",
        "mailer",
        "True",
    ]


@pytest.mark.postgres
@pytest.mark.django_db
def test_our_postgresql_connections_run_without_jit_and_plan_cursors_for_all_rows():
    """JIT compiling cost the caseload's grouped queries ten times their run time; fast-start
    plans for server-side cursors made the reminder dispatcher quadratic."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW cursor_tuple_fraction")
        assert float(cursor.fetchone()[0]) == 1.0
