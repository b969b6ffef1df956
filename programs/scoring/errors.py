"""The one error type of the scoring functions (docs/domain.md §2).

It subclasses ValueError so that code outside the app can treat it as bad input; the service
layer translates it into an ``ApplicationError`` using the stable ``code`` and the ``item``."""


class ScoringError(ValueError):
    """An answer, rating or argument that cannot be scored.

    ``item`` is the item code ("P3", "OHS12", "activity_2") when one item is at fault, else None.
    ``code`` is a short, stable string for programs: "out_of_range", "not_integer",
    "unknown_item", "no_activities", "too_few_activities", "too_many_activities",
    "no_values", "not_positive", "not_finite", "unknown_measure", "invalid_threshold"."""

    def __init__(self, message: str, *, code: str, item: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.item = item
