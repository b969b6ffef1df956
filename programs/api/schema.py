"""The OpenAPI generator and the error schema every endpoint shares."""

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


ERROR_DESCRIPTIONS = {
    "400": "Invalid input; `error.fields` names each field.",
    "401": "Not signed in, or the token has expired.",
    "403": "Signed in, but this role may not do this.",
    "404": "Not found, or not yours to see.",
    "409": "Conflicts with the current state of the record.",
    "429": "Too many requests; retry after the `Retry-After` header.",
}


class AutoSchema(SpectacularAutoSchema):
    """Declares the shared error responses on every operation (PITFALLS.md)."""

    extra_error_codes: tuple[str, ...] = ()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["429"]
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if not public:
            codes += ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH") or public:
            codes.append("400")
        if "{" in self.path:
            codes.append("404")
        codes += list(getattr(self.view, "extra_error_codes", ()))
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]), code
                )
        return responses
