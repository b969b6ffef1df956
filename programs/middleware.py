"""Response headers Django's SecurityMiddleware does not set (it sets HSTS, nosniff,
Referrer-Policy, Cross-Origin-Opener-Policy; XFrameOptionsMiddleware sets X-Frame-Options)."""

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
