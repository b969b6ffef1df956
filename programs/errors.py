"""The one error type of the application. Services raise these; the DRF exception handler in
``programs.api.errors`` turns every error, ours or the framework's, into the same JSON shape:
``{"error": {"code": ..., "message": ..., "fields": {field: [{"code", "message"}]}}}``."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

FieldErrors = dict[str, list[dict[str, str]]]


def field_error(message: Any, code: str = "invalid") -> dict[str, str]:
    return {"code": code, "message": str(message)}


class ApplicationError(Exception):
    status_code = 400
    code = "invalid"
    default_message = _("The request could not be processed.")
    headers: dict[str, str] = {}

    def __init__(
        self,
        message: Any = None,
        *,
        fields: Mapping[str, Any] | None = None,
        code: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields: FieldErrors = {
            name: _normalise(value) for name, value in (fields or {}).items()
        }
        self.extra = dict(extra or {})
        super().__init__(str(self.message))

    def as_payload(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": str(self.message),
                "fields": self.fields,
                **self.extra,
            }
        }


def _normalise(value: Any) -> list[dict[str, str]]:
    """Accepts "text", ("text", "code"), {"code", "message"} or a list of those."""
    if isinstance(value, Mapping):
        return [field_error(value["message"], value.get("code", "invalid"))]
    if isinstance(value, tuple) and len(value) == 2:
        return [field_error(value[0], value[1])]
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [item for element in value for item in _normalise(element)]
    return [field_error(value)]


class ValidationFailed(ApplicationError):
    status_code = 400
    code = "invalid"
    default_message = _("Invalid input.")

    def __init__(self, message: Any = None, *, fields=None, code=None, extra=None) -> None:
        if message is None and fields:
            message = _("Invalid input in: %(fields)s.") % {"fields": ", ".join(sorted(fields))}
        super().__init__(message, fields=fields, code=code, extra=extra)


class NotFoundError(ApplicationError):
    status_code = 404
    code = "not_found"
    default_message = _("Not found.")


class AuthenticationFailedError(ApplicationError):
    status_code = 401
    code = "authentication_failed"
    default_message = _("Incorrect authentication credentials.")
    headers = {"WWW-Authenticate": 'Bearer realm="api"'}


class PermissionDeniedError(ApplicationError):
    status_code = 403
    code = "permission_denied"
    default_message = _("You do not have permission to perform this action.")


class ConflictError(ApplicationError):
    status_code = 409
    code = "conflict"
    default_message = _("The request conflicts with the current state of the record.")


class LoginLockedOutError(ApplicationError):
    status_code = 429
    code = "login_locked_out"
    default_message = _(
        "Too many failed login attempts. Please try again later or contact your practice."
    )


class ServiceUnavailableError(ApplicationError):
    status_code = 503
    code = "service_unavailable"
    default_message = _("The service is temporarily unavailable.")


class CsrfFailedError(ApplicationError):
    """A request signed in with the session cookie (the browser) that lacks its CSRF token."""

    status_code = 403
    code = "csrf_failed"
    default_message = _(
        "The CSRF check failed: a request signed in with the session cookie must send the "
        "csrftoken cookie's value in the X-CSRFToken header. Apps sign in with a bearer token."
    )
