"""Fuzzing the API with schemathesis, from its own OpenAPI schema, signed in as each role: no
answer may be a 5xx, and no answer may contradict the schema (status codes, content types,
headers, bodies), for valid and for invalid input.

Roles: the owner of the `world`'s data, another patient, the physiotherapist, the insurer,
staff and anonymous. Rate limits and the failed-login lock-out are lifted for the run (else
most answers would be 429s that never reach a handler), and a 429 fails the test.

Part of the whole suite with a small budget (FUZZ_EXAMPLES examples per operation, mode and
role; default 3); .ci/run raises it. Every operation is fuzzed twice over: with random path
parameters (mostly 404s) and with the ids of real records from the `world`, so the handlers
behind the 404 are reached too. Failures are collected per operation and reported together.

One check is left out: `positive_data_acceptance`, which wants every schema-valid request
accepted. Our 400s also enforce rules no JSON schema states (a log dated before the programme,
an exercise or patient id that must exist, a diagnosis code from the reimbursement list); the
feature tests cover those. Every other check runs, negative data included (it must be a 4xx).

schemathesis' own pytest plugin does not load under pytest 9, so this drives its strategies
directly with hypothesis."""

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.conftest import bearer

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))

pytestmark = pytest.mark.fuzz


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Production rates (30 sign-ins a minute per address, 300 requests per patient) would turn
    most of the fuzzer's requests into 429s that never reach a handler. The throttles read their
    rates from the settings on every request (programs/api/throttling.py), and DRF reloads its
    settings when they change."""
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(rest["DEFAULT_THROTTLE_RATES"], "1000000/minute")
    settings.REST_FRAMEWORK = rest
    # Random usernames and passwords: no failed-login lock-out either.
    settings.AXES_FAILURE_LIMIT = 1_000_000


@pytest.fixture
def known_ids(world, flare) -> dict[str, object]:
    """Path parameters naming real records the signed-in users may (or may not) see."""
    from programs.models import Device, QuestionnaireResponse, SessionLog

    programme = flare.programme
    session = programme.sessions.order_by("scheduled_at").first()
    item = programme.phases.order_by("order").first().exercises.first()
    ids = {
        "programme_id": programme.pk,
        "session_id": session.pk,
        "alert_id": flare.pk,
        "patient_id": world.owner.pk,
        "log_id": str(SessionLog.objects.get(patient=world.owner).pk),
        "item_id": item.pk,
        "phase_order": 1,
        "kind": "chair_stand_30s",
        "week": "2027-W09",
        "reference": "6f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
        "device_id": Device.objects.create(
            patient=world.owner, platform="android", token="fuzz-device"
        ).pk,
    }
    response = QuestionnaireResponse.objects.filter(patient=world.owner).first()
    if response is not None:
        ids["response_id"] = response.pk
    return ids


def only_inside_claim_lines(case) -> bool:
    """A negative case whose every violation is inside claim lines of the insurer's claims
    check. By design a bad line is not refused with the batch: it gets its own error in a 200
    answer and the other lines are judged (the operation's description says so, and
    tests/api/test_insurer.py breaks each constraint of the line's schema and expects that
    line's error). So negative_data_rejection does not apply to it; every other check does,
    and a violation outside the lines (no list, too many lines, dry_run not a boolean) must
    still be a 4xx."""
    if case.meta is None or not case.meta.generation.mode.is_negative:
        return False
    data = case.meta.phase.data
    places = [mutation.schema_pointer for mutation in getattr(data, "mutations", ())] or [
        getattr(data, "location", None) or getattr(data, "description", None) or ""
    ]
    return all("/properties/lines/items" in (place or "") for place in places)


def fuzz(
    api_schema, headers: dict[str, str], known_ids: dict[str, object]
) -> tuple[list[str], Counter]:
    """Fuzz every operation; the failures, and how often each status was answered."""
    failures: list[str] = []
    statuses: Counter = Counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 50, "the schema lost its operations"
    for operation in operations:
        names = [p.name for p in operation.path_parameters]
        # The signed-in user's Authorization header is fixed, not generated: a negative case
        # whose only invalid part was a generated header we then replace is a valid request,
        # and its 2xx is no failure.
        fixed = {"headers": headers} if headers else {}
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE, **fixed),
            operation.as_strategy(GenerationMode.NEGATIVE, **fixed),
        ]
        if names and all(name in known_ids for name in names):
            real = {name: known_ids[name] for name in names}
            strategies += [
                operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real, **fixed),
                operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=real, **fixed),
            ]

        @given(case=st.one_of(*strategies))
        @settings(
            max_examples=EXAMPLES * len(strategies),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
            report_multiple_bugs=False,
        )
        def check(case):
            excluded = [positive_data_acceptance]
            if only_inside_claim_lines(case):
                excluded.append(negative_data_rejection)
            response = case.call_and_validate(headers=headers, excluded_checks=excluded)
            statuses[response.status_code] += 1

        try:
            check()
        except (Exception, FailureGroup) as exc:  # a FailureGroup is a BaseExceptionGroup
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:1500]}")
    return failures, statuses


@pytest.mark.parametrize(
    "actor", ["owner", "other_patient", "physio", "insurer", "staff", "anonymous"]
)
def test_fuzz_the_api_as(actor, api_schema, world, known_ids):
    failures, statuses = fuzz(api_schema, bearer(world.user(actor)), known_ids)
    # The budget actually spent (shown with -s, and with any failure).
    print(f"fuzz as {actor}: {sum(statuses.values())} requests, {dict(sorted(statuses.items()))}")
    assert not failures, "\n\n".join(failures)
    # A rate limit would have answered instead of the handlers being fuzzed.
    assert statuses[429] == 0, statuses
    if actor != "anonymous":
        assert sum(n for status, n in statuses.items() if 200 <= status < 300), statuses
