"""The physiotherapist's dashboard (server-rendered): who may see it, what it shows, and
acknowledging an alert. The browser test (tests/test_browser.py) drives it in Chromium."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from programs.models import AccessLogEntry, AlertStatus
from tests.conftest import ACTORS

AMS = ZoneInfo("Europe/Amsterdam")


def test_dashboard_access_by_role(world, client):
    outcomes = {}
    for actor in ACTORS:
        client.logout()
        if world.user(actor) is not None:
            client.force_login(world.user(actor))
        outcomes[actor] = client.get("/dashboard/").status_code
    assert outcomes == {
        "owner": 403,
        "other_patient": 403,
        "physio": 200,
        "other_physio": 200,
        "insurer": 403,
        "other_insurer": 403,
        "staff": 403,
        "anonymous": 302,
    }


def test_caseload_lists_the_practice_and_links_to_patients(world, client, flare):
    client.force_login(world.physio.user)
    html = client.get("/dashboard/?filter=alerts").content.decode()
    assert str(world.owner) in html and str(world.other_patient) not in html
    assert f"/dashboard/patients/{world.owner.pk}/" in html
    assert AccessLogEntry.objects.filter(resource="dashboard:caseload").exists()


def test_patient_page_draws_charts_and_lists_alerts(world, client, flare):
    from programs.services.session import attendance_register

    with time_machine.travel(datetime(2027, 3, 2, 9, tzinfo=AMS)):
        # The supervised Monday the patient logged: done (a good week 1) once attended.
        attendance_register(
            actor=world.physio.user,
            session=flare.programme.sessions.order_by("scheduled_at").first(),
            status="attended",
            therapist=world.physio,
        )
        client.force_login(world.physio.user)
        html = client.get(
            f"/dashboard/patients/{world.owner.pk}/", HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert 'class="chart chart-pain"' in html and "<polyline" in html
    # Week 1 is running: drawn as done so far of planned (the Thursday is still to come).
    assert 'class="chart chart-adherence"' in html and 'class="bar current"' in html
    assert "Week 1 (this week): 1 of 2 planned sessions done" in html
    assert "pain during exercise above 5 (P1)" in html
    assert "Acknowledge" in html


def test_the_patient_page_is_dutch_when_asked(world, client, flare):
    client.force_login(world.physio.user)
    html = client.get(
        f"/dashboard/patients/{world.owner.pk}/", HTTP_ACCEPT_LANGUAGE="nl"
    ).content.decode()
    assert "Bevestigen" in html and "Pijn" in html


def test_another_practices_patient_is_a_404(world, client, flare):
    client.force_login(world.other_physio.user)
    assert client.get(f"/dashboard/patients/{world.owner.pk}/").status_code == 404
    response = client.post(f"/dashboard/alerts/{flare.pk}/acknowledge/")
    assert response.status_code == 404
    flare.refresh_from_db()
    assert flare.status == AlertStatus.OPEN


def test_acknowledge_then_resolve_from_the_page(world, client, flare):
    client.force_login(world.physio.user)
    response = client.post(f"/dashboard/alerts/{flare.pk}/acknowledge/")
    assert response.status_code == 302
    flare.refresh_from_db()
    assert (flare.status, flare.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, world.physio.user)
    client.post(f"/dashboard/alerts/{flare.pk}/resolve/", {"note": "rustiger opgebouwd"})
    flare.refresh_from_db()
    assert (flare.status, flare.resolution_note) == (AlertStatus.RESOLVED, "rustiger opgebouwd")


def test_alert_actions_need_a_post_and_a_csrf_token(world, flare):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.physio.user)
    assert client.get(f"/dashboard/alerts/{flare.pk}/acknowledge/").status_code == 405
    assert client.post(f"/dashboard/alerts/{flare.pk}/acknowledge/").status_code == 403
    flare.refresh_from_db()
    assert flare.status == AlertStatus.OPEN


def test_scores_are_named_in_the_physiotherapists_language(world, client, flare):
    import uuid

    from programs.services.outcome import questionnaire_response_upsert

    answered = datetime(2027, 2, 27, 10, tzinfo=AMS)
    answers = {
        ("oxford", "1998"): {f"OHS{i}": 2 for i in range(1, 13)},  # 12 x 2 = 24
        ("hoos", "2.0"): {f"P{i}": 1 for i in range(1, 11)},  # 100 - 1 x 25 = 75
    }
    with time_machine.travel(answered):
        for (instrument, version), items in answers.items():
            questionnaire_response_upsert(
                patient=world.owner,
                response_id=uuid.uuid4(),
                data={
                    "instrument": instrument,
                    "instrument_version": version,
                    "timepoint": "baseline",
                    "answered_at": answered,
                    "answers": items,
                    "activities": [],
                },
            )
    client.force_login(world.physio.user)
    page = f"/dashboard/patients/{world.owner.pk}/"
    english = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    dutch = client.get(page, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "<td>Oxford Hip Score</td><td>24.0</td>" in english
    assert "<td>oxford</td>" not in english
    assert "<td>HOOS pain</td><td>75.0</td>" in english
    assert "<td>HOOS pijn</td><td>75,0</td>" in dutch  # and a decimal comma


def _alert_log(flare) -> list[str]:
    return list(
        AccessLogEntry.objects.filter(resource="dashboard:alert", object_id=str(flare.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_a_note_the_api_would_refuse_is_refused_and_nothing_is_written(world, client, flare):
    """As the API's resolve (a NUL character, more than 2000 characters): the page says why
    and the alert stays as it was; the note is never cut short."""
    client.force_login(world.physio.user)
    page = f"/dashboard/patients/{world.owner.pk}/"
    for note, error in (
        ("a\x00b", "Null characters are not allowed."),
        ("x" * 2001, "Ensure this field has no more than 2000 characters."),
    ):
        response = client.post(
            f"/dashboard/alerts/{flare.pk}/resolve/", {"note": note}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert (response.status_code, response["Location"]) == (302, page)
        shown = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"The alert was not resolved. Note: {error}" in shown
        flare.refresh_from_db()
        assert (flare.status, flare.resolution_note, flare.resolved_at) == (
            AlertStatus.OPEN,
            "",
            None,
        )
    assert _alert_log(flare) == ["read", "read"]
    client.post(f"/dashboard/alerts/{flare.pk}/resolve/", {"note": "y" * 2000})
    flare.refresh_from_db()
    assert (flare.status, flare.resolution_note) == (AlertStatus.RESOLVED, "y" * 2000)
    assert _alert_log(flare) == ["read", "read", "update"]


def test_a_refused_alert_action_is_logged_as_a_read(world, client, flare):
    """Acknowledging an alert resolved meanwhile changes nothing: the page says so, and the
    access log has a read of the alert, not a change."""
    client.force_login(world.physio.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post(f"/dashboard/alerts/{flare.pk}/resolve/", {"note": ""})
    response = client.post(f"/dashboard/alerts/{flare.pk}/acknowledge/")
    assert response.status_code == 302
    shown = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This alert has been resolved." in shown
    assert _alert_log(flare) == ["update", "read"]
