"""Signing in to the app: JWT pairs with refresh rotation, failed-login lock-out, logout."""

from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token

from programs.errors import AuthenticationFailedError, LoginLockedOutError
from programs.models import RefreshTokenRotation, User

TOKEN_NOT_VALID = _("The token is not valid or has expired. Please sign in again.")


# The user's role rides along in the tokens (and the access tokens made from them), so that
# authentication loads only that role's profile with the user (programs/api/authentication.py).
# Only a hint for loading: what a user may do is decided by the role stored in the database.
ROLE_CLAIM = "role"


class _RoleClaim(Token):
    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[ROLE_CLAIM] = user.role
        return token


class RoleRefreshToken(RefreshToken, _RoleClaim):
    """A refresh token naming the user's role. The claim is set below the blacklist's
    for_user (method order: RefreshToken, BlacklistMixin, _RoleClaim, Token), so the token
    recorded as outstanding, and given again to a parallel refresh, is the one handed out."""


def _pair_for(user: User) -> tuple[RefreshToken, dict[str, str]]:
    refresh = RoleRefreshToken.for_user(user)
    return refresh, {"access": str(refresh.access_token), "refresh": str(refresh)}


def auth_token_obtain(*, request: HttpRequest, username: str, password: str) -> dict[str, str]:
    """Username and password to an access + refresh pair. After AXES_FAILURE_LIMIT failures from
    one address for one username, that pair is locked out for AXES_COOLOFF_TIME (django-axes
    records the failures; the address alone or the username alone never locks)."""
    request = getattr(request, "_request", request)
    if not AxesProxyHandler.is_allowed(request, {"username": username}):
        raise LoginLockedOutError()
    user = authenticate(request=request, username=username, password=password)
    if user is None or not user.is_active:
        if getattr(request, "axes_locked_out", False):
            raise LoginLockedOutError()
        raise AuthenticationFailedError(
            _("No active account found with these credentials."), code="invalid_credentials"
        )
    _refresh, pair = _pair_for(user)
    # What django.contrib.auth.login() would announce: updates last_login, and lets django-axes
    # reset the failure count (AXES_RESET_ON_SUCCESS) and record the successful sign-in.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return pair


def _decode_refresh(raw: str) -> dict:
    try:
        payload = token_backend.decode(raw, verify=True)
    except TokenBackendError as exc:
        raise AuthenticationFailedError(TOKEN_NOT_VALID, code="token_not_valid") from exc
    if payload.get(jwt_settings.TOKEN_TYPE_CLAIM) != "refresh":
        raise AuthenticationFailedError(TOKEN_NOT_VALID, code="token_not_valid")
    return payload


def _successor_pair(*, jti: str, since) -> dict[str, str] | None:
    """The pair that replaced a token rotated at or after ``since``: its successor refresh token
    (and a fresh access token for it). Follows the chain when the successor was itself rotated
    within the grace period; None when the chain ends in a revoked or expired token."""
    for _step in range(10):  # a chain longer than this within the grace period is not an app
        rotation = RefreshTokenRotation.objects.filter(old_jti=jti, rotated_at__gte=since).first()
        if rotation is None:
            return None
        successor = OutstandingToken.objects.filter(jti=rotation.new_jti).first()
        if successor is None or successor.expires_at <= timezone.now():
            return None
        if not BlacklistedToken.objects.filter(token=successor).exists():
            refresh = RefreshToken(successor.token, verify=False)
            return {"access": str(refresh.access_token), "refresh": successor.token}
        jti = rotation.new_jti
    return None


def auth_token_refresh(*, raw_refresh: str) -> dict[str, str]:
    """Exchange a refresh token for a new pair and revoke the old one (rotation).

    Two refreshes with the same token can race when the app wakes up (PITFALLS.md, "parallel
    refreshes must not log a user out"): a token rotated less than JWT_REFRESH_REUSE_GRACE ago
    is therefore accepted again, and answered with the SAME successor refresh token the first
    exchange gave, so parallel refreshes converge on one token (and one logout revokes it)
    instead of each minting a new 30-day branch. A token revoked by logging out has no
    rotation row and stays refused."""
    payload = _decode_refresh(raw_refresh)
    jti = payload[jwt_settings.JTI_CLAIM]
    now = timezone.now()
    with transaction.atomic():
        outstanding = OutstandingToken.objects.select_for_update().filter(jti=jti).first()
        if outstanding is None:
            raise AuthenticationFailedError(TOKEN_NOT_VALID, code="token_not_valid")
        user = User.objects.filter(pk=payload.get(jwt_settings.USER_ID_CLAIM)).first()
        if user is None or not user.is_active:
            raise AuthenticationFailedError(TOKEN_NOT_VALID, code="token_not_valid")
        if BlacklistedToken.objects.filter(token=outstanding).exists():
            pair = _successor_pair(jti=jti, since=now - settings.JWT_REFRESH_REUSE_GRACE)
            if pair is None:
                raise AuthenticationFailedError(TOKEN_NOT_VALID, code="token_not_valid")
            return pair
        BlacklistedToken.objects.create(token=outstanding)
        refresh, pair = _pair_for(user)
        RefreshTokenRotation.objects.create(
            old_jti=jti, new_jti=refresh[jwt_settings.JTI_CLAIM], user=user, rotated_at=now
        )
        return pair


def auth_logout(*, raw_refresh: str) -> None:
    """Revoke a refresh token for good, with every token that replaced it (a device that
    signs out with a token an earlier refresh already rotated is signed out all the same),
    and close every reuse grace window of its user."""
    payload = _decode_refresh(raw_refresh)
    jti = payload[jwt_settings.JTI_CLAIM]
    with transaction.atomic():
        outstanding = OutstandingToken.objects.filter(jti=jti).first()
        if outstanding is None:
            raise AuthenticationFailedError(TOKEN_NOT_VALID, code="token_not_valid")
        revoked = [outstanding]
        seen = {jti}
        while True:
            rotation = RefreshTokenRotation.objects.filter(old_jti=revoked[-1].jti).first()
            if rotation is None or rotation.new_jti in seen:
                break
            successor = OutstandingToken.objects.filter(jti=rotation.new_jti).first()
            if successor is None:
                break
            seen.add(successor.jti)
            revoked.append(successor)
        for token in revoked:
            BlacklistedToken.objects.get_or_create(token=token)
        if outstanding.user_id:
            RefreshTokenRotation.objects.filter(user_id=outstanding.user_id).delete()


def auth_flush_expired_tokens() -> dict[str, int]:
    """Expired refresh tokens and grace records are useless; keep the tables small."""
    now = timezone.now()
    tokens, _detail = OutstandingToken.objects.filter(expires_at__lte=now).delete()
    stale = now - max(settings.JWT_REFRESH_REUSE_GRACE, timedelta(minutes=5))
    rotations, _detail = RefreshTokenRotation.objects.filter(rotated_at__lt=stale).delete()
    return {"tokens": tokens, "rotations": rotations}
