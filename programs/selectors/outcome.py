"""Reading outcomes: answer windows, what is due, series and change against baseline."""

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, Min, Q
from django.utils import timezone

from programs.models import (
    Instrument,
    OutcomeScore,
    Patient,
    Programme,
    ProgrammeStatus,
    QuestionnaireResponse,
    SessionStatus,
    Timepoint,
    WeeklyPain,
)
from programs.scheduling import Window, questionnaire_windows
from programs.scoring import change_against_baseline
from programs.scoring.pain import weekly_pain_signal

# docs/domain.md §2: at baseline, week 6, week 12 and 6 and 12 months after: HOOS, Oxford, PSFS.
SCHEDULED_INSTRUMENTS = (Instrument.HOOS, Instrument.OXFORD, Instrument.PSFS)


def programme_windows(programme: Programme) -> list[Window]:
    """Answer windows from the programme's own sessions, so a pause moves weeks 6 and 12."""
    live = programme.sessions.exclude(status=SessionStatus.CANCELLED)
    anchors = live.aggregate(
        week_6=Min("local_date", filter=Q(week=6)),
        week_12=Min("local_date", filter=Q(week=12)),
        last=Max("local_date"),
    )
    start = programme.start_date
    end = anchors["last"] or start + timedelta(weeks=programme.weeks)
    if programme.status == ProgrammeStatus.ENDED and programme.ended_at:
        end = min(end, programme.ended_at.astimezone(ZoneInfo(programme.time_zone)).date())
    return questionnaire_windows(
        start_date=start,
        week_6_start=anchors["week_6"] or start + timedelta(weeks=5),
        week_12_start=anchors["week_12"] or start + timedelta(weeks=11),
        end_date=end,
    )


@dataclass(frozen=True)
class DueQuestionnaire:
    instrument: str
    timepoint: str
    window_start: date
    window_end: date


def questionnaires_due(*, patient: Patient, today: date | None = None) -> list[DueQuestionnaire]:
    """What is due now: each scheduled questionnaire whose window holds today and that has no
    answer in that window yet. Follow-ups continue after a programme has ended."""
    programme = Programme.objects.filter(patient=patient).order_by("-start_date").first()
    if programme is None:
        return []
    today = today or timezone.now().astimezone(ZoneInfo(patient.time_zone)).date()
    open_windows = [w for w in programme_windows(programme) if w.contains(today)]
    if not open_windows:
        return []
    answered = set(
        QuestionnaireResponse.objects.filter(
            patient=patient, programme=programme, in_window=True
        ).values_list("instrument", "timepoint")
    )
    return [
        DueQuestionnaire(instrument, window.timepoint, window.start, window.end)
        for window in open_windows
        for instrument in SCHEDULED_INSTRUMENTS
        if (instrument, window.timepoint) not in answered
    ]


def _mcid(measure: str) -> dict | None:
    table = settings.CLINICALLY_IMPORTANT_CHANGE
    if measure in table:
        return table[measure]
    if measure.startswith("hoos_") and measure != "hoos_ps" and "hoos" in table:
        return table["hoos"]
    return None


def scores_with_change(*, patient: Patient, programme: Programme | None = None) -> list[dict]:
    """Every score, oldest first, with its change against the baseline of that measure in the
    same programme (the first score at timepoint baseline: a second programme has its own
    baseline) and whether it reaches the clinically important difference
    (settings.CLINICALLY_IMPORTANT_CHANGE, defaults from docs/domain.md §2). A measure without a
    threshold gets its change and improvement (direction-aware: a faster TUG is better), no
    verdict."""
    scores = OutcomeScore.objects.filter(patient=patient)
    if programme is not None:
        scores = scores.filter(programme=programme)
    scores = list(scores.order_by("measured_at", "id"))
    baselines: dict[tuple, float] = {}
    for score in scores:
        key = (score.programme_id, score.measure)
        if score.timepoint == Timepoint.BASELINE and key not in baselines:
            baselines[key] = score.value
    rows = []
    for score in scores:
        baseline = baselines.get((score.programme_id, score.measure))
        row = {
            "score_id": score.pk,
            "measure": score.measure,
            "value": score.value,
            "timepoint": score.timepoint,
            "measured_at": score.measured_at,
            "in_window": score.in_window,
            "source": "questionnaire" if score.response_id else "performance_test",
            "baseline": baseline,
            "change": None,
            "improvement": None,
            "important": None,
        }
        if baseline is not None and score.timepoint != Timepoint.BASELINE:
            mcid = _mcid(score.measure) or {}
            result = change_against_baseline(
                measure=score.measure,
                baseline=baseline,
                value=score.value,
                mcid_points=mcid.get("points"),
                mcid_percent=mcid.get("percent"),
            )
            row.update(
                change=result.change,
                improvement=result.improvement,
                important=result.important,
            )
        rows.append(row)
    return rows


def weekly_pain_series(*, patient: Patient, programme: Programme | None = None) -> list[dict]:
    """Weekly NRS with its change against the first report (the baseline week), whether that
    change is clinically important (2 points or 30%), and the P3 flare signal (docs/domain.md §3:
    2 or more above the baseline)."""
    reports = WeeklyPain.objects.filter(patient=patient)
    if programme is not None:
        reports = reports.filter(programme=programme)
    reports = list(reports.order_by("week_start"))
    baseline = reports[0].nrs if reports else None
    mcid = _mcid("nrs_pain")
    rows = []
    for index, report in enumerate(reports):
        change = important = None
        if index and mcid is not None:
            result = change_against_baseline(
                measure="nrs_pain",
                baseline=baseline,
                value=report.nrs,
                mcid_points=mcid["points"],
                mcid_percent=mcid.get("percent"),
            )
            change, important = result.change, result.important
        rows.append(
            {
                "week_start": report.week_start,
                "nrs": report.nrs,
                "reported_at": report.reported_at,
                "baseline": baseline,
                "change": change,
                "important": important,
                "p3_signal": weekly_pain_signal(
                    baseline=baseline, weekly=report.nrs, rise=settings.PAIN_WEEKLY_RISE_SIGNAL
                ),
            }
        )
    return rows
