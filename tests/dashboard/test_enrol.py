"""Enrolling a patient from the dashboard: the API's validation and service, errors beside
the fields, only the practice's patients, no second programme, once per form."""

import re
from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.models import AccessLogEntry, PlannedSession, Programme, ProgrammeChange
from programs.services.programme import programme_end, programmes_complete_finished
from tests.conftest import enrol
from tests.dashboard.conftest import AMS
from tests.dashboard.support import field_errors, form_data, form_errors, input_value
from tests.factories import PatientFactory

URL = "/dashboard/enrol/"
# Friday 19 February 2027, 10:00 in Amsterdam.
NOW = datetime(2027, 2, 19, 10, tzinfo=AMS)


@pytest.fixture
def physio(world, client):
    client.force_login(world.physio.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture(autouse=True)
def _friday():
    with time_machine.travel(NOW, tick=False):
        yield


def enrolment(world, **overrides):
    values = {
        "patient": str(world.other_patient.pk),
        "template": "hip-oa-12-weeks",
        "start_date": "2027-03-01",
        "weekdays": ["0", "3"],
        "session_time": "18:00",
        "supervised_weekdays": ["0"],
        "supervised_until_week": "",
    }
    values.update(overrides)
    return form_data(**values)


def test_the_form_offers_the_practices_patients_and_says_who_cannot_be_enrolled(
    world, physio, programme
):
    elsewhere = PatientFactory(physiotherapist=world.other_physio)
    page = physio.get(URL).content.decode()
    assert f'<option value="{world.other_patient.pk}">{world.other_patient}</option>' in page
    # The owner has a running programme: shown, not choosable, with the reason.
    assert f'<option value="{world.owner.pk}" disabled>{world.owner} — running programme' in page
    assert str(elsewhere.pk) not in page and str(elsewhere) not in page


def test_enrolling_plans_the_sessions_and_opens_the_programme(world, physio):
    response = physio.post(URL, enrolment(world))
    programme = Programme.objects.get(patient=world.other_patient)
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/programmes/{programme.pk}/"
    assert (programme.weekdays, programme.supervised_weekdays) == ([0, 3], [0])
    assert programme.sessions.count() == 24
    assert programme.sessions.filter(supervised=True).count() == 12
    assert programme.enrolled_by == world.physio
    entry = AccessLogEntry.objects.get(resource="dashboard:programme", action="create")
    assert (entry.patient_id, entry.object_id) == (world.other_patient.pk, str(programme.pk))
    page = physio.get(response["Location"]).content.decode()
    assert f"{world.other_patient} is enrolled" in page


def test_no_supervised_days_is_a_programme_at_home(world, physio):
    physio.post(URL, enrolment(world, supervised_weekdays=[]))
    programme = Programme.objects.get(patient=world.other_patient)
    assert programme.supervised_weekdays == []
    assert not programme.sessions.filter(supervised=True).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start_date": "2027-01-01"}, "start_date", "The start date lies too far in the past."),
        ({"start_date": "2028-06-01"}, "start_date", "This lies more than a year ahead."),
        ({"start_date": "1-3-2027"}, "start_date", "Date has wrong format."),
        ({"start_date": ""}, "start_date", "This field is required."),
        ({"weekdays": ["0"]}, "weekdays", "Choose 2 or 3 weekdays (2-3 sessions a week)."),
        ({"weekdays": ["0", "1", "3", "4"]}, "weekdays", "Choose 2 or 3 weekdays"),
        ({"weekdays": []}, "weekdays", "This field is required."),
        ({"weekdays": ["0", "9"]}, "weekdays", "less than or equal to 6"),
        (
            {"supervised_weekdays": ["2"]},
            "supervised_weekdays",
            "Supervised weekdays must be among the session weekdays.",
        ),
        (
            {"supervised_until_week": "13"},
            "supervised_until_week",
            "Choose a week within the programme.",
        ),
        ({"supervised_until_week": "x"}, "supervised_until_week", "A valid integer is required."),
        ({"session_time": "25:00"}, "session_time", "Time has wrong format."),
        ({"template": "knee"}, "template", "Unknown template."),
        ({"patient": ""}, "patient", "This field is required."),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_written(
    world, physio, overrides, field, message
):
    data = enrolment(world, **overrides)
    response = physio.post(URL, data)
    page = response.content.decode()
    assert response.status_code == 400
    errors = field_errors(page, f"id_{field}")
    assert any(message in error for error in errors), (errors, form_errors(page))
    assert not Programme.objects.exists() and not PlannedSession.objects.exists()
    # What was typed stays in the form.
    if field in ("start_date", "session_time", "supervised_until_week"):
        assert input_value(page, field) == data[field]
    # The same key can be sent again once the input is corrected.
    assert input_value(page, "submission") == data["submission"]


def test_the_form_keeps_the_chosen_days(world, physio):
    page = physio.post(
        URL, enrolment(world, weekdays=["1", "4"], supervised_weekdays=["2"])
    ).content.decode()
    checked = set(re.findall(r'<input type="checkbox" name="(\w+)" value="(\d)"[^>]*checked', page))
    assert checked == {("weekdays", "1"), ("weekdays", "4"), ("supervised_weekdays", "2")}


def test_a_patient_with_a_running_programme_is_refused_beside_the_patient(world, physio, programme):
    response = physio.post(URL, enrolment(world, patient=str(world.owner.pk)))
    assert response.status_code == 409
    errors = field_errors(response.content.decode(), "id_patient")
    assert errors and "already has a running programme" in errors[0]
    assert Programme.objects.filter(patient=world.owner).count() == 1


def test_a_patient_of_another_practice_cannot_be_enrolled(world, physio):
    elsewhere = PatientFactory(physiotherapist=world.other_physio)
    response = physio.post(URL, enrolment(world, patient=str(elsewhere.pk)))
    assert response.status_code == 400
    assert field_errors(response.content.decode(), "id_patient") == [
        "No such patient in your practice."
    ]
    assert not Programme.objects.exists()


def test_preselecting_a_patient_of_another_practice_is_a_404(world, physio):
    elsewhere = PatientFactory(physiotherapist=world.other_physio)
    assert physio.get(f"{URL}?patient={elsewhere.pk}").status_code == 404
    page = physio.get(f"{URL}?patient={world.other_patient.pk}").content.decode()
    assert f'<option value="{world.other_patient.pk}" selected>' in page


def test_a_form_sent_twice_enrols_once(world, physio):
    data = enrolment(world)
    first = physio.post(URL, data)
    second = physio.post(URL, data)
    programme = Programme.objects.get(patient=world.other_patient)
    assert first["Location"] == second["Location"] == f"/dashboard/programmes/{programme.pk}/"
    assert ProgrammeChange.objects.filter(programme=programme).count() == 1
    page = physio.get(second["Location"]).content.decode()
    assert "This form had already been sent" in page


def test_a_form_without_its_key_is_refused_and_given_a_new_one(world, physio):
    data = enrolment(world)
    del data["submission"]
    response = physio.post(URL, data)
    page = response.content.decode()
    assert response.status_code == 400
    assert form_errors(page) == ["This form was incomplete. Please check it and send it again."]
    assert input_value(page, "submission")
    assert not Programme.objects.exists()


def test_the_form_is_dutch_when_asked(world, physio):
    page = physio.get(URL, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Patiënt inschrijven" in page and "maandag" in page
    response = physio.post(URL, enrolment(world, weekdays=["0"]), HTTP_ACCEPT_LANGUAGE="nl")
    assert field_errors(response.content.decode(), "id_weekdays") == [
        "Kies 2 of 3 weekdagen (2-3 sessies per week)."
    ]


def test_the_page_costs_the_same_queries_for_one_or_many_patients(
    world, physio, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as few:
        assert physio.get(URL).status_code == 200
    few_count = len(few.captured_queries)
    for _index in range(15):
        enrol(PatientFactory(physiotherapist=world.physio), world.physio)
    with django_assert_max_num_queries(few_count):
        page = physio.get(URL).content.decode()
    assert page.count("running programme since") + page.count("lopend programma sinds") == 15
    assert AccessLogEntry.objects.filter(resource="dashboard:enrol").count() == 2 + 17


def work_links(page: str) -> str:
    return re.search(r'<p class="work-links">(.*?)</p>', page, re.S).group(1)


@pytest.mark.parametrize("status", ["completed", "ended"])
def test_the_patient_page_offers_a_new_programme_once_the_last_one_is_over(
    world, physio, programme, status
):
    """A running programme is adjusted from the patient page; once it is over (completed or
    ended early) the page offers to enrol again, and keeps a link to the one that ended."""
    patient_page = f"/dashboard/patients/{world.owner.pk}/"
    running = work_links(physio.get(patient_page).content.decode())
    assert "Adjust the programme" in running and URL not in running
    later = NOW if status == "ended" else datetime(2027, 6, 1, 10, tzinfo=AMS)
    with time_machine.travel(later, tick=False):
        if status == "ended":
            programme_end(actor=world.physio.user, programme=programme, reason="goals_reached")
        else:  # the nightly task, after the last session
            assert programmes_complete_finished() == 1
        programme.refresh_from_db()
        assert programme.status == status
        physio.force_login(world.physio.user)
        over = work_links(physio.get(patient_page).content.decode())
        form = physio.get(f"{URL}?patient={world.owner.pk}").content.decode()
    assert "Adjust the programme" not in over
    assert f'href="{URL}?patient={world.owner.pk}">Enrol in a programme</a>' in over
    assert f'href="/dashboard/programmes/{programme.pk}/">View the last programme</a>' in over
    assert f'<option value="{world.owner.pk}" selected>{world.owner}</option>' in form
