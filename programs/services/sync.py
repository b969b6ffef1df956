"""The change feed an offline app pulls (PITFALLS.md, "Offline sync"): every change to what
a patient's app shows is appended to SyncChange in the same transaction as the change."""

from collections.abc import Iterable
from uuid import UUID

from programs.models import SyncChange, SyncEntity


def sync_changes_record(
    *, patient_id: UUID, entity: SyncEntity, ids: Iterable[UUID], deleted: bool = False
) -> None:
    SyncChange.objects.bulk_create(
        SyncChange(patient_id=patient_id, entity=entity, entity_id=entity_id, deleted=deleted)
        for entity_id in dict.fromkeys(ids)
    )
