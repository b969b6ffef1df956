"""What the server log says when the database refuses a sync item: the constraint, never the
row (PostgreSQL's message quotes the failing row, with the patient's note and pain)."""

import logging
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from tests.conftest import client_for


@pytest.mark.postgres
def test_a_refused_sync_item_is_logged_without_the_patients_values(world, programme, caplog):
    with connection.cursor() as cursor:  # a refusal no code path foresees (undone with the test)
        cursor.execute(
            "ALTER TABLE programs_sessionlog ADD CONSTRAINT test_refuses_this_note "
            "CHECK (note <> 'Heup deed zeer na de trap')"
        )
    item = {
        "id": str(uuid.uuid4()),
        "planned_session": None,
        "performed_at": timezone.now().isoformat(),
        "status": "completed",
        "pain_during_max": 4,
        "note": "Heup deed zeer na de trap",
    }
    with caplog.at_level(logging.WARNING, logger="programs.api.patient"):
        answer = client_for(world.owner.user).post(
            "/api/v1/me/sync/", {"session_logs": [item]}, format="json"
        )

    assert answer.status_code == 200, answer.content
    (result,) = answer.json()["results"]
    assert (result["status"], result["error"]["code"]) == (409, "conflict")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "test_refuses_this_note" in logged
    assert "Heup deed zeer" not in logged and "Failing row" not in logged
