"""Security headers on what the service answers: the API (data, never a page), the
physiotherapist's dashboard, and over HTTPS the HSTS header."""

from django.test import Client
from rest_framework.test import APIClient

BASELINE = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def assert_headers(response, expected: dict[str, str]) -> None:
    assert {name: response.get(name) for name in expected} == expected


def test_api_answers_are_not_cached_and_may_load_nothing(world):
    for response in (
        world.client("owner").get("/api/v1/me/"),
        APIClient().get("/api/v1/me/"),  # an error answer too
        world.client("insurer").get("/api/v1/insurer/episodes/export.csv"),
    ):
        assert_headers(
            response,
            {
                **BASELINE,
                "Cache-Control": "no-store",
                "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
            },
        )


def test_dashboard_pages_are_not_cached(world):
    client = Client()
    client.force_login(world.physio.user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert_headers(response, {**BASELINE, "Cache-Control": "no-store"})


def test_over_https_browsers_are_told_to_stay_on_https(world):
    response = Client().get("/healthz", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert_headers(response, BASELINE)
