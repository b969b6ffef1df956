"""The day page: a physiotherapist's supervised sessions of the day and registering their
attendance (the API's input function and service), corrections, claimed treatments, htmx,
once per form, constant queries."""

from datetime import datetime, time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.models import AccessLogEntry, Attendance, AttendanceRevision, PlannedSession
from tests.conftest import client_for, enrol
from tests.dashboard.conftest import AMS, MONDAY, MONDAY_EVENING
from tests.dashboard.support import field_errors, form_data, form_errors, input_value
from tests.factories import PatientFactory

TODAY = "/dashboard/today/"


@pytest.fixture(autouse=True)
def _monday_evening():
    with time_machine.travel(MONDAY_EVENING, tick=False):
        yield


@pytest.fixture
def physio(world, client):
    client.force_login(world.physio.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def supervised_today(programme) -> PlannedSession:
    return programme.sessions.get(local_date=MONDAY, supervised=True)


def register(physio, session, status="attended", htmx=False, **values):
    data = form_data(f"s-{session.pk}", status=status, location="practice", **values)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    url = f"/dashboard/programmes/{session.programme_id}/sessions/{session.pk}/attendance/"
    return physio.post(url, data, **extra), data


def test_lists_my_patients_supervised_sessions_of_the_day(world, physio, march):
    page = physio.get(TODAY).content.decode()
    mine = [supervised_today(march.owner), supervised_today(march.other_patient)]
    for session in mine:
        assert f'id="visit-{session.pk}"' in page
    assert str(march.colleague_patient) not in page
    assert str(march.other_practice_programme.patient) not in page
    assert "2 supervised sessions" in page and "2 not registered yet" in page
    assert page.count("not registered yet") == 3  # the count and the two sessions
    assert "18:00" in page
    # The whole practice: the colleague's patient too, never another practice's.
    practice = physio.get(f"{TODAY}?who=practice").content.decode()
    assert str(march.colleague_patient) in practice
    assert str(march.other_practice_programme.patient) not in practice
    entries = AccessLogEntry.objects.filter(resource="dashboard:today", action="list")
    assert {e.patient_id for e in entries} == {
        world.owner.pk,
        world.other_patient.pk,
        march.colleague_patient.pk,
    }


def test_another_day_and_a_day_without_sessions(physio, march):
    page = physio.get(f"{TODAY}?date=2027-03-08").content.decode()
    assert f'id="visit-{march.owner.sessions.get(local_date="2027-03-08").pk}"' in page
    empty = physio.get(f"{TODAY}?date=2027-03-02").content.decode()
    assert "No supervised sessions on this day." in empty
    # A date that is not one shows today.
    assert "Monday 1 March 2027" in physio.get(f"{TODAY}?date=monday").content.decode()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1900-01-01", "2200-06-15"])
def test_a_date_far_from_today_shows_today(physio, march, day):
    """Dates outside the page's range are treated like one that is not a date (no overflow
    on the previous and next day's links)."""
    response = physio.get(f"{TODAY}?date={day}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Monday 1 March 2027" in page
    assert f'id="visit-{supervised_today(march.owner).pk}"' in page


def test_the_days_at_the_edge_of_the_range_are_shown(physio, march):
    """Years back (past visits, claims) and ahead (a programme may start a year ahead) are
    in range; the day picker and the links stop at the edge."""
    for day, title in (
        ("2017-03-01", "Wednesday 1 March 2017"),
        ("2029-03-01", "Thursday 1 March 2029"),
    ):
        page = physio.get(f"{TODAY}?date={day}").content.decode()
        assert title in page, day
    first = physio.get(f"{TODAY}?date=2017-03-01").content.decode()
    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert 'min="2017-03-01"' in first and 'max="2029-03-01"' in first
    last = physio.get(f"{TODAY}?date=2029-03-01").content.decode()
    assert 'rel="next"' not in last and 'rel="prev"' in last


def test_register_attended_then_correct_to_no_show(world, physio, march):
    session = supervised_today(march.owner)
    response, _data = register(physio, session)
    assert response.status_code == 302
    assert response["Location"] == f"{TODAY}?date=2027-03-01&who=mine#visit-{session.pk}"
    attendance = Attendance.objects.get(planned_session=session)
    assert (attendance.status, attendance.therapist, attendance.registered_by) == (
        "attended",
        world.physio,
        world.physio.user,
    )
    assert attendance.treated_at == session.scheduled_at
    page = physio.get(response["Location"]).content.decode()
    assert "Registered: attended." in page
    assert 'value="attended" class="attended" aria-pressed="true"' in page
    register(physio, session, status="no_show")
    attendance.refresh_from_db()
    assert (attendance.status, attendance.revision) == ("no_show", 2)
    assert AttendanceRevision.objects.get(attendance=attendance).body["status"] == "attended"
    entries = AccessLogEntry.objects.filter(resource="dashboard:attendance", action="update")
    assert [e.object_id for e in entries] == [str(session.pk)] * 2


def test_a_colleague_and_an_earlier_time(world, physio, march):
    from tests.factories import PhysiotherapistFactory

    colleague = PhysiotherapistFactory(practice=world.physio.practice)
    session = supervised_today(march.owner)
    register(physio, session, therapist_agb_code=colleague.agb_code, treated_time="17:30")
    attendance = Attendance.objects.get(planned_session=session)
    assert attendance.therapist == colleague
    assert attendance.treated_at == datetime(2027, 3, 1, 17, 30, tzinfo=AMS)
    page = physio.get(TODAY).content.decode()
    assert input_value(page, f"s-{session.pk}-treated_time") == "17:30"
    assert f"treated by {colleague}" in page


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"treated_time": "19:30"}, "treated_time", "A treatment cannot be registered in advance."),
        ({"treated_time": "half past"}, "treated_time", "Datetime has wrong format."),
        ({"therapist_agb_code": "12345678"}, "therapist_agb_code", "No such therapist"),
        ({"therapist_agb_code": "1234"}, "therapist_agb_code", "does not match"),
        ({"status": "maybe"}, "status", "is not a valid choice."),
        ({"status": ""}, "status", "This field is required."),
    ],
)
def test_bad_input_is_shown_beside_the_field(physio, march, values, field, message):
    session = supervised_today(march.owner)
    response, data = register(physio, session, **values)
    page = response.content.decode()
    assert response.status_code == 400
    if field == "status":
        assert message in page
    else:
        assert message in " ".join(field_errors(page, f"id_s-{session.pk}-{field}"))
        if field == "treated_time":  # kept as typed
            assert input_value(page, f"s-{session.pk}-{field}") == data[f"s-{session.pk}-{field}"]
    assert not Attendance.objects.exists()


def test_a_session_later_today_cannot_be_registered_as_attended_yet(world, physio):
    with time_machine.travel(datetime(2027, 2, 20, 9, tzinfo=AMS), tick=False):
        programme = enrol(
            PatientFactory(physiotherapist=world.physio),
            world.physio,
            start_date=MONDAY,
            session_time=time(20, 0),
        )
    session = supervised_today(programme)
    response, _data = register(physio, session)
    assert response.status_code == 400
    assert field_errors(response.content.decode(), f"id_s-{session.pk}-treated_time") == [
        "A treatment cannot be registered in advance."
    ]
    # ... but the practice can cancel it ahead.
    cancelled, _data = register(physio, session, status="cancelled_by_practice")
    assert cancelled.status_code == 302
    session.refresh_from_db()
    assert session.status == "cancelled"
    page = physio.get(TODAY).content.decode()
    # Still on the list, open to correction.
    assert 'value="attended" class="attended"' in page.split(f'id="visit-{session.pk}"')[1]


def test_a_claimed_treatment_needs_a_correction_reason(world, physio, march):
    session = supervised_today(march.owner)
    register(physio, session)
    claim = client_for(world.insurer_user).post(
        "/api/v1/insurer/claims/check/",
        {
            "lines": [
                {
                    "member_number": "111111111",
                    "date": "2027-03-01",
                    "practice_agb": world.physio.practice.agb_code,
                    "therapist_agb": world.physio.agb_code,
                    "diagnosis_code": "6223",
                }
            ]
        },
        format="json",
    )
    assert claim.json()["results"][0]["verdict"] == "covered"
    page = physio.get(TODAY).content.decode()
    assert "claimed by the insurer" in page
    refused, _data = register(physio, session, status="no_show")
    page = refused.content.decode()
    assert refused.status_code == 409
    assert form_errors(page) == [
        "This treatment has been claimed: change it as a correction, with a reason."
    ]
    assert field_errors(page, f"id_s-{session.pk}-correction_reason") == [
        "Give the reason for the correction."
    ]
    assert Attendance.objects.get(planned_session=session).status == "attended"
    register(physio, session, status="no_show", correction_reason="registered at the wrong row")
    attendance = Attendance.objects.get(planned_session=session)
    assert attendance.status == "no_show"
    assert attendance.revisions.get().correction_reason == "registered at the wrong row"


def test_a_paused_programmes_session_takes_no_attendance(world, physio, march):
    from programs.services.programme import programme_pause

    programme_pause(actor=world.physio.user, programme=march.owner)
    session = supervised_today(march.owner)
    page = physio.get(TODAY).content.decode()
    visit = page.split(f'id="visit-{session.pk}"')[1].split("</article>")[0]
    assert "on hold: the programme is paused" in visit and 'value="attended"' not in visit
    response, _data = register(physio, session)
    assert response.status_code == 409
    assert "This session is on hold: the programme is paused." in form_errors(
        response.content.decode()
    )


def test_htmx_gets_the_visit_back(physio, march):
    session = supervised_today(march.owner)
    response, _data = register(physio, session, htmx=True)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert page.startswith(f'<article class="visit card state-attended" id="visit-{session.pk}">')
    assert "Registered: attended." in page
    bad, _data = register(physio, session, htmx=True, treated_time="23:00")
    assert bad.status_code == 400 and "<html" not in bad.content.decode()
    assert field_errors(bad.content.decode(), f"id_s-{session.pk}-treated_time")


def test_a_registration_sent_twice_registers_once(physio, march):
    session = supervised_today(march.owner)
    _first, data = register(physio, session)
    url = f"/dashboard/programmes/{session.programme_id}/sessions/{session.pk}/attendance/"
    again = physio.post(url, data, HTTP_HX_REQUEST="true")
    assert "This form had already been sent" in again.content.decode()
    attendance = Attendance.objects.get(planned_session=session)
    assert attendance.revision == 1 and not attendance.revisions.exists()


def test_another_practices_session_is_a_404(world, client, march):
    client.force_login(world.other_physio.user)
    session = supervised_today(march.owner)
    response, _data = register(client, session)
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_the_page_costs_the_same_queries_for_one_or_many_sessions(
    world, physio, march, django_assert_max_num_queries
):
    register(physio, supervised_today(march.owner))
    with CaptureQueriesContext(connection) as few:
        assert physio.get(TODAY).status_code == 200
    few_count = len(few.captured_queries)
    with time_machine.travel(datetime(2027, 2, 20, 9, tzinfo=AMS), tick=False):
        programmes = [
            enrol(PatientFactory(physiotherapist=world.physio), world.physio, start_date=MONDAY)
            for _index in range(6)
        ]
    for programme in programmes[:3]:
        register(physio, supervised_today(programme), status="no_show")
    with django_assert_max_num_queries(few_count):
        page = physio.get(TODAY).content.decode()
    assert page.count('class="visit card') == 8


def test_a_refused_form_is_shown_even_outside_the_chosen_list(world, physio, march):
    """Registered from the practice's list, sent back with "mine": the colleague's patient is
    not on my list, but the refused form is shown with its errors all the same."""
    session = supervised_today(march.colleague_programme)
    response, _data = register(physio, session, treated_time="23:00")
    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="visit-{session.pk}"' in page
    assert field_errors(page, f"id_s-{session.pk}-treated_time") == [
        "A treatment cannot be registered in advance."
    ]
