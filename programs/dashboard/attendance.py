"""The physiotherapist's day in the dashboard (issue 13): the supervised sessions of their
patients (or the whole practice's) on a day, and registering each as attended, a no-show or
cancelled by the practice. Registering again corrects it; a claimed treatment changes only
with a correction reason. The same input function and service as the API's attendance
(api/physio.attendance_register_from_input, services/session.attendance_register)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from programs.api.physio import attendance_register_from_input
from programs.dashboard.forms import AttendanceForm, submit_once
from programs.dashboard.programmes import is_htmx
from programs.dashboard.views import physiotherapist_required
from programs.models import (
    AccessAction,
    AttendanceStatus,
    PlannedSession,
    SessionStatus,
    TreatmentLocation,
)
from programs.selectors.worklist import (
    practice_session,
    practice_therapists,
    supervised_sessions_on,
)
from programs.services.audit import access_log_record

SCOPES = ("mine", "practice")


@dataclass
class Visit:
    """One supervised session on the day list, with its form."""

    session: PlannedSession
    form: AttendanceForm
    local: datetime
    saved: str = ""

    @property
    def patient(self):
        return self.session.programme.patient

    @property
    def attendance(self):
        return getattr(self.session, "attendance", None)

    @property
    def state(self) -> str:
        if self.attendance is not None:
            return self.attendance.status
        if self.session.status == SessionStatus.ON_HOLD:
            return "on_hold"
        if self.session.status == SessionStatus.CANCELLED:
            return "cancelled"
        return "open"

    @property
    def state_label(self) -> str:
        if self.attendance is not None:
            return str(AttendanceStatus(self.attendance.status).label)
        return {
            "on_hold": _("on hold: the programme is paused"),
            "cancelled": _("cancelled"),
        }.get(self.state, _("not registered yet"))

    @property
    def attendable(self) -> bool:
        """As services/session._require_attendable: not on hold, and not cancelled unless the
        practice's own cancellation (which stays open to correction)."""
        if self.session.status == SessionStatus.ON_HOLD:
            return False
        return self.session.status != SessionStatus.CANCELLED or (
            self.attendance is not None
            and self.attendance.status == AttendanceStatus.CANCELLED_BY_PRACTICE
        )

    @property
    def claimed(self) -> bool:
        return bool(getattr(self.session, "claimed", False))

    @property
    def details_open(self) -> bool:
        return any(
            self.form[name].errors
            for name in ("therapist_agb_code", "treated_time", "location", "same_day_necessary")
        )


def _initial(session: PlannedSession, me) -> dict:
    attendance = getattr(session, "attendance", None)
    if attendance is None:
        return {"therapist_agb_code": me.agb_code, "location": TreatmentLocation.PRACTICE}
    zone = ZoneInfo(session.programme.time_zone)
    treated = attendance.treated_at.astimezone(zone)
    return {
        "therapist_agb_code": attendance.therapist.agb_code,
        "location": attendance.location,
        "same_day_necessary": attendance.same_day_necessary,
        # Only a time other than the planned one: an empty field keeps "as planned".
        "treated_time": treated.time().replace(second=0, microsecond=0)
        if attendance.treated_at != session.scheduled_at
        else None,
    }


def _visit(session, me, therapists, data=None) -> Visit:
    form = AttendanceForm(
        data, session=session, therapists=therapists, initial=_initial(session, me)
    )
    return Visit(
        session=session,
        form=form,
        local=session.scheduled_at.astimezone(ZoneInfo(session.programme.time_zone)),
    )


def _therapist_choices(physiotherapist) -> list:
    return [
        (therapist.agb_code, f"{therapist} ({therapist.agb_code})")
        for therapist in practice_therapists(physiotherapist=physiotherapist)
    ]


# The days the page shows, around today: years back for past visits and their corrections,
# and ahead past the latest a programme can still hold sessions (enrolled up to a year ahead,
# services/programme.MAX_AHEAD, then its weeks and any pauses). Further off is no plausible
# day of work, and a date near the calendar's ends would overflow the day before or after.
YEARS_BACK = 10
YEARS_AHEAD = 2


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def day_range(today: date) -> tuple[date, date]:
    """The first and last day the page shows."""
    return _years_from(today, -YEARS_BACK), _years_from(today, YEARS_AHEAD)


def _day(value: str | None, today: date) -> date:
    """The day asked for; today for one that is not a date or lies outside day_range."""
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        return today
    first, last = day_range(today)
    return day if first <= day <= last else today


def _render_day(request, *, day: date, scope: str, refused: Visit | None = None, status=200):
    """The day list; ``refused``: a visit whose form came back with errors, shown in its
    place (or first, should the list not hold it: another scope, not supervised)."""
    me = request.physiotherapist
    therapists = _therapist_choices(me)
    sessions = list(supervised_sessions_on(physiotherapist=me, day=day, mine=scope == "mine"))
    visits = [
        refused
        if refused is not None and session.pk == refused.session.pk
        else _visit(session, me, therapists)
        for session in sessions
    ]
    if refused is not None and all(visit is not refused for visit in visits):
        visits.insert(0, refused)
    access_log_record(
        request=request,
        patients=[visit.session.programme.patient_id for visit in visits],
        action=AccessAction.LIST,
        resource="dashboard:today",
    )
    today = timezone.localdate()
    first, last = day_range(today)
    return render(
        request,
        "dashboard/today.html",
        {
            "visits": visits,
            "day": day,
            "today": today,
            "is_today": day == today,
            "scope": scope,
            "previous_day": day - timedelta(days=1) if day > first else None,
            "next_day": day + timedelta(days=1) if day < last else None,
            "first_day": first,
            "last_day": last,
            "scopes": [("mine", _("My patients")), ("practice", _("Whole practice"))],
            "counts": {
                "total": len(visits),
                "open": sum(1 for v in visits if v.state == "open"),
            },
        },
        status=status,
    )


@require_GET
@physiotherapist_required
def today_page(request):
    """Supervised sessions of a day (default today, the practice's local date; each session on
    its patient's local date and shown at its patient's local time)."""
    scope = request.GET.get("who", "mine")
    if scope not in SCOPES:
        scope = "mine"
    return _render_day(
        request, day=_day(request.GET.get("date"), timezone.localdate()), scope=scope
    )


def _registered(outcome: str, status: str) -> str:
    label = AttendanceStatus(status).label
    if outcome == "created":
        return _("Registered: %(status)s.") % {"status": label}
    if outcome == "updated":
        return _("Corrected: %(status)s.") % {"status": label}
    return _("Unchanged: %(status)s.") % {"status": label}


@require_POST
@physiotherapist_required
def attendance_register(request, programme_id, session_id):
    me = request.physiotherapist
    session = practice_session(physiotherapist=me, programme_id=programme_id, session_id=session_id)
    if session is None:  # another practice's (or no such) session: as in the API
        raise Http404
    therapists = _therapist_choices(me)
    visit = _visit(session, me, therapists, data=request.POST)
    submitted = submit_once(
        request,
        visit.form,
        lambda data: attendance_register_from_input(user=request.user, session=session, data=data),
    )
    scope = request.POST.get("who", "mine")
    scope = scope if scope in SCOPES else "mine"
    if submitted.outcome == "done" or is_htmx(request):
        # An htmx answer without a change still shows the patient's data: a read. (The
        # whole day page shown instead logs its own list.)
        access_log_record(
            request=request,
            patients=[session.programme.patient_id],
            action=AccessAction.UPDATE if submitted.outcome == "done" else AccessAction.READ,
            resource="dashboard:attendance",
            object_id=session.pk,
        )
    if submitted.invalid:
        if is_htmx(request):
            return _visit_response(request, visit, scope, status=submitted.status)
        return _render_day(
            request, day=session.local_date, scope=scope, refused=visit, status=submitted.status
        )
    if submitted.outcome == "done":
        saved = _registered(submitted.result.outcome, submitted.result.attendance.status)
    else:
        saved = _("This form had already been sent; nothing was changed again.")
    if is_htmx(request):
        session = practice_session(
            physiotherapist=me, programme_id=programme_id, session_id=session_id
        )
        visit = _visit(session, me, therapists)
        visit.saved = saved
        return _visit_response(request, visit, scope)
    messages.success(request, f"{session.programme.patient}: {saved}")
    url = reverse("dashboard-today")
    query = urlencode({"date": session.local_date.isoformat(), "who": scope})
    return redirect(f"{url}?{query}#visit-{session.pk}")


def _visit_response(request, visit: Visit, scope: str, status: int = 200) -> HttpResponse:
    html = render_to_string(
        "dashboard/_visit.html", {"visit": visit, "scope": scope}, request=request
    )
    return HttpResponse(html, status=status)
