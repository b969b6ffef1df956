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
from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend

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
    """Sign-in: per client address, whoever it claims to be."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _refresh_token_id(request) -> str | None:
    """The id of the refresh token in the request body, if its signature holds. A body that
    does not parse raises here already, with the error the view would give (parse_error, 415)."""
    raw = request.data.get("refresh") if isinstance(request.data, dict) else None
    if not isinstance(raw, str) or len(raw) > 4096:
        return None
    try:
        payload = token_backend.decode(raw, verify=True)
    except TokenBackendError:
        return None
    jti = payload.get(jwt_settings.JTI_CLAIM)
    return str(jti) if jti else None


class RefreshRateThrottle(FailOpenMixin, throttling.SimpleRateThrottle):
    """Token refresh and sign-out, per refresh token (`refresh` rate): many patients behind one
    carrier NAT share an address, and each refreshes its 10-minute access token all day, but no
    two share a token. A request whose token does not verify counts against its address's
    sign-in limit instead (`login` rate, the same bucket as sign-in): nothing else names it."""

    scope = "refresh"

    def allow_request(self, request, view):
        self.token_id = _refresh_token_id(request)
        self.scope = "refresh" if self.token_id else "login"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        ident = f"token:{self.token_id}" if self.token_id else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PatientRateThrottle(FailOpenMixin, throttling.SimpleRateThrottle):
    """The patient app, per patient: generous for a person (an offline phone catching up
    syncs in batches), tight for a script."""

    scope = "patient"

    def get_cache_key(self, request, view):
        user = request.user
        if not user or not user.is_authenticated or user.role != Role.PATIENT:
            return None  # not throttled by this class
        return self.cache_format % {"scope": self.scope, "ident": user.pk}
