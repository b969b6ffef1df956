"""A JSON renderer on orjson, for answers of thousands of rows (the insurer's claims check:
10,000 verdicts). Same output as DRF's JSONRenderer for what our views return (compact,
UTF-8, dates as ISO 8601), several times faster; lazy translations are rendered as text."""

from decimal import Decimal

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import JSONRenderer


def _default(value):
    if isinstance(value, Promise):  # gettext_lazy
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, frozenset | set | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        # UTC as "Z" like DRF's encoder; orjson renders dates, datetimes and UUIDs itself.
        return orjson.dumps(data, default=_default, option=orjson.OPT_UTC_Z)
