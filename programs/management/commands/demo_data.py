"""Demo data for `make run`: one practice, two physiotherapists, an insurer, a handful of
patients. Idempotent: run it as often as you like; existing demo accounts are left as they are.

The patients' histories are written through the services, at the moments they happened.
Where a service takes the moment of what it records, it is passed: ``performed_at`` of a
log, ``treated_at`` of an attendance, ``measured_at`` of a performance test, ``reported_at``
of weekly pain, ``answered_at`` of a questionnaire, ``now`` of the drop-out check.

Limitation: the services have no parameter for "now" itself, and read it from
django.utils.timezone.now: programme_enrol (the start at most MAX_BACKDATE back, created_at
and the history's occurred_at), programme_pause/programme_resume/programme_exercise_update
(the history's occurred_at, "today"), programmes_complete_finished, and inside the others
the windows that hold at the time (a log editable for SESSION_LOG_EDITABLE_DAYS, weekly
pain at most WEEKLY_PAIN_LATE_WEEKS late, nothing in the future), the created_at of every
record and the raised_at of the alerts. For those, ``_clock`` patches timezone.now with
unittest.mock to each moment of the story, for the duration of the one call. The patch
holds for the whole process while it lasts: run this command on its own (as `make run`
does, before it starts the server and the worker), never beside live requests."""

import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from programs.models import (
    Insurer,
    Patient,
    PerformanceTestKind,
    Physiotherapist,
    Practice,
    Programme,
    ProgrammeExercise,
    ProgrammeTemplate,
    User,
)
from programs.scoring.hoos import hoos_item_codes
from programs.services.alert import alerts_for_dropout
from programs.services.outcome import (
    performance_test_record,
    questionnaire_response_upsert,
    weekly_pain_report,
)
from programs.services.people import (
    coverage_add,
    insurer_employee_create,
    patient_create,
    physiotherapist_create,
)
from programs.services.programme import (
    programme_enrol,
    programme_exercise_update,
    programme_pause,
    programme_resume,
    programmes_complete_finished,
)
from programs.services.session import attendance_register, session_log_upsert

DEMO_PASSWORD = "demo-heup-2026"

PHYSIOTHERAPISTS = [
    # username, first name, last name, AGB code
    ("fysio.jansen", "Sanne", "Jansen", "04100001"),
    ("fysio.devries", "Pieter", "de Vries", "04100002"),
]
PATIENTS = [
    # username, first, last, date of birth, physiotherapist, language, member number
    ("anna", "Anna", "Bakker", date(1958, 3, 14), "fysio.jansen", "nl", "100000001"),
    ("bert", "Bert", "Visser", date(1951, 11, 2), "fysio.jansen", "nl", "100000002"),
    ("carla", "Carla", "Smit", date(1963, 6, 30), "fysio.jansen", "en", "100000003"),
    ("dirk", "Dirk", "Mulder", date(1949, 1, 21), "fysio.devries", "nl", "100000004"),
    ("emma", "Emma", "de Jong", date(1967, 9, 8), "fysio.devries", "en", "100000005"),
]


class Command(BaseCommand):
    help = "Load demo data (idempotent). Refuses to run with DEBUG off unless --force is given."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo data is for development (DEBUG=1); use --force to insist.")
        with transaction.atomic():
            self._load()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password for all):"))
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        self.stdout.write("  staff (admin):      admin")
        for username, first, last, *_rest in PHYSIOTHERAPISTS:
            self.stdout.write(f"  physiotherapist:    {username} ({first} {last})")
        self.stdout.write("  insurer:            verzekeraar (Zorgverzekeraar Demo)")
        for username, first, last, *_rest in PATIENTS:
            self.stdout.write(f"  patient:            {username} ({first} {last})")

    def _history(self, physios) -> None:
        """Four patients with a programme, each with a story the dashboard shows, written
        through the services at the moments it happened (see ``_clock``): anna completed
        her twelve weeks and improved; bert is in week 5 with a pain flare; carla (English)
        is in week 8 and doing well; dirk paused for illness, is dropping out, and his
        scores declined. emma has no programme yet."""
        real_now = timezone.now()
        monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
        for story in STORIES:
            patient = Patient.objects.get(user__username=story.username)
            if Programme.objects.filter(patient=patient).exists():
                continue
            _Simulation(story, patient, monday - timedelta(weeks=story.weeks_ago), real_now).run()

    def _load(self) -> None:
        practice, _created = Practice.objects.get_or_create(
            agb_code="04012345", defaults={"name": "Fysiotherapie De Heuvel"}
        )
        insurer, _created = Insurer.objects.get_or_create(
            uzovi_code="9901", defaults={"name": "Zorgverzekeraar Demo"}
        )
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.org", DEMO_PASSWORD)
        physios = {}
        for username, first, last, agb in PHYSIOTHERAPISTS:
            existing = Physiotherapist.objects.filter(user__username=username).first()
            physios[username] = existing or physiotherapist_create(
                username=username,
                password=DEMO_PASSWORD,
                practice=practice,
                agb_code=agb,
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
            )
        if not User.objects.filter(username="verzekeraar").exists():
            insurer_employee_create(
                username="verzekeraar",
                password=DEMO_PASSWORD,
                insurer=insurer,
                first_name="Ingrid",
                last_name="Claims",
            )
        for username, first, last, born, physio, language, member in PATIENTS:
            if Patient.objects.filter(user__username=username).exists():
                continue
            patient = patient_create(
                username=username,
                password=DEMO_PASSWORD,
                physiotherapist=physios[physio],
                date_of_birth=born,
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
                language=language,
            )
            coverage_add(
                patient=patient, insurer=insurer, member_number=member, valid_from=date(2026, 1, 1)
            )
        self._history(physios)


@contextmanager
def _clock(moment: datetime):
    """The services read "now" from django.utils.timezone.now, and have no parameter for it
    (see the module docstring); so do auto_now fields. With it set to each moment of a
    patient's story, the history reads true (the enrolment, logs, attendance, changes and
    alerts each at the time they happened), and the services' own rules (no log before the
    start, weekly pain not too late, a log editable for a week) hold as they would have then.
    Only around a service call that needs it; the moment of the event itself is passed to
    the service wherever it takes one."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@dataclass(frozen=True)
class Story:
    username: str
    weeks_ago: int  # the programme started on the Monday this many weeks back
    weekdays: tuple[int, ...]
    session_time: time
    # Per programme week: share of sessions done (0-1), pain before, during (highest), next
    # morning, weekly pain; missing weeks repeat the last given.
    weeks: dict[int, tuple[float, int, int, int, int]]
    # Oxford Hip Score total and HOOS item value (0-4, lower is better) per timepoint.
    scores: dict[str, tuple[int, float]]
    notes: dict[int, str] = field(default_factory=dict)
    dose_change_week: int | None = None
    pause_week: int | None = None  # paused for a week from this week's first session
    skipped: dict[int, str] = field(default_factory=dict)  # session index: reason
    partial: tuple[int, ...] = ()  # session indexes logged as partly done
    tests: tuple[tuple[int, int], ...] = ()  # chair stands at the first, last supervised


STORIES = [
    Story(
        "anna",
        weeks_ago=13,
        weekdays=(0, 3),
        session_time=time(18, 0),
        weeks={1: (1, 4, 5, 4, 5), 3: (1, 4, 4, 4, 4), 6: (1, 3, 3, 3, 3), 9: (1, 2, 3, 2, 2)},
        scores={"baseline": (24, 2), "week_6": (31, 1.5), "week_12": (38, 1)},
        notes={
            0: "Spannend, maar het ging goed.",
            7: "Brug gaat al makkelijker.",
            20: "Trap lopen gaat beter dan in maanden.",
        },
        dose_change_week=5,
        skipped={13: "illness"},
        partial=(5,),
        tests=((9, 13),),
    ),
    Story(
        "bert",
        weeks_ago=4,
        weekdays=(0, 3),
        session_time=time(18, 0),
        weeks={1: (1, 4, 5, 4, 4), 3: (0.9, 4, 5, 4, 5), 4: (1, 4, 7, 6, 6), 5: (1, 5, 7, 6, 6)},
        scores={"baseline": (26, 2)},
        notes={7: "Na de squats flink last van de heup."},
        tests=((8, 8),),
    ),
    Story(
        "carla",
        weeks_ago=7,
        weekdays=(1, 4),
        session_time=time(9, 30),
        weeks={1: (1, 3, 4, 3, 4), 4: (0.8, 3, 3, 3, 3), 6: (1, 2, 3, 2, 3)},
        scores={"baseline": (28, 2), "week_6": (33, 1.5)},
        notes={2: "Cycling is fine, lunges are hard.", 9: "Felt strong today."},
        dose_change_week=6,
        partial=(4, 11),
        tests=((10, 10),),
    ),
    Story(
        "dirk",
        weeks_ago=6,
        weekdays=(0, 3),
        session_time=time(18, 0),
        weeks={1: (1, 5, 5, 5, 5), 3: (0.5, 5, 6, 5, 6), 4: (0.5, 6, 6, 6, 6), 5: (0, 6, 6, 6, 7)},
        scores={"baseline": (30, 1.5), "week_6": (24, 1.5)},
        notes={3: "Weinig tijd deze week."},
        pause_week=3,
        skipped={5: "no_time", 9: "pain"},
        tests=((10, 10),),
    ),
]


def _week_values(story: Story, week: int) -> tuple[float, int, int, int, int]:
    known = [w for w in story.weeks if w <= week]
    return story.weeks[max(known)] if known else story.weeks[min(story.weeks)]


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo("Europe/Amsterdam"))


class _Simulation:
    """One patient's programme, played forward to now through the services."""

    def __init__(self, story: Story, patient: Patient, start: date, now: datetime):
        self.story, self.patient, self.start, self.now = story, patient, start, now
        self.physio = patient.physiotherapist

    def run(self) -> None:
        story = self.story
        with _clock(_local(self.start - timedelta(days=3), time(11, 0))):  # the intake
            self.programme = programme_enrol(
                actor=self.physio.user,
                physiotherapist=self.physio,
                patient=self.patient,
                template=ProgrammeTemplate.objects.get(slug="hip-oa-12-weeks"),
                start_date=self.start,
                weekdays=list(story.weekdays),
                session_time=story.session_time,
                supervised_weekdays=[story.weekdays[0]],
            )
        self._questionnaires("baseline", _local(self.start - timedelta(days=2), time(20, 0)))
        index, supervised_seen, paused = 0, 0, False
        reported_weeks: set[date] = set()
        while True:
            session = (
                self.programme.sessions.filter(status="scheduled", scheduled_at__lt=self.now)
                .exclude(logs__isnull=False)
                .exclude(attendance__isnull=False)
                .exclude(pk__in=getattr(self, "_passed", set()))
                .order_by("scheduled_at")
                .first()
            )
            if session is None:
                break
            self._weekly_pain(until=session.scheduled_at, done=reported_weeks)
            if story.pause_week == session.week and not paused:
                paused = True
                self._pause(session)
                continue
            if story.dose_change_week == session.week and session.supervised:
                self._change_dose(session)
            self._session(session, index, supervised_seen)
            supervised_seen += session.supervised
            self._passed = getattr(self, "_passed", set()) | {session.pk}
            index += 1
            for timepoint, week in (("week_6", 6), ("week_12", 12)):
                # Answered in the evening after the week's first session.
                if session.week == week and session.local_date.weekday() == story.weekdays[0]:
                    self._questionnaires(timepoint, session.scheduled_at + timedelta(hours=3))
        self._weekly_pain(until=self.now, done=reported_weeks)
        self.programme.refresh_from_db()
        last = self.programme.sessions.exclude(status="cancelled").order_by("scheduled_at").last()
        if last.scheduled_at < self.now:
            with _clock(last.scheduled_at + timedelta(hours=8)):
                programmes_complete_finished()
        else:
            alerts_for_dropout(programme=self.programme, now=self.now)

    def _session(self, session, index: int, supervised_seen: int) -> None:
        story = self.story
        share, before, during, morning, _weekly = _week_values(story, session.week)
        position = story.weekdays.index(session.local_date.weekday())
        missed = position >= round(share * len(story.weekdays)) and index not in story.skipped
        if session.supervised:
            came = not missed and index not in story.skipped
            # Registered at the end of the session (the clock: the record's own times).
            with _clock(session.scheduled_at + timedelta(minutes=45)):
                attendance_register(
                    actor=self.physio.user,
                    session=session,
                    status="attended" if came else "no_show",
                    therapist=self.physio,
                    treated_at=session.scheduled_at,
                )
            if came and (supervised_seen == 0 or session.week == 12):
                self._performance_test(session, first=supervised_seen == 0)
        if missed:
            return  # nothing logged
        performed = session.scheduled_at + timedelta(minutes=50)
        data = {
            "planned_session": session.pk,
            "performed_at": performed.astimezone(ZoneInfo(self.programme.time_zone)),
            "status": "completed",
            "pain_before": before,
            "pain_during_max": during,
            "exertion": 5 if during < 5 else 6,
            "note": story.notes.get(index, ""),
        }
        if index in story.skipped:
            data.update(
                status="skipped",
                skip_reason=story.skipped[index],
                pain_during_max=None,
                exertion=None,
            )
        elif index in story.partial:
            data.update(status="partial", exercises=self._partly_done(session))
        log_id = uuid.uuid5(uuid.NAMESPACE_URL, f"demo/{story.username}/{session.pk}")
        with _clock(performed + timedelta(minutes=10)):
            session_log_upsert(patient=self.patient, log_id=log_id, data=data)
        if data["status"] != "skipped":
            # The next morning's pain, added to the same log in the app.
            data["pain_next_morning"] = morning
            with _clock(_local(session.local_date + timedelta(days=1), time(8, 15))):
                session_log_upsert(patient=self.patient, log_id=log_id, data=data)

    def _partly_done(self, session) -> list[dict]:
        """Every exercise of the week, the last ones with a set less than prescribed."""
        items = ProgrammeExercise.objects.filter(
            phase__programme=self.programme,
            phase__first_week__lte=session.week,
            phase__last_week__gte=session.week,
        ).order_by("order")
        done = []
        for position, item in enumerate(items):
            short = position >= len(items) - 2
            done.append(
                {
                    "programme_exercise": item.pk,
                    "sets_done": max(item.sets - 1, 0) if short else item.sets,
                    "repetitions_done": item.repetitions,
                    "hold_seconds_done": item.hold_seconds,
                    "duration_seconds_done": item.duration_seconds,
                }
            )
        return done

    def _performance_test(self, session, *, first: bool) -> None:
        stands = self.story.tests[0][0 if first else 1] if self.story.tests else None
        if stands is None:
            return
        # Done during the session, recorded 40 minutes in (the clock: the record's own
        # times, and any alert on the scores).
        with _clock(session.scheduled_at + timedelta(minutes=40)):
            performance_test_record(
                physiotherapist=self.physio,
                session=session,
                kind=PerformanceTestKind.CHAIR_STAND,
                value=Decimal(stands),
                measured_at=session.scheduled_at,
            )

    def _change_dose(self, session) -> None:
        """At the supervised session of that week, before it starts: two more repetitions."""
        item = (
            ProgrammeExercise.objects.filter(
                phase__programme=self.programme,
                phase__first_week__lte=session.week,
                phase__last_week__gte=session.week,
            )
            .exclude(repetitions=None)
            .order_by("order")
            .first()
        )
        if item is None:
            return
        with _clock(session.scheduled_at - timedelta(minutes=10)):
            programme_exercise_update(
                actor=self.physio.user, item=item, dose={"repetitions": item.repetitions + 2}
            )

    def _pause(self, session) -> None:
        """Ill for a week from the session's day; resumed a week later."""
        with _clock(_local(session.local_date, time(9, 0))):
            programme_pause(actor=self.physio.user, programme=self.programme, reason="griep / flu")
        with _clock(_local(session.local_date + timedelta(days=7), time(9, 0))):
            self.programme.refresh_from_db()
            programme_resume(actor=self.physio.user, programme=self.programme)

    def _weekly_pain(self, *, until: datetime, done: set[date]) -> None:
        """Each week's pain, reported on its Sunday evening."""
        week_start = self.start
        while True:
            sunday = _local(week_start + timedelta(days=6), time(20, 0))
            if sunday >= until:
                return
            if week_start not in done:
                week = (week_start - self.start).days // 7 + 1
                nrs = _week_values(self.story, week)[4]
                with _clock(sunday):
                    weekly_pain_report(
                        patient=self.patient, week_start=week_start, nrs=nrs, reported_at=sunday
                    )
                done.add(week_start)
            week_start += timedelta(weeks=1)

    def _questionnaires(self, timepoint: str, moment: datetime) -> None:
        if timepoint not in self.story.scores or moment > self.now:
            return
        oxford, hoos = self.story.scores[timepoint]
        # The total spread over the 12 items (0-4 each): the first ones one point higher.
        oxford_items = {
            f"OHS{i}": oxford // 12 + (1 if i <= oxford % 12 else 0) for i in range(1, 13)
        }
        low = int(hoos)
        hoos_items = {
            code: (low + 1 if (hoos - low) and n % 2 else low)
            for n, code in enumerate(hoos_item_codes())
        }
        with _clock(moment):
            for instrument, version, answers in (
                ("oxford", "1998", oxford_items),
                ("hoos", "2.0", hoos_items),
            ):
                questionnaire_response_upsert(
                    patient=self.patient,
                    response_id=uuid.uuid5(
                        uuid.NAMESPACE_URL, f"demo/{self.story.username}/{instrument}/{timepoint}"
                    ),
                    data={
                        "instrument": instrument,
                        "instrument_version": version,
                        "timepoint": timepoint,
                        "answered_at": moment,
                        "answers": answers,
                    },
                )
