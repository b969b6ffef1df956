"""Adjusting a running programme from the dashboard: doses, exercises, one session, the
schedule, pause/resume/end; the history in words; htmx answers with the changed part; a form
sent twice changes once; constant queries."""

import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.models import (
    AccessLogEntry,
    ChangeKind,
    Exercise,
    PlannedSession,
    Programme,
    ProgrammeChange,
    ProgrammeExercise,
)
from programs.services import programme as programme_services
from tests.dashboard.conftest import AMS
from tests.dashboard.support import field_errors, form_data, input_value

# Wednesday 3 March 2027, 10:00: week 1 of the programmes of the `march` fixture.
WEDNESDAY = datetime(2027, 3, 3, 10, tzinfo=AMS)


@pytest.fixture(autouse=True)
def _wednesday():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield


@pytest.fixture
def physio(world, client):
    client.force_login(world.physio.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def programme(march) -> Programme:
    return march.owner


def page_url(programme) -> str:
    return f"/dashboard/programmes/{programme.pk}/"


def first_item(programme, phase=1) -> ProgrammeExercise:
    return (
        ProgrammeExercise.objects.filter(phase__programme=programme, phase__order=phase)
        .select_related("exercise")
        .order_by("order")
        .first()
    )


def dose(item, **changes) -> dict:
    values = {k: "" if v is None else str(v) for k, v in item.dose().items()}
    values.update({k: str(v) for k, v in changes.items()})
    return form_data(f"dose-{item.pk}", **values)


def htmx(**extra):
    return {"HTTP_HX_REQUEST": "true", **extra}


class TestPage:
    def test_shows_phases_doses_sessions_and_history(self, world, physio, programme):
        page = physio.get(page_url(programme)).content.decode()
        for phase in programme.phases.all():
            assert f'id="phase-{phase.order}"' in page and phase.name_en in page
        item = first_item(programme)
        assert f'id="exercise-{item.pk}"' in page and item.exercise.name_en in page
        assert input_value(page, f"dose-{item.pk}-sets") == str(item.sets)
        assert (
            page.count('class="move-link"')
            == programme.sessions.filter(scheduled_at__gt=WEDNESDAY).count()
        )
        assert "Enrolled" in page and "24 sessions planned" in page
        entry = AccessLogEntry.objects.get(resource="dashboard:programme")
        assert (entry.action, entry.patient_id) == ("read", world.owner.pk)

    def test_an_ended_programme_is_shown_without_forms(self, world, physio, programme):
        programme_services.programme_end(
            actor=world.physio.user, programme=programme, reason="goals_reached"
        )
        page = physio.get(page_url(programme)).content.decode()
        assert "This programme has ended; it can no longer be changed." in page
        assert "Save dose" not in page and 'class="move-link"' not in page
        assert "Ended early" in page and "goals reached early" in page

    def test_costs_the_same_queries_however_long_the_programme_and_its_history(
        self, world, physio, programme, django_assert_max_num_queries
    ):
        with CaptureQueriesContext(connection) as short:
            assert physio.get(page_url(programme)).status_code == 200
        short_count = len(short.captured_queries)
        phases = list(programme.phases.all())
        model = first_item(programme).exercise
        extra = [
            Exercise.objects.create(
                slug=f"extra-{index}",
                name_nl=f"Extra {index}",
                name_en=f"Extra {index}",
                instructions_nl="-",
                instructions_en="-",
                kind=model.kind,
                difficulty=2,
            )
            for index in range(3)
        ]
        for phase in phases:
            for exercise in extra:
                programme_services.programme_exercise_add(
                    actor=world.physio.user,
                    phase=phase,
                    exercise=exercise,
                    dose={"sets": 2, "repetitions": 8},
                )
        item = first_item(programme)
        for sets in (1, 2, 3, 4):
            programme_services.programme_exercise_update(
                actor=world.physio.user, item=item, dose={"sets": sets}
            )
        session = programme.sessions.filter(scheduled_at__gt=WEDNESDAY).order_by("scheduled_at")[3]
        programme_services.session_reschedule(
            actor=world.physio.user,
            session=session,
            local_date=session.local_date + timedelta(days=1),
            local_time=None,
        )
        assert ProgrammeChange.objects.filter(programme=programme).count() > 10
        with django_assert_max_num_queries(short_count):
            page = physio.get(page_url(programme)).content.decode()
        assert page.count('class="exercise-row"') > len(phases) * 3


class TestDose:
    def test_a_changed_dose_is_saved_and_told_in_the_history(self, world, physio, programme):
        item = first_item(programme)
        before = item.sets
        response = physio.post(
            f"{page_url(programme)}exercises/{item.pk}/", dose(item, sets=before + 1)
        )
        assert response.status_code == 302
        assert response["Location"] == f"{page_url(programme)}#exercise-{item.pk}"
        item.refresh_from_db()
        assert item.sets == before + 1
        change = ProgrammeChange.objects.get(kind=ChangeKind.EXERCISE_CHANGED)
        assert (change.actor, change.detail["before"]["sets"]) == (world.physio.user, before)
        page = physio.get(page_url(programme)).content.decode()
        assert f"Dose saved: {item.exercise.name_en}." in page
        assert f"Dose changed: {item.exercise.name_en} (Phase 1" in page
        assert f"sets: {before} → {before + 1}" in page
        assert AccessLogEntry.objects.filter(
            resource="dashboard:programme_exercise", action="update", object_id=str(item.pk)
        ).exists()

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"sets": 11}, "sets", "Ensure this value is less than or equal to 10."),
            ({"sets": 0}, "sets", "Ensure this value is greater than or equal to 1."),
            ({"sets": ""}, "sets", "This field is required."),
            ({"rest_seconds": 601}, "rest_seconds", "less than or equal to 600"),
            ({"target_exertion": 11}, "target_exertion", "less than or equal to 10"),
            ({"repetitions": "ten"}, "repetitions", "A valid integer is required."),
            (
                {"repetitions": "", "hold_seconds": "", "duration_seconds": ""},
                "repetitions",
                "Give repetitions, hold_seconds or duration_seconds (at least one).",
            ),
        ],
    )
    def test_a_bad_dose_is_shown_beside_the_field_and_not_saved(
        self, physio, programme, changes, field, message
    ):
        item = first_item(programme, phase=2)
        before = item.dose()
        data = dose(item, **changes)
        response = physio.post(f"{page_url(programme)}exercises/{item.pk}/", data)
        page = response.content.decode()
        assert response.status_code == 400
        assert message in " ".join(field_errors(page, f"id_dose-{item.pk}-{field}"))
        key = f"dose-{item.pk}-{field}"
        assert input_value(page, key) == data[key]  # kept as typed
        item.refresh_from_db()
        assert item.dose() == before
        assert not ProgrammeChange.objects.filter(kind=ChangeKind.EXERCISE_CHANGED).exists()

    def test_htmx_gets_the_row_and_the_history(self, physio, programme):
        item = first_item(programme)
        response = physio.post(
            f"{page_url(programme)}exercises/{item.pk}/", dose(item, sets=3), **htmx()
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in page
        assert page.startswith(f'<li class="exercise-row" id="exercise-{item.pk}">')
        assert '<section class="card" id="history" hx-swap-oob="true">' in page
        assert "Saved." in page and "Dose changed" in page
        bad = physio.post(
            f"{page_url(programme)}exercises/{item.pk}/", dose(item, sets=99), **htmx()
        )
        assert bad.status_code == 400
        assert "<html" not in bad.content.decode() and "hx-swap-oob" not in bad.content.decode()
        assert field_errors(bad.content.decode(), f"id_dose-{item.pk}-sets")

    def test_a_dose_form_sent_twice_changes_once(self, physio, programme):
        item = first_item(programme)
        data = dose(item, sets=4)
        url = f"{page_url(programme)}exercises/{item.pk}/"
        physio.post(url, data)
        again = physio.post(url, data, **htmx())
        assert again.status_code == 200 and "Already saved." in again.content.decode()
        assert ProgrammeChange.objects.filter(kind=ChangeKind.EXERCISE_CHANGED).count() == 1

    def test_an_exercise_of_another_programme_is_a_404(self, physio, programme, march):
        other = first_item(march.other_patient)
        response = physio.post(f"{page_url(programme)}exercises/{other.pk}/", dose(other, sets=3))
        assert response.status_code == 404


class TestExercises:
    def add(self, physio, programme, phase=1, **values):
        values = {"sets": "3", "repetitions": "12", "rest_seconds": "60", **values}
        data = form_data(f"add-{phase}", **values)
        return physio.post(f"{page_url(programme)}phases/{phase}/exercises/", data), data

    def spare(self, programme, phase=1) -> Exercise:
        present = ProgrammeExercise.objects.filter(
            phase__programme=programme, phase__order=phase
        ).values("exercise")
        return Exercise.objects.exclude(pk__in=present).order_by("slug").first()

    def test_add_from_the_catalogue(self, physio, programme):
        exercise = self.spare(programme)
        response, _data = self.add(physio, programme, exercise=exercise.slug)
        item = ProgrammeExercise.objects.get(phase__programme=programme, exercise=exercise)
        assert response.status_code == 302
        assert (item.phase.order, item.sets, item.repetitions) == (1, 3, 12)
        page = physio.get(page_url(programme)).content.decode()
        assert f"Exercise added: {exercise.name_en} (Phase 1" in page
        assert "3 × 12, rest 60 s" in page  # noqa: RUF001

    def test_the_catalogue_offers_only_what_is_not_in_the_phase(self, physio, programme):
        page = physio.get(page_url(programme)).content.decode()
        section = page[page.index('id="phase-1"') : page.index('id="phase-2"')]
        inside = first_item(programme).exercise
        assert f'<option value="{self.spare(programme).slug}">' in section
        assert f'<option value="{inside.slug}">' not in section

    @pytest.mark.parametrize(
        ("values", "field", "message"),
        [
            ({"exercise": ""}, "exercise", "This field is required."),
            ({"exercise": "no-such-exercise"}, "exercise", "Unknown exercise."),
            ({"exercise": None, "sets": "12"}, "sets", "less than or equal to 10"),
        ],
    )
    def test_bad_input_is_shown_beside_the_field(self, physio, programme, values, field, message):
        values = dict(values)
        if values["exercise"] is None:
            values["exercise"] = self.spare(programme).slug
        count = ProgrammeExercise.objects.count()
        response, _data = self.add(physio, programme, **values)
        page = response.content.decode()
        assert response.status_code == 400
        assert message in " ".join(field_errors(page, f"id_add-1-{field}"))
        assert '<details class="add-exercise" open>' in page
        assert ProgrammeExercise.objects.count() == count

    def test_an_exercise_already_in_the_phase_is_refused(self, physio, programme):
        inside = first_item(programme).exercise
        response, _data = self.add(physio, programme, exercise=inside.slug)
        assert response.status_code == 400
        assert field_errors(response.content.decode(), "id_add-1-exercise") == [
            "This exercise is already in this phase."
        ]

    def test_htmx_gets_the_phase_with_the_new_exercise(self, physio, programme):
        exercise = self.spare(programme)
        data = form_data("add-1", exercise=exercise.slug, sets="2", hold_seconds="30")
        response = physio.post(f"{page_url(programme)}phases/1/exercises/", data, **htmx())
        page = response.content.decode()
        assert response.status_code == 200 and "<html" not in page
        assert page.startswith('<section class="phase') and 'id="phase-1"' in page
        assert exercise.name_en in page and "2 × 30 s hold" in page  # noqa: RUF001
        assert 'id="history" hx-swap-oob="true"' in page

    def test_remove_and_a_remove_sent_twice(self, physio, programme):
        item = first_item(programme)
        data = form_data(f"remove-{item.pk}")
        url = f"{page_url(programme)}exercises/{item.pk}/remove/"
        assert physio.post(url, data).status_code == 302
        assert not ProgrammeExercise.objects.filter(pk=item.pk).exists()
        again = physio.post(url, data)  # the retry finds the exercise gone: no 404
        assert again.status_code == 302
        assert ProgrammeChange.objects.filter(kind=ChangeKind.EXERCISE_REMOVED).count() == 1
        page = physio.get(page_url(programme)).content.decode()
        assert f"Exercise removed: {item.exercise.name_en} (Phase 1" in page
        # A stranger's key for a missing exercise is still a 404.
        assert physio.post(url, form_data(f"remove-{item.pk}")).status_code == 404

    def test_htmx_remove_answers_with_the_history_only(self, physio, programme):
        item = first_item(programme)
        response = physio.post(
            f"{page_url(programme)}exercises/{item.pk}/remove/",
            form_data(f"remove-{item.pk}"),
            **htmx(),
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert page.startswith('<section class="card" id="history" hx-swap-oob="true">')
        assert f'id="exercise-{item.pk}"' not in page


class TestSession:
    def session(self, programme) -> PlannedSession:
        return programme.sessions.filter(scheduled_at__gt=WEDNESDAY).order_by("scheduled_at")[1]

    def url(self, programme, session) -> str:
        return f"{page_url(programme)}sessions/{session.pk}/reschedule/"

    def test_the_move_form_page_and_its_htmx_row(self, physio, programme):
        session = self.session(programme)
        page = physio.get(self.url(programme, session)).content.decode()
        assert "<html" in page and input_value(page, f"move-{session.pk}-date") == str(
            session.local_date
        )
        row = physio.get(self.url(programme, session), **htmx()).content.decode()
        assert row.startswith(f'<tr id="session-{session.pk}" class="editing">')
        back = physio.get(f"{page_url(programme)}sessions/{session.pk}/", **htmx())
        assert back.content.decode().startswith(f'<tr id="session-{session.pk}"')

    def test_move_a_session(self, physio, programme):
        session = self.session(programme)
        new_day = session.local_date + timedelta(days=1)
        data = form_data(
            f"move-{session.pk}", date=new_day.isoformat(), time="09:30", reason="holiday"
        )
        response = physio.post(self.url(programme, session), data)
        assert response.status_code == 302
        session.refresh_from_db()
        assert session.local_date == new_day
        assert session.scheduled_at.astimezone(AMS).strftime("%H:%M") == "09:30"
        page = physio.get(page_url(programme)).content.decode()
        assert f"Session of week {session.week} moved" in page and "reason: holiday" in page
        physio.post(self.url(programme, session), data)  # sent again: nothing more
        assert ProgrammeChange.objects.filter(kind=ChangeKind.SESSION_RESCHEDULED).count() == 1

    @pytest.mark.parametrize(
        ("values", "field", "message"),
        [
            ({"date": "2027-03-02"}, "date", "The new time lies in the past."),
            ({"date": "2029-01-01"}, "date", "This lies more than a year ahead."),
            ({"date": ""}, "date", "This field is required."),
            ({"date": "2027-03-20", "time": "7pm"}, "time", "Time has wrong format."),
            ({"date": "2027-03-20", "reason": "x" * 201}, "reason", "no more than 200"),
        ],
    )
    def test_bad_input_is_shown_beside_the_field(self, physio, programme, values, field, message):
        session = self.session(programme)
        before = session.scheduled_at
        data = form_data(f"move-{session.pk}", **values)
        response = physio.post(self.url(programme, session), data)
        assert response.status_code == 400
        errors = field_errors(response.content.decode(), f"id_move-{session.pk}-{field}")
        assert message in " ".join(errors)
        session.refresh_from_db()
        assert session.scheduled_at == before

    def test_a_day_with_another_session_is_refused(self, physio, programme):
        first, second = programme.sessions.filter(scheduled_at__gt=WEDNESDAY).order_by(
            "scheduled_at"
        )[:2]
        data = form_data(f"move-{first.pk}", date=second.local_date.isoformat())
        response = physio.post(self.url(programme, first), data, **htmx())
        assert response.status_code == 400
        assert field_errors(response.content.decode(), f"id_move-{first.pk}-date") == [
            "Another session is planned on that day."
        ]

    def test_htmx_move_answers_with_the_row(self, physio, programme):
        session = self.session(programme)
        data = form_data(f"move-{session.pk}", date="2027-03-20")
        page = physio.post(self.url(programme, session), data, **htmx()).content.decode()
        assert page.startswith(f'<tr id="session-{session.pk}"') and "Moved." in page
        assert "Sat 20 Mar 2027" in page and 'id="history" hx-swap-oob="true"' in page


class TestCourse:
    def test_pause_and_resume(self, world, physio, programme):
        url = page_url(programme)
        bad = physio.post(f"{url}pause/", form_data("pause", start_date="2027-03-10"))
        assert bad.status_code == 400
        assert field_errors(bad.content.decode(), "id_pause-start_date") == [
            "A pause starts today or earlier."
        ]
        response = physio.post(f"{url}pause/", form_data("pause", reason="flu"))
        assert response.status_code == 302
        programme.refresh_from_db()
        assert programme.status == "paused"
        page = physio.get(url).content.decode()
        assert "The programme is paused" in page and "Paused since" in page
        assert "from Wed 3 Mar 2027" in page and "reason: flu" in page
        early = physio.post(f"{url}resume/", form_data("resume", resume_date="2027-03-01"))
        assert field_errors(early.content.decode(), "id_resume-resume_date") == [
            "The programme cannot resume before the pause began."
        ]
        physio.post(f"{url}resume/", form_data("resume", resume_date="2027-03-08"))
        programme.refresh_from_db()
        assert programme.status == "active"

    def test_end_needs_a_reason(self, physio, programme):
        url = page_url(programme)
        response = physio.post(f"{url}end/", form_data("end", note="op de wachtlijst"))
        page = response.content.decode()
        assert response.status_code == 400
        assert field_errors(page, "id_end-reason") == ["This field is required."]
        assert "op de wachtlijst" in page  # the note is kept
        programme.refresh_from_db()
        assert programme.status == "active"
        data = form_data("end", reason="surgery_referral", note="op de wachtlijst")
        assert physio.post(f"{url}end/", data).status_code == 302
        again = physio.post(f"{url}end/", data)  # a retry: no conflict, nothing again
        assert again.status_code == 302
        programme.refresh_from_db()
        assert (programme.status, programme.end_reason) == ("ended", "surgery_referral")
        assert ProgrammeChange.objects.filter(kind=ChangeKind.ENDED).count() == 1
        page = physio.get(url).content.decode()
        assert "referred for surgery" in page and "note: op de wachtlijst" in page

    def test_a_pause_of_an_ended_programme_is_refused_with_the_reason(
        self, world, physio, programme
    ):
        programme_services.programme_end(
            actor=world.physio.user, programme=programme, reason="other"
        )
        response = physio.post(f"{page_url(programme)}pause/", form_data("pause"))
        assert response.status_code == 302
        page = physio.get(response["Location"]).content.decode()
        assert '<li class="error">Only an active programme can be paused.</li>' in page
        programme.refresh_from_db()
        assert programme.status == "ended"

    def test_change_the_schedule(self, physio, programme):
        url = f"{page_url(programme)}schedule/"
        bad = physio.post(
            url,
            form_data("schedule", weekdays=["1"], session_time="18:00", supervised_weekdays=["1"]),
        )
        assert bad.status_code == 400
        assert field_errors(bad.content.decode(), "id_schedule-weekdays") == [
            "Choose 2 or 3 weekdays (2-3 sessions a week)."
        ]
        data = form_data(
            "schedule",
            weekdays=["1", "4"],
            session_time="17:30",
            supervised_weekdays=["1"],
            supervised_until_week="8",
        )
        assert physio.post(url, data).status_code == 302
        programme.refresh_from_db()
        assert (programme.weekdays, programme.supervised_until_week) == ([1, 4], 8)
        page = physio.get(page_url(programme)).content.decode()
        assert "session days: Mon, Thu → Tue, Fri" in page
        assert "time of day: 18:00 → 17:30" in page
        assert "supervised up to week: whole programme → 8" in page
        physio.post(url, data)  # sent twice
        assert ProgrammeChange.objects.filter(kind=ChangeKind.SCHEDULE_CHANGED).count() == 1


class TestCurrentWeek:
    """The programme page's week is the patient page's (selectors/monitoring.current_week):
    a pause moves sessions later, they keep their week, and the week stays with them."""

    @pytest.fixture
    def paused_three_weeks(self, world, physio, programme):
        """Paused on Monday 8 March (week 2), resumed on Monday 29 March: week 2's sessions
        are on 29 March and 1 April. Seen on Tuesday 30 March, five calendar weeks in."""
        with time_machine.travel(datetime(2027, 3, 8, 8, tzinfo=AMS), tick=False):
            programme_services.programme_pause(actor=world.physio.user, programme=programme)
        with time_machine.travel(datetime(2027, 3, 29, 8, tzinfo=AMS), tick=False):
            programme_services.programme_resume(
                actor=world.physio.user, programme=programme, resume_date=date(2027, 3, 29)
            )
        with time_machine.travel(datetime(2027, 3, 30, 10, tzinfo=AMS), tick=False):
            physio.force_login(world.physio.user)  # the Wednesday's session has expired
            yield programme

    @staticmethod
    def phase_marked_now(page: str) -> list[str]:
        return re.findall(r'<section class="phase current" id="phase-(\d+)"', page)

    def test_after_a_pause_both_pages_show_the_week_the_patient_is_in(
        self, world, physio, paused_three_weeks
    ):
        programme = paused_three_weeks
        assert programme.sessions.filter(week=2, local_date__gte=date(2027, 3, 29)).count() == 2
        patient = physio.get(f"/dashboard/patients/{world.owner.pk}/").content.decode()
        page = physio.get(page_url(programme)).content.decode()
        assert "week 2 of 12" in patient and "week 2 of 12" in page
        assert "week 5 of 12" not in page
        assert self.phase_marked_now(page) == ["1"]

    def test_htmx_add_marks_the_same_phase_now(self, physio, paused_three_weeks):
        programme = paused_three_weeks
        for order, now in ((1, ["1"]), (2, [])):
            present = ProgrammeExercise.objects.filter(
                phase__programme=programme, phase__order=order
            ).values("exercise")
            spare = Exercise.objects.exclude(pk__in=present).order_by("slug").first()
            data = form_data(f"add-{order}", exercise=spare.slug, sets="2", repetitions="8")
            response = physio.post(
                f"{page_url(programme)}phases/{order}/exercises/", data, **htmx()
            )
            assert response.status_code == 200
            assert self.phase_marked_now(response.content.decode()) == now, order
