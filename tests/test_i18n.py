"""Dutch and English both ship: every message has a Dutch translation in the compiled catalogue,
and the API answers in the language the app asks for."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from rest_framework.test import APIClient

LOCALE = Path(__file__).resolve().parent.parent / "programs" / "locale" / "nl" / "LC_MESSAGES"


def po_entries(path: Path) -> list[dict]:
    """Entries of a .po file as {"msgid", "msgid_plural", "msgstr": [...]}, continuation lines
    joined; the header is left out."""
    entries, current, key = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current.get("msgid"):
                entries.append(current)
            current, key = {}, None
            continue
        match = re.match(r"^(msgid|msgid_plural|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line)
        if match:
            name, index, text = match.groups()
            key = ("msgstr", int(index or 0)) if name.startswith("msgstr") else name
            current.setdefault("msgstr", [])
            if isinstance(key, tuple):
                current["msgstr"].append(ast.literal_eval(text))
            else:
                current[key] = ast.literal_eval(text)
        elif line.startswith('"') and key:
            if isinstance(key, tuple):
                current["msgstr"][-1] += ast.literal_eval(line)
            else:
                current[key] += ast.literal_eval(line)
    return entries


def test_every_message_has_a_dutch_translation_in_the_compiled_catalogue():
    entries = po_entries(LOCALE / "django.po")
    assert len(entries) > 50
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    assert not untranslated
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = []
    for entry in entries:
        if "msgid_plural" in entry:
            forms = [catalogue.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
            if forms != entry["msgstr"]:
                stale.append(entry["msgid"])
        elif catalogue.gettext(entry["msgid"]) != entry["msgstr"][0]:
            stale.append(entry["msgid"])
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
