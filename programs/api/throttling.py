"""Rate limits: per address for anonymous requests and sign-in, per user for everything else,
and a tighter one for the patient app. Counts live in the cache (Redis in production).

If the cache cannot be reached the request goes through: a patient logging a session must not
get an error because Redis restarts. The outage is logged (and /healthz reports it); the
failed-login lockout (django-axes) keeps counting in the database meanwhile."""

import logging

from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError
from rest_framework import throttling
from rest_framework.settings import api_settings

from programs.models import Role
from programs.permissions import client_ip

logger = logging.getLogger(__name__)

# What an unreachable cache raises: redis-py's errors; OSError for sockets and file caches.
CACHE_ERRORS = (RedisError, OSError)


class FailOpenMixin:
    def get_ident(self, request):
        return client_ip(request) or "unknown"

    def get_rate(self):
        # Read at request time, not at import: rates come from settings (and tests change them).
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError as exc:
            raise ImproperlyConfigured(f"No throttle rate for scope {self.scope!r}.") from exc

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            logger.warning(
                "throttle %s: cache unreachable (%s); request let through", self.scope, exc
            )
            return True


class AnonRateThrottle(FailOpenMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FailOpenMixin, throttling.UserRateThrottle):
    """Signed-in users other than patients (who have PatientRateThrottle)."""

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated and request.user.role == Role.PATIENT:
            return None
        return super().get_cache_key(request, view)


class LoginRateThrottle(FailOpenMixin, throttling.SimpleRateThrottle):
    """Sign-in, token refresh and sign-out: per client address, whoever it claims to be."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PatientRateThrottle(FailOpenMixin, throttling.SimpleRateThrottle):
    """The patient app, per patient: generous for a person (an offline phone catching up
    syncs in batches), tight for a script."""

    scope = "patient"

    def get_cache_key(self, request, view):
        user = request.user
        if not user or not user.is_authenticated or user.role != Role.PATIENT:
            return None  # not throttled by this class
        return self.cache_format % {"scope": self.scope, "ident": user.pk}
