"""Once per form (services/submission.py): the dashboard's forms carry a key; the change runs
in one transaction with the key, so a form sent again changes nothing, and a failed change
leaves the key free for the corrected form."""

import threading
import time
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from programs.errors import ValidationFailed
from programs.models import FormSubmission
from programs.services.submission import submission_run_once
from tests.factories import UserFactory


@pytest.mark.django_db
def test_a_key_runs_its_action_once():
    user = UserFactory()
    key = uuid.uuid4()
    calls = []
    assert submission_run_once(user=user, key=key, action=lambda: calls.append(1) or "a") == (
        True,
        "a",
    )
    assert submission_run_once(user=user, key=key, action=lambda: calls.append(2) or "b") == (
        False,
        None,
    )
    assert calls == [1]
    assert FormSubmission.objects.get().user == user


@pytest.mark.django_db
def test_a_failed_action_frees_the_key():
    user = UserFactory()
    key = uuid.uuid4()

    def refused():
        raise ValidationFailed(fields={"sets": ("Too many.", "max_value")})

    with pytest.raises(ValidationFailed):
        submission_run_once(user=user, key=key, action=refused)
    assert not FormSubmission.objects.exists()
    assert submission_run_once(user=user, key=key, action=lambda: "corrected") == (
        True,
        "corrected",
    )


@pytest.mark.django_db
def test_keys_older_than_a_day_are_forgotten():
    user = UserFactory()
    old = uuid.uuid4()
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        submission_run_once(user=user, key=old, action=lambda: None)
    submission_run_once(user=user, key=uuid.uuid4(), action=lambda: None)
    assert not FormSubmission.objects.filter(key=old).exists()
    assert FormSubmission.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_request_with_the_key_waits_for_the_first_and_does_nothing():
    """Both requests at once: the second's insert of the key waits on the first's open
    transaction, then finds the key taken."""
    user = UserFactory()
    key = uuid.uuid4()
    inserted, release = threading.Event(), threading.Event()
    results, ran = {}, []

    def first():
        def slow_change():
            inserted.set()
            release.wait(10)
            ran.append("first")
            return "changed"

        try:
            results["first"] = submission_run_once(user=user, key=key, action=slow_change)
        finally:
            connection.close()

    def second():
        try:
            results["second"] = submission_run_once(
                user=user, key=key, action=lambda: ran.append("second")
            )
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert inserted.wait(10)
    two = threading.Thread(target=second)
    two.start()
    # Wait until the second request is blocked on the first one's lock on the key.
    with connection.cursor() as cursor:
        for _attempt in range(100):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the second request never waited for the first")
    release.set()
    one.join(10)
    two.join(10)
    assert results == {"first": (True, "changed"), "second": (False, None)}
    assert ran == ["first"]
