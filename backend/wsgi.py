import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

application = get_wsgi_application()


def _warm_up() -> None:
    """Import the URL map (every view, serializer and schema module) and both languages'
    catalogues now, not on each worker's first request: gunicorn preloads this module in its
    master, so every forked worker, recycled ones included, starts warm. Measured: a fresh
    worker's first API request took about 200 ms instead of 12 ms without this."""
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018 - the import is the point
    for language in ("nl", "en"):
        with translation.override(language):
            translation.gettext("Caseload")


_warm_up()
