"""The access-log event of the physiotherapist's idempotent writes is the event that happened
(NEN 7513): the first registration is a create, a change an update, the same request again
only a read of what is stored."""

import uuid
from datetime import timedelta

from django.utils import timezone

from programs.models import AccessLogEntry
from tests.conftest import client_for, enrol


def _actions(patient, resource):
    return list(
        AccessLogEntry.objects.filter(patient_id=patient.pk, resource=resource)
        .order_by("occurred_at", "id")
        .values_list("action", flat=True)
    )


def test_attendance_registered_again_is_logged_as_a_read(world):
    programme = enrol(world.owner, world.physio, start_date=timezone.localdate() - timedelta(7))
    session = programme.sessions.filter(supervised=True, scheduled_at__lt=timezone.now()).first()
    url = f"/api/v1/physio/programmes/{programme.pk}/sessions/{session.pk}/attendance/"
    client = client_for(world.physio.user)
    for body in ({"status": "attended"}, {"status": "attended"}, {"status": "no_show"}):
        assert client.put(url, body, format="json").status_code in (200, 201)
    assert _actions(world.owner, "attendance") == ["create", "read", "update"]


def test_an_extra_treatment_registered_again_is_logged_as_a_read(world):
    enrol(world.owner, world.physio)
    url = f"/api/v1/physio/patients/{world.owner.pk}/treatments/{uuid.uuid4()}/"
    client = client_for(world.physio.user)
    moment = (timezone.now() - timedelta(hours=2)).isoformat()
    for body in (
        {"treated_at": moment},
        {"treated_at": moment},
        {"treated_at": moment, "location": "home"},
    ):
        assert client.put(url, body, format="json").status_code in (200, 201)
    assert _actions(world.owner, "treatment") == ["create", "read", "update"]
