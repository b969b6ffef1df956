"""docker-compose.yml cannot be started on this machine (no Docker engine); at least its shape
is checked: the five services, one image reused, healthchecks, migrations before the apps."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_services_with_healthchecks():
    services = compose()["services"]
    assert {"web", "worker", "beat", "postgres", "redis", "migrate"} <= set(services)
    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert "healthcheck" in services[name], name


def test_web_worker_beat_and_migrate_share_one_image():
    services = compose()["services"]
    images = {services[name]["image"] for name in ("web", "worker", "beat", "migrate")}
    builds = {services[name]["build"] for name in ("web", "worker", "beat", "migrate")}
    assert images == {"hipcoach:latest"} and builds == {"."}


def test_apps_start_after_migrations_and_healthy_backing_services():
    services = compose()["services"]
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
    assert "gunicorn" in (ROOT / "Dockerfile").read_text()


def test_web_is_published_on_loopback_only_for_the_proxy_on_the_host():
    """NUM_PROXIES=1 trusts the last X-Forwarded-For hop: a client that could reach gunicorn
    around the proxy would choose its own address (sign-in limits, lock-out, access log)."""
    web = compose()["services"]["web"]
    assert web["ports"] == ["127.0.0.1:${WEB_PORT:-8000}:8000"]
    assert web["environment"]["NUM_PROXIES"] == "${NUM_PROXIES:-1}"


def test_the_database_password_has_no_default():
    services = compose()["services"]
    required = "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD (see README)}"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == required
    assert f"hipcoach:{required}@postgres" in services["web"]["environment"]["DATABASE_URL"]


def test_the_web_healthcheck_sends_a_host_that_allowed_hosts_accepts():
    from backend.healthcheck import host_header

    web = compose()["services"]["web"]
    assert web["healthcheck"]["test"] == ["CMD", "python", "-m", "backend.healthcheck"]
    assert host_header("hipcoach.example.org, localhost") == "hipcoach.example.org"
    assert host_header(".example.org") == "example.org"
    assert host_header("*") == "localhost"
    assert host_header("") == "localhost"


def test_procfile_runs_web_worker_and_beat():
    lines = (ROOT / "Procfile.dev").read_text().splitlines()
    assert [line.split(":")[0] for line in lines if line] == ["web", "worker", "beat"]


def test_gunicorn_starts_with_the_production_settings():
    """The image's command: gunicorn with backend/gunicorn.py (preloaded app, sync workers)."""
    import http.client
    import os
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"}
    # Production names its real domain only; the healthcheck must still get through.
    env.update(GUNICORN_ACCESS_LOG="/dev/null", ALLOWED_HOSTS="hipcoach.example.org")
    command = ["gunicorn", "-c", "python:backend.gunicorn", "backend.wsgi:application"]
    server = subprocess.Popen(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz", headers={"Host": "hipcoach.example.org"})
                response = connection.getresponse()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        assert response.status == 200, response.read()
        assert response.getheader("Permissions-Policy")
        # The container's healthcheck (docker-compose.yml), where a bare Host: 127.0.0.1 is a 400.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz")
        assert connection.getresponse().status == 400
        check = subprocess.run(
            [sys.executable, "-m", "backend.healthcheck", f"http://127.0.0.1:{port}/healthz"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            check=False,
        )
        assert check.returncode == 0, check.stderr.decode()
    finally:
        server.terminate()
        server.wait(timeout=30)
