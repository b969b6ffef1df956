"""Helpers for the dashboard's form tests: posted data as the pages send it, and reading the
errors a page shows beside a field."""

import html
import re
import uuid


def form_data(prefix: str = "", **values) -> dict:
    """Form fields with the page's prefix and a fresh submission key (as a page renders it)."""

    def name(key: str) -> str:
        return f"{prefix}-{key}" if prefix else key

    data = {name(key): value for key, value in values.items()}
    data.setdefault(name("submission"), str(uuid.uuid4()))
    return data


def field_errors(page: str, field_id: str) -> list[str]:
    """The errors shown beside the field with this id (``id_start_date``)."""
    match = re.search(
        rf'<ul class="errorlist" id="{re.escape(field_id)}_error">(.*?)</ul>', page, re.S
    )
    if match is None:
        return []
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


def form_errors(page: str) -> list[str]:
    """The errors shown above a form (not about one field)."""
    items = []
    for block in re.findall(r'<ul class="errorlist nonfield"[^>]*>(.*?)</ul>', page, re.S):
        items += [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", block, re.S)]
    return items


def input_value(page: str, name: str) -> str | None:
    """The value an input of the page carries (what the form kept)."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    if match is None:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else ""
