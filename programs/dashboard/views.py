"""The physiotherapist's dashboard: caseload and patient pages, built on the same selectors
and services as the API, with the same scoping and access log."""

from datetime import date
from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programs.dashboard.charts import Series, bar_chart, line_chart
from programs.errors import ConflictError
from programs.models import AccessAction, Alert, AlertStatus
from programs.models.outcome import measure_label
from programs.permissions import patients_visible_to, physiotherapist_of
from programs.selectors.monitoring import (
    CASELOAD_FILTERS,
    CASELOAD_SORTS,
    caseload,
    filter_and_sort,
    patient_progress,
)
from programs.services.alert import alert_acknowledge, alert_resolve
from programs.services.audit import access_log_record


def physiotherapist_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        physiotherapist = physiotherapist_of(request.user)
        if physiotherapist is None:
            return render(request, "dashboard/forbidden.html", status=403)
        request.physiotherapist = physiotherapist
        return view(request, *args, **kwargs)

    return wrapped


@physiotherapist_required
def caseload_page(request):
    filter_by = request.GET.get("filter", "all")
    sort = request.GET.get("sort", "name")
    if filter_by not in CASELOAD_FILTERS:
        filter_by = "all"
    if sort.lstrip("-") not in CASELOAD_SORTS:
        sort = "name"
    rows = filter_and_sort(
        caseload(physiotherapist=request.physiotherapist),
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
    return render(
        request,
        "dashboard/caseload.html",
        {
            "rows": rows,
            "filter": filter_by,
            "sort": sort,
            "filters": filters,
            "threshold": settings.ADHERENCE_THRESHOLD,
        },
    )


def _programme_week(programme, day: date) -> float:
    return (day - programme.start_date).days / 7 + 1


@physiotherapist_required
def patient_page(request, patient_id):
    patient = (
        patients_visible_to(request.user)
        .select_related("user", "physiotherapist__user")
        .filter(pk=patient_id)
        .first()
    )
    if patient is None:
        raise Http404
    progress = patient_progress(patient=patient)
    programme = progress["programme"]
    charts = {}
    if programme is not None:
        weeks = programme.weeks
        weekly = [
            (_programme_week(programme, row["week_start"]) + 0.5, row["nrs"])
            for row in progress["weekly_pain"]
        ]
        local = programme.time_zone
        sessions = progress["session_pain"]

        def at(row):
            return _programme_week(
                programme, row["performed_at"].astimezone(ZoneInfo(local)).date()
            )

        charts["pain"] = line_chart(
            series=[
                Series(_("Weekly pain"), weekly, "weekly"),
                Series(_("Before"), [(at(r), r["pain_before"]) for r in sessions], "before"),
                Series(
                    _("Highest during"), [(at(r), r["pain_during_max"]) for r in sessions], "during"
                ),
                Series(
                    _("Next morning"),
                    [(at(r), r["pain_next_morning"]) for r in sessions],
                    "morning",
                ),
            ],
            x_max=weeks,
            y_max=10,
            title=_("Pain (NRS 0-10) over the programme weeks"),
            x_title=_("Programme week"),
            css="chart-pain",
        )
        charts["adherence"] = bar_chart(
            bars=[(week, figures.session_adherence) for week, figures in progress["weeks"]],
            x_max=weeks,
            threshold=settings.ADHERENCE_THRESHOLD,
            title=_("Sessions done per programme week"),
            x_title=_("Programme week"),
            css="chart-adherence",
        )
    access_log_record(
        request=request, patients=[patient], action=AccessAction.READ, resource="dashboard:patient"
    )
    latest_scores = {}
    for row in progress["scores"] + progress["performance_tests"]:
        latest_scores[row["measure"]] = row
    return render(
        request,
        "dashboard/patient.html",
        {
            "patient": patient,
            "progress": progress,
            "programme": programme,
            "charts": charts,
            "latest_scores": [
                (measure_label(measure), row) for measure, row in sorted(latest_scores.items())
            ],
            "open_alerts": [a for a in progress["alerts"] if a.status != AlertStatus.RESOLVED],
            "closed_alerts": [a for a in progress["alerts"] if a.status == AlertStatus.RESOLVED],
        },
    )


@require_POST
@physiotherapist_required
def alert_action(request, alert_id, action):
    alert = Alert.objects.filter(pk=alert_id, patient__in=patients_visible_to(request.user)).first()
    if alert is None or action not in ("acknowledge", "resolve"):
        raise Http404
    try:
        if action == "acknowledge":
            alert_acknowledge(alert=alert, actor=request.user)
            messages.success(request, _("Alert acknowledged."))
        else:
            alert_resolve(alert=alert, actor=request.user, note=request.POST.get("note", "")[:2000])
            messages.success(request, _("Alert resolved."))
    except ConflictError as error:
        messages.error(request, str(error.message))
    access_log_record(
        request=request,
        patients=[alert.patient_id],
        action=AccessAction.UPDATE,
        resource="dashboard:alert",
        object_id=alert.pk,
    )
    return redirect("dashboard-patient", patient_id=alert.patient_id)
