"""The physiotherapist's dashboard: caseload, patient page and progress report, built on the
same selectors and services as the API, with the same scoping and access log."""

from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from functools import wraps
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from programs.api.physio import ResolveSerializer
from programs.api.shared import allowance_text
from programs.dashboard.charts import CurrentWeek, Series, bar_chart, line_chart
from programs.dashboard.history import history_in_words
from programs.errors import ConflictError
from programs.models import AccessAction, Alert, AlertStatus, Programme
from programs.models.outcome import measure_label
from programs.permissions import patients_visible_to, physiotherapist_of
from programs.scoring.pain import session_pain_signals
from programs.selectors.monitoring import (
    CASELOAD_FILTERS,
    CASELOAD_SEARCH_MAX,
    CASELOAD_SORTS,
    LOGS_PER_PAGE,
    caseload,
    coverage_on,
    filter_and_sort,
    patient_progress,
    programme_phases,
    programme_report,
    score_table,
    session_logs,
)
from programs.selectors.programme import phase_for_week
from programs.services.alert import alert_acknowledge, alert_resolve
from programs.services.audit import access_log_record
from programs.services.reimbursement import allowance_for


def _to_login(request) -> HttpResponse:
    """The login page, and back here after it. An htmx request would follow a redirect and
    swap the login page into the part of the page it asked for: it gets an HX-Redirect, and
    the browser goes there, back to the page the request came from (a boosted link: the page
    it asked for; without the page, or from another site, the caseload)."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return redirect_to_login(request.get_full_path())
    if htmx.boosted and request.method == "GET":
        back = request.get_full_path()
    else:
        back = htmx.current_url_abs_path or reverse("dashboard")
    return HttpResponseClientRedirect(redirect_to_login(back).url)


def physiotherapist_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _to_login(request)
        physiotherapist = physiotherapist_of(request.user)
        if physiotherapist is None:
            return render(request, "dashboard/forbidden.html", status=403)
        request.physiotherapist = physiotherapist
        return view(request, *args, **kwargs)

    return wrapped


def _visible_patient(request, patient_id):
    """The patient, if of the physiotherapist's practice; else 404 (existence does not leak)."""
    patient = (
        patients_visible_to(request.user)
        .select_related("user", "physiotherapist__user", "practice")
        .filter(pk=patient_id)
        .first()
    )
    if patient is None:
        raise Http404
    return patient


@physiotherapist_required
def caseload_page(request):
    q = " ".join(request.GET.get("q", "").split())[:CASELOAD_SEARCH_MAX]
    filter_by = request.GET.get("filter", "all")
    sort = request.GET.get("sort", "name")
    if filter_by not in CASELOAD_FILTERS:
        filter_by = "all"
    if sort.lstrip("-") not in CASELOAD_SORTS:
        sort = "name"
    rows = filter_and_sort(
        caseload(physiotherapist=request.physiotherapist, q=q),
        physiotherapist=request.physiotherapist,
        filter_by=filter_by,
        sort=sort,
    )
    access_log_record(
        request=request,
        patients=[row.patient for row in rows],
        action=AccessAction.LIST,
        resource="dashboard:caseload",
    )
    filters = [
        ("all", _("All patients of the practice")),
        ("mine", _("My patients")),
        ("alerts", _("With open alerts")),
        ("not_adherent", _("Not adherent")),
    ]
    # Sorting keeps the search and the filter.
    kept = {"q": q, "filter": filter_by} if q else {"filter": filter_by}
    return render(
        request,
        "dashboard/caseload.html",
        {
            "rows": rows,
            "q": q,
            "filter": filter_by,
            "sort": sort,
            "filters": filters,
            "sort_base": "?" + urlencode(kept) + "&sort=",
            "threshold": settings.ADHERENCE_THRESHOLD,
        },
    )


# --- Charts -------------------------------------------------------------------------------------


def _position(programme: Programme, day: date, week: int | None = None) -> float:
    """Where a day falls on the weeks axis: week w fills the slot from w - 0.5 to w + 0.5,
    a day at its place within the week. A planned session stays in its programme week (a
    pause moves its date, not its week)."""
    days = (day - programme.start_date).days
    if week is not None:
        return week - 0.5 + (days % 7 + 0.5) / 7
    return max(0.5, days / 7 + 0.5 + 0.5 / 7)


def programme_charts(*, programme, weekly_pain, session_pain, weeks, current_week, this_week):
    """The pain chart (weekly NRS and pain around each session) and the adherence bars."""
    zone = ZoneInfo(programme.time_zone)

    def at(row):
        return _position(programme, row["performed_at"].astimezone(zone).date(), row["week"])

    def weekly_at(row):
        # A weekly report covers its ISO week: drawn in the middle of it.
        return _position(programme, row["week_start"] + timedelta(days=3))

    sessions = list(session_pain)
    pain = line_chart(
        series=[
            Series(
                _("Before"),
                [(at(r), r["pain_before"]) for r in sessions],
                "before",
                width=1.5,
                dash="2 3",
            ),
            Series(
                _("Highest during"), [(at(r), r["pain_during_max"]) for r in sessions], "during"
            ),
            Series(
                _("Next morning"),
                [(at(r), r["pain_next_morning"]) for r in sessions],
                "morning",
                dash="7 4",
            ),
            # Last, so it lies on top; wider and with squares where it meets another line.
            Series(
                _("Weekly pain"),
                # Reports from after the programme's weeks lie outside the chart.
                [
                    (weekly_at(r), r["nrs"])
                    for r in weekly_pain
                    if weekly_at(r) <= programme.weeks + 0.5
                ],
                "weekly",
                width=4,
                marker="square",
            ),
        ],
        x_max=programme.weeks,
        y_max=10,
        title=_("Pain (NRS 0-10) over the programme weeks"),
        x_title=_("Programme week"),
        css="chart-pain",
    )
    current = None
    if current_week is not None and this_week is not None:
        current = CurrentWeek(
            week=current_week,
            done=this_week.done,
            planned=this_week.planned,
            due=this_week.due,
            label=_("Week %(week)s (this week): %(done)s of %(planned)s planned sessions done")
            % {"week": current_week, "done": this_week.done, "planned": this_week.planned},
        )
    adherence = bar_chart(
        bars=[(week, figures.session_adherence) for week, figures in weeks],
        x_max=programme.weeks,
        threshold=settings.ADHERENCE_THRESHOLD,
        title=_("Sessions done per programme week"),
        x_title=_("Programme week"),
        css="chart-adherence",
        current=current,
    )
    return {"pain": pain, "adherence": adherence}


# --- Patient page -------------------------------------------------------------------------------


def _local(moment: datetime, offset_minutes: int | None, zone: str) -> datetime:
    """The moment as the patient's device saw it (its UTC offset), else in the programme's
    zone; naive, so that templates show it as is."""
    if offset_minutes is not None:
        tz = dt_timezone(timedelta(minutes=offset_minutes))
    else:
        tz = ZoneInfo(zone)
    return moment.astimezone(tz).replace(tzinfo=None)


def _dose_pairs(item) -> list[dict]:
    """One logged exercise: each measure prescribed beside done, and whether less was done."""
    pairs = []
    for name, prescribed, done in (
        (_("sets"), item.sets_prescribed, item.sets_done),
        (_("repetitions"), item.repetitions_prescribed, item.repetitions_done),
        (_("hold (s)"), item.hold_seconds_prescribed, item.hold_seconds_done),
        (_("duration (s)"), item.duration_seconds_prescribed, item.duration_seconds_done),
    ):
        if prescribed is None and done is None:
            continue
        short = prescribed is not None and done is not None and done < prescribed
        pairs.append({"name": name, "prescribed": prescribed, "done": done, "short": short})
    return pairs


def _log_rows(logs, programme) -> list[dict]:
    rows = []
    for log in logs:
        planned = log.planned_session
        attendance = getattr(planned, "attendance", None) if planned else None
        rows.append(
            {
                "log": log,
                "performed": _local(
                    log.performed_at, log.performed_offset_minutes, programme.time_zone
                ),
                "week": planned.week if planned else None,
                "supervised": bool(planned and planned.supervised),
                "attendance": attendance,
                "signals": session_pain_signals(
                    pain_before=log.pain_before,
                    pain_during_max=log.pain_during_max,
                    pain_next_morning=log.pain_next_morning,
                    during_acceptable_max=settings.PAIN_DURING_ACCEPTABLE_MAX,
                ),
                "exercises": [
                    {
                        "item": item,
                        "pairs": _dose_pairs(item),
                        "load_short": bool(item.load_prescribed or item.load_done)
                        and item.load_prescribed != item.load_done,
                    }
                    for item in log.exercises.all()
                ],
            }
        )
    return rows


@physiotherapist_required
def patient_page(request, patient_id):
    patient = _visible_patient(request, patient_id)
    progress = patient_progress(patient=patient)
    programme = progress["programme"]
    today = timezone.localdate()
    context = {
        "patient": patient,
        "progress": progress,
        "programme": programme,
        "charts": {},
        "coverage": coverage_on(patient=patient, day=today),
        "allowance": allowance_text(allowance_for(patient=patient, today=today)),
        "open_alerts": [a for a in progress["alerts"] if a.status != AlertStatus.RESOLVED],
        "closed_alerts": [a for a in progress["alerts"] if a.status == AlertStatus.RESOLVED],
    }
    context["score_columns"], context["score_lines"] = score_table(
        progress["scores"] + progress["performance_tests"]
    )
    if programme is not None:
        context["charts"] = programme_charts(
            programme=programme,
            weekly_pain=progress["weekly_pain"],
            session_pain=progress["session_pain"],
            weeks=progress["weeks"],
            current_week=progress["current_week"],
            this_week=progress["this_week"],
        )
        phases = programme_phases(programme=programme)
        context["phases"] = phases
        # The programme page's history in words, newest first.
        context["history"] = history_in_words(
            programme=programme,
            changes=progress["changes"],
            phases=phases,
            exercise_names={
                item.exercise.slug: item.exercise.name
                for phase in phases
                for item in phase.exercises.all()
            },
        )[::-1]
        context["current_phase"] = phase_for_week(phases, progress["current_week"] or 1)
        page = Paginator(session_logs(programme=programme), LOGS_PER_PAGE).get_page(
            request.GET.get("logs")
        )
        context["logs_page"] = page
        context["logs"] = _log_rows(page.object_list, programme)
    access_log_record(
        request=request, patients=[patient], action=AccessAction.READ, resource="dashboard:patient"
    )
    return render(request, "dashboard/patient.html", context)


# --- Progress report ----------------------------------------------------------------------------

REPORT_LANGUAGES = ("nl", "en")


def clinically_important_changes() -> list[str]:
    """The thresholds in force (settings.CLINICALLY_IMPORTANT_CHANGE), as the report states
    them: "Oxford Hip Score 5 points", "Weekly pain (NRS) 2 points or 30%"."""
    names = {"hoos": _("HOOS subscales")}
    lines = []
    for measure, rule in settings.CLINICALLY_IMPORTANT_CHANGE.items():
        name = names.get(measure) or measure_label(measure)
        parts = []
        if rule.get("points") is not None:
            parts.append(_("%(points)s points") % {"points": rule["points"]})
        if rule.get("percent") is not None:
            parts.append(f"{rule['percent']}%")
        either = _("or")
        joined = f" {either} ".join(parts)
        lines.append(f"{name} {joined}" if parts else str(name))
    return lines


@physiotherapist_required
def report_page(request, patient_id):
    """The printable progress report for the GP or referrer (A4, Dutch or English: ``lang``),
    of the current programme or of ``programme`` (one of the patient's)."""
    patient = _visible_patient(request, patient_id)
    programmes = Programme.objects.filter(patient=patient).select_related(
        "enrolled_by__user", "template"
    )
    chosen = request.GET.get("programme")
    if chosen:
        try:
            programme = programmes.filter(pk=chosen).first()
        except ValidationError:  # not a UUID
            programme = None
        if programme is None:
            raise Http404
    else:
        running = programmes.filter(status__in=("active", "paused")).first()
        programme = running or programmes.order_by("-start_date", "-created_at").first()
    language = request.GET.get("lang")
    if language not in REPORT_LANGUAGES:
        language = translation.get_language()[:2]
        language = language if language in REPORT_LANGUAGES else settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "patient": patient,
            "programme": programme,
            "physiotherapist": request.physiotherapist,
            "practice": patient.practice,
            "language": language,
            "created": timezone.localtime(),
            "today": timezone.localdate(),
            "threshold": settings.ADHERENCE_THRESHOLD,
            "mcid": clinically_important_changes(),
        }
        if programme is not None:
            report = programme_report(patient=patient, programme=programme)
            context["report"] = report
            context["history"] = history_in_words(programme=programme, changes=report["changes"])
            context["charts"] = programme_charts(
                programme=programme,
                weekly_pain=report["weekly_pain"],
                session_pain=report["session_pain"],
                weeks=report["adherence_weeks"],
                current_week=report["current_week"],
                this_week=report["this_week"],
            )
        access_log_record(
            request=request,
            patients=[patient],
            action=AccessAction.EXPORT,
            resource="dashboard:report",
            object_id=programme.pk if programme else "",
        )
        return render(request, "dashboard/report.html", context)


def _note_refusal(note: str) -> str | None:
    """Why the API's resolve would refuse this note (ResolveSerializer: no NUL character, at
    most 2000 characters), else None."""
    serializer = ResolveSerializer(data={"note": note})
    if serializer.is_valid():
        return None
    errors = " ".join(str(error) for error in serializer.errors["note"])
    return _("The alert was not resolved. Note: %(error)s") % {"error": errors}


@require_POST
@physiotherapist_required
def alert_action(request, alert_id, action):
    alert = Alert.objects.filter(pk=alert_id, patient__in=patients_visible_to(request.user)).first()
    if alert is None or action not in ("acknowledge", "resolve"):
        raise Http404
    note = request.POST.get("note", "")
    refusal = _note_refusal(note) if action == "resolve" else None
    if refusal is None:
        try:
            if action == "acknowledge":
                alert_acknowledge(alert=alert, actor=request.user)
                messages.success(request, _("Alert acknowledged."))
            else:
                alert_resolve(alert=alert, actor=request.user, note=note)
                messages.success(request, _("Alert resolved."))
        except ConflictError as error:
            refusal = str(error.message)
    if refusal is not None:
        messages.error(request, refusal)
    # Refused, nothing changed: the alert was only looked at.
    access_log_record(
        request=request,
        patients=[alert.patient_id],
        action=AccessAction.READ if refusal is not None else AccessAction.UPDATE,
        resource="dashboard:alert",
        object_id=alert.pk,
    )
    return redirect("dashboard-patient", patient_id=alert.patient_id)
