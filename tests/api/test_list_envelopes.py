"""Every list answers in one envelope (issue 14: /me/questionnaires/due/ and GET /me/devices/
were bare arrays): `{count, next, previous, results}`, with `?page` and `?page_size`."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from rest_framework.test import APIClient

from programs.models import Device
from tests.conftest import enrol

AMS = ZoneInfo("Europe/Amsterdam")
ENVELOPE = {"count", "next", "previous", "results"}


def schema() -> dict:
    return APIClient().get("/api/v1/schema/", {"format": "json"}).json()


def test_no_read_answers_a_bare_array_and_every_list_is_paginated(db):
    spec = schema()
    components = spec["components"]["schemas"]
    bare, unpaginated = [], []
    for path, operations in spec["paths"].items():
        answer = operations.get("get", {}).get("responses", {}).get("200", {})
        body = answer.get("content", {}).get("application/json", {}).get("schema")
        if body is None:
            continue  # e.g. the CSV export
        if body.get("type") == "array":
            bare.append(path)
            continue
        name = body.get("$ref", "").rsplit("/", 1)[-1]
        if name.startswith("Paginated"):
            parameters = {p["name"] for p in operations["get"].get("parameters", [])}
            fields = set(components[name]["properties"])
            if fields != ENVELOPE or not {"page", "page_size"} <= parameters:
                unpaginated.append(path)
    assert not bare, f"lists without the envelope: {bare}"
    assert not unpaginated, f"lists without the page parameters or envelope: {unpaginated}"


def test_the_due_questionnaires_come_in_the_envelope(world):
    with time_machine.travel(datetime(2027, 2, 20, 9, tzinfo=AMS), tick=False):
        enrol(world.owner, world.physio, start_date=datetime(2027, 3, 1, tzinfo=AMS).date())
        client = world.client("owner")
        body = client.get("/api/v1/me/questionnaires/due/").json()
        assert set(body) == ENVELOPE
        assert body["count"] == len(body["results"]) >= 3  # the baseline questionnaires
        assert {item["timepoint"] for item in body["results"]} == {"baseline"}
        first = client.get("/api/v1/me/questionnaires/due/", {"page_size": 1}).json()
        assert len(first["results"]) == 1 and first["next"].endswith("page=2&page_size=1")


def test_the_devices_come_in_the_envelope(world):
    for _ in range(3):
        Device.objects.create(patient=world.owner, platform="ios", token=f"token-{uuid.uuid4()}")
    Device.objects.create(patient=world.other_patient, platform="ios", token="not-the-owners")
    body = world.client("owner").get("/api/v1/me/devices/", {"page_size": 2}).json()
    assert set(body) == ENVELOPE
    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["previous"] is None and body["next"] is not None


def test_a_page_past_the_last_is_a_404_as_for_every_list(world):
    response = world.client("owner").get("/api/v1/me/questionnaires/due/", {"page": 9})
    assert response.status_code == 404
