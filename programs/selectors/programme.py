from datetime import date
from uuid import UUID

from django.db.models import (
    Case,
    Count,
    F,
    Max,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from programs.models import (
    RUNNING_STATUSES,
    PlannedSession,
    Programme,
    ProgrammeChange,
    ProgrammeExercise,
    ProgrammePhase,
    ProgrammeTemplate,
    SessionStatus,
    TemplateExercise,
    TemplatePhase,
    User,
)
from programs.permissions import patient_of, patients_visible_to
from programs.selectors.adherence import with_outcome


def _phases_prefetch() -> Prefetch:
    return Prefetch(
        "phases",
        queryset=ProgrammePhase.objects.order_by("order").prefetch_related(
            Prefetch(
                "exercises",
                queryset=ProgrammeExercise.objects.select_related(
                    "exercise__easier_variant", "exercise__harder_variant"
                ).order_by("order", "id"),
            )
        ),
    )


def _with_summary(programmes: QuerySet[Programme]) -> QuerySet[Programme]:
    live = ~Q(sessions__status=SessionStatus.CANCELLED)
    return programmes.annotate(
        sessions_total=Count("sessions", filter=live),
        supervised_total=Count("sessions", filter=live & Q(sessions__supervised=True)),
        first_session_at=Min("sessions__scheduled_at", filter=live),
        last_session_at=Max("sessions__scheduled_at", filter=live),
    )


def programmes_visible_to(user: User) -> QuerySet[Programme]:
    """Programmes of the patients this user may see (permissions.patients_visible_to)."""
    return Programme.objects.filter(patient__in=patients_visible_to(user))


def programme_detail(*, user: User, programme_id: UUID) -> Programme | None:
    return (
        _with_summary(programmes_visible_to(user))
        .select_related("patient__user", "template", "enrolled_by__user")
        .prefetch_related(_phases_prefetch())
        .filter(pk=programme_id)
        .first()
    )


def programme_list(*, user: User, patient_id: UUID | None = None, running: bool | None = None):
    programmes = programmes_visible_to(user).select_related("patient__user", "template")
    if patient_id is not None:
        programmes = programmes.filter(patient_id=patient_id)
    if running is True:
        programmes = programmes.filter(status__in=RUNNING_STATUSES)
    elif running is False:
        programmes = programmes.exclude(status__in=RUNNING_STATUSES)
    return _with_summary(programmes).order_by("-start_date", "-created_at")


def running_programme_of(
    *, user: User, with_phases: bool = True, with_summary: bool = True
) -> Programme | None:
    """The patient's own running (active or paused) programme; by default with phases and
    exercises prefetched and the session totals (what ProgrammeSerializer shows)."""
    patient = patient_of(user)
    if patient is None:
        return None
    programmes = Programme.objects.filter(patient=patient, status__in=RUNNING_STATUSES)
    if with_summary:
        programmes = _with_summary(programmes)
    if with_phases:
        programmes = programmes.prefetch_related(_phases_prefetch())
    return programmes.first()


def latest_programme_of(*, user: User) -> Programme | None:
    """The patient's running programme, else their most recent one (completed or ended):
    what they did stays theirs to see."""
    patient = patient_of(user)
    if patient is None:
        return None
    running_first = Case(When(status__in=RUNNING_STATUSES, then=Value(0)), default=Value(1))
    return (
        Programme.objects.filter(patient=patient)
        .order_by(running_first, "-start_date", "-created_at")
        .first()
    )


def programmes_with_phases(*, patient, programme_ids) -> QuerySet[Programme]:
    """The patient's programmes among ``programme_ids``, ready for ProgrammeSerializer."""
    return _with_summary(
        Programme.objects.filter(patient=patient, pk__in=list(programme_ids))
    ).prefetch_related(_phases_prefetch())


def programme_sessions(
    *, programme: Programme, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[PlannedSession]:
    """With what happened to each (log, attendance, whether it counts as done: adherence's
    ``with_outcome``) in the same query; the log's id from with_outcome's join of the logs
    (a session has at most one)."""
    sessions = with_outcome(
        PlannedSession.objects.filter(programme=programme), sets=False
    ).annotate(log_id=F("logs__id"))
    if date_from is not None:
        sessions = sessions.filter(local_date__gte=date_from)
    if date_to is not None:
        sessions = sessions.filter(local_date__lte=date_to)
    return sessions.order_by("scheduled_at", "id")


def phase_for_week(phases: list[ProgrammePhase], week: int) -> ProgrammePhase | None:
    for phase in phases:
        if phase.first_week <= week <= phase.last_week:
            return phase
    return None


def programme_history(*, programme: Programme) -> QuerySet[ProgrammeChange]:
    return programme.changes.select_related("actor").order_by("occurred_at", "id")


def templates_active() -> QuerySet[ProgrammeTemplate]:
    return ProgrammeTemplate.objects.filter(is_active=True).prefetch_related(
        Prefetch(
            "phases",
            queryset=TemplatePhase.objects.order_by("order").prefetch_related(
                Prefetch(
                    "exercises",
                    queryset=TemplateExercise.objects.select_related(
                        "exercise__easier_variant", "exercise__harder_variant"
                    ).order_by("order"),
                )
            ),
        )
    )
