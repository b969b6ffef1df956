"""Who may open the dashboard's work pages and use their forms (issue 13), as for the API: the
physiotherapists of the patient's practice; a physiotherapist of another practice gets a 404
for the patient's programme or session; patients, insurers and staff the dashboard's 403
page; anonymous visitors the login page. Changes need a POST with a CSRF token, and are
access-logged."""

from urllib.parse import quote

import pytest
import time_machine
from django.test import Client

from programs.models import (
    AccessLogEntry,
    Attendance,
    ProgrammeChange,
    ProgrammeExercise,
    ProgrammeStatus,
)
from tests.conftest import ACTORS
from tests.dashboard.conftest import MONDAY, MONDAY_EVENING
from tests.dashboard.support import form_data
from tests.factories import PatientFactory


@pytest.fixture(autouse=True)
def _monday_evening():
    with time_machine.travel(MONDAY_EVENING, tick=False):
        yield


def pages(march):
    programme = march.owner
    session = programme.sessions.filter(scheduled_at__gt=MONDAY_EVENING).first()
    base = f"/dashboard/programmes/{programme.pk}"
    return {
        "enrol": ("/dashboard/enrol/", False),
        "today": ("/dashboard/today/", False),
        "programme": (f"{base}/", True),
        "reschedule": (f"{base}/sessions/{session.pk}/reschedule/", True),
    }


def client_as(world, actor) -> Client:
    client = Client()
    if world.user(actor) is not None:
        client.force_login(world.user(actor))
    return client


def test_pages_by_role(world, march):
    outcomes = {}
    for name, (url, _of_the_patient) in pages(march).items():
        for actor in ACTORS:
            response = client_as(world, actor).get(url)
            outcomes[name, actor] = response.status_code
            if actor == "anonymous":
                assert response["Location"].startswith("/accounts/login/?next=")
    expected = {}
    for name, (_url, of_the_patient) in pages(march).items():
        for actor in ACTORS:
            expected[name, actor] = {
                "physio": 200,
                "other_physio": 404 if of_the_patient else 200,
                "anonymous": 302,
            }.get(actor, 403)
    assert outcomes == expected


def test_another_practice_sees_none_of_the_practices_patients(world, march):
    client = client_as(world, "other_physio")
    for url in ("/dashboard/enrol/", "/dashboard/today/?who=practice"):
        page = client.get(url).content.decode()
        assert str(world.owner) not in page and str(world.other_patient) not in page
    assert client.get(f"/dashboard/enrol/?patient={world.owner.pk}").status_code == 404


def actions(world, march):
    """Every change the pages offer: (url, data, check that nothing changed)."""
    programme = march.owner
    base = f"/dashboard/programmes/{programme.pk}"
    item = ProgrammeExercise.objects.filter(phase__programme=programme).first()
    session = programme.sessions.filter(scheduled_at__gt=MONDAY_EVENING).first()
    today = programme.sessions.get(local_date=MONDAY, supervised=True)
    changes = ProgrammeChange.objects.filter(programme=programme)
    newcomer = PatientFactory(physiotherapist=world.physio)
    return [
        (
            "/dashboard/enrol/",
            form_data(
                patient=str(newcomer.pk),
                start_date="2027-03-08",
                weekdays=["0", "3"],
                session_time="18:00",
                supervised_weekdays=["0"],
            ),
            lambda: not newcomer.programmes.exists(),
        ),
        (
            f"{base}/exercises/{item.pk}/",
            form_data(f"dose-{item.pk}", sets="1", repetitions="5"),
            lambda: changes.count() == 1,
        ),
        (
            f"{base}/exercises/{item.pk}/remove/",
            form_data(f"remove-{item.pk}"),
            lambda: ProgrammeExercise.objects.filter(pk=item.pk).exists(),
        ),
        (
            f"{base}/phases/1/exercises/",
            form_data("add-1", exercise="brisk-walking", sets="1", duration_seconds="900"),
            lambda: changes.count() == 1,
        ),
        (
            f"{base}/sessions/{session.pk}/reschedule/",
            form_data(f"move-{session.pk}", date="2027-03-20"),
            lambda: changes.count() == 1,
        ),
        (
            f"{base}/schedule/",
            form_data("schedule", weekdays=["1", "4"], session_time="09:00"),
            lambda: changes.count() == 1,
        ),
        (
            f"{base}/pause/",
            form_data("pause"),
            lambda: (
                programme.__class__.objects.get(pk=programme.pk).status == ProgrammeStatus.ACTIVE
            ),
        ),
        (
            f"{base}/end/",
            form_data("end", reason="other"),
            lambda: (
                programme.__class__.objects.get(pk=programme.pk).status == ProgrammeStatus.ACTIVE
            ),
        ),
        (
            f"{base}/sessions/{today.pk}/attendance/",
            form_data(f"s-{today.pk}", status="attended", location="practice"),
            lambda: not Attendance.objects.exists(),
        ),
    ]


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("other_physio", 404),
        ("owner", 403),
        ("other_patient", 403),
        ("insurer", 403),
        ("other_insurer", 403),
        ("staff", 403),
        ("anonymous", 302),
    ],
)
def test_changes_by_anyone_else_are_refused_and_change_nothing(world, march, actor, status):
    client = client_as(world, actor)
    for url, data, unchanged in actions(world, march):
        response = client.post(url, data)
        if url == "/dashboard/enrol/" and actor == "other_physio":
            # The enrol page is theirs too, but the patient is not of their practice.
            assert response.status_code == 400, url
        else:
            assert response.status_code == status, url
        assert unchanged(), url
    assert not AccessLogEntry.objects.filter(action__in=["create", "update", "delete"]).exists()


def test_changes_need_a_post_with_a_csrf_token(world, march):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.physio.user)
    for url, data, unchanged in actions(world, march):
        assert client.post(url, data).status_code == 403, url
        assert unchanged(), url
    base = f"/dashboard/programmes/{march.owner.pk}"
    for url in (f"{base}/pause/", f"{base}/end/", f"{base}/schedule/"):
        assert client.get(url).status_code == 405


def test_every_change_by_the_physiotherapist_is_access_logged(world, march):
    client = client_as(world, "physio")
    expected = []
    for url, data, _unchanged in actions(world, march):
        if url.endswith("/pause/"):
            continue  # ending follows: a paused programme is ended all the same
        response = client.post(url, data)
        assert response.status_code == 302, (url, response.content.decode()[-2000:])
        expected.append(url)
    logged = AccessLogEntry.objects.filter(action__in=["create", "update", "delete"])
    assert logged.count() == len(expected)
    assert {entry.path for entry in logged} == set(expected)
    assert {entry.actor_id for entry in logged} == {world.physio.user.pk}
    resources = {entry.resource for entry in logged}
    assert resources == {
        "dashboard:programme",
        "dashboard:programme_exercise",
        "dashboard:session",
        "dashboard:attendance",
    }


def test_an_htmx_answer_without_a_change_is_logged_as_a_read(world, march):
    """Errors or a form sent again answer with part of the page: the patient's data was
    shown, so it is a read of that patient's record."""
    client = client_as(world, "physio")
    programme = march.owner
    item = ProgrammeExercise.objects.filter(phase__programme=programme).first()
    today = programme.sessions.get(local_date=MONDAY, supervised=True)
    base = f"/dashboard/programmes/{programme.pk}"
    bad_dose = client.post(
        f"{base}/exercises/{item.pk}/",
        form_data(f"dose-{item.pk}", sets="99", repetitions="5"),
        HTTP_HX_REQUEST="true",
    )
    visit = form_data(f"s-{today.pk}", status="attended", location="practice")
    url = f"{base}/sessions/{today.pk}/attendance/"
    done = client.post(url, visit, HTTP_HX_REQUEST="true")
    again = client.post(url, visit, HTTP_HX_REQUEST="true")
    assert (bad_dose.status_code, done.status_code, again.status_code) == (400, 200, 200)
    logged = [
        (entry.resource, entry.action, entry.patient_id)
        for entry in AccessLogEntry.objects.order_by("id")
    ]
    assert logged == [
        ("dashboard:programme_exercise", "read", world.owner.pk),
        ("dashboard:attendance", "update", world.owner.pk),
        ("dashboard:attendance", "read", world.owner.pk),
    ]


def refused_forms(world, march):
    """Every form of the pages, filled in so that it is refused (nothing changes)."""
    programme = march.owner
    base = f"/dashboard/programmes/{programme.pk}"
    item = ProgrammeExercise.objects.filter(phase__programme=programme).first()
    session = programme.sessions.filter(scheduled_at__gt=MONDAY_EVENING).first()
    today = programme.sessions.get(local_date=MONDAY, supervised=True)
    return [
        ("/dashboard/enrol/", form_data(patient=str(world.owner.pk), start_date="2027-03-08")),
        (f"{base}/exercises/{item.pk}/", form_data(f"dose-{item.pk}", sets="99")),
        (f"{base}/exercises/{item.pk}/remove/", {f"remove-{item.pk}-submission": ""}),
        (f"{base}/phases/1/exercises/", form_data("add-1", exercise="", sets="1")),
        (f"{base}/sessions/{session.pk}/reschedule/", form_data(f"move-{session.pk}", date="x")),
        (f"{base}/schedule/", form_data("schedule", weekdays=["1"], session_time="09:00")),
        (f"{base}/pause/", form_data("pause", start_date="2027-03-20")),
        (f"{base}/end/", form_data("end", note="no reason")),
        (
            f"{base}/sessions/{today.pk}/attendance/",
            form_data(f"s-{today.pk}", status="attended", location="the moon"),
        ),
    ]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_every_refused_form_shown_again_is_logged_as_a_read(world, march, htmx):
    """A refused form comes back with the patient's data (the whole page or its part): the
    access log has that read, for the patient, at the form's address, and no change."""
    client = client_as(world, "physio")
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for url, data in refused_forms(world, march):
        before = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first()
        response = client.post(url, data, **extra)
        assert response.status_code == 400, (url, response.content.decode()[-1500:])
        if not htmx:  # the whole page, with the patient's name (a part: their programme)
            assert str(world.owner) in response.content.decode(), url
        entries = AccessLogEntry.objects.filter(id__gt=before or 0)
        assert {entry.path for entry in entries} == {url}
        logged = set(entries.filter(patient_id=world.owner.pk).values_list("action", flat=True))
        assert logged in ({"read"}, {"list"}), (url, logged)
    assert not ProgrammeChange.objects.filter(programme=march.owner).exclude(kind="enrolled")


def test_an_htmx_request_after_the_session_expired_sends_the_browser_to_the_login_page(
    world, march
):
    """htmx would follow a 302 to the login page and swap that page into the row: the answer
    is an HX-Redirect to the login page instead, back to the page the form was on."""
    programme = march.owner
    item = ProgrammeExercise.objects.filter(phase__programme=programme).first()
    page = f"/dashboard/programmes/{programme.pk}/"
    client = Client()  # signed out: the session expired
    response = client.post(
        f"{page}exercises/{item.pk}/",
        form_data(f"dose-{item.pk}", sets="1", repetitions="5"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{page}#exercise-{item.pk}",
    )
    assert response.status_code == 200 and response.content == b""
    back = f"{page}#exercise-{item.pk}"  # to the row the form was in
    assert response["HX-Redirect"] == f"/accounts/login/?next={quote(back)}"
    assert not ProgrammeChange.objects.filter(programme=programme).exclude(kind="enrolled")
    # Without the page it came from (or from another site): back to the caseload.
    elsewhere = client.get(
        f"{page}sessions/{programme.sessions.first().pk}/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="https://example.org/dashboard/",
    )
    assert elsewhere["HX-Redirect"] == f"/accounts/login/?next={quote('/dashboard/')}"
    # A page asked for by a boosted link: that page after signing in.
    boosted = client.get(
        "/dashboard/today/?who=practice", HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true"
    )
    assert (
        boosted["HX-Redirect"] == f"/accounts/login/?next={quote('/dashboard/today/?who=practice')}"
    )
    # Without htmx, the ordinary redirect.
    plain = client.get(page)
    assert (plain.status_code, plain["Location"]) == (302, f"/accounts/login/?next={quote(page)}")
