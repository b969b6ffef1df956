"""Demo data for `make run`: one practice, two physiotherapists, an insurer, a handful of
patients. Idempotent: run it as often as you like; existing demo accounts are left as they are."""

import uuid
from datetime import date, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from programs.models import (
    Insurer,
    Patient,
    Physiotherapist,
    Practice,
    Programme,
    ProgrammeTemplate,
    User,
)
from programs.services.alert import alerts_for_dropout
from programs.services.outcome import questionnaire_response_upsert, weekly_pain_report
from programs.services.people import (
    coverage_add,
    insurer_employee_create,
    patient_create,
    physiotherapist_create,
)
from programs.services.programme import programme_enrol
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
        """Four weeks into the programme for four patients, each with a story the dashboard
        shows: doing well (anna), a pain flare (bert), steady (carla), dropping out (dirk)."""
        now = timezone.now()
        template = ProgrammeTemplate.objects.get(slug="hip-oa-12-weeks")
        start = timezone.localdate() - timedelta(days=27)  # the longest a start may be backdated
        stories = {
            # username: (share of sessions logged, pain before, pain during, next morning)
            "anna": (1.0, 3, 4, 3),
            "bert": (0.9, 4, 7, 6),
            "carla": (0.8, 2, 3, 2),
            "dirk": (0.4, 5, 5, 5),
        }
        for username, (share, before, during, morning) in stories.items():
            patient = Patient.objects.get(user__username=username)
            if Programme.objects.filter(patient=patient).exists():
                continue
            physio = patient.physiotherapist
            programme = programme_enrol(
                actor=physio.user,
                physiotherapist=physio,
                patient=patient,
                template=template,
                start_date=start,
                weekdays=[0, 3],
                session_time=time(18, 0),
                supervised_weekdays=[0],
            )
            questionnaire_response_upsert(
                patient=patient,
                response_id=uuid.uuid5(uuid.NAMESPACE_URL, f"demo/{username}/oxford/baseline"),
                data={
                    "instrument": "oxford",
                    "instrument_version": "1998",
                    "timepoint": "baseline",
                    "answered_at": now - timedelta(days=29),
                    "answers": {f"OHS{i}": 2 if i % 3 else 1 for i in range(1, 13)},
                },
            )
            past = list(programme.sessions.filter(scheduled_at__lt=now).order_by("scheduled_at"))
            cutoff = len(past) if username != "dirk" else len(past) - 4  # dirk stopped
            for index, session in enumerate(past[:cutoff]):
                if index % 10 >= round(share * 10):
                    continue
                if session.supervised:
                    attendance_register(
                        actor=physio.user, session=session, status="attended", therapist=physio
                    )
                flare = username == "bert" and index >= len(past) - 3
                session_log_upsert(
                    patient=patient,
                    log_id=uuid.uuid5(uuid.NAMESPACE_URL, f"demo/{username}/{session.pk}"),
                    data={
                        "planned_session": session.pk,
                        "performed_at": session.scheduled_at + timedelta(minutes=5),
                        "status": "completed",
                        "pain_before": before,
                        "pain_during_max": during if flare else min(during, 5),
                        "pain_next_morning": morning if flare else before,
                        "exertion": 5,
                    },
                )
            for weeks_ago, nrs in (
                (3, before),
                (2, before + (1 if username == "bert" else 0)),
                (1, before + (2 if username == "bert" else 0)),
            ):
                day = timezone.localdate() - timedelta(weeks=weeks_ago)
                weekly_pain_report(
                    patient=patient,
                    week_start=day - timedelta(days=day.weekday()),
                    nrs=nrs,
                    reported_at=now - timedelta(weeks=weeks_ago),
                )
            alerts_for_dropout(programme=programme, now=now)

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
