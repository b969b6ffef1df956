"""GET /api/v1/physio/patients/{id}/ (issue 14: a physiotherapist could not see a patient's
member number or insurer anywhere): the person, their insurance over time with the current
coverage marked, and the running programme. Scoped to the practice and access-logged."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from programs.models import AccessLogEntry, InsuranceCoverage
from programs.services.programme import programme_end
from tests.access import check_access
from tests.conftest import enrol
from tests.factories import InsurerFactory

AMS = ZoneInfo("Europe/Amsterdam")


def url(patient) -> str:
    return f"/api/v1/physio/patients/{patient.pk}/"


def test_the_physiotherapist_sees_person_insurance_and_programme(world):
    owner = world.owner
    InsuranceCoverage.objects.filter(patient=owner).update(
        valid_from=date(2020, 1, 1), valid_to=date(2026, 12, 31)
    )
    new_insurer = InsurerFactory(name="Zorg Nieuw", uzovi_code="3399")
    InsuranceCoverage.objects.create(
        patient=owner, insurer=new_insurer, member_number="987654321", valid_from=date(2027, 1, 1)
    )
    with time_machine.travel(datetime(2027, 2, 20, 9, tzinfo=AMS), tick=False):
        programme = enrol(owner, world.physio, start_date=date(2027, 3, 1))
        response = world.client("physio").get(url(owner))
    assert response.status_code == 200
    body = response.json()
    physio = world.physio
    assert body == {
        "id": str(owner.pk),
        "name": str(owner),
        "first_name": owner.user.first_name,
        "last_name": owner.user.last_name,
        "date_of_birth": owner.date_of_birth.isoformat(),
        "language": owner.language,
        "time_zone": "Europe/Amsterdam",
        "physiotherapist": {"name": str(physio), "agb_code": physio.agb_code},
        "practice": {"name": physio.practice.name, "agb_code": physio.practice.agb_code},
        "coverages": [
            {
                "insurer": {"name": "Verzekeraar A", "uzovi_code": "3311"},
                "member_number": "111111111",
                "valid_from": "2020-01-01",
                "valid_to": "2026-12-31",
                "current": False,
            },
            {
                "insurer": {"name": "Zorg Nieuw", "uzovi_code": "3399"},
                "member_number": "987654321",
                "valid_from": "2027-01-01",
                "valid_to": None,
                "current": True,
            },
        ],
        "running_programme": str(programme.pk),
    }


def test_current_follows_the_patients_own_calendar_day(world):
    InsuranceCoverage.objects.filter(patient=world.owner).update(
        valid_from=date(2020, 1, 1), valid_to=date(2026, 12, 31)
    )
    world.owner.time_zone = "Pacific/Auckland"  # already 1 January 2027 there
    world.owner.save()
    with time_machine.travel(datetime(2026, 12, 31, 20, tzinfo=AMS), tick=False):
        body = world.client("physio").get(url(world.owner)).json()
    assert [c["current"] for c in body["coverages"]] == [False]


def test_no_running_programme_is_null(world):
    programme = enrol(world.owner, world.physio)
    programme_end(actor=world.physio.user, programme=programme, reason="other")
    body = world.client("physio").get(url(world.owner)).json()
    assert body["running_programme"] is None


def test_the_read_is_in_the_access_log(world):
    world.client("physio").get(url(world.owner))
    entry = AccessLogEntry.objects.filter(patient_id=world.owner.pk).latest("pk")
    assert (entry.resource, entry.action, entry.actor_id) == (
        "patient",
        "read",
        world.physio.user_id,
    )


def test_scoped_to_the_practice_and_to_physiotherapists(world):
    check_access(
        world,
        "get",
        url(world.owner),
        {
            "owner": 403,
            "other_patient": 403,
            "physio": 200,
            "other_physio": 404,
            "insurer": 403,
            "other_insurer": 403,
            "staff": 403,
            "anonymous": 401,
        },
    )


def test_constant_queries(world, django_assert_max_num_queries):
    for n in range(5):
        InsuranceCoverage.objects.create(
            patient=world.owner,
            insurer=InsurerFactory(),
            member_number=f"55500000{n}",
            valid_from=date(2010 + n, 1, 1),
            valid_to=date(2010 + n, 12, 31),
        )
    client = world.client("physio")
    with django_assert_max_num_queries(5):  # user, physiotherapist, patient, coverages, log
        assert len(client.get(url(world.owner)).json()["coverages"]) == 6
