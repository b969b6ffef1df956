"""Fuzzing the API with schemathesis, from its own OpenAPI schema, signed in as each role: no
answer may be a 5xx, and no answer may contradict the schema (status codes, content types,
headers, bodies), for valid and for invalid input.

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

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import bearer

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))

pytestmark = pytest.mark.fuzz


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


def fuzz(api_schema, headers: dict[str, str], known_ids: dict[str, object]) -> list[str]:
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 50, "the schema lost its operations"
    for operation in operations:
        names = [p.name for p in operation.path_parameters]
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        if names and all(name in known_ids for name in names):
            real = {name: known_ids[name] for name in names}
            strategies += [
                operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real),
                operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=real),
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
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except (Exception, FailureGroup) as exc:  # a FailureGroup is a BaseExceptionGroup
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:1500]}")
    return failures


@pytest.mark.parametrize("actor", ["owner", "physio", "insurer", None])
def test_fuzz_the_api_as(actor, api_schema, world, known_ids):
    failures = fuzz(api_schema, bearer(world.user(actor) if actor else None), known_ids)
    assert not failures, "\n\n".join(failures)
