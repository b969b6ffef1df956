"""One JSON error shape for every 4xx/5xx, for DRF views and for Django's own error views."""

import json
import logging
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import is_valid_path
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import csrf, defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import DetailDictMixin

from programs.errors import (
    ApplicationError,
    CsrfFailedError,
    FieldErrors,
    LoginLockedOutError,
    ValidationFailed,
    field_error,
)
from programs.services.auth import TOKEN_NOT_VALID
from programs.services.common import validation_failed_from

logger = logging.getLogger(__name__)

NON_FIELD = "non_field_errors"


def flatten_detail(detail: Any, prefix: str = "") -> FieldErrors:
    """DRF error details, nested or not, as ``{"a.0.b": [{"code", "message"}]}``.

    Handles both shapes DRF uses for ``many=True`` serializers: a list (before 3.18) and a dict
    keyed by index (3.18 and later)."""
    out: FieldErrors = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            if key == NON_FIELD and prefix:
                name = prefix
            for field, errors in flatten_detail(value, name).items():
                out.setdefault(field, []).extend(errors)
    elif isinstance(detail, list):
        leaves = [item for item in detail if not isinstance(item, dict | list)]
        if leaves:
            out[prefix or NON_FIELD] = [
                field_error(item, getattr(item, "code", None) or "invalid") for item in leaves
            ]
        for index, item in enumerate(detail):
            if isinstance(item, dict | list) and item:
                name = f"{prefix}.{index}" if prefix else str(index)
                for field, errors in flatten_detail(item, name).items():
                    out.setdefault(field, []).extend(errors)
    else:
        out[prefix or NON_FIELD] = [field_error(detail, getattr(detail, "code", None) or "invalid")]
    return out


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code


def as_application_error(exc: Exception) -> ApplicationError | None:
    if isinstance(exc, ApplicationError):
        return exc
    refused = request_refused_error(exc)
    if refused is not None:
        # Raised while a view reads the body: the same answer as when Django refuses it
        # before any view (handler400), with DEBUG on or off.
        logger.warning("request refused: %s", exc)
        return refused
    if isinstance(exc, DjangoValidationError):
        return validation_failed_from(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        return ValidationFailed(fields=flatten_detail(exc.detail))
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = _code_of(exc)
        if isinstance(detail, dict):  # simplejwt: {"detail": ..., "code": ..., "messages": [...]}
            code = str(detail.get("code") or code)
            detail = detail.get("detail", exc.default_detail)
        elif isinstance(detail, list):
            detail = " ".join(str(item) for item in detail)
        error = ApplicationError(_library_message(exc, code) or str(detail), code=code)
        error.status_code = exc.status_code
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            error.extra["retry_after_seconds"] = int(exc.wait)
        return error
    return None


# --- The libraries' messages that are English only or worded for developers, in ours ----------

# simplejwt's own catalogue is never loaded (the package is no installed app; only its
# token_blacklist is) and speaks of "token types" and "claims": the app shows these to a
# patient whose sign-in has to be renewed. Keyed by simplejwt's codes, which stay as they are.
JWT_MESSAGES = {
    "token_not_valid": TOKEN_NOT_VALID,
    "bad_authorization_header": gettext_lazy(
        'The Authorization header must be "Bearer", a space and the access token.'
    ),
    "user_not_found": gettext_lazy(
        "The account this token was issued to no longer exists. Please sign in again."
    ),
    "user_inactive": gettext_lazy(
        "This account has been deactivated. Please contact your practice."
    ),
    "password_changed": gettext_lazy(
        "The password of this account was changed. Please sign in again."
    ),
}


def _library_message(exc: exceptions.APIException, code: str) -> str | None:
    """Our wording, in the request's language, where a library's is missing or unclear."""
    if isinstance(exc, DetailDictMixin) and code in JWT_MESSAGES:
        return str(JWT_MESSAGES[code])
    if isinstance(exc, exceptions.Throttled):
        # DRF formats the wait into its sentence before translating it, so that part stays
        # English (and its Dutch for the first half reads "choked").
        if exc.wait is None:
            return _("Too many requests. Please try again later.")
        wait = int(exc.wait)
        return ngettext(
            "Too many requests. Please try again in %(seconds)d second.",
            "Too many requests. Please try again in %(seconds)d seconds.",
            wait,
        ) % {"seconds": wait}
    if isinstance(exc, exceptions.ParseError) and str(exc.detail).startswith("JSON parse error"):
        # DRF appends Python's own (English) explanation; where it went wrong is what helps.
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, json.JSONDecodeError):
            return _("The request body is not valid JSON (line %(line)d, column %(column)d).") % {
                "line": cause.lineno,
                "column": cause.colno,
            }
        return _("The request body is not valid JSON.")
    return None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER. Anything not recognised propagates and becomes a JSON 500."""
    error = as_application_error(exc)
    if error is None:
        return None
    headers = dict(error.headers)
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
    return Response(error.as_payload(), status=error.status_code, headers=headers)


# --- Django's own error views (URL not found, crashes outside DRF) ------------------------------


def wants_json(request: HttpRequest) -> bool:
    """Answer errors as JSON: the API, the health check, and clients that ask for it."""
    return (
        request.path.startswith("/api/")
        or request.path.startswith("/healthz")
        or "application/json" in request.headers.get("Accept", "")
    )


def not_found_message(request: HttpRequest) -> str:
    """Not found; for a URL that exists with a slash at the end, which one (the API does not
    redirect a request with a body there, see programs.middleware.CommonMiddleware)."""
    path = request.path_info
    if not path.endswith("/") and is_valid_path(f"{path}/", getattr(request, "urlconf", None)):
        return _("Not found. Did you mean %(path)s, with a slash at the end?") % {
            "path": f"{request.path}/"
        }
    return _("Not found.")


def _status_code_name(status_code: int) -> str:
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        return f"http_{status_code}"
    return phrase.lower().replace(" ", "_").replace("-", "_")


def request_too_large_error(limit: int) -> ApplicationError:
    """413: a body over ``limit`` bytes (DATA_UPLOAD_MAX_MEMORY_SIZE, or an endpoint's own)."""
    error = ApplicationError(
        _("The request body is too large: at most %(size)d bytes.") % {"size": limit},
        code="request_too_large",
    )
    error.status_code = 413
    return error


def request_refused_error(exception: Exception | None) -> ApplicationError | None:
    """The error for a request Django refuses before any view can read it (its
    SuspiciousOperation family), or None."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_large_error(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return ApplicationError(_("The request has too many parameters."), code="too_many_fields")
    if isinstance(exception, DisallowedHost):
        return ApplicationError(_("This host name is not served here."), code="disallowed_host")
    return None


def django_error(
    request: HttpRequest, status_code: int, exception: Exception | None = None
) -> ApplicationError:
    """The API's error for an answer Django gives itself (no DRF view involved): from the
    exception where Django passes it on, else from the status alone."""
    refused = request_refused_error(exception)
    if refused is not None:
        return refused
    if status_code == 400:
        code, message = "bad_request", _("Bad request.")
    elif status_code == 401:
        code, message = "not_authenticated", _("Authentication credentials were not provided.")
    elif status_code == 403:
        code = "permission_denied"
        message = _("You do not have permission to perform this action.")
    elif status_code == 404:
        code, message = "not_found", not_found_message(request)
    elif status_code == 405:
        code = "method_not_allowed"
        message = _("Method %(method)s is not allowed here.") % {"method": request.method}
    elif status_code < 500:
        code = _status_code_name(status_code)
        message = _("The request could not be processed.")
    elif status_code == 503:
        code, message = "service_unavailable", _("The service is temporarily unavailable.")
    else:
        code, message = "server_error", _("Something went wrong on our side. It has been logged.")
    error = ApplicationError(message, code=code)
    error.status_code = status_code
    return error


def django_error_response(
    request: HttpRequest, status_code: int, exception: Exception | None = None
) -> JsonResponse:
    error = django_error(request, status_code, exception)
    return JsonResponse(error.as_payload(), status=error.status_code)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if wants_json(request):
        return django_error_response(request, 404, exception)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        return django_error_response(request, 500)
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if wants_json(request):
        return django_error_response(request, 400, exception)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if wants_json(request):
        return django_error_response(request, 403, exception)
    return defaults.permission_denied(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's CSRF refusal, in our shape for the API."""
    if wants_json(request):
        error = CsrfFailedError()
        return JsonResponse(error.as_payload(), status=error.status_code)
    return csrf.csrf_failure(request, reason)


def response_language(request: HttpRequest) -> str:
    """The language LocaleMiddleware chose, or would have chosen had it run."""
    return getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(request)


def login_locked_out_response(request, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' lock-out response (AXES_LOCKOUT_CALLABLE): our JSON shape for the API, a
    page for the web login."""
    error = LoginLockedOutError()
    if wants_json(request):
        return JsonResponse(error.as_payload(), status=error.status_code)
    return render(
        request,
        "registration/locked_out.html",
        {"message": error.message},
        status=error.status_code,
    )
