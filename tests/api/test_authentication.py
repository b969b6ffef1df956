"""Bearer authentication loads the user with their role's profile in one query; the role the
tokens carry only says which profile to join, the stored role decides what the user may do."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import PASSWORD

PROFILE_TABLES = ("programs_patient", "programs_physiotherapist", "programs_insureremployee")


def signed_in(username: str) -> APIClient:
    pair = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert pair.status_code == 200, pair.json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.json()['access']}")
    return client


def user_query(client: APIClient, url: str) -> tuple[int, str]:
    """The answer's status and the first query of the request: the user's."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, captured.captured_queries[0]["sql"]


@pytest.mark.parametrize(
    ("username", "url", "joined"),
    [
        ("owner", "/api/v1/me/", "programs_patient"),
        ("physio", "/api/v1/physio/patients/", "programs_physiotherapist"),
        ("insurer", "/api/v1/me/", "programs_insureremployee"),
    ],
)
def test_a_token_from_sign_in_joins_only_its_roles_profile(world, username, url, joined):
    status, sql = user_query(signed_in(username), url)
    assert status == 200
    assert [table for table in PROFILE_TABLES if f'"{table}"' in sql] == [joined]


def test_a_token_without_the_role_joins_every_profile(world):
    client = APIClient()
    token = RefreshToken.for_user(world.owner.user)  # as tokens were made before the claim
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.access_token}")
    status, sql = user_query(client, "/api/v1/me/")
    assert status == 200
    assert all(f'"{table}"' in sql for table in PROFILE_TABLES)


def test_the_stored_role_decides_not_the_one_in_the_token(world):
    token = RefreshToken.for_user(world.owner.user)
    token["role"] = "physiotherapist"  # signed by us, but the patient's role is "patient"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.access_token}")
    assert client.get("/api/v1/physio/patients/").status_code == 403
    mine = client.get("/api/v1/me/session-logs/")
    assert mine.status_code == 200 and mine.json()["count"] == 0


def test_a_refreshed_pair_names_the_role_too(world):
    from rest_framework_simplejwt.tokens import AccessToken

    pair = APIClient().post(
        "/api/v1/auth/token/", {"username": "physio", "password": PASSWORD}, format="json"
    )
    refreshed = APIClient().post(
        "/api/v1/auth/token/refresh/", {"refresh": pair.json()["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200, refreshed.json()
    assert AccessToken(refreshed.json()["access"])["role"] == "physiotherapist"
    assert RefreshToken(refreshed.json()["refresh"])["role"] == "physiotherapist"


def test_a_staff_token_joins_nothing(world):
    """Staff have no profile: their user is read alone. (select_related() without names
    would follow every non-null foreign key the user model ever gets.)"""
    from programs.api.authentication import PROFILES, _UsersWithProfiles
    from programs.models import Role

    users = _UsersWithProfiles(PROFILES[Role.STAFF]).objects.all()
    assert users.query.select_related is False
    status, sql = user_query(signed_in("staff"), "/api/v1/me/")
    assert status == 200
    assert "JOIN" not in sql
