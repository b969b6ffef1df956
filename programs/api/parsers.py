"""A JSON parser with a body limit of its own, for the one endpoint whose documented input is
larger than the DATA_UPLOAD_MAX_MEMORY_SIZE that every other endpoint keeps (the insurer's
claims check: up to 10,000 lines)."""

import io

from rest_framework.parsers import BaseParser, JSONParser

from programs.api.errors import request_too_large_error


class BoundedJSONParser(BaseParser):
    """JSON, as DRF's JSONParser parses it, from a body of at most ``max_bytes``; a larger one
    is a 413 in the API's error shape, refused on its Content-Length before it is read.

    Not a JSONParser subclass on purpose: DRF (3.18) reads a JSONParser's body through
    Django's HttpRequest.body, which applies DATA_UPLOAD_MAX_MEMORY_SIZE; this parser reads
    the request's stream itself (a WSGI stream bounded by Content-Length), at most
    ``max_bytes`` and one byte more to know it was too long."""

    media_type = "application/json"
    max_bytes: int = 0

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context.get("request")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0) if request else 0
        except (TypeError, ValueError):
            length = 0
        if length > self.max_bytes:
            raise request_too_large_error(self.max_bytes)
        body = stream.read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise request_too_large_error(self.max_bytes)
        return JSONParser().parse(io.BytesIO(body), media_type, parser_context)
