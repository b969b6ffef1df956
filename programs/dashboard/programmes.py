"""Dashboard pages where the physiotherapist changes programmes (issue 13): enrol a patient,
and adjust a running programme (exercises and doses per phase, one session moved, the
schedule, pause, resume, end), with its history in words.

Input goes through the API's own input functions and serializers and the same services
(programs/api/physio.py, services/programme.py): see dashboard/forms.py. Scoped like the API
(another practice's programme is a 404) and written to the access log. Every page works
without JavaScript; with htmx, a dose, an added or removed exercise and a moved session are
saved in place (the answer is the changed part of the page, and the history with it)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from programs.api.physio import (
    programme_enrol_from_input,
    programme_exercise_add_from_input,
    programme_exercise_update_from_input,
)
from programs.dashboard.forms import (
    ConfirmForm,
    DoseForm,
    EndForm,
    EnrolForm,
    ExerciseAddForm,
    PauseForm,
    RescheduleForm,
    ResumeForm,
    ScheduleForm,
    submit_once,
)
from programs.dashboard.history import dose_in_words, history_in_words, weekday_names
from programs.dashboard.views import physiotherapist_required
from programs.models import (
    RUNNING_STATUSES,
    AccessAction,
    AttendanceStatus,
    Exercise,
    ExerciseKind,
    FormSubmission,
    LogStatus,
    PlannedSession,
    Programme,
    ProgrammeExercise,
    ProgrammePhase,
    ProgrammeStatus,
    ProgrammeTemplate,
    SessionStatus,
)
from programs.selectors.monitoring import programme_current_week
from programs.selectors.programme import (
    programme_detail,
    programme_history,
    programme_sessions,
    programmes_visible_to,
)
from programs.selectors.worklist import enrolment_candidates
from programs.services import programme as programme_services
from programs.services.audit import access_log_record

DEFAULT_TEMPLATE = "hip-oa-12-weeks"


def is_htmx(request) -> bool:
    """An htmx request for a part of the page (a boosted one wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def _already_sent(request) -> None:
    messages.info(request, _("This form had already been sent; nothing was changed again."))


# --- Enrolment ------------------------------------------------------------------------------------


def _next_monday(today: date) -> date:
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def _patient_choices(request, candidates) -> tuple[list, list]:
    """Grouped choices: my own patients first, then the rest of the practice. Patients with a
    running programme are shown but cannot be chosen; their label says why."""
    mine, others, blocked = [], [], []
    for patient in candidates:
        label = str(patient)
        if patient.running_since is not None:
            blocked.append(patient.pk)
            if patient.running_status == ProgrammeStatus.PAUSED:
                why = _("paused programme since %(date)s")
            else:
                why = _("running programme since %(date)s")
            label = f"{label} — {why % {'date': formats.date_format(patient.running_since)}}"
        target = mine if patient.physiotherapist_id == request.physiotherapist.pk else others
        target.append((str(patient.pk), label))
    groups = []
    if mine:
        groups.append((_("My patients"), mine))
    if others:
        groups.append((_("Other patients of the practice"), others))
    return groups, blocked


def _enrol_form(request, candidates, data=None, initial=None) -> EnrolForm:
    patients, blocked = _patient_choices(request, candidates)
    templates = [
        (template.slug, template.name)
        for template in ProgrammeTemplate.objects.filter(is_active=True).order_by("slug")
    ]
    return EnrolForm(
        data, patients=patients, not_enrollable=blocked, templates=templates, initial=initial
    )


@require_http_methods(["GET", "POST"])
@physiotherapist_required
def enrol_page(request):
    """Enrol a patient of the practice in a programme: the API's EnrolSerializer and the same
    service (programme_enrol) validate; errors beside the fields, the form keeps its input."""
    candidates = list(enrolment_candidates(user=request.user))
    by_id = {str(patient.pk): patient for patient in candidates}
    status = 200
    if request.method == "POST":
        form = _enrol_form(request, candidates, data=request.POST)
        submitted = submit_once(
            request,
            form,
            lambda data: programme_enrol_from_input(user=request.user, data=data),
        )
        if submitted.outcome == "done":
            programme = submitted.result
            access_log_record(
                request=request,
                patients=[programme.patient_id],
                action=AccessAction.CREATE,
                resource="dashboard:programme",
                object_id=programme.pk,
            )
            messages.success(
                request,
                _("%(patient)s is enrolled: %(name)s from %(date)s.")
                % {
                    "patient": by_id[str(programme.patient_id)],
                    "name": programme.name,
                    "date": formats.date_format(programme.start_date),
                },
            )
            return redirect("dashboard-programme", programme_id=programme.pk)
        if submitted.outcome == "replayed":
            _already_sent(request)
            patient_id = request.POST.get("patient", "")
            running = (
                Programme.objects.filter(patient_id=patient_id, status__in=RUNNING_STATUSES).first()
                if patient_id in by_id
                else None
            )
            if running is not None:
                return redirect("dashboard-programme", programme_id=running.pk)
            return redirect("dashboard")
        status = submitted.status
    else:
        chosen = request.GET.get("patient", "")
        if chosen and chosen not in by_id:
            raise Http404  # not a patient of this practice
        today = timezone.localdate()
        form = _enrol_form(
            request,
            candidates,
            initial={
                "patient": chosen,
                "template": DEFAULT_TEMPLATE,
                "start_date": _next_monday(today),
                "weekdays": ["0", "3"],
                "session_time": time(9, 0),
                "supervised_weekdays": ["0"],
            },
        )
    access_log_record(
        request=request, patients=candidates, action=AccessAction.LIST, resource="dashboard:enrol"
    )
    chosen_patient = by_id.get(str(form["patient"].value() or ""))
    return render(
        request,
        "dashboard/enrol.html",
        {"form": form, "chosen": chosen_patient, "candidates": len(candidates)},
        status=status,
    )


# --- The programme page ---------------------------------------------------------------------------


@dataclass
class ExerciseRow:
    item: ProgrammeExercise
    form: DoseForm
    remove_form: ConfirmForm
    saved: str = ""

    @property
    def dose_text(self) -> str:
        return dose_in_words(self.item.dose())


@dataclass
class PhaseBlock:
    phase: ProgrammePhase
    rows: list[ExerciseRow]
    add_form: ExerciseAddForm
    current: bool = False
    saved: str = ""


@dataclass
class SessionRow:
    session: PlannedSession
    local: datetime
    state: str
    movable: bool
    moved_from: datetime | None = None
    form: RescheduleForm | None = None
    saved: str = ""


@dataclass
class ProgrammeView:
    """What the programme page shows; built by ``_programme_view``."""

    programme: Programme
    today: date
    week: int | None
    phases: list[PhaseBlock] = field(default_factory=list)
    upcoming: list[SessionRow] = field(default_factory=list)
    earlier: list[SessionRow] = field(default_factory=list)
    history: list = field(default_factory=list)


def _programme_or_404(request, programme_id) -> Programme:
    programme = (
        programmes_visible_to(request.user)
        .select_related("patient__user")
        .filter(pk=programme_id)
        .first()
    )
    if programme is None:
        raise Http404
    return programme


def _detail_or_404(request, programme_id) -> Programme:
    programme = programme_detail(user=request.user, programme_id=programme_id)
    if programme is None:
        raise Http404
    return programme


def _local_today(programme: Programme) -> date:
    return timezone.now().astimezone(ZoneInfo(programme.time_zone)).date()


def _catalogue_choices(catalogue: list[Exercise], exclude: set[int]) -> list:
    groups: dict[str, list] = {}
    for exercise in catalogue:
        if exercise.pk not in exclude:
            groups.setdefault(exercise.kind, []).append((exercise.slug, exercise.name))
    return [(ExerciseKind(kind).label, options) for kind, options in groups.items()]


def _dose_form(item: ProgrammeExercise, data=None) -> DoseForm:
    return DoseForm(data, prefix=f"dose-{item.pk}", initial=item.dose())


def _exercise_row(item: ProgrammeExercise, bound: dict) -> ExerciseRow:
    return ExerciseRow(
        item=item,
        form=bound.get(("dose", item.pk)) or _dose_form(item),
        remove_form=bound.get(("remove", item.pk)) or ConfirmForm(prefix=f"remove-{item.pk}"),
    )


def _add_form(phase: ProgrammePhase, items, catalogue, data=None) -> ExerciseAddForm:
    return ExerciseAddForm(
        data,
        prefix=f"add-{phase.order}",
        exercises=_catalogue_choices(catalogue, {item.exercise_id for item in items}),
        initial={"sets": 3, "repetitions": 10, "rest_seconds": 60},
    )


def _phase_block(phase, items, catalogue, week, bound) -> PhaseBlock:
    return PhaseBlock(
        phase=phase,
        rows=[_exercise_row(item, bound) for item in items],
        add_form=bound.get(("add", phase.order)) or _add_form(phase, items, catalogue),
        current=week is not None and phase.first_week <= week <= phase.last_week,
    )


def _session_state(session) -> str:
    if session.status == SessionStatus.ON_HOLD:
        return _("on hold (paused)")
    if session.attendance_status:
        return str(AttendanceStatus(session.attendance_status).label)
    if session.status == SessionStatus.CANCELLED:
        return _("cancelled")
    if session.log_status:
        return _("logged: %(status)s") % {"status": LogStatus(session.log_status).label}
    if session.scheduled_at <= timezone.now():
        return _("not logged")
    return _("planned")


def _session_row(programme: Programme, session, now: datetime, form=None) -> SessionRow:
    zone = ZoneInfo(programme.time_zone)
    movable = (
        programme.status == ProgrammeStatus.ACTIVE
        and session.status == SessionStatus.SCHEDULED
        and session.scheduled_at > now
        and session.log_id is None
        and session.attendance_status is None
    )
    return SessionRow(
        session=session,
        local=session.scheduled_at.astimezone(zone),
        state=_session_state(session),
        movable=movable,
        moved_from=session.originally_scheduled_at.astimezone(zone)
        if session.originally_scheduled_at
        else None,
        form=form,
    )


def _history(programme: Programme, phases=None, session_weeks=None, catalogue=()) -> list:
    described = history_in_words(
        programme=programme,
        changes=list(programme_history(programme=programme)),
        phases=phases,
        session_weeks=session_weeks,
        exercise_names={exercise.slug: exercise.name for exercise in catalogue},
    )
    return described[::-1]  # newest first


def _programme_view(programme: Programme, bound: dict) -> ProgrammeView:
    """The programme (from programme_detail: phases and exercises prefetched) with its
    sessions, history and forms: a fixed number of queries however long the programme."""
    now = timezone.now()
    today = _local_today(programme)
    # The patient page's week: a pause holds it back with the sessions it moved.
    week = programme_current_week(programme=programme, now=now)
    catalogue = list(Exercise.objects.filter(is_active=True).order_by("kind", "difficulty", "slug"))
    phases = list(programme.phases.all())
    sessions = list(programme_sessions(programme=programme))
    view = ProgrammeView(programme=programme, today=today, week=week)
    view.phases = [
        _phase_block(phase, list(phase.exercises.all()), catalogue, week, bound) for phase in phases
    ]
    for session in sessions:
        row = _session_row(programme, session, now)
        (view.upcoming if session.scheduled_at > now else view.earlier).append(row)
    view.earlier.reverse()  # most recent first
    view.history = _history(programme, phases, {str(s.pk): s.week for s in sessions}, catalogue)
    return view


def _course_forms(programme: Programme, bound: dict) -> dict:
    today = _local_today(programme)
    schedule = bound.get("schedule") or ScheduleForm(
        prefix="schedule",
        initial={
            "weekdays": [str(day) for day in programme.weekdays],
            "session_time": programme.session_time,
            "supervised_weekdays": [str(day) for day in programme.supervised_weekdays],
            "supervised_until_week": programme.supervised_until_week,
        },
    )
    return {
        "schedule_form": schedule,
        "pause_form": bound.get("pause") or PauseForm(prefix="pause"),
        "resume_form": bound.get("resume")
        or ResumeForm(prefix="resume", initial={"resume_date": today}),
        "end_form": bound.get("end") or EndForm(prefix="end"),
    }


def _render_programme(request, programme_id, *, bound=None, status=200) -> HttpResponse:
    bound = bound or {}
    programme = _detail_or_404(request, programme_id)
    view = _programme_view(programme, bound)
    open_pause = (
        programme.pauses.filter(end_date__isnull=True).first()
        if programme.status == ProgrammeStatus.PAUSED
        else None
    )
    access_log_record(
        request=request,
        patients=[programme.patient_id],
        action=AccessAction.READ,
        resource="dashboard:programme",
        object_id=programme.pk,
    )
    return render(
        request,
        "dashboard/programme.html",
        {
            "programme": programme,
            "patient": programme.patient,
            "view": view,
            "running": programme.is_running,
            "open_pause": open_pause,
            "weekdays": weekday_names(programme.weekdays),
            "supervised_weekdays": weekday_names(programme.supervised_weekdays),
            **_course_forms(programme, bound),
        },
        status=status,
    )


@require_GET
@physiotherapist_required
def programme_page(request, programme_id):
    return _render_programme(request, programme_id)


def _history_oob(request, programme: Programme) -> str:
    """The history section, to be swapped in next to the changed part (htmx out of band)."""
    return render_to_string(
        "dashboard/_history.html",
        {"history": _history(programme), "oob": True},
        request=request,
    )


def _partial(request, template: str, context: dict, *, programme, status=200) -> HttpResponse:
    html = render_to_string(
        template, {"programme": programme, "running": programme.is_running, **context}, request
    )
    if status < 400:
        html += _history_oob(request, programme)
    return HttpResponse(html, status=status)


def _log_change(request, programme, action, resource, object_id) -> None:
    access_log_record(
        request=request,
        patients=[programme.patient_id],
        action=action,
        resource=resource,
        object_id=object_id,
    )


def _log_submission(request, programme, submitted, action, resource, object_id) -> None:
    """A change made is logged as that change. An htmx answer without a change (errors, a
    form sent again) still shows the patient's data: a read. (A whole page shown instead
    logs its own read.)"""
    if submitted is not None and submitted.outcome == "done":
        _log_change(request, programme, action, resource, object_id)
    elif is_htmx(request):
        _log_change(request, programme, AccessAction.READ, resource, object_id)


def _back(programme_id, anchor: str = ""):
    url = reverse("dashboard-programme", kwargs={"programme_id": programme_id})
    return redirect(f"{url}#{anchor}" if anchor else url)


# --- Course of the programme: schedule, pause, resume, end ----------------------------------------


def _course_action(request, programme_id, *, name, form_class, action, done_message):
    programme = _programme_or_404(request, programme_id)
    form = form_class(request.POST, prefix=name)
    submitted = submit_once(request, form, lambda data: action(programme, data))
    if submitted.invalid and submitted.status == 409:
        # The programme changed meanwhile (ended, paused elsewhere): show it as it is now.
        for error in form.non_field_errors():
            messages.error(request, error)
        return _back(programme.pk)
    if submitted.invalid:
        return _render_programme(request, programme_id, bound={name: form}, status=submitted.status)
    if submitted.outcome == "done":
        _log_change(request, programme, AccessAction.UPDATE, "dashboard:programme", programme.pk)
        messages.success(request, done_message)
    else:
        _already_sent(request)
    return _back(programme.pk)


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@require_POST
@physiotherapist_required
def programme_schedule(request, programme_id):
    def change(programme, data):
        values = _validated(ScheduleForm.serializer_class, data)
        programme_services.programme_update_schedule(
            actor=request.user, programme=programme, **values
        )

    return _course_action(
        request,
        programme_id,
        name="schedule",
        form_class=ScheduleForm,
        action=change,
        done_message=_("The schedule is changed for the sessions still to come."),
    )


@require_POST
@physiotherapist_required
def programme_pause(request, programme_id):
    def pause(programme, data):
        values = _validated(PauseForm.serializer_class, data)
        programme_services.programme_pause(actor=request.user, programme=programme, **values)

    return _course_action(
        request,
        programme_id,
        name="pause",
        form_class=PauseForm,
        action=pause,
        done_message=_("The programme is paused; its sessions from that day on are on hold."),
    )


@require_POST
@physiotherapist_required
def programme_resume(request, programme_id):
    def resume(programme, data):
        values = _validated(ResumeForm.serializer_class, data)
        programme_services.programme_resume(actor=request.user, programme=programme, **values)

    return _course_action(
        request,
        programme_id,
        name="resume",
        form_class=ResumeForm,
        action=resume,
        done_message=_("The programme is resumed; the sessions on hold are planned again."),
    )


@require_POST
@physiotherapist_required
def programme_end(request, programme_id):
    def end(programme, data):
        values = _validated(EndForm.serializer_class, data)
        programme_services.programme_end(actor=request.user, programme=programme, **values)

    return _course_action(
        request,
        programme_id,
        name="end",
        form_class=EndForm,
        action=end,
        done_message=_("The programme is ended; sessions still to come are cancelled."),
    )


# --- Exercises and doses --------------------------------------------------------------------------


def _item_or_none(programme: Programme, item_id: int) -> ProgrammeExercise | None:
    return (
        ProgrammeExercise.objects.select_related("exercise", "phase")
        .filter(pk=item_id, phase__programme=programme)
        .first()
    )


@require_POST
@physiotherapist_required
def exercise_update(request, programme_id, item_id):
    """Change the dose of one exercise in one phase (the whole dose as shown)."""
    programme = _programme_or_404(request, programme_id)
    item = _item_or_none(programme, item_id)
    if item is None:
        raise Http404
    form = _dose_form(item, request.POST)
    submitted = submit_once(
        request,
        form,
        lambda data: programme_exercise_update_from_input(
            user=request.user, item=item, data=data, partial=False
        ),
    )
    _log_submission(
        request, programme, submitted, AccessAction.UPDATE, "dashboard:programme_exercise", item.pk
    )
    if not is_htmx(request):
        if submitted.invalid:
            return _render_programme(
                request, programme_id, bound={("dose", item.pk): form}, status=submitted.status
            )
        if submitted.outcome == "done":
            messages.success(request, _("Dose saved: %(exercise)s.") % {"exercise": item.exercise})
        else:
            _already_sent(request)
        return _back(programme.pk, f"exercise-{item.pk}")
    if submitted.invalid:
        row = ExerciseRow(item=item, form=form, remove_form=ConfirmForm(prefix=f"remove-{item.pk}"))
        return _partial(
            request,
            "dashboard/_exercise_row.html",
            {"row": row},
            programme=programme,
            status=submitted.status,
        )
    item = _item_or_none(programme, item.pk)
    row = _exercise_row(item, {})
    row.saved = _("Saved.") if submitted.outcome == "done" else _("Already saved.")
    return _partial(request, "dashboard/_exercise_row.html", {"row": row}, programme=programme)


@require_POST
@physiotherapist_required
def exercise_remove(request, programme_id, item_id):
    programme = _programme_or_404(request, programme_id)
    item = _item_or_none(programme, item_id)
    form = ConfirmForm(request.POST, prefix=f"remove-{item_id}")
    if item is None:
        key = form.submission_key()
        if key is None or not FormSubmission.objects.filter(key=key, user=request.user).exists():
            raise Http404
        submitted = None  # removed by this very form before: a retry
    else:
        submitted = submit_once(
            request,
            form,
            lambda data: programme_services.programme_exercise_remove(
                actor=request.user, item=item
            ),
        )
    _log_submission(
        request, programme, submitted, AccessAction.DELETE, "dashboard:programme_exercise", item_id
    )
    if submitted is not None and submitted.invalid:
        if not is_htmx(request):
            return _render_programme(
                request, programme_id, bound={("remove", item.pk): form}, status=submitted.status
            )
        row = ExerciseRow(item=item, form=_dose_form(item), remove_form=form)
        return _partial(
            request,
            "dashboard/_exercise_row.html",
            {"row": row},
            programme=programme,
            status=submitted.status,
        )
    if is_htmx(request):  # the row goes; the history comes along
        return HttpResponse(_history_oob(request, programme))
    if submitted is not None and submitted.outcome == "done":
        messages.success(
            request, _("Exercise removed: %(exercise)s.") % {"exercise": item.exercise}
        )
    else:
        _already_sent(request)
    return _back(programme.pk, "exercises")


@require_POST
@physiotherapist_required
def exercise_add(request, programme_id, phase_order):
    """Add an exercise from the catalogue to one phase, with its dose."""
    programme = _programme_or_404(request, programme_id)
    phase = ProgrammePhase.objects.filter(programme=programme, order=phase_order).first()
    if phase is None:
        raise Http404
    catalogue = list(Exercise.objects.filter(is_active=True).order_by("kind", "difficulty", "slug"))
    items = list(phase.exercises.select_related("exercise").order_by("order", "id"))
    form = _add_form(phase, items, catalogue, request.POST)
    submitted = submit_once(
        request,
        form,
        lambda data: programme_exercise_add_from_input(user=request.user, phase=phase, data=data),
    )
    _log_submission(
        request,
        programme,
        submitted,
        AccessAction.CREATE,
        "dashboard:programme_exercise",
        submitted.result.pk if submitted.outcome == "done" else f"phase {phase.order}",
    )
    if not is_htmx(request):
        if submitted.invalid:
            return _render_programme(
                request, programme_id, bound={("add", phase.order): form}, status=submitted.status
            )
        if submitted.outcome == "done":
            messages.success(
                request,
                _("Exercise added: %(exercise)s.") % {"exercise": submitted.result.exercise},
            )
            return _back(programme.pk, f"exercise-{submitted.result.pk}")
        _already_sent(request)
        return _back(programme.pk, f"phase-{phase.order}")
    week = programme_current_week(programme=programme)
    if submitted.invalid:
        block = _phase_block(phase, items, catalogue, week, {("add", phase.order): form})
        return _partial(
            request,
            "dashboard/_phase.html",
            {"block": block},
            programme=programme,
            status=submitted.status,
        )
    items = list(phase.exercises.select_related("exercise").order_by("order", "id"))
    block = _phase_block(phase, items, catalogue, week, {})
    block.saved = _("Exercise added.") if submitted.outcome == "done" else _("Already saved.")
    return _partial(request, "dashboard/_phase.html", {"block": block}, programme=programme)


# --- One session ----------------------------------------------------------------------------------


def _session_or_404(programme: Programme, session_id: UUID):
    session = programme_sessions(programme=programme).filter(pk=session_id).first()
    if session is None:
        raise Http404
    return session


def _reschedule_form(session, programme, data=None) -> RescheduleForm:
    local = session.scheduled_at.astimezone(ZoneInfo(programme.time_zone))
    return RescheduleForm(
        data,
        prefix=f"move-{session.pk}",
        initial={"date": local.date(), "time": local.time().replace(second=0, microsecond=0)},
    )


@require_GET
@physiotherapist_required
def session_row(request, programme_id, session_id):
    """One row of the session list (htmx: after "cancel" on a move form)."""
    programme = _programme_or_404(request, programme_id)
    session = _session_or_404(programme, session_id)
    if not is_htmx(request):
        return _back(programme.pk, f"session-{session.pk}")
    _log_change(request, programme, AccessAction.READ, "dashboard:session", session.pk)
    row = _session_row(programme, session, timezone.now())
    return render(request, "dashboard/_session_row.html", {"programme": programme, "row": row})


@require_http_methods(["GET", "POST"])
@physiotherapist_required
def session_reschedule(request, programme_id, session_id):
    """Move one session to another day or time (services/programme.session_reschedule)."""
    programme = _programme_or_404(request, programme_id)
    session = _session_or_404(programme, session_id)
    status = 200
    if request.method == "POST":
        form = _reschedule_form(session, programme, request.POST)
        submitted = submit_once(request, form, lambda data: _reschedule(request, session, data))
        _log_submission(
            request, programme, submitted, AccessAction.UPDATE, "dashboard:session", session.pk
        )
        if not submitted.invalid:
            if is_htmx(request):
                session = _session_or_404(programme, session_id)
                row = _session_row(programme, session, timezone.now())
                row.saved = _("Moved.") if submitted.outcome == "done" else _("Already saved.")
                return _partial(
                    request, "dashboard/_session_row.html", {"row": row}, programme=programme
                )
            if submitted.outcome == "done":
                moved = submitted.result.scheduled_at.astimezone(ZoneInfo(programme.time_zone))
                messages.success(
                    request,
                    _("Session moved to %(when)s.")
                    % {"when": formats.date_format(moved, "l j F Y H:i")},
                )
            else:
                _already_sent(request)
            return _back(programme.pk, f"session-{session.pk}")
        status = submitted.status
        if not is_htmx(request):
            # The form's own page, shown again with the errors: a read (it logs no read of
            # its own, unlike the programme page).
            _log_change(request, programme, AccessAction.READ, "dashboard:session", session.pk)
    else:
        form = _reschedule_form(session, programme)
        _log_change(request, programme, AccessAction.READ, "dashboard:session", session.pk)
    row = _session_row(programme, session, timezone.now(), form=form)
    context = {"programme": programme, "patient": programme.patient, "row": row}
    if is_htmx(request):
        return render(request, "dashboard/_reschedule_row.html", context, status=status)
    return render(request, "dashboard/reschedule.html", context, status=status)


def _reschedule(request, session, data):
    values = _validated(RescheduleForm.serializer_class, data)
    return programme_services.session_reschedule(
        actor=request.user,
        session=session,
        local_date=values["date"],
        local_time=values.get("time"),
        reason=values["reason"],
    )
