"""Every error follows Accept-Language (Dutch or English), whoever words it: simplejwt, DRF
(its fields, validators and exceptions), django-axes' lock-out, throttling, Django's own
errors and ours. One request per family, in both languages; and a check that no message of
the DRF classes the API uses lacks Dutch."""

import inspect
import re
from datetime import timedelta
from pathlib import Path

import pytest
import rest_framework_simplejwt
from django.utils import timezone, translation
from django.utils.functional import Promise
from rest_framework import exceptions, fields, serializers, validators
from rest_framework.test import APIClient
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.tokens import RefreshToken

from programs.api.errors import JWT_MESSAGES
from tests.conftest import client_for
from tests.factories import PASSWORD

LANGUAGES = pytest.mark.parametrize("language", ["nl", "en"])


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    return error


def message_of(response, status: int, code: str) -> str:
    return error_of(response, status, code)["message"]


def anonymous(language: str) -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE=language)


def signed_in(user, language: str) -> APIClient:
    client = client_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


# --- simplejwt ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", "Het token is ongeldig of verlopen. Log opnieuw in."),
        ("en", "The token is not valid or has expired. Please sign in again."),
    ],
)
def test_an_access_token_that_does_not_verify(language, message):
    response = anonymous(language).get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert message_of(response, 401, "token_not_valid") == message
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", "Het token is ongeldig of verlopen. Log opnieuw in."),
        ("en", "The token is not valid or has expired. Please sign in again."),
    ],
)
def test_an_expired_access_token(world, language, message):
    token = RefreshToken.for_user(world.owner.user).access_token
    token.set_exp(from_time=timezone.now() - timedelta(hours=1), lifetime=timedelta(minutes=1))
    response = anonymous(language).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert message_of(response, 401, "token_not_valid") == message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "nl",
            'De Authorization-header moet bestaan uit "Bearer", een spatie en het toegangstoken.',
        ),
        ("en", 'The Authorization header must be "Bearer", a space and the access token.'),
    ],
)
def test_a_malformed_authorization_header(language, message):
    response = anonymous(language).get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer two parts")
    assert message_of(response, 401, "bad_authorization_header") == message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", "Dit account is gedeactiveerd. Neem contact op met uw praktijk."),
        ("en", "This account has been deactivated. Please contact your practice."),
    ],
)
def test_the_token_of_a_deactivated_account(world, language, message):
    client = signed_in(world.owner.user, language)
    world.owner.user.is_active = False
    world.owner.user.save()
    assert message_of(client.get("/api/v1/me/"), 401, "user_inactive") == message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", "Het account waarvoor dit token is uitgegeven bestaat niet meer. Log opnieuw in."),
        ("en", "The account this token was issued to no longer exists. Please sign in again."),
    ],
)
def test_the_token_of_an_account_that_is_gone(world, language, message):
    user = world.staff
    client = signed_in(user, language)
    user.delete()
    assert message_of(client.get("/api/v1/me/"), 401, "user_not_found") == message


def test_every_code_simplejwt_answers_with_has_our_wording():
    """A new simplejwt release with a new refusal fails here, not in a patient's app."""
    package = Path(inspect.getfile(rest_framework_simplejwt)).parent
    source = (package / "authentication.py").read_text()
    codes = set(re.findall(r"""code=["'](\w+)["']""", source)) | {InvalidToken.default_code}
    assert codes >= {"bad_authorization_header", "token_not_valid", "user_inactive"}
    assert codes <= set(JWT_MESSAGES)
    with translation.override("en"):
        english = {code: str(message) for code, message in JWT_MESSAGES.items()}
    with translation.override("nl"):
        dutch = {code: str(message) for code, message in JWT_MESSAGES.items()}
    assert not [code for code in JWT_MESSAGES if dutch[code] == english[code]]


# --- our own sign-in errors, django-axes' lock-out, throttling -----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", "Geen actief account gevonden met deze gegevens."),
        ("en", "No active account found with these credentials."),
    ],
)
def test_wrong_credentials(world, language, message):
    response = anonymous(language).post(
        "/api/v1/auth/token/", {"username": "owner", "password": "wrong"}, format="json"
    )
    assert message_of(response, 401, "invalid_credentials") == message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "nl",
            "Te veel mislukte inlogpogingen. Probeer het later opnieuw of neem contact op met "
            "uw praktijk.",
        ),
        (
            "en",
            "Too many failed login attempts. Please try again later or contact your practice.",
        ),
    ],
)
def test_the_login_lock_out(world, settings, language, message):
    client = anonymous(language)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": "owner", "password": "x"}, format="json")
    response = client.post(
        "/api/v1/auth/token/", {"username": "owner", "password": PASSWORD}, format="json"
    )
    assert message_of(response, 429, "login_locked_out") == message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "pattern"),
    [
        ("nl", r"Te veel verzoeken\. Probeer het over (\d+) seconden opnieuw\."),
        ("en", r"Too many requests\. Please try again in (\d+) seconds\."),
    ],
)
def test_throttling(world, settings, language, pattern):
    framework = dict(settings.REST_FRAMEWORK)
    framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], "login": "1/hour"}
    settings.REST_FRAMEWORK = framework
    client = anonymous(language)
    client.post("/api/v1/auth/token/", {"username": "owner", "password": "x"}, format="json")
    response = client.post(
        "/api/v1/auth/token/", {"username": "owner", "password": "x"}, format="json"
    )
    error = error_of(response, 429, "throttled")
    seconds = int(re.fullmatch(pattern, error["message"]).group(1))
    assert 3500 < seconds <= 3600
    assert error["retry_after_seconds"] == seconds == int(response["Retry-After"])


@pytest.mark.parametrize(
    ("language", "singular", "plural"),
    [
        ("nl", "Probeer het over 1 seconde opnieuw.", "Probeer het over 2 seconden opnieuw."),
        ("en", "Please try again in 1 second.", "Please try again in 2 seconds."),
    ],
)
def test_the_throttling_message_counts_seconds(language, singular, plural):
    from programs.api.errors import as_application_error

    with translation.override(language):
        assert as_application_error(exceptions.Throttled(wait=0.4)).message.endswith(singular)
        assert as_application_error(exceptions.Throttled(wait=2)).message.endswith(plural)


# --- DRF: exceptions and field messages --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "messages"),
    [
        (
            "nl",
            {
                "planned_session": "Moet een geldige UUID zijn.",
                "performed_at": "Dit veld is vereist.",
                "pain_before": "Zorg ervoor dat deze waarde kleiner is dan of gelijk is aan 10.",
                "status": '"zz" is een ongeldige keuze.',
            },
        ),
        (
            "en",
            {
                "planned_session": "Must be a valid UUID.",
                "performed_at": "This field is required.",
                "pain_before": "Ensure this value is less than or equal to 10.",
                "status": '"zz" is not a valid choice.',
            },
        ),
    ],
)
def test_drf_field_messages(world, language, messages):
    response = signed_in(world.owner.user, language).put(
        "/api/v1/me/session-logs/6f1c1a9e-5b0e-4a52-9a51-0d7d1f1b2c3d/",
        {"planned_session": "x", "status": "zz", "pain_before": 11},
        format="json",
    )
    fields_ = error_of(response, 400, "invalid")["fields"]
    assert {name: fields_[name][0]["message"] for name in messages} == messages


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", "Authenticatiegegevens zijn niet opgegeven."),
        ("en", "Authentication credentials were not provided."),
    ],
)
def test_drf_not_authenticated(language, message):
    assert message_of(anonymous(language).get("/api/v1/me/"), 401, "not_authenticated") == message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", "De inhoud van het verzoek is geen geldige JSON (regel 1, kolom 2)."),
        ("en", "The request body is not valid JSON (line 1, column 2)."),
    ],
)
def test_a_body_that_is_not_json(language, message):
    response = anonymous(language).generic(
        "POST", "/api/v1/auth/token/", "{oops", content_type="application/json"
    )
    assert message_of(response, 400, "parse_error") == message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", 'Methode "GET" niet toegestaan.'),
        ("en", 'Method "GET" not allowed.'),
    ],
)
def test_drf_method_not_allowed(language, message):
    response = anonymous(language).get("/api/v1/auth/token/")
    assert message_of(response, 405, "method_not_allowed") == message


@pytest.mark.django_db
@LANGUAGES
def test_the_csrf_refusal(world, language):
    client = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(world.owner.user)
    response = client.post("/api/v1/me/devices/", {"platform": "ios", "token": "t"}, format="json")
    message = message_of(response, 403, "csrf_failed")
    starts = {"nl": "De CSRF-controle is mislukt", "en": "The CSRF check failed"}[language]
    assert message.startswith(starts)


# --- Django's own errors and ours ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "nl",
            "Niet gevonden. Bedoelde u /api/v1/auth/token/, met een schuine streep aan het eind?",
        ),
        ("en", "Not found. Did you mean /api/v1/auth/token/, with a slash at the end?"),
    ],
)
def test_django_not_found(language, message):
    response = anonymous(language).post("/api/v1/auth/token", {}, format="json")
    assert message_of(response, 404, "not_found") == message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [("nl", "Sessieverslag niet gevonden."), ("en", "Session log not found.")],
)
def test_our_not_found_error(world, language, message):
    log = "6f1c1a9e-5b0e-4a52-9a51-0d7d1f1b2c3d"
    response = signed_in(world.owner.user, language).get(f"/api/v1/me/session-logs/{log}/")
    assert message_of(response, 404, "not_found") == message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", "Ongeldige invoer in: platform, token."),
        ("en", "Invalid input in: platform, token."),
    ],
)
def test_our_validation_failed(world, language, message):
    response = signed_in(world.owner.user, language).post(
        "/api/v1/me/devices/", {"platform": "nokia", "token": ""}, format="json"
    )
    assert message_of(response, 400, "invalid") == message


# --- completeness -------------------------------------------------------------------------------

# DRF classes the API never uses: files, hyperlinks, model-field wrappers.
UNUSED = {
    "FileField",
    "ImageField",
    "FilePathField",
    "HyperlinkedRelatedField",
    "HyperlinkedIdentityField",
    "ModelField",
    "IPAddressField",
}


def drf_messages() -> dict[str, str]:
    """Every error message of DRF's fields, serializers, validators and exceptions, by where it
    is defined."""
    from rest_framework import relations

    found = {}
    for module in (fields, serializers, relations):
        for name, cls in vars(module).items():
            if inspect.isclass(cls) and issubclass(cls, fields.Field) and name not in UNUSED:
                for key, message in vars(cls).get("default_error_messages", {}).items():
                    found[f"{name}.{key}"] = str(message)
    for name, cls in vars(validators).items():
        if inspect.isclass(cls) and isinstance(vars(cls).get("message"), Promise):
            found[f"{name}.message"] = str(cls.message)
    for name, cls in vars(exceptions).items():
        if inspect.isclass(cls) and issubclass(cls, exceptions.APIException):
            found[f"{name}.default_detail"] = str(cls.default_detail)
    return found


def test_every_drf_message_the_api_can_show_has_dutch():
    with translation.override("en"):
        english = drf_messages()
    assert len(english) > 60
    with translation.override("nl"):
        dutch = drf_messages()
    untranslated = sorted(where for where, text in english.items() if dutch[where] == text)
    assert not untranslated, f"no Dutch: {untranslated} (see programs/api/library_messages.py)"
