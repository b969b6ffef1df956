"""One JSON error shape for every 4xx/5xx."""

import pytest
from django.test import RequestFactory
from django.utils import translation
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.test import APIClient

from programs.api.errors import flatten_detail, server_error
from programs.errors import ValidationFailed


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body["error"]) >= {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.django_db
def test_unknown_api_url_is_a_json_404():
    assert_error_shape(APIClient().get("/api/v1/no-such-thing/"), 404, "not_found")


@pytest.mark.django_db
def test_malformed_json_is_a_400_parse_error(world):
    response = world.client("owner").generic(
        "POST", "/api/v1/auth/token/", "{not json", content_type="application/json"
    )
    assert_error_shape(response, 400, "parse_error")


@pytest.mark.django_db
def test_form_encoded_body_is_415(world):
    response = APIClient().post(
        "/api/v1/auth/token/", "username=a&password=b", content_type="text/plain"
    )
    assert_error_shape(response, 415, "unsupported_media_type")


@pytest.mark.django_db
def test_anonymous_is_401_with_authenticate_header():
    response = APIClient().get("/api/v1/me/")
    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_server_error_outside_drf_is_json_for_api_paths():
    request = RequestFactory().get("/api/v1/anything/")
    response = server_error(request)
    assert response.status_code == 500
    assert b'"code": "server_error"' in response.content


def test_server_error_for_web_pages_stays_html():
    response = server_error(RequestFactory().get("/dashboard/"))
    assert response.status_code == 500
    assert not response["Content-Type"].startswith("application/json")


class Item(serializers.Serializer):
    sets = serializers.IntegerField(max_value=20)


class Batch(serializers.Serializer):
    name = serializers.CharField()
    items = Item(many=True)


def test_nested_errors_are_flattened_to_dotted_paths():
    batch = Batch(data={"items": [{"sets": 3}, {"sets": 99}]})
    assert not batch.is_valid()
    fields = flatten_detail(batch.errors)
    assert set(fields) == {"name", "items.1.sets"}
    assert fields["items.1.sets"][0]["code"] == "max_value"
    assert fields["name"][0]["code"] == "required"


def test_both_drf_shapes_of_many_true_errors_flatten_alike():
    as_list = {"items": [{}, {"sets": [ErrorDetail("too many", code="max_value")]}]}
    as_dict = {"items": {1: {"sets": [ErrorDetail("too many", code="max_value")]}}}
    expected = {"items.1.sets": [{"code": "max_value", "message": "too many"}]}
    assert flatten_detail(as_list) == expected
    assert flatten_detail(as_dict) == expected


def test_validation_failed_message_names_the_fields():
    with translation.override("en"):
        error = ValidationFailed(fields={"date_of_birth": "In the future."})
        assert "date_of_birth" in error.as_payload()["error"]["message"]
        assert error.as_payload()["error"]["fields"] == {
            "date_of_birth": [{"code": "invalid", "message": "In the future."}]
        }
