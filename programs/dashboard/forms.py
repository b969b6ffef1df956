"""Forms of the physiotherapist's dashboard (issue 13).

They render like any Django form and keep what was typed, but they do not validate on their
own: what was posted goes, as it is, through the API's own input functions and serializers
(programs/api/physio.py) and the services behind them, and the errors those raise are put
beside the fields they name. One validation for the API and the dashboard.

Every form carries a submission key; ``submit_once`` runs the change at most once per key, so
a form sent twice (a double click, a retry) changes nothing the second time."""

import uuid
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms.utils import ErrorDict
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from programs.api.errors import as_application_error
from programs.api.physio import (
    AttendanceInputSerializer,
    EndSerializer,
    EnrolSerializer,
    ExerciseAddSerializer,
    PauseSerializer,
    RescheduleSerializer,
    ResumeSerializer,
    ScheduleChangeSerializer,
)
from programs.api.shared import DoseInputSerializer
from programs.errors import ApplicationError, ValidationFailed
from programs.models import AttendanceStatus, EndReason, PlannedSession, TreatmentLocation
from programs.models.catalogue import DOSE_BOUNDS
from programs.scheduling import local_to_utc
from programs.services.submission import submission_run_once

WEEKDAY_CHOICES = [(str(day), WEEKDAYS[day]) for day in range(7)]


class OptionSelect(forms.Select):
    """A select whose options can be disabled, each with the reason in its label."""

    def __init__(self, *args, disabled_values=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled_values = {str(value) for value in disabled_values}

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _bounded_input(field: str):
    low, high = DOSE_BOUNDS[field]
    return forms.NumberInput(attrs={"min": low, "max": high, "inputmode": "numeric"})


class ServiceForm(forms.Form):
    """Renders fields, validates nothing itself: see the module docstring."""

    # The API's serializer for this input: tells which fields take null for "empty".
    serializer_class: type[serializers.Serializer] | None = None
    # Names the API and services use for an error, when the form's field is named otherwise.
    error_fields: dict[str, str] = {}
    # Fields the form turns into the API's input itself (payload()).
    local_fields: tuple[str, ...] = ()

    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs["initial"] = {"submission": uuid.uuid4(), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.cleaned_data: dict[str, Any] = {}
        if self.is_bound:
            # Errors come from the API's validation and the services (submit_once), not from
            # the form's own fields.
            self._errors = ErrorDict(renderer=self.renderer)

    @property
    def succeeded(self) -> bool:
        return self.is_bound and not self._errors

    def payload(self) -> dict[str, Any]:
        """The posted values as the API's input: lists for multiple choices, empty fields left
        out (the serializer's default or "required" applies), or None where the API takes
        null for "none" (an empty end week, an empty repetition count)."""
        nullable = set()
        required = set()
        if self.serializer_class is not None:
            for name, field in self.serializer_class().fields.items():
                if field.allow_null:
                    nullable.add(name)
                if field.required:
                    required.add(name)
        data: dict[str, Any] = {}
        for name, field in self.fields.items():
            if name == "submission" or name in self.local_fields:
                continue
            key = self.add_prefix(name)
            if isinstance(field, forms.MultipleChoiceField):
                values = self.data.getlist(key) if hasattr(self.data, "getlist") else []
                if values or name not in required:
                    data[name] = values
            elif isinstance(field, forms.BooleanField):
                data[name] = self.data.get(key) not in (None, "", "0", "false", "off")
            else:
                value = self.data.get(key)
                if value is not None and str(value).strip() != "":
                    data[name] = value
                elif name in nullable:
                    data[name] = None
        return data

    def add_errors_from(self, exc: Exception) -> int:
        """Put the errors of the API's validation or a service beside the fields they name;
        the message of a refusal that is not about input (a conflict) above the form.
        Returns the status the API would answer (400, 409)."""
        error = as_application_error(exc)
        if error is None:
            raise exc
        placed = set()
        for name, errors in error.fields.items():
            target = self._field_for(name)
            for item in errors:
                self.add_error(target, item["message"])
                placed.add(item["message"])
        if (not error.fields or not isinstance(error, ValidationFailed)) and str(
            error.message
        ) not in placed:
            self.add_error(None, str(error.message))
        return error.status_code

    def _field_for(self, name: str) -> str | None:
        base = name.split(".")[0]
        target = self.error_fields.get(name, self.error_fields.get(base, base))
        return target if target in self.fields else None

    def submission_key(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(str(self.data.get(self.add_prefix("submission"), "")))
        except ValueError:
            return None

    def renew_submission(self) -> None:
        self.data = self.data.copy()
        self.data[self.add_prefix("submission")] = str(uuid.uuid4())


@dataclass(frozen=True)
class Submitted:
    """What came of a submitted form: "done" (the change was made now), "replayed" (this form
    was already submitted: nothing done again) or "invalid" (errors are in the form)."""

    outcome: str
    result: Any = None
    status: int = 200

    @property
    def invalid(self) -> bool:
        return self.outcome == "invalid"


def submit_once(request, form: ServiceForm, action) -> Submitted:
    """Run ``action(payload)`` once for this form's submission key, in one transaction with
    the key; errors of the API's validation or of the service go into the form."""
    key = form.submission_key()
    if key is None:
        form.add_error(None, _("This form was incomplete. Please check it and send it again."))
        form.renew_submission()
        return Submitted("invalid", status=400)
    try:
        ran, result = submission_run_once(
            user=request.user, key=key, action=lambda: action(form.payload())
        )
    except (ApplicationError, serializers.ValidationError, DjangoValidationError) as exc:
        return Submitted("invalid", status=form.add_errors_from(exc))
    return Submitted("done" if ran else "replayed", result)


# --- Enrolment and schedule ----------------------------------------------------------------------


class EnrolForm(ServiceForm):
    serializer_class = EnrolSerializer

    patient = forms.ChoiceField(label=_("Patient"), widget=OptionSelect)
    template = forms.ChoiceField(label=_("Programme"))
    start_date = forms.DateField(label=_("Start date"), widget=_date_input())
    weekdays = forms.MultipleChoiceField(
        label=_("Session days"),
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("2 or 3 days a week."),
    )
    session_time = forms.TimeField(
        label=_("Time of day"),
        widget=_time_input(),
        help_text=_("In the patient's own time zone."),
    )
    supervised_weekdays = forms.MultipleChoiceField(
        label=_("Supervised at the practice on"),
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Among the session days; none for a programme at home only."),
    )
    supervised_until_week = forms.IntegerField(
        label=_("Supervised up to and including week"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": 52, "inputmode": "numeric"}),
        help_text=_("Empty: the whole programme."),
    )

    def __init__(self, *args, patients, not_enrollable=(), templates=(), **kwargs):
        """``patients``: choices (grouped); ``not_enrollable``: ids shown but not choosable
        (their label says why)."""
        super().__init__(*args, **kwargs)
        self.fields["patient"].choices = [("", _("Choose a patient")), *patients]
        self.fields["patient"].widget.disabled_values = {str(pk) for pk in not_enrollable}
        self.fields["template"].choices = list(templates)


class ScheduleForm(ServiceForm):
    serializer_class = ScheduleChangeSerializer

    weekdays = forms.MultipleChoiceField(
        label=_("Session days"),
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Sessions still to come move to the new days; past ones stay."),
    )
    session_time = forms.TimeField(label=_("Time of day"), widget=_time_input())
    supervised_weekdays = forms.MultipleChoiceField(
        label=_("Supervised at the practice on"),
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    supervised_until_week = forms.IntegerField(
        label=_("Supervised up to and including week"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": 52, "inputmode": "numeric"}),
        help_text=_("Empty: the whole programme."),
    )


# --- Exercises and doses -------------------------------------------------------------------------


class DoseForm(ServiceForm):
    serializer_class = DoseInputSerializer

    sets = forms.IntegerField(label=_("Sets"), widget=_bounded_input("sets"))
    repetitions = forms.IntegerField(
        label=_("Repetitions"), required=False, widget=_bounded_input("repetitions")
    )
    hold_seconds = forms.IntegerField(
        label=_("Hold (s)"), required=False, widget=_bounded_input("hold_seconds")
    )
    duration_seconds = forms.IntegerField(
        label=_("Duration (s)"), required=False, widget=_bounded_input("duration_seconds")
    )
    rest_seconds = forms.IntegerField(
        label=_("Rest (s)"), required=False, widget=_bounded_input("rest_seconds")
    )
    target_exertion = forms.IntegerField(
        label=_("Exertion (0-10)"), required=False, widget=_bounded_input("target_exertion")
    )
    load_nl = forms.CharField(label=_("Load (Dutch)"), required=False, max_length=200)
    load_en = forms.CharField(label=_("Load (English)"), required=False, max_length=200)


class ConfirmForm(ServiceForm):
    """A button that changes something (remove an exercise): only the submission key."""


class ExerciseAddForm(DoseForm):
    serializer_class = ExerciseAddSerializer

    exercise = forms.ChoiceField(label=_("Exercise"))

    field_order = ["exercise"]

    def __init__(self, *args, exercises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exercise"].choices = [("", _("Choose from the catalogue")), *exercises]


# --- Sessions and the programme's course ----------------------------------------------------------


class RescheduleForm(ServiceForm):
    serializer_class = RescheduleSerializer

    date = forms.DateField(label=_("New date"), widget=_date_input())
    time = forms.TimeField(
        label=_("New time"),
        required=False,
        widget=_time_input(),
        help_text=_("Empty: the programme's time of day."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class PauseForm(ServiceForm):
    serializer_class = PauseSerializer

    start_date = forms.DateField(
        label=_("Paused from"), required=False, widget=_date_input(), help_text=_("Empty: today.")
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class ResumeForm(ServiceForm):
    serializer_class = ResumeSerializer

    resume_date = forms.DateField(
        label=_("Resume on"), required=False, widget=_date_input(), help_text=_("Empty: today.")
    )


class EndForm(ServiceForm):
    serializer_class = EndSerializer

    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", _("Choose a reason")), *EndReason.choices]
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- Attendance ---------------------------------------------------------------------------------


class AttendanceForm(ServiceForm):
    """One supervised session on the day list. The status comes from the button pressed; the
    time is the local time on the session's day (empty: the planned time)."""

    serializer_class = AttendanceInputSerializer
    error_fields = {"treated_at": "treated_time", "therapist": "therapist_agb_code"}
    local_fields = ("treated_time",)

    status = forms.ChoiceField(choices=AttendanceStatus.choices, required=False)
    therapist_agb_code = forms.ChoiceField(label=_("Treated by"), required=False)
    treated_time = forms.TimeField(
        label=_("Time"), required=False, widget=_time_input(), help_text=_("Empty: as planned.")
    )
    location = forms.ChoiceField(label=_("Where"), choices=TreatmentLocation.choices)
    same_day_necessary = forms.BooleanField(
        label=_("Second treatment today, medically necessary"), required=False
    )
    correction_reason = forms.CharField(
        label=_("Reason for the correction"),
        required=False,
        max_length=300,
        help_text=_("Needed to change a treatment the insurer has already claimed."),
    )

    def __init__(self, *args, session: PlannedSession, therapists=(), **kwargs):
        self.session = session
        kwargs.setdefault("prefix", f"s-{session.pk}")
        super().__init__(*args, **kwargs)
        self.fields["therapist_agb_code"].choices = list(therapists)

    def payload(self) -> dict[str, Any]:
        data = super().payload()
        raw = (self.data.get(self.add_prefix("treated_time")) or "").strip()
        if raw:
            try:
                at = time.fromisoformat(raw)
            except ValueError:
                # Not a time at all: named like the API's own "not a date-time" error.
                data["treated_at"] = raw
            else:
                zone = ZoneInfo(self.session.programme.time_zone)
                data["treated_at"] = local_to_utc(self.session.local_date, at, zone).isoformat()
        return data
