"""The exercise catalogue (`/api/v1/exercises/`), for the patient's app and the
physiotherapist alike: no patient data, so no access log, and cacheable by the client
(programs/api/conditional.py)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from programs.api.conditional import CATALOGUE_CACHE_CONTROL, ConditionalGetMixin
from programs.api.shared import ExerciseSerializer
from programs.errors import NotFoundError, ValidationFailed
from programs.models import ExerciseKind
from programs.permissions import IsPatientOrPhysiotherapist
from programs.selectors.catalogue import exercises_active, exercises_with_variants

KIND_PARAMETER = OpenApiParameter(
    "kind", str, enum=ExerciseKind.values, description="Only exercises of this kind."
)


@extend_schema(
    tags=["catalogue"],
    summary="Exercise catalogue: every active exercise, with its media and variants",
    description=(
        "The exercises a session or programme refers to by id (`?view=compact` of the "
        "sessions lists). An exercise taken out of the catalogue that a programme still "
        "prescribes is not listed; GET /api/v1/exercises/{id}/ serves it."
    ),
    parameters=[KIND_PARAMETER],
)
class ExerciseListView(ConditionalGetMixin, ListAPIView):
    permission_classes = [IsPatientOrPhysiotherapist]
    serializer_class = ExerciseSerializer
    cache_control = CATALOGUE_CACHE_CONTROL

    def get_queryset(self):
        kind = self.request.query_params.get("kind")
        if kind is not None and kind not in ExerciseKind.values:
            raise ValidationFailed(fields={"kind": (_("Unknown kind."), "invalid_choice")})
        return exercises_active(kind=kind)


class ExerciseDetailView(ConditionalGetMixin, APIView):
    permission_classes = [IsPatientOrPhysiotherapist]
    cache_control = CATALOGUE_CACHE_CONTROL

    @extend_schema(
        tags=["catalogue"],
        summary="One exercise (also one taken out of the catalogue)",
        responses={200: ExerciseSerializer},
    )
    def get(self, request, exercise_id):
        exercise = exercises_with_variants().filter(pk=exercise_id).first()
        if exercise is None:
            raise NotFoundError(_("Exercise not found."))
        return Response(ExerciseSerializer(exercise, context={"request": request}).data)
