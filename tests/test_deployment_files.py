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


def test_procfile_runs_web_worker_and_beat():
    lines = (ROOT / "Procfile.dev").read_text().splitlines()
    assert [line.split(":")[0] for line in lines if line] == ["web", "worker", "beat"]
