"""Writing the access log (DOMAIN.md §6, NEN 7513)."""

from collections.abc import Iterable
from uuid import UUID

from django.http import HttpRequest

from programs.models import AccessAction, AccessLogEntry, Patient
from programs.permissions import client_ip, organisation_label


def access_log_record(
    *,
    request: HttpRequest,
    patients: Iterable[Patient | UUID],
    action: AccessAction,
    resource: str,
    object_id: str = "",
) -> list[AccessLogEntry]:
    """Record that ``request.user`` read or changed data of these patients: one entry per patient,
    in one insert. Call it from every view that returns or changes patient data."""
    user = request.user
    django_request = getattr(request, "_request", request)
    patient_ids = list(dict.fromkeys(p.pk if isinstance(p, Patient) else p for p in patients))
    if not patient_ids:
        return []
    common = {
        "actor_id": user.pk,
        "actor_username": user.get_username(),
        "actor_name": user.get_full_name() or user.get_username(),
        "actor_role": getattr(user, "role", ""),
        "organisation": organisation_label(user),
        "action": action,
        "resource": resource,
        "object_id": str(object_id)[:64],
        "method": django_request.method or "",
        "path": django_request.get_full_path()[:500],
        "client_address": client_ip(django_request),
        "user_agent": django_request.headers.get("User-Agent", "")[:255],
    }
    return AccessLogEntry.objects.bulk_create(
        [AccessLogEntry(patient_id=patient_id, **common) for patient_id in patient_ids]
    )
