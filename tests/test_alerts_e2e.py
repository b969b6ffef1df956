"""The nightly alerts task through the broker and a real worker (PITFALLS.md: eager mode is
not a test of Celery): it raises the drop-out alerts in the database, and a second night
raises none again."""

import pytest

from programs.models import Alert, AlertKind
from programs.tasks import alerts_evaluate_nightly, diagnostics_ping
from tests.builders import practice_with_patients


def run_and_wait(task) -> None:
    """Send ``task``, then a ping behind it: the solo worker takes them in order, so the
    ping's answer means the task has run."""
    task.delay()
    assert diagnostics_ping.delay("after").get(timeout=60) == "pong:after"


@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_raises_drop_out_alerts_once(world, live_worker):
    # Each patient logged a session 12 days ago and none since, while one was due 5 days ago.
    patients = practice_with_patients(world.physio, 3)
    Alert.objects.all().delete()  # the builder's own sample alerts

    run_and_wait(alerts_evaluate_nightly)
    raised = sorted(Alert.objects.values_list("patient_id", "kind"))
    assert raised == sorted((p.pk, AlertKind.DROPOUT_NO_LOG) for p in patients)

    run_and_wait(alerts_evaluate_nightly)
    assert Alert.objects.count() == 3
