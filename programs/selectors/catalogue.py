"""The exercise catalogue as the API reads it, and the illustrations shipped with it."""

from functools import cache

from django.contrib.staticfiles import finders
from django.db.models import QuerySet

from programs.models import Exercise

# One SVG line drawing per exercise, named after its code (slug), under the app's static files.
ILLUSTRATION_PATH = "programs/exercises/{slug}.svg"


@cache
def exercise_illustration(slug: str) -> str | None:
    """The static path of the illustration shipped for the exercise with this code, or None.

    Found by the static-file finders (the source tree, whether or not collectstatic ran), once
    per process: the drawings ship with the code, so a new one comes with a restart."""
    path = ILLUSTRATION_PATH.format(slug=slug)
    return path if finders.find(path) else None


def exercises_with_variants() -> QuerySet[Exercise]:
    """Every exercise (active or not: a running programme may still prescribe one taken out
    of the catalogue), with its easier and harder variant in the same query."""
    return Exercise.objects.select_related("easier_variant", "harder_variant")


def exercises_active(*, kind: str | None = None) -> QuerySet[Exercise]:
    """The catalogue a physiotherapist prescribes from and an app caches: active exercises."""
    exercises = exercises_with_variants().filter(is_active=True)
    if kind is not None:
        exercises = exercises.filter(kind=kind)
    return exercises.order_by("kind", "difficulty", "slug")
