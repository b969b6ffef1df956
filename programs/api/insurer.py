"""The insurer's API (`/api/v1/insurer/...`): the 12-treatment check for its own members only,
and nothing clinical: member, dates, practice and therapist codes, attendance, the verdict and
its reason (DOMAIN.md §5-6). Every read is in the access log."""

import csv
from collections import Counter

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from programs.api.errors import as_application_error
from programs.api.schema import ErrorBodySerializer
from programs.errors import NotFoundError, ValidationFailed
from programs.models import AccessAction, ClaimVerdict, InsuranceCoverage
from programs.permissions import IsInsurer, require_insurer
from programs.services.audit import access_log_record
from programs.services.reimbursement import claims_check, insurer_episodes, member_coverages

TAGS = ["insurer"]
MAX_LINES = 10_000
EXPORT_CHUNK = 500


class ClaimLineSerializer(serializers.Serializer):
    line_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="Yours; returned as is."
    )
    member_number = serializers.CharField(max_length=32)
    date = serializers.DateField(help_text="Date of the treatment claimed.")
    practice_agb = serializers.RegexField(r"^\d{8}$", help_text="AGB code of the practice.")
    therapist_agb = serializers.RegexField(r"^\d{8}$", help_text="AGB code of the therapist.")
    diagnosis_code = serializers.CharField(max_length=4, help_text="Vektis: 6223 hip, 7023 knee.")

    def validate_diagnosis_code(self, value: str) -> str:
        if value not in settings.REIMBURSEMENT_CODES["diagnosis"]:
            raise serializers.ValidationError(
                _("Not a diagnosis code for osteoarthritis of hip or knee."), code="invalid_choice"
            )
        return value


class ClaimCheckSerializer(serializers.Serializer):
    # Any JSON per line: each is validated on its own, so that one bad line (even one that
    # is not an object) gets its own error while the others are still judged.
    lines = serializers.ListField(
        child=serializers.JSONField(allow_null=True),
        min_length=1,
        max_length=MAX_LINES,
        help_text="Claim lines: member_number, date, practice_agb, therapist_agb, diagnosis_code.",
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Judge only; do not record the lines as claimed."
    )


class ReplacedClaimSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=ClaimVerdict.choices)
    number = serializers.IntegerField(allow_null=True)


class ClaimResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    line_id = serializers.CharField(allow_null=True)
    verdict = serializers.ChoiceField(choices=ClaimVerdict.choices, allow_null=True)
    number = serializers.IntegerField(allow_null=True, help_text="1-12 when covered.")
    deductible_applies = serializers.BooleanField(allow_null=True)
    csi_code = serializers.CharField(help_text="012 covered, 009 beyond the 12.")
    episode_start = serializers.DateField(allow_null=True)
    episode_end = serializers.DateField(allow_null=True)
    replaces = ReplacedClaimSerializer(
        allow_null=True,
        help_text=(
            "Set when this treatment was claimed before and a recorded correction has "
            "changed its verdict since: the earlier verdict, which this one replaces."
        ),
    )
    error = ErrorBodySerializer(allow_null=True, help_text="Why the line could not be judged.")


class ClaimCheckResponseSerializer(serializers.Serializer):
    results = ClaimResultSerializer(many=True)
    summary = serializers.DictField(child=serializers.IntegerField())


class ClaimCheckView(APIView):
    permission_classes = [IsInsurer]

    @extend_schema(
        tags=TAGS,
        summary="Check a batch of claim lines against the 12-treatment rule",
        description=(
            "A verdict per line: covered (with its number 1-12 and whether the deductible "
            "applies), over_limit, outside_period, same_day, not_attended, "
            "no_matching_treatment, no_referral, duplicate_claim, not_our_member. Invalid "
            "lines get an error of their own; the others are still judged. Lines that match a "
            "treatment are recorded as claimed unless dry_run is true."
        ),
        request=ClaimCheckSerializer,
        responses={200: ClaimCheckResponseSerializer},
    )
    def post(self, request):
        insurer = require_insurer(request.user)
        batch = ClaimCheckSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        valid, results = [], {}
        for index, raw in enumerate(batch.validated_data["lines"]):
            if not isinstance(raw, dict):
                error = ValidationFailed(
                    fields={"line": (_("A claim line is an object with its fields."), "not_object")}
                )
                line_id = None
            else:
                line = ClaimLineSerializer(data=raw)
                line_id = raw.get("line_id") if isinstance(raw.get("line_id"), str) else None
                if line.is_valid():
                    valid.append({"index": index, **line.validated_data})
                    continue
                error = as_application_error(serializers.ValidationError(line.errors))
            results[index] = {
                "index": index,
                "line_id": line_id,
                "verdict": None,
                "number": None,
                "deductible_applies": None,
                "csi_code": "",
                "episode_start": None,
                "episode_end": None,
                "replaces": None,
                "error": error.as_payload()["error"],
            }
        judged = claims_check(
            insurer=insurer, lines=valid, record=not batch.validated_data["dry_run"]
        )
        by_index = {line["index"]: line for line in valid}
        for result in judged:
            results[result.index] = {
                "index": result.index,
                "line_id": by_index[result.index].get("line_id"),
                "verdict": result.verdict,
                "number": result.number,
                "deductible_applies": result.deductible_applies,
                "csi_code": result.csi_code,
                "episode_start": result.episode_start,
                "episode_end": result.episode_end,
                "replaces": {
                    "verdict": result.replaces["verdict"],
                    "number": result.replaces["number"],
                }
                if result.replaces
                else None,
                "error": None,
            }
        members = InsuranceCoverage.objects.filter(
            insurer=insurer, member_number__in={line["member_number"] for line in valid}
        ).values_list("patient_id", flat=True)
        access_log_record(
            request=request, patients=members, action=AccessAction.READ, resource="claims_check"
        )
        ordered = [results[index] for index in sorted(results)]
        summary = Counter(row["verdict"] or "invalid" for row in ordered)
        return Response({"results": ordered, "summary": dict(summary)})


class TreatmentRowSerializer(serializers.Serializer):
    date = serializers.DateField()
    practice_agb = serializers.CharField()
    therapist_agb = serializers.CharField()
    attended = serializers.BooleanField()
    covered = serializers.BooleanField()
    number = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(help_text="Why not covered (empty when covered).")
    deductible_applies = serializers.BooleanField(allow_null=True)
    claimed = serializers.CharField(allow_null=True, help_text="Your verdict, if claimed.")


class EpisodeSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text="The last day of the 12-month period (R2).")
    allowance = serializers.IntegerField()
    used = serializers.IntegerField()
    remaining = serializers.IntegerField()
    diagnosis_code = serializers.CharField()
    referral = serializers.BooleanField()
    treatments = TreatmentRowSerializer(many=True)


class MemberEpisodesSerializer(serializers.Serializer):
    member_number = serializers.CharField()
    episodes = EpisodeSerializer(many=True)
    other_registrations = TreatmentRowSerializer(
        many=True, help_text="Registrations in no episode (not attended before any treatment)."
    )


class MemberEpisodesView(APIView):
    permission_classes = [IsInsurer]
    extra_error_codes = ("404",)

    @extend_schema(
        tags=TAGS,
        summary="Episodes of one member: period, treatments used and remaining, per treatment",
        parameters=[
            OpenApiParameter(
                "member_number", {"type": "string", "minLength": 1, "maxLength": 32}, required=True
            )
        ],
        responses={200: MemberEpisodesSerializer},
    )
    def get(self, request):
        insurer = require_insurer(request.user)
        member_number = request.query_params.get("member_number", "").strip()
        if not member_number or len(member_number) > 32:
            raise ValidationFailed(
                fields={"member_number": (_("Give the member number."), "required")}
            )
        coverages = member_coverages(insurer=insurer, member_number=member_number)
        if not coverages:
            raise NotFoundError(_("Not one of your members."), code="not_our_member")
        rows = list(insurer_episodes(insurer=insurer, coverages=coverages))
        access_log_record(
            request=request,
            patients=[patient_id for patient_id, _member in coverages],
            action=AccessAction.READ,
            resource="episodes",
        )
        episodes = [episode for row in rows for episode in row["episodes"]]
        loose = [item for row in rows for item in row["other_registrations"]]
        return Response(
            MemberEpisodesSerializer(
                {"member_number": member_number, "episodes": episodes, "other_registrations": loose}
            ).data
        )


class _Echo:
    def write(self, value):
        return value


# The episodes endpoint, flattened: one row per treatment (or other registration), under the
# member number of the coverage it falls in. Nothing clinical.
EPISODE_COLUMNS = [
    "episode_start",
    "episode_end",
    "allowance",
    "used",
    "remaining",
    "diagnosis_code",
    "referral",
]
TREATMENT_COLUMNS = [
    "date",
    "practice_agb",
    "therapist_agb",
    "attended",
    "covered",
    "number",
    "reason",
    "deductible_applies",
    "claimed",
]
EXPORT_COLUMNS = ["member_number", *EPISODE_COLUMNS, *TREATMENT_COLUMNS, "in_episode"]


class EpisodesExportView(APIView):
    permission_classes = [IsInsurer]

    @extend_schema(
        tags=TAGS,
        summary="All members' episodes and treatments as CSV (streamed)",
        description=(
            "The episodes endpoint for every member: one row per treatment with its episode, "
            "and one per registration in no episode (in_episode false, episode columns "
            "empty). A person with several member numbers has one set of rows per number."
        ),
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row a treatment.")
        },
    )
    def get(self, request):
        insurer = require_insurer(request.user)
        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow(EXPORT_COLUMNS)
            coverages = (
                InsuranceCoverage.objects.filter(insurer=insurer)
                .order_by("patient_id", "member_number", "valid_from")
                .values_list("patient_id", "member_number", "valid_from", "valid_to")
            )
            chunk: dict = {}
            people: set = set()
            for patient_id, member, valid_from, valid_to in coverages.iterator(chunk_size=2000):
                if patient_id not in people and len(people) >= EXPORT_CHUNK:
                    yield from _export_chunk(request, insurer, chunk, writer)
                    chunk, people = {}, set()
                people.add(patient_id)
                chunk.setdefault((patient_id, member), []).append((valid_from, valid_to))
            if chunk:
                yield from _export_chunk(request, insurer, chunk, writer)

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="episodes.csv"'
        return response


def _export_chunk(request, insurer, coverages, writer):
    access_log_record(
        request=request,
        patients=[patient_id for patient_id, _member in coverages],
        action=AccessAction.EXPORT,
        resource="episodes",
    )
    for row in insurer_episodes(insurer=insurer, coverages=coverages):
        for episode in row["episodes"]:
            values = [episode["start"], episode["end"]] + [
                episode[column] for column in EPISODE_COLUMNS[2:]
            ]
            for treatment in episode["treatments"]:
                yield writer.writerow(
                    [
                        row["member_number"],
                        *values,
                        *(treatment[column] for column in TREATMENT_COLUMNS),
                        True,
                    ]
                )
        for treatment in row["other_registrations"]:
            yield writer.writerow(
                [
                    row["member_number"],
                    *([""] * len(EPISODE_COLUMNS)),
                    *(treatment[column] for column in TREATMENT_COLUMNS),
                    False,
                ]
            )
