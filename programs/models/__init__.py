"""Models, one module per aggregate, re-exported here."""

from programs.models.audit import AccessAction, AccessLogEntry, AccessLogImmutableError
from programs.models.auth import RefreshTokenRotation
from programs.models.base import TimestampedModel
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

__all__ = [
    "DEFAULT_TIME_ZONE",
    "AccessAction",
    "AccessLogEntry",
    "AccessLogImmutableError",
    "InsuranceCoverage",
    "Insurer",
    "InsurerEmployee",
    "Language",
    "Patient",
    "Physiotherapist",
    "Practice",
    "RefreshTokenRotation",
    "Role",
    "TimestampedModel",
    "User",
]
