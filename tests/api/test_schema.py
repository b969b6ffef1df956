import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient


@pytest.fixture
def schema(db) -> dict:
    response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_generates_and_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert (tmp_path / "s.yml").read_text().startswith("openapi: 3")


# Errors that carry more than the shared shape (an extension of it, checked below).
ERROR_EXTENSIONS = {("put", "/api/v1/me/session-logs/{log_id}/", "409"): "SessionLogError"}


def test_every_operation_declares_the_shared_error_responses(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "429" in codes, (method, path)
            if operation.get("security") != [{}]:
                assert {"401", "403"} <= codes, (method, path)
            # 304 Not Modified has no body (programs/api/conditional.py).
            assert "content" not in operation["responses"].get("304", {}), (method, path)
            for code in codes - {"200", "201", "204", "304"}:
                ref = operation["responses"][code]["content"]["application/json"]["schema"]
                name = ERROR_EXTENSIONS.get((method, path, code), "Error")
                assert ref == {"$ref": f"#/components/schemas/{name}"}, (method, path, code)


def _component(schema, ref_holder) -> dict:
    """The component a schema object refers to (directly or as its single allOf)."""
    ref = ref_holder["allOf"][0]["$ref"] if "allOf" in ref_holder else ref_holder["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_existing_log_is_in_the_error_of_a_session_log_write(schema):
    """The 409 session_already_logged names the session's log in error.existing_log, in the
    PUT's answer and in a sync item's error: generated clients must have the field."""
    put = schema["paths"]["/api/v1/me/session-logs/{log_id}/"]["put"]
    answer = _component(schema, put["responses"]["409"]["content"]["application/json"]["schema"])
    sync = schema["paths"]["/api/v1/me/sync/"]["post"]["responses"]["200"]["content"]
    results = _component(schema, sync["application/json"]["schema"])["properties"]["results"]
    item = _component(schema, results["items"])
    shared = schema["components"]["schemas"]["ErrorBody"]
    for body in (
        _component(schema, answer["properties"]["error"]),
        _component(schema, item["properties"]["error"]),
    ):
        existing = body["properties"]["existing_log"]
        assert (existing["type"], existing["format"], existing["nullable"]) == (
            "string",
            "uuid",
            True,
        )
        assert "existing_log" not in body["required"]  # only with session_already_logged
        # Otherwise the shared shape, unchanged.
        assert {k: v for k, v in body["properties"].items() if k != "existing_log"} == shared[
            "properties"
        ]
        assert body["required"] == shared["required"]


def test_everything_is_under_api_v1(schema):
    assert schema["paths"]
    assert all(path.startswith("/api/v1/") for path in schema["paths"])


def test_swagger_ui_is_served_without_a_cdn(db):
    page = APIClient().get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', html)
    assert assets, html
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), asset
        assert finders.find(asset.removeprefix("/static/")), asset
