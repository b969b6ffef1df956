"""PostgreSQL can neither store nor compare text holding a NUL character (PITFALLS.md): a NUL
anywhere in a request is a 400 naming where it was, never a 500. Query parameters, the path
and cookies are refused by programs/middleware.py before any view; JSON bodies by the
serializers, field by field (nested ones too)."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tests.conftest import enrol


def field_codes(response) -> dict[str, list[str]]:
    body = response.json()
    return {name: [e["code"] for e in errors] for name, errors in body["error"]["fields"].items()}


def test_a_nul_in_a_query_parameter_is_a_400_naming_it(world):
    # Compared with the member numbers in the database: was a 500 on PostgreSQL.
    response = world.client("insurer").get(
        "/api/v1/insurer/episodes/", {"member_number": "111\x00"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert field_codes(response) == {"member_number": ["null_characters_not_allowed"]}
    assert response.json()["error"]["fields"]["member_number"][0]["message"] == (
        "Null characters are not allowed."
    )


def test_the_refusal_is_in_the_language_asked_for(world):
    response = world.client("insurer").get(
        "/api/v1/insurer/episodes/?member_number=%00", HTTP_ACCEPT_LANGUAGE="nl"
    )
    message = response.json()["error"]["fields"]["member_number"][0]["message"]
    assert message == "Null-tekens zijn niet toegestaan."


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/physio/caseload/?filter=%00",
        "/api/v1/physio/programmes/?patient=%00",
        "/api/v1/physio/alerts/?status=open%00",
        "/api/v1/physio/caseload/?%00=1",
    ],
)
def test_a_nul_in_any_query_parameter_or_its_name_is_a_400(world, url):
    response = world.client("physio").get(url)
    assert response.status_code == 400
    assert list(field_codes(response).values()) == [["null_characters_not_allowed"]]


def test_a_nul_in_the_path_is_a_400(world):
    response = world.client("physio").get("/api/v1/physio/programmes/%00/")
    assert response.status_code == 400
    assert field_codes(response) == {"path": ["null_characters_not_allowed"]}


def test_a_nul_in_the_session_cookie_is_a_400_not_a_500(world, client):
    # The session key is looked up in the database as soon as the user is needed.
    client.raise_request_exception = False
    client.cookies[settings.SESSION_COOKIE_NAME] = "\x00" * 32
    assert client.get("/dashboard/").status_code == 400


def test_a_nul_in_the_admin_search_is_a_400_not_a_500(world, client):
    client.force_login(world.staff)
    client.raise_request_exception = False
    assert client.get("/admin/programs/patient/", {"q": "\x00"}).status_code == 400


def test_a_nul_in_a_body_field_is_a_400_naming_it(world):
    programme = enrol(world.owner, world.physio, start_date=timezone.localdate())
    response = world.client("owner").put(
        f"/api/v1/me/questionnaire-responses/{uuid.uuid4()}/",
        {
            "instrument": "psfs",
            "instrument_version": "1",
            "answered_at": timezone.now().isoformat(),
            "activities": [{"name": "traplopen\x00", "rating": 4}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert field_codes(response) == {"activities.0.name": ["null_characters_not_allowed"]}
    assert not programme.patient.questionnaire_responses.exists()


def test_a_nul_in_a_log_of_a_sync_batch_is_that_logs_400(world):
    programme = enrol(world.owner, world.physio, start_date=timezone.localdate() - timedelta(7))
    session = programme.sessions.filter(scheduled_at__lt=timezone.now()).first()
    response = world.client("owner").post(
        "/api/v1/me/sync/",
        {
            "session_logs": [
                {
                    "id": str(uuid.uuid4()),
                    "planned_session": str(session.pk),
                    "performed_at": session.scheduled_at.isoformat(),
                    "status": "completed",
                    "note": "pijn\x00",
                }
            ]
        },
        format="json",
    )
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["status"] == 400
    assert list(result["error"]["fields"]) == ["note"]


def test_a_nul_in_a_claim_line_is_that_lines_error(world):
    response = world.client("insurer").post(
        "/api/v1/insurer/claims/check/",
        {
            "dry_run": True,
            "lines": [
                {
                    "member_number": "111111111\x00",
                    "date": timezone.localdate().isoformat(),
                    "practice_agb": world.physio.practice.agb_code,
                    "therapist_agb": world.physio.agb_code,
                    "diagnosis_code": "6223",
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert list(result["error"]["fields"]) == ["member_number"]
