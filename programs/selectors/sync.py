"""What changed on the server since the app's cursor (PITFALLS.md, "Offline sync").

The cursor is a SyncChange id, not a timestamp. Ids are handed out when a change is written but
become visible when its transaction commits, so a lower id can appear after a higher one. The
cursor therefore only moves past changes older than SYNC_OVERLAP_SECONDS; younger ones are
sent again on the next pull. Re-sent entities are idempotent for the app (it replaces by id),
so the overlap costs a little bandwidth and never loses a change. Deletions are tombstones."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from programs.models import (
    RUNNING_STATUSES,
    Patient,
    Programme,
    SyncChange,
    SyncEntity,
)

MAX_CHANGES_PER_PULL = 1000


@dataclass
class ChangeSet:
    cursor: int | None
    has_more: bool
    programme_ids: list[UUID] = field(default_factory=list)
    session_ids: list[UUID] = field(default_factory=list)
    session_log_ids: list[UUID] = field(default_factory=list)
    deleted_session_ids: list[UUID] = field(default_factory=list)


def _settled_max(patient: Patient, settle: datetime) -> int | None:
    return (
        SyncChange.objects.filter(patient=patient, created_at__lte=settle)
        .aggregate(top=Max("id"))
        .get("top")
    )


def changes_since(
    *, patient: Patient, cursor: int | None, now: datetime | None = None
) -> ChangeSet:
    """Entities to send for ``cursor`` (None: everything the app needs from scratch)."""
    now = now or timezone.now()
    settle = now - timedelta(seconds=settings.SYNC_OVERLAP_SECONDS)
    if cursor is None:
        # First sync (a new or reinstalled app): the running programme, all its sessions and
        # the patient's logs of it, so no history is lost; the cursor starts at the settled
        # end of the feed.
        programme = Programme.objects.filter(patient=patient, status__in=RUNNING_STATUSES).first()
        changes = ChangeSet(cursor=_settled_max(patient, settle) or 0, has_more=False)
        if programme is not None:
            changes.programme_ids = [programme.pk]
            changes.session_ids = list(programme.sessions.values_list("pk", flat=True))
            changes.session_log_ids = list(
                programme.session_logs.filter(patient=patient).values_list("pk", flat=True)
            )
        return changes

    rows = list(
        SyncChange.objects.filter(patient=patient, id__gt=cursor)
        .order_by("id")
        .values_list("id", "entity", "entity_id", "deleted", "created_at")[
            : MAX_CHANGES_PER_PULL + 1
        ]
    )
    has_more = len(rows) > MAX_CHANGES_PER_PULL
    rows = rows[:MAX_CHANGES_PER_PULL]
    new_cursor = cursor
    for change_id, *_rest, created_at in rows:
        if created_at > settle:
            break  # everything from here on is sent again next time
        new_cursor = change_id
    if has_more and new_cursor == cursor and rows:
        # A full page of unsettled changes: move on anyway rather than stall the app.
        new_cursor = rows[-1][0]

    latest: dict[tuple[str, UUID], bool] = {}
    for _id, entity, entity_id, deleted, _created in rows:
        latest[(entity, entity_id)] = deleted  # the last word on an entity wins
    changes = ChangeSet(cursor=new_cursor, has_more=has_more)
    for (entity, entity_id), deleted in latest.items():
        if entity == SyncEntity.SESSION and deleted:
            changes.deleted_session_ids.append(entity_id)
        elif entity == SyncEntity.SESSION:
            changes.session_ids.append(entity_id)
        elif entity == SyncEntity.PROGRAMME:
            changes.programme_ids.append(entity_id)
        elif entity == SyncEntity.SESSION_LOG:
            changes.session_log_ids.append(entity_id)
    return changes
