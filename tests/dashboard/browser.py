"""Helpers for driving the dashboard in Chromium, so that a browser test reads as what a
physiotherapist does: sign in, follow a link in the header, fill in a form, press a button,
wait for the page (or, with htmx, the part of it) to answer. Used by
tests/dashboard/test_browser_workday.py; meant for further journeys (read a log, print the
report, search the caseload) as well."""

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.factories import PASSWORD
from tests.test_browser import pytestmark as NEEDS_CHROMIUM  # noqa: F401

WAIT_SECONDS = 10


def login(browser: WebDriver, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login page; the dashboard opens (the caseload)."""
    browser.get(f"{base_url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_until(browser, lambda b: "/dashboard/" in b.current_url)


def follow_header_link(browser: WebDriver, text: str) -> None:
    """Click a link of the header navigation (Caseload, Today, Enrol) and wait for the page."""
    old = browser.find_element(By.TAG_NAME, "main")
    browser.find_element(By.CSS_SELECTOR, ".site-header nav").find_element(
        By.LINK_TEXT, text
    ).click()
    wait_until(browser, lambda b: _stale(old))


def set_value(browser: WebDriver, element: WebElement, value: str) -> None:
    """Give a date, time or number input its value in ISO form (typing into a date or time
    input depends on the browser's locale)."""
    browser.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        element,
        value,
    )


def choose(element: WebElement, value: str) -> None:
    Select(element).select_by_value(value)


def tick_only(scope: WebElement, name: str, values: set[str]) -> None:
    """Tick exactly these checkboxes of a group (weekdays)."""
    for box in scope.find_elements(By.CSS_SELECTOR, f'input[type=checkbox][name="{name}"]'):
        if box.is_selected() != (box.get_attribute("value") in values):
            box.click()


def submit_and_wait_for_page(browser: WebDriver, button: WebElement) -> None:
    """Press a button that loads a new page (a form without htmx) and wait for it."""
    old = browser.find_element(By.TAG_NAME, "main")
    button.click()
    wait_until(browser, lambda b: _stale(old))


def search_and_wait_for_page(browser: WebDriver, field: WebElement, text: str) -> None:
    """Type into a search field, press Enter and wait for the answer page."""
    from selenium.webdriver.common.keys import Keys

    old = browser.find_element(By.TAG_NAME, "main")
    field.clear()
    field.send_keys(text, Keys.ENTER)
    wait_until(browser, lambda b: _stale(old))


def mark_page(browser: WebDriver) -> None:
    """Mark the loaded page, to tell later that an answer was swapped in, not a new page."""
    browser.execute_script("window.__samePage = true;")


def still_same_page(browser: WebDriver) -> bool:
    return bool(browser.execute_script("return window.__samePage === true;"))


def wait_for_text(browser: WebDriver, css: str, text: str) -> WebElement:
    """Wait until the element (found afresh each time: htmx replaces it) shows the text."""

    def shown(b):
        for element in b.find_elements(By.CSS_SELECTOR, css):
            try:
                if text in element.text:
                    return element
            except Exception:  # noqa: S112 (replaced while reading: look again)
                continue
        return False

    return wait_until(browser, shown)


def wait_until(browser: WebDriver, condition):
    return WebDriverWait(browser, WAIT_SECONDS).until(condition)


def _stale(element: WebElement) -> bool:
    try:
        element.is_enabled()
    except Exception:
        return True
    return False
