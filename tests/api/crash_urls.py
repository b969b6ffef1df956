"""A URL configuration for the error-shape tests: the real one, plus two views under /api/
that only Django handles (no DRF): one that crashes and one form post under Django's CSRF
check. Used with ``@pytest.mark.urls("tests.api.crash_urls")``."""

from django.http import HttpResponse
from django.urls import path

from backend.urls import urlpatterns as real_urlpatterns


def crash(request):
    raise RuntimeError("a bug in a view")


def form_post(request):
    return HttpResponse("stored", content_type="text/plain")


urlpatterns = [
    path("api/test/crash/", crash),
    path("api/test/form/", form_post),
    *real_urlpatterns,
]

handler400 = "programs.api.errors.bad_request"
handler403 = "programs.api.errors.permission_denied"
handler404 = "programs.api.errors.not_found"
handler500 = "programs.api.errors.server_error"
