"""Once per form: the dashboard's answer to a form sent twice (issue 13)."""

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from programs.models import FormSubmission, User

T = TypeVar("T")

# Keys older than this are forgotten: a browser does not retry a form after a day.
KEEP_KEYS = timedelta(days=1)


@transaction.atomic
def submission_run_once(*, user: User, key: UUID, action: Callable[[], T]) -> tuple[bool, T | None]:
    """Run ``action`` for this form submission unless it already ran: returns (ran, result).

    The key is written in the same transaction as the change, so a failed action (invalid
    input, a conflict) frees it for the corrected form, and a second request with the key
    finds it taken: at once, or, when both arrive together, when the first commits (the
    primary key's unique index holds the second insert until then)."""
    try:
        with transaction.atomic():
            FormSubmission.objects.create(key=key, user=user)
    except IntegrityError:
        return False, None
    FormSubmission.objects.filter(user=user, submitted_at__lt=timezone.now() - KEEP_KEYS).delete()
    return True, action()
