"""The access-matrix pattern every endpoint's test uses: one call per actor, all mismatches
reported together."""

from collections.abc import Callable, Mapping
from typing import Any

from tests.conftest import ACTORS, World


def check_access(
    world: World,
    method: str,
    url: str | Callable[[World], str],
    expected: Mapping[str, int],
    data: Any = None,
) -> None:
    missing = set(ACTORS) - set(expected)
    assert not missing, f"access table lacks actors: {sorted(missing)}"
    mismatches = []
    for actor in ACTORS:
        target = url(world) if callable(url) else url
        response = getattr(world.client(actor), method.lower())(target, data, format="json")
        if response.status_code != expected[actor]:
            mismatches.append(f"{actor}: {response.status_code} != {expected[actor]}")
        elif response.status_code >= 400 and response["Content-Type"].startswith(
            "application/json"
        ):
            body = response.json()
            assert set(body["error"]) >= {"code", "message", "fields"}, body
    assert not mismatches, f"{method} {url}: " + "; ".join(mismatches)
