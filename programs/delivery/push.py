"""Push backends. The default logs instead of sending; FCM (HTTP v1 through firebase-admin) is
used when credentials are configured. Tests replace the provider at this boundary only."""

import logging
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from programs.models import DeliveryOutcome

logger = logging.getLogger(__name__)

# Outcomes: SENT; INVALID_TOKEN (the device is gone: deactivate the token); TRANSIENT (try
# again later); FAILED (retrying will not help).
SENT = DeliveryOutcome.SENT
INVALID_TOKEN = DeliveryOutcome.INVALID_TOKEN
TRANSIENT = DeliveryOutcome.TRANSIENT
FAILED = DeliveryOutcome.FAILED


@dataclass(frozen=True)
class PushMessage:
    token: str
    title: str
    body: str
    data: dict[str, str]


@dataclass(frozen=True)
class PushResult:
    outcome: str
    detail: str = ""


class PushBackend:
    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        raise NotImplementedError


class LoggingPushBackend(PushBackend):
    """Development default: writes the message to the log and reports it sent."""

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        for message in messages:
            logger.info("push to %s...: %s | %s", message.token[:10], message.title, message.body)
        return [PushResult(SENT, "logged") for _message in messages]


class FCMPushBackend(PushBackend):
    """Firebase Cloud Messaging, HTTP v1 API via firebase-admin's ``send_each`` (the legacy API
    and ``send_all``/``send_multicast`` are gone; PITFALLS.md). UNREGISTERED, a mismatched
    sender and INVALID_ARGUMENT about the registration token mean the token is dead;
    unavailability, internal errors and quota are transient."""

    def __init__(self) -> None:
        import firebase_admin
        from firebase_admin import credentials

        try:
            self.app = firebase_admin.get_app("hipcoach")
        except ValueError:
            self.app = firebase_admin.initialize_app(
                credentials.Certificate(settings.FCM_CREDENTIALS_FILE), name="hipcoach"
            )

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        from firebase_admin import exceptions, messaging

        batch = [
            messaging.Message(
                token=message.token,
                notification=messaging.Notification(title=message.title, body=message.body),
                data=message.data,
            )
            for message in messages
        ]
        response = messaging.send_each(batch, app=self.app)
        results = []
        for item in response.responses:
            if item.success:
                results.append(PushResult(SENT, item.message_id or ""))
                continue
            error = item.exception
            name = type(error).__name__
            if isinstance(error, messaging.UnregisteredError | messaging.SenderIdMismatchError):
                results.append(PushResult(INVALID_TOKEN, name))
            elif isinstance(error, exceptions.InvalidArgumentError) and _about_the_token(error):
                # "The registration token is not a valid FCM registration token": malformed,
                # it will never work. Other invalid arguments (the payload) leave it active.
                results.append(PushResult(INVALID_TOKEN, f"{name}: registration token"))
            elif isinstance(
                error,
                exceptions.UnavailableError
                | exceptions.InternalError
                | messaging.QuotaExceededError
                | exceptions.DeadlineExceededError,
            ):
                results.append(PushResult(TRANSIENT, name))
            else:
                results.append(PushResult(FAILED, f"{name}: {error}"[:300]))
        return results


def _about_the_token(error: Exception) -> bool:
    return "registration token" in str(error).lower()


@lru_cache(maxsize=1)
def _backend_class(path: str) -> type[PushBackend]:
    return import_string(path)


def push_backend() -> PushBackend:
    return _backend_class(settings.PUSH_BACKEND)()
