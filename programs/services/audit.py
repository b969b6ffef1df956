"""Writing the access log (docs/domain.md §6, NEN 7513)."""

from collections.abc import Iterable
from uuid import UUID

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from programs.models import AccessAction, AccessLogEntry, Patient
from programs.permissions import client_ip, organisation_label

# From this many patients in one record, PostgreSQL gets one set-based INSERT ... SELECT.
SET_BASED_FROM = 200


# The access-log event of an idempotent write (NEN 7513 records the event that happened): a
# replay ("unchanged") wrote nothing and only read the stored record back.
WRITE_OUTCOME_ACTIONS = {
    "created": AccessAction.CREATE,
    "updated": AccessAction.UPDATE,
    "unchanged": AccessAction.READ,
}


def _entry_fields(
    request: HttpRequest, action: AccessAction, resource: str, object_id: str
) -> dict[str, object]:
    """Everything an entry records except the patient: who, what, from where."""
    user = request.user
    django_request = getattr(request, "_request", request)
    return {
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
    patient_ids = list(dict.fromkeys(p.pk if isinstance(p, Patient) else p for p in patients))
    if not patient_ids:
        return []
    common = _entry_fields(request, action, resource, object_id)
    return AccessLogEntry.objects.bulk_create(
        [AccessLogEntry(patient_id=patient_id, **common) for patient_id in patient_ids]
    )


def access_log_record_many(
    *,
    request: HttpRequest,
    patients: Iterable[UUID],
    action: AccessAction,
    resource: str,
    object_id: str = "",
) -> int:
    """``access_log_record`` for thousands of patients at once (an insurer's batch of claim
    lines): the same entries, on PostgreSQL written by one INSERT ... SELECT over an array of
    patient ids instead of a model instance and 15 parameters per entry (0.06 s instead of
    0.4 s for 8,500 patients). Returns how many entries were written."""
    patient_ids = list(dict.fromkeys(patients))
    if len(patient_ids) < SET_BASED_FROM or connection.vendor != "postgresql":
        return len(
            access_log_record(
                request=request,
                patients=patient_ids,
                action=action,
                resource=resource,
                object_id=object_id,
            )
        )
    values = {
        **_entry_fields(request, action, resource, object_id),
        "occurred_at": timezone.now(),
        "on_behalf_of": "",
    }
    fields = [f for f in AccessLogEntry._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    selected = ", ".join("unnest(%s::uuid[])" if f.name == "patient_id" else "%s" for f in fields)
    params = [
        patient_ids if f.name == "patient_id" else f.get_db_prep_save(values[f.name], connection)
        for f in fields
    ]
    table = connection.ops.quote_name(AccessLogEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {selected}", params)
    return len(patient_ids)
