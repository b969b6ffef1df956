"""Demo data for `make run`: one practice, two physiotherapists, an insurer, a handful of
patients. Idempotent: run it as often as you like; existing demo accounts are left as they are."""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from programs.models import Insurer, Patient, Physiotherapist, Practice, User
from programs.services.people import (
    coverage_add,
    insurer_employee_create,
    patient_create,
    physiotherapist_create,
)

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
