"""Test doubles for third parties only (DEVELOPERS.md: mock push and mail providers at their
boundary). Our own database and broker are always real."""

import threading

from programs.delivery.push import PushBackend, PushMessage, PushResult
from programs.models import DeliveryOutcome


class RecordingPushBackend(PushBackend):
    """Stands in for FCM: records every message, answers per token from ``outcomes``."""

    sent: list[PushMessage] = []
    outcomes: dict[str, str] = {}
    lock = threading.Lock()

    @classmethod
    def reset(cls) -> None:
        with cls.lock:
            cls.sent = []
            cls.outcomes = {}

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        results = []
        with self.lock:
            for message in messages:
                self.sent.append(message)
                outcome = self.outcomes.get(message.token, DeliveryOutcome.SENT)
                results.append(PushResult(outcome, "recorded"))
        return results
