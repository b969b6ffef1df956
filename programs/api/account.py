"""Signing in and "who am I", for every role."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from programs.api.throttling import LoginRateThrottle, RefreshRateThrottle
from programs.models import AccessAction, Role
from programs.selectors.people import me_profile
from programs.services.audit import access_log_record
from programs.services.auth import auth_logout, auth_token_obtain, auth_token_refresh


class TokenObtainInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"})


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Short-lived; send as `Authorization: Bearer ...`.")
    refresh = serializers.CharField(help_text="Exchange at /auth/token/refresh/; rotates.")


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class _PublicAuthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]
    extra_error_codes = ("401",)


class TokenObtainView(_PublicAuthView):
    @extend_schema(
        tags=["auth"],
        request=TokenObtainInputSerializer,
        responses={200: TokenPairSerializer},
        summary="Sign in with username and password",
    )
    def post(self, request):
        data = TokenObtainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = auth_token_obtain(request=request, **data.validated_data)
        return Response(pair)


class TokenRefreshView(_PublicAuthView):
    throttle_classes = [RefreshRateThrottle]

    @extend_schema(
        tags=["auth"],
        request=RefreshInputSerializer,
        responses={200: TokenPairSerializer},
        summary="Exchange a refresh token for a new pair",
    )
    def post(self, request):
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(auth_token_refresh(raw_refresh=data.validated_data["refresh"]))


class LogoutView(_PublicAuthView):
    throttle_classes = [RefreshRateThrottle]

    @extend_schema(
        tags=["auth"],
        request=RefreshInputSerializer,
        responses={204: None},
        summary="Revoke a refresh token (sign out on this device)",
    )
    def post(self, request):
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        auth_logout(raw_refresh=data.validated_data["refresh"])
        return Response(status=204)


class PracticeSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    agb_code = serializers.CharField()


class InsurerSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    uzovi_code = serializers.CharField()


class CoverageSerializer(serializers.Serializer):
    insurer = InsurerSummarySerializer()
    member_number = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)


class MePatientSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    date_of_birth = serializers.DateField()
    time_zone = serializers.CharField()
    language = serializers.CharField()
    practice = PracticeSummarySerializer()
    physiotherapist_name = serializers.CharField(source="physiotherapist.__str__")
    coverages = CoverageSerializer(many=True)


class MePhysiotherapistSerializer(serializers.Serializer):
    agb_code = serializers.CharField()
    practice = PracticeSummarySerializer()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    patient = MePatientSerializer(allow_null=True)
    physiotherapist = MePhysiotherapistSerializer(allow_null=True)
    insurer = InsurerSummarySerializer(allow_null=True)


class MeView(APIView):
    @extend_schema(tags=["account"], responses={200: MeSerializer}, summary="Who am I")
    def get(self, request):
        payload = me_profile(user=request.user)
        if payload["patient"] is not None:
            access_log_record(
                request=request,
                patients=[payload["patient"]],
                action=AccessAction.READ,
                resource="profile",
            )
        return Response(MeSerializer(payload).data)
