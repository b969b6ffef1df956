"""The access log is append-only (NEN 7513, docs/domain.md §6): the application offers no way to
change or delete an entry, and the database refuses it as well."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from programs.models import AccessAction, AccessLogEntry, AccessLogImmutableError
from programs.services import audit
from programs.services.audit import access_log_record, access_log_record_many


@pytest.fixture
def entry(world) -> AccessLogEntry:
    request = RequestFactory().get("/api/v1/me/", REMOTE_ADDR="192.0.2.10")
    request.user = world.physio.user
    (entry,) = access_log_record(
        request=request, patients=[world.owner], action=AccessAction.READ, resource="profile"
    )
    return entry


def test_an_entry_records_who_what_when_and_from_where(entry, world):
    stored = AccessLogEntry.objects.get(pk=entry.pk)
    assert stored.actor_id == world.physio.user_id
    assert stored.actor_role == "physiotherapist"
    assert stored.organisation == "Fysio Centrum (AGB 04000001)"
    assert stored.patient_id == world.owner.pk
    assert (stored.action, stored.resource, stored.method) == ("read", "profile", "GET")
    assert stored.path == "/api/v1/me/"
    assert stored.client_address == "192.0.2.10"
    assert stored.occurred_at is not None


def test_one_entry_per_patient_for_a_list(world):
    request = RequestFactory().get("/api/v1/physio/patients/")
    request.user = world.physio.user
    entries = access_log_record(
        request=request,
        patients=[world.owner, world.other_patient, world.owner],
        action=AccessAction.LIST,
        resource="caseload",
    )
    assert sorted(e.patient_id for e in entries) == sorted([world.owner.pk, world.other_patient.pk])


@pytest.mark.parametrize("set_based_from", [1, 10_000], ids=["set-based", "per-entry"])
def test_many_patients_at_once_give_the_same_entries(world, monkeypatch, set_based_from):
    """The insurer's batches log thousands of patients with one INSERT ... SELECT on
    PostgreSQL: the entries are those access_log_record writes (who, what, from where)."""
    monkeypatch.setattr(audit, "SET_BASED_FROM", set_based_from)
    request = RequestFactory().post(
        "/api/v1/insurer/claims/check/", REMOTE_ADDR="192.0.2.20", HTTP_USER_AGENT="batch/1"
    )
    request.user = world.insurer_user
    written = access_log_record_many(
        request=request,
        patients=[world.owner.pk, world.other_patient.pk, world.owner.pk],
        action=AccessAction.READ,
        resource="claims_check",
    )
    assert written == 2
    columns = [
        f.name for f in AccessLogEntry._meta.concrete_fields if f.name not in ("id", "patient_id")
    ]
    rows = list(AccessLogEntry.objects.order_by("patient_id").values("patient_id", *columns))
    assert sorted(r["patient_id"] for r in rows) == sorted([world.owner.pk, world.other_patient.pk])
    first = rows[0]
    assert (first["actor_id"], first["actor_role"], first["action"]) == (
        world.insurer_user.pk,
        "insurer",
        "read",
    )
    assert (first["resource"], first["method"], first["path"]) == (
        "claims_check",
        "POST",
        "/api/v1/insurer/claims/check/",
    )
    assert (first["client_address"], first["user_agent"]) == ("192.0.2.20", "batch/1")
    assert first["occurred_at"] is not None
    assert {tuple(r[c] for c in columns if c != "occurred_at") for r in rows} == {
        tuple(first[c] for c in columns if c != "occurred_at")
    }


def test_saving_an_existing_entry_is_refused(entry):
    entry.resource = "something else"
    with pytest.raises(AccessLogImmutableError):
        entry.save()
    assert AccessLogEntry.objects.get(pk=entry.pk).resource == "profile"


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(AccessLogImmutableError):
        entry.delete()
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "operation",
    [
        lambda qs: qs.update(resource="x"),
        lambda qs: qs.delete(),
        lambda qs: qs.bulk_update(list(qs), ["resource"]),
        lambda qs: qs.update_or_create(id=1, defaults={"resource": "x"}),
    ],
    ids=["update", "delete", "bulk_update", "update_or_create"],
)
def test_bulk_changes_through_the_orm_are_refused(entry, operation):
    with pytest.raises(AccessLogImmutableError):
        operation(AccessLogEntry.objects.all())
    assert AccessLogEntry.objects.get(pk=entry.pk).resource == "profile"


def test_the_database_refuses_an_update_behind_the_orms_back(entry):
    table = AccessLogEntry._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET resource = 'forged' WHERE id = %s", [entry.pk])  # noqa: S608
    assert AccessLogEntry.objects.get(pk=entry.pk).resource == "profile"


@pytest.mark.postgres
def test_postgres_refuses_a_delete_behind_the_orms_back(entry):
    table = AccessLogEntry._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])  # noqa: S608
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


class TestAdmin:
    """Even a superuser can only look."""

    def test_superuser_can_list_and_view(self, client, entry, world):
        client.force_login(world.staff)
        assert client.get("/admin/programs/accesslogentry/").status_code == 200
        assert client.get(f"/admin/programs/accesslogentry/{entry.pk}/change/").status_code == 200

    def test_superuser_cannot_add_change_or_delete(self, client, entry, world):
        client.force_login(world.staff)
        base = "/admin/programs/accesslogentry/"
        assert client.get(f"{base}add/").status_code == 403
        assert client.post(f"{base}add/", {"resource": "x"}).status_code == 403
        assert client.post(f"{base}{entry.pk}/change/", {"resource": "x"}).status_code == 403
        assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
        bulk = client.post(
            base, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
        )
        assert bulk.status_code in (200, 302)
        assert AccessLogEntry.objects.get(pk=entry.pk).resource == "profile"
