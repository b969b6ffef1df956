"""One JSON error shape for every 4xx/5xx, for DRF views and for Django's own error views."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response

from programs.errors import (
    ApplicationError,
    FieldErrors,
    LoginLockedOutError,
    ValidationFailed,
    field_error,
)
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
        if isinstance(detail, dict):  # simplejwt: {"detail": ..., "code": ..., "messages": [...]}
            detail = detail.get("detail", exc.default_detail)
        elif isinstance(detail, list):
            detail = " ".join(str(item) for item in detail)
        error = ApplicationError(str(detail), code=_code_of(exc))
        error.status_code = exc.status_code
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            error.extra["retry_after_seconds"] = int(exc.wait)
        return error
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


def _json_error(code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message, "fields": {}}}, status=status_code
    )


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if wants_json(request):
        return _json_error("not_found", _("Not found."), 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        return _json_error(
            "server_error", _("Something went wrong on our side. It has been logged."), 500
        )
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if wants_json(request):
        return _json_error("bad_request", _("Bad request."), 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if wants_json(request):
        return _json_error(
            "permission_denied", _("You do not have permission to perform this action."), 403
        )
    return defaults.permission_denied(request, exception)


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
