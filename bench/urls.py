"""The application's URLs plus the bare comparison views the benchmarks call
(ROOT_URLCONF=bench.urls; never in production)."""

from django.urls import include, path

from bench.bare import bare_log_upsert

urlpatterns = [
    path("bench/bare-log/<uuid:log_id>/", bare_log_upsert),
    path("", include("backend.urls")),
]
