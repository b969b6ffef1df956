"""Celery tasks: take an id, call a service, nothing else. Retries and backoff for
infrastructure errors live here; idempotency lives in the database."""

from celery import shared_task
from django.db import DatabaseError

from programs.services.alert import alerts_evaluate_nightly as evaluate_nightly
from programs.services.auth import auth_flush_expired_tokens
from programs.services.programme import programmes_complete_finished as complete_finished
from programs.services.reminder import SESSION_KINDS, reminder_dispatch_due, reminder_send


@shared_task(name="programs.tasks.auth_flush_expired_tokens")
def auth_flush_expired_tokens_task() -> dict[str, int]:
    return auth_flush_expired_tokens()


@shared_task(name="programs.tasks.programmes_complete_finished")
def programmes_complete_finished() -> int:
    return complete_finished()


@shared_task(name="programs.tasks.reminders_dispatch")
def reminders_dispatch(kinds: list[str] | None = None) -> dict[str, int]:
    report = reminder_dispatch_due(kinds=tuple(kinds or SESSION_KINDS))
    return {
        "planned": report.planned,
        "queued": report.queued,
        "skipped": report.skipped,
        "requeued": report.requeued,
        "interrupted": report.interrupted,
    }


@shared_task(
    name="programs.tasks.reminders_send",
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def reminders_send(notification_ids: list[int]) -> dict[int, str]:
    """Each notification is claimed on its own; a duplicate of this task sends nothing."""
    return {pk: reminder_send(notification_id=pk) for pk in notification_ids}


@shared_task(name="programs.tasks.alerts_evaluate_nightly")
def alerts_evaluate_nightly() -> int:
    return evaluate_nightly()


@shared_task(name="programs.tasks.diagnostics_ping", ignore_result=False)
def diagnostics_ping(value: str) -> str:
    """A round trip through broker, worker and result backend (used by tests and operators)."""
    return f"pong:{value}"
