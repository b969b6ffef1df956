from datetime import date
from uuid import UUID

from django.db.models import F, Prefetch, Q, QuerySet

from programs.models import (
    Patient,
    Programme,
    SessionLog,
    SessionLogExercise,
)


def session_logs(
    *,
    patient: Patient | None = None,
    programme: Programme | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    ids: list[UUID] | None = None,
) -> QuerySet[SessionLog]:
    """Logs with their exercises (two queries however many)."""
    logs = SessionLog.objects.select_related("programme").prefetch_related(
        Prefetch(
            "exercises",
            queryset=SessionLogExercise.objects.select_related("exercise").order_by("id"),
        )
    )
    if patient is not None:
        logs = logs.filter(patient=patient)
    if programme is not None:
        logs = logs.filter(programme=programme)
    if ids is not None:
        logs = logs.filter(pk__in=ids)
    if date_from is not None:
        logs = logs.filter(performed_at__date__gte=date_from)
    if date_to is not None:
        logs = logs.filter(performed_at__date__lte=date_to)
    return logs.order_by("-performed_at", "id")


def flare_logs(*, programme: Programme, during_acceptable_max: int) -> QuerySet[SessionLog]:
    """Logs that carry a pain flare signal P1 or P2 (docs/domain.md §3), found by the database."""
    return SessionLog.objects.filter(programme=programme).filter(
        Q(pain_during_max__gt=during_acceptable_max) | Q(pain_next_morning__gt=F("pain_before"))
    )
