"""The access matrix of the foundation's endpoints and of the admin, actor by actor."""

import pytest
from django.test import RequestFactory

from programs.models import AccessAction, AccessLogEntry
from programs.services.audit import access_log_record
from tests.access import check_access
from tests.conftest import ACTORS


def test_my_access_log_is_for_patients_only(world):
    check_access(
        world,
        "get",
        "/api/v1/me/access-log/",
        {
            "owner": 200,
            "other_patient": 200,
            "physio": 403,
            "other_physio": 403,
            "insurer": 403,
            "other_insurer": 403,
            "staff": 403,
            "anonymous": 401,
        },
    )


def test_a_patient_sees_only_who_read_their_own_record(world):
    world.client("physio").get("/api/v1/me/")  # a physio reading their own profile: no patient
    world.client("owner").get("/api/v1/me/")  # the patient's own read
    request = RequestFactory().get("/api/v1/physio/patients/")
    request.user = world.physio.user
    access_log_record(
        request=request,
        patients=[world.owner, world.other_patient],
        action=AccessAction.LIST,
        resource="caseload",
    )
    owner_view = world.client("owner").get("/api/v1/me/access-log/").json()
    assert [(e["actor_role"], e["resource"]) for e in owner_view["results"]] == [
        ("physiotherapist", "caseload")
    ]
    assert owner_view["results"][0]["organisation"] == "Fysio Centrum (AGB 04000001)"
    with_own = world.client("owner").get("/api/v1/me/access-log/?include_own=1").json()
    assert {e["resource"] for e in with_own["results"]} == {"caseload", "profile", "access_log"}


ADMIN_PAGES = [
    "/admin/",
    "/admin/programs/patient/",
    "/admin/programs/user/",
    "/admin/programs/practice/",
    "/admin/programs/physiotherapist/",
    "/admin/programs/insurer/",
    "/admin/programs/insureremployee/",
    "/admin/programs/accesslogentry/",
    "/admin/programs/exercise/",
    "/admin/programs/programmetemplate/",
    "/admin/programs/templatephase/",
    "/admin/programs/programme/",
]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_is_for_staff_only(world, client, page):
    outcomes = {}
    for actor in ACTORS:
        client.logout()
        user = world.user(actor)
        if user is not None:
            client.force_login(user)
        response = client.get(page)
        outcomes[actor] = response.status_code
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/")
    assert outcomes == {actor: (200 if actor == "staff" else 302) for actor in ACTORS}


def test_staff_reading_a_patient_in_the_admin_is_logged(world, client):
    client.force_login(world.staff)
    page = client.get(f"/admin/programs/patient/{world.owner.pk}/change/")
    assert page.status_code == 200
    entry = AccessLogEntry.objects.get(patient_id=world.owner.pk)
    assert (entry.actor_role, entry.action, entry.resource) == ("staff", "read", "admin")


@pytest.mark.parametrize(
    "page", ["/admin/programs/patient/", "/admin/programs/user/", "/admin/programs/programme/"]
)
def test_staff_listing_patients_in_the_admin_is_logged(world, client, programme, page):
    client.force_login(world.staff)
    assert client.get(page).status_code == 200
    entries = AccessLogEntry.objects.all()
    owner_only = page.endswith("/programme/")  # only the owner has a programme
    expected = {world.owner.pk} if owner_only else {world.owner.pk, world.other_patient.pk}
    assert {entry.patient_id for entry in entries} == expected
    assert {(e.actor_role, e.action, e.resource) for e in entries} == {("staff", "list", "admin")}


def test_an_admin_list_logs_only_the_patients_on_the_page_shown(world, client):
    client.force_login(world.staff)
    page = client.get("/admin/programs/patient/", {"q": world.other_patient.user.username})
    assert page.status_code == 200
    assert [e.patient_id for e in AccessLogEntry.objects.all()] == [world.other_patient.pk]
