"""Our middleware: response headers Django's SecurityMiddleware does not set (it sets HSTS,
nosniff, Referrer-Policy, Cross-Origin-Opener-Policy; XFrameOptionsMiddleware sets
X-Frame-Options), the refusal of NUL characters in URLs, and the API's error shape for every
error answer under /api/, whoever gives it."""

from django.core.exceptions import BadRequest, DisallowedHost, SuspiciousOperation
from django.http import HttpResponseBase, JsonResponse
from django.middleware import common
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults

from programs.api.errors import django_error_response, response_language, wants_json
from programs.errors import ValidationFailed

# Nothing here uses the camera, microphone, location or payments.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# API answers are data, never a page: nothing in them may load or run, or be framed.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
PRIVATE_PREFIXES = ("/api/", "/dashboard/", "/admin/")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        path = request.path_info
        if path.startswith(PRIVATE_PREFIXES):
            # Health data: not kept by browsers, app caches or proxies.
            response.headers.setdefault("Cache-Control", "no-store")
        content_type = response.headers.get("Content-Type", "")
        if path.startswith("/api/") and not content_type.startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", API_CSP)
        # Other sites' pages may not embed our answers (apps and CORS requests are unaffected).
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


NUL = "\x00"


class RejectNullCharactersMiddleware:
    """PostgreSQL can neither store nor compare text holding a NUL character: a query parameter,
    path or cookie (the session key) with one that reaches a query is a 500 (PITFALLS.md). Such
    a request is refused here, before any view, with a 400 naming the parameter, in the API's
    error shape. Request bodies are checked where they are parsed: DRF's and Django's form
    CharFields refuse NUL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = self._offending_part(request)
        if name is None:
            return self.get_response(request)
        error = ValidationFailed(
            fields={name: (_("Null characters are not allowed."), "null_characters_not_allowed")}
        )
        if wants_json(request):
            return JsonResponse(error.as_payload(), status=error.status_code)
        return defaults.bad_request(request, SuspiciousOperation(str(error.message)))

    @staticmethod
    def _offending_part(request) -> str | None:
        if NUL in request.path_info:
            return "path"
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in value for value in values):
                return key.replace(NUL, "") or "query"
        for key, value in request.COOKIES.items():
            if NUL in key or NUL in value:
                return key.replace(NUL, "") or "cookie"
        return None


API_PREFIX = "/api/"
# Headers of the answer being replaced that describe its body, not the request's outcome.
BODY_HEADERS = {"content-type", "content-length", "content-disposition", "content-encoding"}


def _is_json(response: HttpResponseBase) -> bool:
    media_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _refusal_of(request, response: HttpResponseBase) -> Exception | None:
    """Why Django refused the request, where the page it made no longer says (DEBUG)."""
    if response.status_code != 400:
        return None
    try:
        request.get_host()
    except DisallowedHost as exc:
        return exc
    return None


class ApiErrorsAsJsonMiddleware:
    """Every error answer under /api/ in the API's one shape,
    ``{"error": {"code", "message", "fields"}}``, in the request's language, whoever answers:
    Django's pages for an unknown URL, a crash or a suspicious request (with DEBUG on, its
    technical pages bypass handler404/handler500), CSRF refusals, and the views that render
    their errors as HTML or YAML (Swagger UI, the schema). The status and headers such as
    Allow, WWW-Authenticate and Retry-After are kept.

    Placed outside everything that can fail, so that it also sees what their failures become."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            response = self.get_response(request)
        except (SuspiciousOperation, BadRequest) as exc:
            # Only here when Django's own error page failed too: with DEBUG on, its technical
            # page reads request.GET again after TooManyFieldsSent and raises once more.
            with translation.override(response_language(request)):
                return django_error_response(request, 400, exc)
        if response.status_code < 400 or _is_json(response):
            return response
        return self._as_json(request, response)

    @staticmethod
    def _as_json(request, response: HttpResponseBase) -> JsonResponse:
        data = getattr(response, "data", None)
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            # A DRF view's own error, rendered by a renderer other than JSON: keep its code
            # (only the error: an HTML renderer adds its template context to the data).
            replacement = JsonResponse({"error": data["error"]}, status=response.status_code)
        else:
            with translation.override(response_language(request)):
                replacement = django_error_response(
                    request, response.status_code, _refusal_of(request, response)
                )
        for header, value in response.items():
            if header.lower() not in BODY_HEADERS and not header.lower().startswith(
                "content-security-policy"
            ):
                replacement.headers.setdefault(header, value)
        replacement.cookies = response.cookies
        # Django logs an error answer once: where it was logged already (a crash, with its
        # traceback), the replacement must say so, or the handler logs it a second time.
        if getattr(response, "_has_been_logged", False):
            replacement._has_been_logged = True
        return replacement


class CommonMiddleware(common.CommonMiddleware):
    """Django's, except that a request with a body to an API URL missing its trailing slash is
    not redirected: the redirect would lose the body (browsers and HTTP libraries repeat a 301
    as a GET), and with DEBUG on Django raises an error instead. It gets a 404 whose message
    names the URL with the slash (programs.api.errors.not_found_message)."""

    def should_redirect_with_slash(self, request):
        if request.path_info.startswith(API_PREFIX) and request.method not in ("GET", "HEAD"):
            return False
        return super().should_redirect_with_slash(request)
