"""The insurer's API (`/api/v1/insurer/...`): the 12-treatment check for its own members only,
and nothing clinical: member, dates, practice and therapist codes, attendance, the verdict and
its reason (docs/domain.md §5-6). Every read is in the access log."""

import csv
import re
from collections import Counter
from datetime import date
from operator import itemgetter

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import SkipField, empty
from rest_framework.response import Response
from rest_framework.views import APIView

from programs.api.errors import flatten_detail
from programs.api.parsers import BoundedJSONParser
from programs.api.renderers import CSVRenderer, FastJSONRenderer
from programs.api.schema import ERROR_DESCRIPTIONS, ErrorBodySerializer, ErrorSerializer
from programs.errors import NotFoundError, ValidationFailed
from programs.models import AccessAction, ClaimVerdict, InsuranceCoverage
from programs.models.reimbursement import NOT_COVERED_REASONS
from programs.permissions import IsInsurer, require_insurer
from programs.services.audit import access_log_record, access_log_record_many
from programs.services.reimbursement import (
    claims_check,
    collector_paused,
    insurer_episodes,
    member_coverages,
)

TAGS = ["insurer"]
MAX_LINES = 10_000
MEMBER_NUMBER_MAX = 32  # characters, as InsuranceCoverage.member_number holds
# The body of a claims check may be larger than the 2 MiB (DATA_UPLOAD_MAX_MEMORY_SIZE) every
# other endpoint takes: 10,000 lines with every field at its maximum length (line_id 64,
# member_number 32 characters) are some 2.4 MB of JSON. 8 MiB holds them also when those
# characters are outside ASCII (up to 4 bytes in UTF-8, 6 as a \uXXXX escape) and the JSON
# is indented (tests/api/test_insurer.py sends both); parsed, such a batch is some tens of MB
# in one worker for the length of the request.
MAX_BODY_BYTES = 8 * 1024 * 1024
EXPORT_CHUNK = 500

# The human-readable reason of each verdict, in the language of the request (Accept-Language).
VERDICT_TEXTS = {
    ClaimVerdict.COVERED: _("Covered: one of the 12 treatments of this period."),
    ClaimVerdict.OVER_LIMIT: _(
        "Not covered: the 12 treatments of this period are used; this one falls to the "
        "supplementary insurance or the patient."
    ),
    ClaimVerdict.OUTSIDE_PERIOD: _(
        "Not covered: after the 12-month period ended, and no new indication was recorded."
    ),
    ClaimVerdict.NOT_ATTENDED: _(
        "Not a treatment: the patient did not attend (no-show or cancelled by the practice)."
    ),
    ClaimVerdict.SAME_DAY: _(
        "Not covered: a second treatment on the same day, not marked medically necessary."
    ),
    ClaimVerdict.NO_MATCHING_TREATMENT: _(
        "No treatment is registered for this member on this date by this practice and therapist."
    ),
    ClaimVerdict.NO_REFERRAL: _(
        "Not covered: your policy requires a referral and none is recorded for this episode."
    ),
    ClaimVerdict.DUPLICATE_CLAIM: _("Already claimed: this treatment has been claimed before."),
    ClaimVerdict.NOT_OUR_MEMBER: _("Not your member on this date."),
}
DIAGNOSIS_DIFFERS = "diagnosis_differs"


def verdict_texts() -> dict[str, str]:
    """Each verdict's reason, translated once per request (not once per line)."""
    return {str(code): str(text) for code, text in VERDICT_TEXTS.items()}


AGB_CODE = r"^[0-9]{8}$"


class ClaimLineSerializer(serializers.Serializer):
    """One claim line (R8). Declares the line for the schema and holds the fields each line
    is checked with; ``parse_claim_line`` runs them."""

    line_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="Yours; returned as is (an empty one as null).",
    )
    member_number = serializers.CharField(
        max_length=MEMBER_NUMBER_MAX, help_text="Your member number."
    )
    date = serializers.DateField(help_text="Date of the treatment claimed.")
    practice_agb = serializers.RegexField(AGB_CODE, help_text="AGB code of the practice.")
    therapist_agb = serializers.RegexField(AGB_CODE, help_text="AGB code of the therapist.")
    diagnosis_code = serializers.ChoiceField(
        choices=[],
        help_text=(
            "Vektis diagnosis code: 6223 hip, 7023 knee. One allowance for both (R4): a code "
            "other than those the practice recorded changes no verdict, and the line gets "
            "a diagnosis_differs warning."
        ),
        error_messages={
            "invalid_choice": _("Not a diagnosis code for osteoarthritis of hip or knee.")
        },
    )

    def get_fields(self):
        fields = super().get_fields()
        # The codes are data (settings.REIMBURSEMENT_CODES), read when the fields are built.
        fields["diagnosis_code"].choices = list(settings.REIMBURSEMENT_CODES["diagnosis"].items())
        return fields


class ClaimLinesField(serializers.ListField):
    """The batch's list of lines: its length is checked here, each line on its own by
    ``parse_claim_line`` (so that a bad line gets its own error while the others are still
    judged)."""

    def run_child_validation(self, data):
        return list(data)


def _text(value, limit: int) -> bool:
    """Certainly what a CharField of this length takes unchanged: printable (no NUL, no
    surrogate, no control character), nothing to trim, not too long."""
    return (
        type(value) is str
        and 0 < len(value) <= limit
        and value.isprintable()
        and value[0] != " "
        and value[-1] != " "
    )


def _fast_line_id(value, field):
    return value if value == "" or _text(value, 64) else empty


def _fast_member_number(value, field):
    return value if _text(value, MEMBER_NUMBER_MAX) else empty


def _fast_date(value, field):
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return empty
    return empty


def _fast_agb(value, field):
    return (
        value
        if type(value) is str and len(value) == 8 and value.isdigit() and value.isascii()
        else empty
    )


def _fast_diagnosis(value, field):
    return value if type(value) is str and value in field.choice_strings_to_values else empty


# Per field, a check that accepts the usual value as the field would (same value, no copy of
# the serializer per line); anything else goes through the DRF field itself, which gives the
# same errors, in the request's language, as a serializer would.
_FAST = (
    ("line_id", _fast_line_id),
    ("member_number", _fast_member_number),
    ("date", _fast_date),
    ("practice_agb", _fast_agb),
    ("therapist_agb", _fast_agb),
    ("diagnosis_code", _fast_diagnosis),
)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_STRINGS = {"line_id", "member_number", "practice_agb", "therapist_agb", "diagnosis_code"}
_NOT_A_STRING = serializers.CharField.default_error_messages["invalid"]


def parse_claim_line(raw, fields) -> tuple[dict | None, dict | None]:
    """One line: its validated values, or the error (our error shape, fields named)."""
    if not isinstance(raw, dict):
        error = ValidationFailed(
            fields={"line": (_("A claim line is an object with its fields."), "not_object")}
        )
        return None, error.as_payload()["error"]
    values, errors = {}, {}
    for name, fast in _FAST:
        field = fields[name]
        value = raw.get(name, empty)
        parsed = empty if value is empty else fast(value, field)
        if parsed is empty:
            if value not in (empty, None) and type(value) is not str and name in _STRINGS:
                # Strings only, as the schema says: DRF would turn 0123 into "123".
                errors[name] = [ErrorDetail(_NOT_A_STRING, code="invalid")]
                continue
            try:
                if name == "date" and type(value) is str and not _ISO_DATE.fullmatch(value):
                    # The schema's format: date is YYYY-MM-DD; DRF would also take 20260302.
                    field.fail("invalid", format="YYYY-MM-DD")
                parsed = field.run_validation(value)
            except SkipField:
                continue
            except serializers.ValidationError as exc:
                errors[name] = exc.detail
                continue
        values[name] = parsed
    if errors:
        return values, ValidationFailed(fields=flatten_detail(errors)).as_payload()["error"]
    return values, None


class ClaimCheckSerializer(serializers.Serializer):
    lines = ClaimLinesField(
        child=ClaimLineSerializer(),
        min_length=1,
        max_length=MAX_LINES,
        help_text=(
            "Up to 10,000 claim lines. A line that is not valid (not an object, a field "
            "missing or malformed) is not refused with the batch: it gets its own error "
            "in the answer and the other lines are judged."
        ),
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Judge only; do not record the lines as claimed."
    )


class ReplacedClaimSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=ClaimVerdict.choices)
    verdict_text = serializers.CharField(help_text="The reason of that verdict, in words.")
    number = serializers.IntegerField(allow_null=True)


class ClaimWarningSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=(
            "Stable, machine-readable. Now one: diagnosis_differs (the line's diagnosis code "
            "is not one the practice recorded for the treatment)."
        )
    )
    message = serializers.CharField(help_text="In the request's language.")


class ClaimResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The line's position in the batch, from 0.")
    line_id = serializers.CharField(
        allow_null=True, help_text="Yours, when you sent one; null when not, or empty."
    )
    verdict = serializers.ChoiceField(
        choices=ClaimVerdict.choices, allow_null=True, help_text="Null for an invalid line."
    )
    verdict_text = serializers.CharField(
        allow_null=True,
        help_text="The verdict's reason in words, in the request's language (Accept-Language).",
    )
    number = serializers.IntegerField(allow_null=True, help_text="1-12 when covered.")
    deductible_applies = serializers.BooleanField(
        allow_null=True, help_text="When covered: whether it counts toward the deductible (R6)."
    )
    csi_code = serializers.CharField(
        allow_null=True, help_text="012 covered, 009 beyond the 12; null for other verdicts."
    )
    episode_start = serializers.DateField(allow_null=True)
    episode_end = serializers.DateField(allow_null=True)
    replaces = ReplacedClaimSerializer(
        allow_null=True,
        help_text=(
            "Set when this treatment was claimed before and a recorded correction has "
            "changed its verdict since: the earlier verdict, which this one replaces."
        ),
    )
    warnings = ClaimWarningSerializer(
        many=True,
        help_text=(
            "What does not change the verdict but is worth a look: diagnosis_differs when "
            "the line's diagnosis code is not one the practice recorded (R8)."
        ),
    )
    error = ErrorBodySerializer(allow_null=True, help_text="Why the line could not be judged.")


class ClaimCheckResponseSerializer(serializers.Serializer):
    results = ClaimResultSerializer(many=True)
    summary = serializers.DictField(
        child=serializers.IntegerField(), help_text="Lines per verdict; invalid lines as invalid."
    )


def _invalid_result(index: int, line_id, error: dict) -> dict:
    return {
        "index": index,
        "line_id": line_id,
        "verdict": None,
        "verdict_text": None,
        "number": None,
        "deductible_applies": None,
        "csi_code": None,
        "episode_start": None,
        "episode_end": None,
        "replaces": None,
        "warnings": [],
        "error": error,
    }


def _diagnosis_warning(claimed: str, on_record: tuple[str, ...]) -> list[dict]:
    message = _(
        "The diagnosis code %(claimed)s differs from the one the practice recorded for this "
        "treatment (%(recorded)s). Hip and knee share one allowance, so the verdict is the same."
    ) % {"claimed": claimed, "recorded": ", ".join(on_record)}
    return [{"code": DIAGNOSIS_DIFFERS, "message": message}]


class ClaimsJSONParser(BoundedJSONParser):
    max_bytes = MAX_BODY_BYTES


class ClaimCheckView(APIView):
    permission_classes = [IsInsurer]
    renderer_classes = [FastJSONRenderer]
    parser_classes = [ClaimsJSONParser]

    @extend_schema(
        tags=TAGS,
        summary="Check a batch of claim lines against the 12-treatment rule",
        description=(
            "A verdict per line, with its reason in words (`verdict_text`, in the language of "
            "Accept-Language): covered (with its number 1-12 and whether the deductible "
            "applies), over_limit, outside_period, same_day, not_attended, "
            "no_matching_treatment, no_referral, duplicate_claim, not_our_member. Invalid "
            "lines get an error of their own (`error.fields` names the field); the others "
            "are still judged. Lines that match a treatment are recorded as claimed unless "
            "dry_run is true.\n\n"
            "Diagnosis code: hip and knee, left and right, share one allowance "
            "(docs/domain.md §5, R4), so a line whose diagnosis code (R8: 6223 hip, 7023 "
            "knee) is not one the practice recorded for the treatment gets the same verdict "
            "as with a recorded code, and a `diagnosis_differs` warning that names the codes "
            "on record. On record for a treatment: every indication recorded since the "
            "previous period ended, up to the treatment's day, and the one its episode "
            "started under. Without a recorded indication there is nothing to compare with "
            "and no warning (and the episode's `diagnosis_code` is null).\n\n"
            "Empty values are null, never an empty string. Nothing clinical is returned.\n\n"
            f"The body may take up to {MAX_BODY_BYTES // (1024 * 1024)} MiB (10,000 lines "
            "with every field at its maximum length fit, also in characters outside ASCII); "
            "every other endpoint takes 2 MiB."
        ),
        request=ClaimCheckSerializer,
        responses={
            200: ClaimCheckResponseSerializer,
            413: OpenApiResponse(
                ErrorSerializer,
                description=f"The body is larger than {MAX_BODY_BYTES} bytes "
                "(error.code request_too_large).",
            ),
        },
    )
    def post(self, request):
        insurer = require_insurer(request.user)
        batch = ClaimCheckSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        fields = batch.fields["lines"].child.fields
        texts = verdict_texts()
        with collector_paused():
            valid, line_ids, invalid = [], {}, {}
            for index, raw in enumerate(batch.validated_data["lines"]):
                values, error = parse_claim_line(raw, fields)
                # An empty line_id is no value: null, like every empty value of the answer.
                line_id = (values.get("line_id") or None) if values else None
                if error is not None:
                    invalid[index] = _invalid_result(index, line_id, error)
                    continue
                line_ids[index] = line_id
                values["index"] = index
                valid.append(values)
            judged = claims_check(
                insurer=insurer, lines=valid, record=not batch.validated_data["dry_run"]
            )
            codes = {line["index"]: line["diagnosis_code"] for line in valid}
            results = []
            for result in judged:
                replaces = result.replaces
                results.append(
                    {
                        "index": result.index,
                        "line_id": line_ids[result.index],
                        "verdict": result.verdict,
                        "verdict_text": texts[result.verdict],
                        "number": result.number,
                        "deductible_applies": result.deductible_applies,
                        "csi_code": result.csi_code,
                        "episode_start": result.episode_start,
                        "episode_end": result.episode_end,
                        "replaces": {
                            "verdict": replaces["verdict"],
                            "verdict_text": texts[replaces["verdict"]],
                            "number": replaces["number"],
                        }
                        if replaces
                        else None,
                        "warnings": _diagnosis_warning(
                            codes[result.index], result.diagnosis_on_record
                        )
                        if result.diagnosis_on_record
                        else [],
                        "error": None,
                    }
                )
            if invalid:
                results.extend(invalid.values())
                results.sort(key=itemgetter("index"))
        # The people the lines are about (their member on the line's date).
        access_log_record_many(
            request=request,
            patients={r.patient_id for r in judged if r.patient_id is not None},
            action=AccessAction.READ,
            resource="claims_check",
        )
        summary = Counter(str(row["verdict"] or "invalid") for row in results)
        return Response({"results": results, "summary": dict(summary)})


class TreatmentRowSerializer(serializers.Serializer):
    date = serializers.DateField()
    practice_agb = serializers.CharField()
    therapist_agb = serializers.CharField()
    attended = serializers.BooleanField()
    covered = serializers.BooleanField()
    number = serializers.IntegerField(allow_null=True, help_text="1-12 when covered.")
    verdict = serializers.ChoiceField(
        choices=ClaimVerdict.choices,
        help_text="The verdict a claim of this treatment gets now (as the claims check says).",
    )
    verdict_text = serializers.CharField(
        help_text="The verdict's reason in words, in the request's language (Accept-Language)."
    )
    reason = serializers.ChoiceField(
        choices=NOT_COVERED_REASONS,
        allow_null=True,
        help_text="Why not covered; null when covered.",
    )
    deductible_applies = serializers.BooleanField(
        allow_null=True, help_text="When covered: whether it counts toward the deductible (R6)."
    )
    claimed = serializers.ChoiceField(
        choices=ClaimVerdict.choices,
        allow_null=True,
        help_text="The verdict your claim of it got; null when not claimed.",
    )
    claimed_text = serializers.CharField(
        allow_null=True, help_text="That verdict's reason in words; null when not claimed."
    )


def _with_texts(row: dict, texts: dict[str, str]) -> dict:
    claimed = row["claimed"]
    return {
        **row,
        "verdict_text": texts[row["verdict"]],
        "claimed_text": texts[claimed] if claimed else None,
    }


class EpisodeSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text="The last day of the 12-month period (R2).")
    allowance = serializers.IntegerField()
    used = serializers.IntegerField()
    remaining = serializers.IntegerField()
    diagnosis_code = serializers.CharField(
        allow_null=True,
        help_text=(
            "Vektis code of the indication the episode started under (6223 hip, 7023 knee); "
            "null when the practice recorded none. A claim's code is compared with every "
            "indication recorded since the previous period ended, up to the treatment's day "
            "(see the claims check)."
        ),
    )
    referral = serializers.BooleanField(
        help_text="Whether that indication has a referral (R7); false without an indication."
    )
    treatments = TreatmentRowSerializer(many=True)


class MemberEpisodesSerializer(serializers.Serializer):
    member_number = serializers.CharField()
    episodes = EpisodeSerializer(many=True)
    other_registrations = TreatmentRowSerializer(
        many=True,
        help_text=(
            "Registrations in no episode: not attended before the first treatment or after a "
            "period ended (not_attended), and treatments after a period ended without a new "
            "indication (outside_period, attended)."
        ),
    )


class MemberEpisodesView(APIView):
    permission_classes = [IsInsurer]
    extra_error_codes = ("404",)

    @extend_schema(
        tags=TAGS,
        summary="Episodes of one member: period, treatments used and remaining, per treatment",
        parameters=[
            OpenApiParameter(
                "member_number",
                {"type": "string", "minLength": 1, "maxLength": MEMBER_NUMBER_MAX},
                required=True,
            )
        ],
        responses={200: MemberEpisodesSerializer},
    )
    def get(self, request):
        insurer = require_insurer(request.user)
        member_number = request.query_params.get("member_number", "").strip()
        if not member_number:
            raise ValidationFailed(
                fields={"member_number": (_("Give the member number."), "required")}
            )
        if len(member_number) > MEMBER_NUMBER_MAX:
            # DRF's own message (and its translation), as for a claim line's member_number.
            message = str(serializers.CharField.default_error_messages["max_length"])
            raise ValidationFailed(
                fields={
                    "member_number": (
                        message.format(max_length=MEMBER_NUMBER_MAX),
                        "max_length",
                    )
                }
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
        texts = verdict_texts()
        episodes = [
            {**episode, "treatments": [_with_texts(t, texts) for t in episode["treatments"]]}
            for row in rows
            for episode in row["episodes"]
        ]
        loose = [_with_texts(item, texts) for row in rows for item in row["other_registrations"]]
        return Response(
            MemberEpisodesSerializer(
                {"member_number": member_number, "episodes": episodes, "other_registrations": loose}
            ).data
        )


class _Echo:
    def write(self, value):
        return value


# The episodes endpoint, flattened: one row per treatment (or other registration), under the
# member number of the coverage it falls in. Nothing clinical. Columns added later come last,
# so that a reader by position keeps working.
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
TEXT_COLUMNS = ["verdict", "verdict_text", "claimed_text"]
EXPORT_COLUMNS = [
    "member_number",
    *EPISODE_COLUMNS,
    *TREATMENT_COLUMNS,
    "in_episode",
    *TEXT_COLUMNS,
]
BOOLEAN_COLUMNS = ["referral", "attended", "covered", "deductible_applies", "in_episode"]


def _csv(value) -> object:
    """A CSV cell: booleans as true/false (as in JSON), no value (JSON null) as an empty cell."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return value


def _json_errors(*codes: str) -> dict:
    """The errors of a view whose answer is not JSON: they stay JSON (CSVRenderer)."""
    return {
        (int(code), "application/json"): OpenApiResponse(
            ErrorSerializer, description=ERROR_DESCRIPTIONS[code]
        )
        for code in codes
    }


class EpisodesExportView(APIView):
    permission_classes = [IsInsurer]
    # Negotiated as text/csv (a client asking for it, or for anything, gets the CSV; one that
    # accepts no CSV a 406), streamed by the view itself; errors in JSON.
    renderer_classes = [CSVRenderer]

    @extend_schema(
        tags=TAGS,
        summary="All members' episodes and treatments as CSV (streamed)",
        description=(
            "The episodes endpoint for every member: one row per treatment with its episode, "
            "and one per registration in no episode (in_episode false, episode columns "
            "empty). A person with several member numbers has one set of rows per number.\n\n"
            f"Columns: {', '.join(EXPORT_COLUMNS)}. Boolean columns "
            f"({', '.join(BOOLEAN_COLUMNS)}) are `true` or `false`, as in JSON. An empty "
            "cell is no value (null in the episodes JSON): number when not covered, reason "
            "when covered, deductible_applies when not covered, claimed and claimed_text when "
            "not claimed, diagnosis_code when no indication is recorded, and the episode "
            "columns of a registration in no episode. Dates are YYYY-MM-DD; verdict_text and "
            "claimed_text are in the language of Accept-Language. UTF-8, comma-separated, "
            "quoted where needed (RFC 4180)."
        ),
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="One row a treatment."
            ),
            **_json_errors("401", "403", "429"),
            (406, "application/json"): OpenApiResponse(
                ErrorSerializer, description="The request's Accept header takes no text/csv."
            ),
        },
    )
    def get(self, request):
        insurer = require_insurer(request.user)
        writer = csv.writer(_Echo())
        # Translated now: the rows are written after this view has returned.
        texts = verdict_texts()

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
                    yield from _export_chunk(request, insurer, chunk, writer, texts)
                    chunk, people = {}, set()
                people.add(patient_id)
                chunk.setdefault((patient_id, member), []).append((valid_from, valid_to))
            if chunk:
                yield from _export_chunk(request, insurer, chunk, writer, texts)

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="episodes.csv"'
        response["Content-Language"] = get_language()
        return response


def _export_chunk(request, insurer, coverages, writer, texts):
    access_log_record(
        request=request,
        patients=[patient_id for patient_id, _member in coverages],
        action=AccessAction.EXPORT,
        resource="episodes",
    )
    no_episode = [None] * len(EPISODE_COLUMNS)
    for row in insurer_episodes(insurer=insurer, coverages=coverages):
        member = row["member_number"]
        for episode in row["episodes"]:
            values = [episode["start"], episode["end"]] + [
                episode[column] for column in EPISODE_COLUMNS[2:]
            ]
            for treatment in episode["treatments"]:
                yield _export_row(writer, member, values, treatment, True, texts)
        for treatment in row["other_registrations"]:
            yield _export_row(writer, member, no_episode, treatment, False, texts)


def _export_row(writer, member, episode_values, treatment, in_episode, texts):
    row = _with_texts(treatment, texts)
    return writer.writerow(
        [
            _csv(value)
            for value in (
                member,
                *episode_values,
                *(row[column] for column in TREATMENT_COLUMNS),
                in_episode,
                *(row[column] for column in TEXT_COLUMNS),
            )
        ]
    )
