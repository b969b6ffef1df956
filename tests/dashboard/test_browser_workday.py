"""A physiotherapist's working day in a real browser (headless Chromium, as in
tests/test_browser.py): sign in -> enrol a patient -> adjust a dose (saved in place by htmx)
-> register the attendance of today's supervised session -> (the patient logs it from the
app) -> search the caseload -> read the log, planned beside done -> print the progress
report. Steps are module-level helpers (tests/dashboard/browser.py)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from programs.models import Attendance, ChangeKind, Programme, ProgrammeChange, User
from tests.dashboard.browser import (
    NEEDS_CHROMIUM,
    choose,
    follow_header_link,
    login,
    mark_page,
    search_and_wait_for_page,
    set_value,
    still_same_page,
    submit_and_wait_for_page,
    tick_only,
    wait_for_text,
)
from tests.factories import PASSWORD

pytestmark = [NEEDS_CHROMIUM, pytest.mark.django_db(transaction=True)]


def enrol_in_the_browser(browser, patient, *, start, weekdays, supervised, at):
    from selenium.webdriver.common.by import By

    follow_header_link(browser, "Enrol")
    form = browser.find_element(By.CSS_SELECTOR, "form.enrol-form")
    choose(form.find_element(By.NAME, "patient"), str(patient.pk))
    set_value(browser, form.find_element(By.NAME, "start_date"), start.isoformat())
    set_value(browser, form.find_element(By.NAME, "session_time"), at)
    tick_only(form, "weekdays", weekdays)
    tick_only(form, "supervised_weekdays", supervised)
    submit_and_wait_for_page(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def test_enrol_adjust_a_dose_register_attendance_read_the_log_print_the_report(
    world, live_server, browser, settings
):
    import base64
    import re
    import uuid

    from selenium.webdriver.common.by import By

    from tests.conftest import client_for

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    patient = world.other_patient
    # Names the search can tell apart: "leeuw" finds one of the practice's two patients.
    User.objects.filter(pk=patient.user_id).update(first_name="Gerda", last_name="van Leeuwen")
    User.objects.filter(pk=world.owner.user_id).update(first_name="Henk", last_name="Bos")
    patient.user.refresh_from_db()
    today = timezone.localdate()
    weekdays = {str(today.weekday()), str((today.weekday() + 3) % 7)}

    login(browser, live_server.url, world.physio.user.username)

    # Enrol, first with a mistake: the error is shown beside the field, the input kept.
    enrol_in_the_browser(
        browser,
        patient,
        start=today - timedelta(days=60),
        weekdays=weekdays,
        supervised={str(today.weekday())},
        at="00:00",
    )
    error = browser.find_element(By.ID, "id_start_date_error")
    assert "too far in the past" in error.text
    assert not Programme.objects.filter(patient=patient).exists()
    form = browser.find_element(By.CSS_SELECTOR, "form.enrol-form")
    set_value(browser, form.find_element(By.NAME, "start_date"), today.isoformat())
    submit_and_wait_for_page(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert f"{patient} is enrolled" in browser.find_element(By.CSS_SELECTOR, ".messages").text
    programme = Programme.objects.get(patient=patient)
    assert browser.current_url.endswith(f"/dashboard/programmes/{programme.pk}/")

    # Adjust a dose in phase 1: saved in place (htmx), the history follows.
    item = programme.phases.get(order=1).exercises.order_by("order")[1]
    row = browser.find_element(By.ID, f"exercise-{item.pk}")
    sets = row.find_element(By.NAME, f"dose-{item.pk}-sets")
    sets.clear()
    sets.send_keys(str(item.sets + 1))
    mark_page(browser)
    row.find_element(By.CSS_SELECTOR, "button.save-dose").click()
    wait_for_text(browser, f"#exercise-{item.pk} .saved", "Saved.")
    assert still_same_page(browser)
    wait_for_text(browser, "#history", "Dose changed")
    item.refresh_from_db()
    assert ProgrammeChange.objects.filter(kind=ChangeKind.EXERCISE_CHANGED).count() == 1
    assert browser.find_element(By.ID, f"exercise-{item.pk}").find_element(
        By.NAME, f"dose-{item.pk}-sets"
    ).get_attribute("value") == str(item.sets)

    # Today: the supervised session of this morning, registered as attended in place.
    follow_header_link(browser, "Today")
    session = programme.sessions.get(local_date=today)
    visit = browser.find_element(By.ID, f"visit-{session.pk}")
    assert str(patient) in visit.text and "not registered yet" in visit.text
    mark_page(browser)
    visit.find_element(By.CSS_SELECTOR, "button.attended").click()
    wait_for_text(browser, f"#visit-{session.pk}", "Registered: attended.")
    assert still_same_page(browser)
    attendance = Attendance.objects.get(planned_session=session)
    assert (attendance.status, attendance.therapist) == ("attended", world.physio)
    browser.save_screenshot(str(Path(django_settings.VAR_DIR) / "browser-today.png"))

    # Meanwhile the patient logs the session from the app: the adjusted exercise one set
    # short of its new dose, and a note.
    answer = client_for(patient.user).put(
        f"/api/v1/me/session-logs/{uuid.uuid4()}/",
        {
            "planned_session": str(session.pk),
            "performed_at": session.scheduled_at.isoformat(),
            "status": "partial",
            "pain_before": 2,
            "pain_during_max": 4,
            "note": "Knee felt stiff at the end.",
            "exercises": [{"programme_exercise": item.pk, "sets_done": item.sets - 1}],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content

    # Search the caseload by (part of) the name, open the patient, read that log.
    follow_header_link(browser, "Caseload")
    search_and_wait_for_page(browser, browser.find_element(By.ID, "caseload-q"), "LEEUW")
    links = browser.find_elements(By.CSS_SELECTOR, "#caseload a.patient-link")
    assert [link.text for link in links] == [str(patient)]
    submit_and_wait_for_page(browser, browser.find_element(By.LINK_TEXT, str(patient)))
    log = browser.find_element(By.CSS_SELECTOR, "#logs tbody.log")
    assert "Knee felt stiff at the end." in log.text
    details = log.find_element(By.CSS_SELECTOR, "details")
    details.find_element(By.TAG_NAME, "summary").click()
    rows = details.find_elements(By.CSS_SELECTOR, "table.planned-done > tbody > tr")
    adjusted = next(row for row in rows if item.exercise.name_en in row.text)
    assert f"sets {item.sets - 1}/{item.sets}" in adjusted.text, adjusted.text
    assert adjusted.find_elements(By.CSS_SELECTOR, ".pair.low")  # short of the dose

    # The progress report for the GP, printed to PDF by the browser.
    submit_and_wait_for_page(browser, browser.find_element(By.LINK_TEXT, "Progress report"))
    report = browser.find_element(By.CSS_SELECTOR, "article.report")
    assert str(patient) in report.text and world.physio.agb_code in report.text
    pdf = base64.b64decode(browser.print_page())
    assert pdf.startswith(b"%PDF-")
    assert int(max(re.findall(rb"/Count (\d+)", pdf), key=int)) >= 1
    (Path(django_settings.VAR_DIR) / "browser-workday-report.pdf").write_bytes(pdf)


def test_move_a_session_add_and_remove_an_exercise_in_place(world, live_server, browser, settings):
    """The other in-place forms of the programme page: a session row opens its move form and
    is replaced by the moved session; a phase takes a new exercise; a row is removed."""
    from selenium.webdriver.common.by import By

    from programs.models import PlannedSession
    from tests.conftest import enrol

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    programme = enrol(world.owner, world.physio)
    login(browser, live_server.url, world.physio.user.username)
    browser.get(f"{live_server.url}/dashboard/programmes/{programme.pk}/")
    mark_page(browser)

    session = programme.sessions.order_by("scheduled_at")[2]
    new_day = session.local_date + timedelta(days=1)
    browser.find_element(By.ID, f"session-{session.pk}").find_element(
        By.CSS_SELECTOR, "a.move-link"
    ).click()
    form = wait_for_text(browser, f"#session-{session.pk} form", "Session of week")
    set_value(browser, form.find_element(By.NAME, f"move-{session.pk}-date"), new_day.isoformat())
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for_text(browser, f"#session-{session.pk}", "Moved.")
    wait_for_text(browser, "#history", f"Session of week {session.week} moved")
    assert PlannedSession.objects.get(pk=session.pk).local_date == new_day

    phase = browser.find_element(By.ID, "phase-1")
    phase.find_element(By.CSS_SELECTOR, "details.add-exercise summary").click()
    form = phase.find_element(By.CSS_SELECTOR, "details.add-exercise form")
    choose(form.find_element(By.NAME, "add-1-exercise"), "brisk-walking")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for_text(browser, "#phase-1", "Exercise added.")
    added = programme.phases.get(order=1).exercises.get(exercise__slug="brisk-walking")

    row = browser.find_element(By.ID, f"exercise-{added.pk}")
    row.find_element(By.CSS_SELECTOR, ".remove-form button").click()
    browser.switch_to.alert.accept()  # hx-confirm
    wait_for_text(browser, "#history", "Exercise removed")
    assert not browser.find_elements(By.ID, f"exercise-{added.pk}")
    assert still_same_page(browser)


def test_the_days_mine_or_practice_choice_works_from_the_keyboard(
    world, live_server, browser, settings
):
    """The chips of the day page are radios that stay in the tab order (one rule for every
    chip, in site.css): Shift+Tab from "Show" to "My patients", an arrow key to "Whole
    practice", Tab to "Show", Enter."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from tests.dashboard.browser import wait_until

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    login(browser, live_server.url, world.physio.user.username)
    follow_header_link(browser, "Today")
    show = browser.find_element(By.CSS_SELECTOR, "form.day-picker button[type=submit]")
    browser.execute_script("arguments[0].focus();", show)

    def focused():
        return browser.switch_to.active_element

    focused().send_keys(Keys.SHIFT, Keys.TAB)
    assert (focused().get_attribute("name"), focused().get_attribute("value")) == ("who", "mine")
    chip = focused().find_element(By.XPATH, "..")
    assert chip.value_of_css_property("outline-style") == "solid"  # it shows where focus is
    focused().send_keys(Keys.ARROW_RIGHT)
    assert focused().get_attribute("value") == "practice" and focused().is_selected()
    focused().send_keys(Keys.TAB)
    assert focused().text == "Show"
    old = browser.find_element(By.TAG_NAME, "main")
    focused().send_keys(Keys.ENTER)
    wait_until(browser, lambda b: "who=practice" in b.current_url)
    wait_until(browser, lambda b: old != b.find_element(By.TAG_NAME, "main"))
    active = browser.find_element(By.CSS_SELECTOR, "form.day-picker .chip.active")
    assert active.text == "Whole practice"


def test_a_form_saved_in_place_after_the_session_expired_leads_to_the_login_page(
    world, live_server, browser, settings
):
    """htmx follows redirects: without HX-Redirect the login page would be swapped into the
    exercise's row. The browser goes to the login page instead, and back after signing in."""
    from selenium.webdriver.common.by import By

    from tests.conftest import enrol
    from tests.dashboard.browser import wait_until

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    programme = enrol(world.owner, world.physio)
    url = f"{live_server.url}/dashboard/programmes/{programme.pk}/"
    login(browser, live_server.url, world.physio.user.username)
    browser.get(url)
    browser.delete_cookie(django_settings.SESSION_COOKIE_NAME)  # the session expired
    browser.find_element(By.CSS_SELECTOR, ".exercise-row button.save-dose").click()
    wait_until(browser, lambda b: "/accounts/login/?next=" in b.current_url)
    assert not browser.find_elements(By.CSS_SELECTOR, ".exercise-row")
    browser.find_element(By.NAME, "username").send_keys(world.physio.user.username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_until(browser, lambda b: b.current_url.split("#")[0] == url)
    assert browser.find_elements(By.CSS_SELECTOR, ".exercise-row button.save-dose")
