"""Every answer under /api/ that is an error has the API's one JSON shape, with DEBUG on and
off: Django's own 404, 400 and 500 pages (with DEBUG on its technical pages skip handler404 and
handler500), 405s, CSRF refusals, errors of views that render HTML or YAML. Web pages keep
their HTML pages."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.api.test_errors import assert_error_shape

DEBUG_OFF_AND_ON = pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])


@pytest.fixture
def api(settings, debug):
    settings.DEBUG = debug
    # The test client re-raises a view's exception by default; a user gets the answer instead.
    return APIClient(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.django_db
@DEBUG_OFF_AND_ON
def test_an_unknown_api_url_is_a_json_404(api, debug):
    error = assert_error_shape(api.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert error["message"] == "Not found."
    assert_error_shape(api.get("/api/nothing-here"), 404, "not_found")


@pytest.mark.django_db
@DEBUG_OFF_AND_ON
def test_a_post_without_the_trailing_slash_is_a_404_naming_the_right_url(api, debug):
    """A redirect would lose the body (and with DEBUG on Django raises instead)."""
    response = api.post("/api/v1/auth/token", {"username": "a", "password": "b"}, format="json")
    error = assert_error_shape(response, 404, "not_found")
    assert "/api/v1/auth/token/" in error["message"]


@pytest.mark.django_db
@DEBUG_OFF_AND_ON
def test_a_get_without_the_trailing_slash_is_still_redirected(api, debug):
    response = api.get("/api/v1/me")
    assert (response.status_code, response["Location"]) == (301, "/api/v1/me/")


@pytest.mark.django_db
@DEBUG_OFF_AND_ON
def test_a_wrong_method_on_an_html_view_is_a_json_405_with_allow(api, debug):
    response = api.post("/api/v1/docs/")
    error = assert_error_shape(response, 405, "method_not_allowed")
    assert list(response.json()) == ["error"]
    assert "POST" in error["message"]
    assert "GET" in response["Allow"]


@pytest.mark.django_db
@DEBUG_OFF_AND_ON
def test_errors_of_the_yaml_schema_view_are_json(api, debug):
    assert_error_shape(api.post("/api/v1/schema/"), 405, "method_not_allowed")
    assert_error_shape(api.get("/api/v1/schema/", {"format": "xml"}), 404, "not_found")


@pytest.mark.django_db
@DEBUG_OFF_AND_ON
def test_a_host_not_served_is_a_json_400(api, debug):
    response = api.get("/api/v1/me/", HTTP_HOST="evil.example")
    assert_error_shape(response, 400, "disallowed_host")


@pytest.mark.django_db
@DEBUG_OFF_AND_ON
def test_too_many_query_parameters_is_a_json_400(api, debug):
    """With DEBUG on, Django's technical page itself fails on this one."""
    query = "&".join(f"p{i}=1" for i in range(1500))
    assert_error_shape(api.get(f"/api/v1/me/?{query}"), 400, "too_many_fields")


@pytest.mark.django_db
@DEBUG_OFF_AND_ON
def test_a_body_over_the_limit_is_a_json_413(api, debug, settings):
    body = json.dumps({"username": "a" * 5000, "password": "b"})
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.generic("POST", "/api/v1/auth/token/", body, content_type="application/json")
    error = assert_error_shape(response, 413, "request_too_large")
    assert "1000" in error["message"]


@pytest.mark.django_db
@pytest.mark.urls("tests.api.crash_urls")
@DEBUG_OFF_AND_ON
def test_a_crash_is_a_json_500_and_is_logged(api, debug, caplog):
    response = api.get("/api/test/crash/")
    error = assert_error_shape(response, 500, "server_error")
    assert "a bug in a view" not in json.dumps(error)
    logged = [record for record in caplog.records if record.exc_info]
    assert [str(record.exc_info[1]) for record in logged] == ["a bug in a view"]
    assert logged[0].levelname == "ERROR"
    # Once: the JSON answer that replaces Django's page is not logged a second time.
    requests = [r for r in caplog.records if r.name == "django.request"]
    assert [(r.levelname, r.getMessage()) for r in requests] == [
        ("ERROR", "Internal Server Error: /api/test/crash/")
    ]


@pytest.mark.django_db
@DEBUG_OFF_AND_ON
def test_an_error_answer_replaced_by_json_is_logged_once(api, debug, caplog):
    """A 404 for an unknown URL: Django's page (with DEBUG on, its technical page) becomes the
    API's JSON, logged once as it was."""
    api.get("/api/v1/no-such-thing/")
    requests = [r for r in caplog.records if r.name == "django.request"]
    assert [(r.levelname, r.getMessage()) for r in requests] == [
        ("WARNING", "Not Found: /api/v1/no-such-thing/")
    ]


@pytest.mark.django_db
@pytest.mark.urls("tests.api.crash_urls")
@DEBUG_OFF_AND_ON
def test_djangos_own_csrf_refusal_is_json_under_the_api(settings, debug, world):
    settings.DEBUG = debug
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.physio.user)
    assert_error_shape(client.post("/api/test/form/", {"a": "b"}), 403, "csrf_failed")


@pytest.mark.django_db
@DEBUG_OFF_AND_ON
def test_a_session_signed_post_without_csrf_token_is_a_json_403_csrf_failed(api, debug, world):
    api = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(world.owner.user)
    response = api.post("/api/v1/me/devices/", {"platform": "ios", "token": "t"}, format="json")
    error = assert_error_shape(response, 403, "csrf_failed")
    assert "X-CSRFToken" in error["message"]


@pytest.mark.django_db
@DEBUG_OFF_AND_ON
def test_the_replaced_answer_keeps_the_api_headers(api, debug):
    response = api.get("/api/v1/no-such-thing/")
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response["Content-Language"] == "en"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [("nl", "Niet gevonden."), ("en", "Not found.")],
)
@DEBUG_OFF_AND_ON
def test_djangos_errors_follow_accept_language(settings, debug, language, message):
    settings.DEBUG = debug
    response = APIClient().get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE=language)
    assert assert_error_shape(response, 404, "not_found")["message"] == message


@pytest.mark.django_db
@DEBUG_OFF_AND_ON
def test_web_pages_keep_their_html_error_pages(settings, debug):
    settings.DEBUG = debug
    response = Client().get("/dashboard/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
