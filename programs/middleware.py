"""Our middleware: response headers Django's SecurityMiddleware does not set (it sets HSTS,
nosniff, Referrer-Policy, Cross-Origin-Opener-Policy; XFrameOptionsMiddleware sets
X-Frame-Options), and the refusal of NUL characters in URLs."""

from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from programs.api.errors import wants_json
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
