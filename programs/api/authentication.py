"""Bearer-token (JWT) authentication that loads the user together with their role's profile
(patient, physiotherapist or insurer employee): one query per request instead of two, since
nearly every view asks for the profile next. Tokens name the role (services/auth.ROLE_CLAIM),
so only that profile is joined; a token without it (made before it was added) joins all
three."""

from drf_spectacular.authentication import SessionScheme as SpectacularSessionScheme
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import authentication as drf_authentication
from rest_framework import exceptions
from rest_framework_simplejwt import authentication

from programs.errors import CsrfFailedError
from programs.models import Role, User
from programs.services.auth import ROLE_CLAIM

ALL_PROFILES = ("patient", "physiotherapist__practice", "insurer_employee__insurer")
PROFILES = {
    Role.PATIENT: ("patient",),
    Role.PHYSIOTHERAPIST: ("physiotherapist__practice",),
    Role.INSURER: ("insurer_employee__insurer",),
    Role.STAFF: (),
}


class _UsersWithProfiles:
    """What simplejwt's get_user needs of a user model (``objects.get``, ``DoesNotExist``),
    with the profiles joined in. simplejwt's own checks (active user, revoked token) still run.
    Should the role in a token not be the user's (changed since), the user's own profile is
    still found, with a query of its own: the role that counts is the stored one."""

    DoesNotExist = User.DoesNotExist

    def __init__(self, profiles=ALL_PROFILES):
        self.profiles = profiles

    @property
    def objects(self):
        # No profile (staff): the user alone. select_related() without names would follow
        # every non-null foreign key.
        return User.objects.select_related(*self.profiles) if self.profiles else User.objects


class JWTAuthentication(authentication.JWTAuthentication):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_model = _UsersWithProfiles()

    def get_user(self, validated_token):
        self.user_model = _UsersWithProfiles(
            PROFILES.get(validated_token.get(ROLE_CLAIM), ALL_PROFILES)
        )
        return super().get_user(validated_token)


class JWTScheme(SimpleJWTScheme):
    """The same bearer scheme in the OpenAPI schema as simplejwt's own class."""

    target_class = JWTAuthentication


class SessionAuthentication(drf_authentication.SessionAuthentication):
    """DRF's, with its CSRF refusal ("CSRF Failed: CSRF cookie not set.", English only) under
    its own code, with a message in the request's language (a DRF exception still, so that DRF
    marks the request unauthenticated as it does for its own)."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise exceptions.PermissionDenied(
                CsrfFailedError.default_message, code=CsrfFailedError.code
            ) from exc


class SessionScheme(SpectacularSessionScheme):
    """The same cookie scheme in the OpenAPI schema as DRF's own class."""

    target_class = SessionAuthentication
