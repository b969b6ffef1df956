"""The dashboard in a real browser: headless Chromium (Debian's chromium and chromedriver,
which .ci/run installs) through login -> caseload -> patient page -> acknowledge an alert,
checking that the charts are drawn; and search -> patient -> a log's exercises -> the progress
report, printed to PDF."""

import os
import re
import shutil
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from programs.models import Alert, AlertStatus
from programs.services.session import session_log_upsert
from tests.conftest import enrol
from tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists())
    and not os.environ.get("REQUIRE_FULL_SUITE"),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1600",
        "--lang=en-GB",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


@pytest.fixture
def three_weeks_in(world):
    """The owner three weeks into a programme, with logs and one pain flare (an open alert)."""
    start = timezone.localdate() - timedelta(days=20)
    programme = enrol(world.owner, world.physio, start_date=start)
    past = list(programme.sessions.filter(scheduled_at__lt=timezone.now()).order_by("scheduled_at"))
    for index, session in enumerate(past):
        session_log_upsert(
            patient=world.owner,
            log_id=uuid.uuid4(),
            data={
                "planned_session": session.pk,
                "performed_at": session.scheduled_at,
                "status": "completed",
                "pain_before": 3,
                "pain_during_max": 7 if index == len(past) - 1 else 4,
                "pain_next_morning": 3,
            },
        )
    return Alert.objects.get(patient=world.owner)


@pytest.mark.django_db(transaction=True)
def test_login_caseload_patient_charts_acknowledge(
    world, three_weeks_in, live_server, browser, settings
):
    from selenium.webdriver.common.by import By

    # Plain HTTP on localhost in the test: cookies may not require HTTPS here.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False

    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(world.physio.user.username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()

    table = browser.find_element(By.ID, "caseload")
    assert str(world.owner) in table.text
    assert str(world.other_physio) not in table.text
    browser.find_element(By.LINK_TEXT, str(world.owner)).click()

    pain = browser.find_element(By.CSS_SELECTOR, "svg.chart-pain")
    assert pain.is_displayed() and pain.size["width"] > 300 and pain.size["height"] > 100
    lines = pain.find_elements(By.CSS_SELECTOR, "polyline.line")
    assert len(lines) >= 3  # before, highest during, next morning
    assert all(len(line.get_attribute("points").split()) >= 2 for line in lines)
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.chart-adherence rect.bar")
    assert len(bars) >= 2

    alert_item = browser.find_element(By.CSS_SELECTOR, f'li[data-alert="{three_weeks_in.pk}"]')
    alert_item.find_element(By.CSS_SELECTOR, "button.acknowledge").click()
    assert "Alert acknowledged." in browser.find_element(By.CSS_SELECTOR, ".messages").text
    browser.save_screenshot(str(Path(django_settings.VAR_DIR) / "browser-patient.png"))

    three_weeks_in.refresh_from_db()
    assert three_weeks_in.status == AlertStatus.ACKNOWLEDGED
    assert three_weeks_in.acknowledged_by == world.physio.user


@pytest.mark.django_db(transaction=True)
def test_search_open_a_patient_read_a_log_and_print_the_report(
    world, three_weeks_in, live_server, browser, settings
):
    """The physiotherapist searches the caseload, opens the patient, unfolds a log's exercises
    (planned beside done), opens the progress report and prints it: a PDF with pages."""
    import base64

    from selenium.webdriver.common.by import By

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(world.physio.user.username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()

    search = browser.find_element(By.ID, "caseload-q")
    search.send_keys(world.owner.user.last_name.upper())
    search.submit()
    links = browser.find_elements(By.CSS_SELECTOR, "#caseload a.patient-link")
    assert [link.text for link in links] == [str(world.owner)]
    assert f"q={world.owner.user.last_name.upper()}" in browser.current_url
    links[0].click()

    logs = browser.find_elements(By.CSS_SELECTOR, "#logs tbody.log")
    assert len(logs) == len(three_weeks_in.programme.session_logs.all())
    newest = logs[0]
    assert "P1" in newest.text  # the last session hurt: 7 during exercise
    details = newest.find_element(By.CSS_SELECTOR, "details")
    exercise_table = details.find_element(By.CSS_SELECTOR, "table.planned-done")
    assert not exercise_table.is_displayed()
    details.find_element(By.TAG_NAME, "summary").click()
    assert exercise_table.is_displayed()
    rows = exercise_table.find_elements(By.CSS_SELECTOR, ":scope > tbody > tr")
    assert rows and all(" sets " in f" {row.text} " for row in rows), [r.text for r in rows]

    browser.find_element(By.LINK_TEXT, "Progress report").click()
    report = browser.find_element(By.CSS_SELECTOR, "article.report")
    assert "Progress report: exercise therapy for hip osteoarthritis" in report.text
    assert str(world.owner) in report.text
    assert browser.find_element(By.CSS_SELECTOR, "button.print").is_displayed()
    pdf = base64.b64decode(browser.print_page())
    assert pdf.startswith(b"%PDF-")
    pages = int(max(re.findall(rb"/Count (\d+)", pdf), key=int))
    assert pages >= 1
    (Path(django_settings.VAR_DIR) / "browser-report.pdf").write_bytes(pdf)
