from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination

from programs.errors import ValidationFailed


def _whole_number(raw: str, name: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise ValidationFailed(fields={name: (_("Give a whole number of 1 or more."), "invalid")})
    return value


class Pagination(PageNumberPagination):
    """Page numbers from 1. A `page` or `page_size` that is not a whole number of 1 or more is a
    400 naming it; a page past the last is a 404; a larger `page_size` than `max_page_size` is
    capped (as DRF does)."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param, "1")
        if raw in self.last_page_strings:
            return raw
        return _whole_number(raw, self.page_query_param)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return min(_whole_number(raw, self.page_size_query_param), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = f"Results per page, at most {self.max_page_size}."
        return parameters
