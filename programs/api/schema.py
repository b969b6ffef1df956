"""The OpenAPI generator and the error schema every endpoint shares."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class FieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable code, e.g. `invalid`.")
    message = serializers.CharField(help_text="Human-readable, in the request's language.")
    fields = serializers.DictField(
        child=FieldErrorSerializer(many=True),
        help_text="Per field (dotted path for nested items), the errors found.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class SessionLogErrorBodySerializer(ErrorBodySerializer):
    """The error of a session-log write, which may name the log a session already has."""

    existing_log = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="With 409 `session_already_logged`: the id of the log the session has, to "
        "fetch and merge with. Absent otherwise.",
    )


class SessionLogErrorSerializer(serializers.Serializer):
    error = SessionLogErrorBodySerializer()


ERROR_DESCRIPTIONS = {
    "400": "Invalid input; `error.fields` names each field.",
    "401": "Not signed in, or the token has expired.",
    "403": "Signed in, but this role may not do this.",
    "404": "Not found, or not yours to see.",
    "409": "Conflicts with the current state of the record.",
    "429": "Too many requests; retry after the `Retry-After` header.",
}


# Local wall-clock times go out as HH:MM and come in as HH:MM or HH:MM:SS. OpenAPI's `time`
# format is RFC 3339's full-time, with seconds and a UTC offset, which these are not.
LOCAL_TIME = {
    "type": "string",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
    "example": "18:00",
}
NULLABLE_DATETIME = {"type": "string", "format": "date-time", "nullable": True}


class LocalTimeFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return dict(LOCAL_TIME)


class AutoSchema(SpectacularAutoSchema):
    """Declares the shared error responses on every operation (PITFALLS.md)."""

    extra_error_codes: tuple[str, ...] = ()

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        codes = ["429"]
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if not public:
            codes += ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH") or public:
            codes.append("400")
        if any(parameter["in"] == "query" for parameter in parameters):
            codes.append("400")  # a malformed filter or page names the parameter
        if "{" in self.path:
            codes.append("400")  # a NUL character in a path parameter (programs/middleware.py)
        if "{" in self.path or any(parameter["name"] == "page" for parameter in parameters):
            codes.append("404")  # not yours, or a page past the last
        codes += list(getattr(self.view, "extra_error_codes", ()))
        if self.method == "GET" and getattr(self.view, "conditional_get", False):
            _document_conditional_get(operation)
        responses = operation.setdefault("responses", {})
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]), code
                )
        return operation


def _document_conditional_get(operation: dict) -> None:
    """programs/api/conditional.py: If-None-Match in, ETag out, 304 without a body."""
    operation.setdefault("parameters", []).append(
        {
            "in": "header",
            "name": "If-None-Match",
            "schema": {"type": "string"},
            "description": "The ETag of the copy you hold: 304 without a body if unchanged.",
        }
    )
    responses = operation["responses"]
    responses["200"].setdefault("headers", {})["ETag"] = {
        "schema": {"type": "string"},
        "description": "Identifies this representation; send it back in If-None-Match.",
    }
    responses["304"] = {
        "description": "Not modified: the copy you hold (If-None-Match) is current.",
        "headers": {"ETag": {"schema": {"type": "string"}}},
    }
