"""Celery tasks: take an id, call a service, nothing else."""

from celery import shared_task

from programs.services.auth import auth_flush_expired_tokens


@shared_task(name="programs.tasks.auth_flush_expired_tokens")
def auth_flush_expired_tokens_task() -> dict[str, int]:
    return auth_flush_expired_tokens()


@shared_task(name="programs.tasks.diagnostics_ping", ignore_result=False)
def diagnostics_ping(value: str) -> str:
    """A round trip through broker, worker and result backend (used by tests and operators)."""
    return f"pong:{value}"
