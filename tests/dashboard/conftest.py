"""Shared set-up for the dashboard's work pages (issue 13): programmes on fixed dates, so that
"today" is a day with supervised sessions when the tests travel there."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from programs.models import Patient, Programme
from tests.conftest import enrol
from tests.factories import PatientFactory, PhysiotherapistFactory

AMS = ZoneInfo("Europe/Amsterdam")
# Monday 1 March 2027: the first (supervised) session of the programmes below, at 18:00.
MONDAY = date(2027, 3, 1)
MONDAY_EVENING = datetime(2027, 3, 1, 19, 0, tzinfo=AMS)


@dataclass
class March:
    owner: Programme
    other_patient: Programme
    colleague_patient: Patient
    colleague_programme: Programme
    other_practice_programme: Programme


@pytest.fixture
def march(world) -> March:
    """Programmes from Monday 1 March 2027, Mondays (supervised) and Thursdays at 18:00: the
    physiotherapist's two patients, a colleague's patient in the same practice, and a patient
    of another practice."""
    colleague = PhysiotherapistFactory(practice=world.physio.practice, user__username="colleague")
    colleague_patient = PatientFactory(physiotherapist=colleague, user__username="colleaguepat")
    elsewhere = PatientFactory(physiotherapist=world.other_physio, user__username="elsewhere")
    with time_machine.travel(datetime(2027, 2, 20, 9, tzinfo=AMS), tick=False):
        programmes = [
            enrol(patient, physio, start_date=MONDAY)
            for patient, physio in (
                (world.owner, world.physio),
                (world.other_patient, world.physio),
                (colleague_patient, colleague),
                (elsewhere, world.other_physio),
            )
        ]
    return March(
        owner=programmes[0],
        other_patient=programmes[1],
        colleague_patient=colleague_patient,
        colleague_programme=programmes[2],
        other_practice_programme=programmes[3],
    )


# Headless Chromium for the browser tests (tests/test_browser.py sets it up once for all).
from tests.test_browser import browser  # noqa: E402, F401
