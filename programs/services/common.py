from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models

from programs.errors import ValidationFailed, field_error


def validation_failed_from(exc: DjangoValidationError) -> ValidationFailed:
    if hasattr(exc, "error_dict"):
        fields = {
            ("non_field_errors" if name == "__all__" else name): [
                field_error(error.messages[0], error.code or "invalid") for error in errors
            ]
            for name, errors in exc.error_dict.items()
        }
    else:
        fields = {"non_field_errors": [field_error(m, exc.code or "invalid") for m in exc.messages]}
    return ValidationFailed(fields=fields)


def full_clean_or_raise(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run the model's own validation and raise our ValidationFailed, naming the fields."""
    try:
        instance.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise validation_failed_from(exc) from exc
