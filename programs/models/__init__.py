"""Models, one module per aggregate, re-exported here."""

from programs.models.audit import AccessAction, AccessLogEntry, AccessLogImmutableError
from programs.models.auth import RefreshTokenRotation
from programs.models.base import TimestampedModel
from programs.models.catalogue import (
    Dose,
    Exercise,
    ExerciseKind,
    ProgrammeTemplate,
    TemplateExercise,
    TemplatePhase,
)
from programs.models.people import (
    DEFAULT_TIME_ZONE,
    InsuranceCoverage,
    Insurer,
    InsurerEmployee,
    Language,
    Patient,
    Physiotherapist,
    Practice,
    Role,
    User,
)
from programs.models.programme import (
    RUNNING_STATUSES,
    ChangeKind,
    EndReason,
    PlannedSession,
    Programme,
    ProgrammeChange,
    ProgrammeExercise,
    ProgrammePause,
    ProgrammePhase,
    ProgrammeStatus,
    SessionStatus,
)

__all__ = [
    "DEFAULT_TIME_ZONE",
    "RUNNING_STATUSES",
    "AccessAction",
    "AccessLogEntry",
    "AccessLogImmutableError",
    "ChangeKind",
    "Dose",
    "EndReason",
    "Exercise",
    "ExerciseKind",
    "InsuranceCoverage",
    "Insurer",
    "InsurerEmployee",
    "Language",
    "Patient",
    "Physiotherapist",
    "PlannedSession",
    "Practice",
    "Programme",
    "ProgrammeChange",
    "ProgrammeExercise",
    "ProgrammePause",
    "ProgrammePhase",
    "ProgrammeStatus",
    "ProgrammeTemplate",
    "RefreshTokenRotation",
    "Role",
    "SessionStatus",
    "TemplateExercise",
    "TemplatePhase",
    "TimestampedModel",
    "User",
]
