import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from programs.models import AccessLogEntry, Role
from tests.access import check_access
from tests.conftest import client_for
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
REFRESH_URL = "/api/v1/auth/token/refresh/"
LOGOUT_URL = "/api/v1/auth/logout/"
ME_URL = "/api/v1/me/"


def login(username: str, password: str = PASSWORD, address: str = "10.0.0.1"):
    return APIClient(REMOTE_ADDR=address).post(
        TOKEN_URL, {"username": username, "password": password}, format="json"
    )


class TestSignIn:
    def test_username_and_password_give_a_pair_that_opens_the_api(self, world):
        response = login("owner")
        assert response.status_code == 200
        pair = response.json()
        assert set(pair) == {"access", "refresh"}
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
        me = client.get(ME_URL)
        assert me.status_code == 200
        assert me.json()["username"] == "owner"

    def test_wrong_password_is_401_in_the_error_shape(self, world):
        response = login("owner", "wrong-password")
        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "invalid_credentials"
        assert error["fields"] == {}
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_missing_password_is_400_naming_the_field(self, world):
        response = APIClient().post(TOKEN_URL, {"username": "owner"}, format="json")
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert list(error["fields"]) == ["password"]
        assert error["fields"]["password"][0]["code"] == "required"
        assert "password" in error["message"]

    def test_inactive_account_cannot_sign_in(self, world):
        world.owner.user.is_active = False
        world.owner.user.save()
        assert login("owner").status_code == 401


class TestFailedLoginLockout:
    def test_five_failures_lock_that_username_from_that_address(self, world):
        for _attempt in range(5):
            assert login("owner", "wrong", address="10.0.0.7").status_code in (401, 429)
        locked = login("owner", PASSWORD, address="10.0.0.7")
        assert locked.status_code == 429
        assert locked.json()["error"]["code"] == "login_locked_out"

    def test_lockout_does_not_reach_the_patient_from_another_address(self, world):
        for _attempt in range(6):
            login("owner", "wrong", address="10.0.0.7")
        assert login("owner", PASSWORD, address="10.0.0.8").status_code == 200

    def test_lockout_does_not_reach_other_users_from_the_same_address(self, world):
        for _attempt in range(6):
            login("owner", "wrong", address="10.0.0.7")
        assert login("otherpatient", PASSWORD, address="10.0.0.7").status_code == 200

    def test_four_failures_and_a_success_reset_the_count(self, world):
        for _attempt in range(4):
            login("owner", "wrong", address="10.0.0.9")
        assert login("owner", PASSWORD, address="10.0.0.9").status_code == 200
        for _attempt in range(4):
            login("owner", "wrong", address="10.0.0.9")
        assert login("owner", PASSWORD, address="10.0.0.9").status_code == 200

    def test_lockout_ends_after_the_cool_off(self, world, settings):
        for _attempt in range(5):
            login("owner", "wrong", address="10.0.0.7")
        assert login("owner", PASSWORD, address="10.0.0.7").status_code == 429
        with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(1)):
            assert login("owner", PASSWORD, address="10.0.0.7").status_code == 200


class TestRefresh:
    def test_refresh_rotates_and_gives_a_working_access_token(self, world):
        pair = login("owner").json()
        response = APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
        assert response.status_code == 200
        new = response.json()
        assert new["refresh"] != pair["refresh"]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {new['access']}")
        assert client.get(ME_URL).status_code == 200

    def test_a_parallel_second_refresh_gets_the_same_successor_token(self, world):
        pair = login("owner").json()
        first = APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
        second = APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
        third = APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
        assert (first.status_code, second.status_code, third.status_code) == (200, 200, 200)
        # One successor, not a new 30-day token per replay.
        assert first.json()["refresh"] == second.json()["refresh"] == third.json()["refresh"]
        assert OutstandingToken.objects.filter(user=world.owner.user).count() == 2
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {second.json()['access']}")
        assert client.get(ME_URL).status_code == 200

    def test_a_replay_after_the_successor_was_rotated_too_gets_the_newest_token(self, world):
        pair = login("owner").json()
        successor = APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}).json()
        newest = APIClient().post(REFRESH_URL, {"refresh": successor["refresh"]}).json()
        replay = APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
        assert replay.status_code == 200
        assert replay.json()["refresh"] == newest["refresh"]

    def test_logout_revokes_the_successor_a_parallel_refresh_received(self, world):
        pair = login("owner").json()
        first = APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}).json()
        second = APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}).json()
        assert APIClient().post(LOGOUT_URL, {"refresh": first["refresh"]}).status_code == 204
        assert APIClient().post(REFRESH_URL, {"refresh": second["refresh"]}).status_code == 401
        assert APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}).status_code == 401

    def test_logout_with_the_rotated_token_revokes_its_successor(self, world):
        pair = login("owner").json()
        rotated = APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}).json()
        assert APIClient().post(LOGOUT_URL, {"refresh": pair["refresh"]}).status_code == 204
        assert APIClient().post(REFRESH_URL, {"refresh": rotated["refresh"]}).status_code == 401

    def test_a_rotated_token_is_refused_after_the_grace_period(self, world, settings):
        pair = login("owner").json()
        assert APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}).status_code == 200
        later = timezone.now() + settings.JWT_REFRESH_REUSE_GRACE + timedelta(seconds=1)
        with time_machine.travel(later):
            reused = APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
        assert reused.status_code == 401
        assert reused.json()["error"]["code"] == "token_not_valid"

    def test_logout_revokes_the_token_even_inside_the_grace_period(self, world):
        pair = login("owner").json()
        rotated = APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}).json()
        assert APIClient().post(LOGOUT_URL, {"refresh": rotated["refresh"]}).status_code == 204
        assert APIClient().post(REFRESH_URL, {"refresh": rotated["refresh"]}).status_code == 401
        # The older token's grace window closed with the logout as well.
        assert APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}).status_code == 401

    def test_an_access_token_is_not_a_refresh_token(self, world):
        pair = login("owner").json()
        response = APIClient().post(REFRESH_URL, {"refresh": pair["access"]}, format="json")
        assert response.status_code == 401

    def test_garbage_is_401_not_500(self, world):
        response = APIClient().post(REFRESH_URL, {"refresh": "not.a.jwt"}, format="json")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "token_not_valid"

    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True)
    def test_two_simultaneous_refreshes_both_succeed_on_postgres(self, world):
        pair = login("owner").json()
        results = []
        barrier = threading.Barrier(2)

        def refresh():
            try:
                barrier.wait()
                response = APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]})
                results.append((response.status_code, response.json().get("refresh")))
            finally:
                connection.close()

        threads = [threading.Thread(target=refresh) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [status for status, _token in results] == [200, 200]
        assert results[0][1] == results[1][1], "both got the same successor"


class TestMe:
    def test_patient_sees_own_profile_with_practice_and_coverage(self, world):
        body = world.client("owner").get(ME_URL).json()
        assert body["role"] == Role.PATIENT
        assert body["patient"]["id"] == str(world.owner.pk)
        assert body["patient"]["time_zone"] == "Europe/Amsterdam"
        assert body["patient"]["practice"]["agb_code"] == "04000001"
        assert [c["member_number"] for c in body["patient"]["coverages"]] == ["111111111"]
        assert body["physiotherapist"] is None and body["insurer"] is None

    def test_physiotherapist_sees_practice(self, world):
        body = world.client("physio").get(ME_URL).json()
        assert body["role"] == Role.PHYSIOTHERAPIST
        assert body["physiotherapist"]["practice"]["name"] == "Fysio Centrum"
        assert body["patient"] is None

    def test_insurer_sees_insurer_and_nothing_clinical(self, world):
        body = world.client("insurer").get(ME_URL).json()
        assert body["role"] == Role.INSURER
        assert body["insurer"] == {"name": "Verzekeraar A", "uzovi_code": "3311"}
        assert body["patient"] is None and body["physiotherapist"] is None

    def test_reading_own_profile_is_in_the_access_log(self, world):
        world.client("owner").get(ME_URL, HTTP_USER_AGENT="HeupApp/1.0", REMOTE_ADDR="10.1.2.3")
        entry = AccessLogEntry.objects.get(patient_id=world.owner.pk)
        assert (entry.actor_id, entry.action, entry.resource) == (
            world.owner.user_id,
            "read",
            "profile",
        )
        assert entry.client_address == "10.1.2.3"
        assert entry.user_agent == "HeupApp/1.0"

    def test_profile_is_read_in_a_constant_number_of_queries(
        self, world, django_assert_max_num_queries
    ):
        client = world.client("owner")
        # user by token, patient with practice/physio, coverages, access-log insert
        with django_assert_max_num_queries(4):
            assert client.get(ME_URL).status_code == 200

    def test_access_matrix(self, world):
        check_access(
            world,
            "get",
            ME_URL,
            {
                "owner": 200,
                "other_patient": 200,
                "physio": 200,
                "other_physio": 200,
                "insurer": 200,
                "other_insurer": 200,
                "staff": 200,
                "anonymous": 401,
            },
        )

    def test_write_methods_are_not_allowed(self, world):
        response = world.client("owner").post(ME_URL, {}, format="json")
        assert response.status_code == 405
        assert response.json()["error"]["code"] == "method_not_allowed"

    def test_expired_access_token_is_401(self, world, settings):
        client = client_for(world.owner.user)
        later = timezone.now() + settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] + timedelta(1)
        with time_machine.travel(later):
            response = client.get(ME_URL)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "token_not_valid"
