"""Dutch and English both ship: every message has a Dutch translation in the compiled catalogue,
and the API answers in the language the app asks for."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from rest_framework.test import APIClient

LOCALE = Path(__file__).resolve().parent.parent / "programs" / "locale" / "nl" / "LC_MESSAGES"


def po_entries(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a .po file, continuation lines joined; header left out."""
    entries, current, key = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current.get("msgid"):
                entries.append((current["msgid"], current.get("msgstr", "")))
            current, key = {}, None
            continue
        match = re.match(r"^(msgid|msgstr|msgid_plural|msgstr\[0\])\s+(\".*\")$", line)
        if match:
            key = {"msgstr[0]": "msgstr"}.get(match.group(1), match.group(1))
            current[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
    return entries


def test_every_message_has_a_dutch_translation_in_the_compiled_catalogue():
    entries = po_entries(LOCALE / "django.po")
    assert len(entries) > 50
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert not untranslated
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, msgstr in entries if catalogue.gettext(msgid) != msgstr]
    assert not stale, "django.mo is older than django.po: run make messages"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nl", "Geen actief account gevonden met deze gegevens."),
        ("en", "No active account found with these credentials."),
    ],
)
def test_the_api_answers_in_the_requested_language(world, language, message):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "owner", "password": "wrong"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.json()["error"]["message"] == message


@pytest.mark.django_db
def test_the_login_page_is_dutch_by_default_and_english_on_request(client):
    assert "Inloggen" in client.get("/accounts/login/").content.decode()
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in" in english
