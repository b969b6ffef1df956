"""The physiotherapist's work lists in the dashboard: whom they can enrol, and the supervised
sessions of a day with what was registered. Each is one query however long the list."""

from datetime import date
from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from programs.models import (
    RUNNING_STATUSES,
    Claim,
    Patient,
    Physiotherapist,
    PlannedSession,
    Programme,
    SessionLog,
    User,
)
from programs.permissions import patients_visible_to


def enrolment_candidates(*, user: User) -> QuerySet[Patient]:
    """The patients of the user's practice, each with the start date and status of a running
    programme if they have one (such a patient cannot be enrolled again)."""
    running = Programme.objects.filter(patient=OuterRef("pk"), status__in=RUNNING_STATUSES)
    return (
        patients_visible_to(user)
        .select_related("user")
        .annotate(
            running_since=Subquery(running.values("start_date")[:1]),
            running_status=Subquery(running.values("status")[:1]),
        )
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def _with_attendance(sessions: QuerySet[PlannedSession]) -> QuerySet[PlannedSession]:
    return sessions.select_related(
        "programme__patient__user",
        "attendance__therapist__user",
        "attendance__registered_by",
    ).annotate(
        claimed=Exists(Claim.objects.filter(attendance__planned_session=OuterRef("pk"))),
        logged=Exists(SessionLog.objects.filter(planned_session=OuterRef("pk"))),
    )


def supervised_sessions_on(
    *, physiotherapist: Physiotherapist, day: date, mine: bool = True
) -> QuerySet[PlannedSession]:
    """Supervised sessions on ``day`` (the patient's local date) of the practice's patients,
    or only of the physiotherapist's own; with the patient, the registered attendance and
    who registered it, whether an insurer claimed it and whether the patient logged it."""
    sessions = PlannedSession.objects.filter(
        supervised=True,
        local_date=day,
        programme__patient__practice_id=physiotherapist.practice_id,
    )
    if mine:
        sessions = sessions.filter(programme__patient__physiotherapist=physiotherapist)
    return _with_attendance(sessions).order_by("scheduled_at", "pk")


def practice_session(
    *, physiotherapist: Physiotherapist, programme_id: UUID, session_id: UUID
) -> PlannedSession | None:
    """One session of a programme of the practice's patients, as the day list shows it; None
    for any other (a 404, as in the API)."""
    return (
        _with_attendance(
            PlannedSession.objects.filter(
                pk=session_id,
                programme_id=programme_id,
                programme__patient__practice_id=physiotherapist.practice_id,
            )
        )
        .order_by()
        .first()
    )


def practice_therapists(*, physiotherapist: Physiotherapist) -> QuerySet[Physiotherapist]:
    return (
        Physiotherapist.objects.filter(practice_id=physiotherapist.practice_id)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "agb_code")
    )
