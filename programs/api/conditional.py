"""Conditional reads for what an app reads again and again (programme, sessions, catalogue):
an ETag computed from the representation, and 304 Not Modified without a body when the app
sends it back in If-None-Match.

The answer is built in full either way (the access log records every read, 304 or not); what
is saved is the transfer and the app's parsing. The ETag is strong: the SHA-256 of the exact
bytes of the body, which differ with everything shown in it (a dose, a session's status, the
language: ``Vary: Accept-Language``, the host in absolute URLs).

Caching: answers with patient data keep ``Cache-Control: no-store`` (programs/middleware.py):
no HTTP cache, proxy or browser may keep health data. An app keeps them in its own offline
store anyway; it stores the ETag beside them and sends it as If-None-Match. That is sound
with no-store, which is about HTTP caches, not about data the app was given. The exercise
catalogue holds no patient data: its answers say ``private, no-cache``, so that an HTTP
client's own cache (OkHttp, URLSession) may keep them and revalidates them by itself each
time, while shared caches still may not.
"""

import hashlib

from django.http import HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, quote_etag

# Sent with a 304 as they would have been with the 200 (RFC 9110, 15.4.5).
NOT_MODIFIED_HEADERS = ("Cache-Control", "Content-Language", "ETag", "Expires", "Vary")
CATALOGUE_CACHE_CONTROL = "private, no-cache"


def representation_etag(content: bytes) -> str:
    return quote_etag(hashlib.sha256(content).hexdigest()[:32])


def if_none_match_hits(request, etag: str) -> bool:
    """If-None-Match holds this ETag (weak comparison, RFC 9110, 13.1.2) or is ``*``."""
    wanted = parse_etags(request.META.get("HTTP_IF_NONE_MATCH", ""))
    return "*" in wanted or any(tag.removeprefix("W/") == etag for tag in wanted)


class ConditionalGetMixin:
    """For a DRF view: an ETag on each 200 answer to GET, and 304 when If-None-Match holds it.
    ``cache_control`` replaces the API's default no-store (only for answers without patient
    data)."""

    conditional_get = True  # read by programs/api/schema.py to document it
    cache_control: str | None = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        response.render()
        etag = representation_etag(response.content)
        response["ETag"] = etag
        patch_vary_headers(response, ("Accept-Language",))
        if self.cache_control:
            response["Cache-Control"] = self.cache_control
        if not if_none_match_hits(request, etag):
            return response
        not_modified = HttpResponseNotModified()
        for header in NOT_MODIFIED_HEADERS:
            if header in response:
                not_modified[header] = response[header]
        not_modified.cookies = response.cookies
        return not_modified
