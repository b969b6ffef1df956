"""The first accounts of a fresh installation: a staff user (the admin site), a practice and
its first physiotherapist (who enrols patients). Whichever of them already exists is reported
and left as it is, so the command can be run again, and adds a physiotherapist to an existing
practice when only the practice and the physiotherapist are named. All or nothing: everything
is checked before anything is written, and written in one transaction.

    docker compose run --rm web python manage.py bootstrap \\
        --staff-username beheer --staff-email beheer@praktijk.example \\
        --practice-name "Fysiotherapie De Brug" --practice-agb 04123456 \\
        --physio-username s.jansen --physio-agb 04654321 \\
        --physio-first-name Sanne --physio-last-name Jansen

Passwords come from BOOTSTRAP_STAFF_PASSWORD and BOOTSTRAP_PHYSIO_PASSWORD, else they are
asked on the terminal; never on the command line."""

from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import IntegrityError, transaction

from programs.errors import ValidationFailed
from programs.management.commands._accounts import (
    as_command_error,
    checked,
    model_field_validator,
    new_password,
)
from programs.models import Physiotherapist, Practice, Role, User
from programs.models.people import validate_agb_code
from programs.services.people import physiotherapist_create, practice_create, staff_user_create

STAFF_PASSWORD = "BOOTSTRAP_STAFF_PASSWORD"  # noqa: S105 - the variable's name
PHYSIO_PASSWORD = "BOOTSTRAP_PHYSIO_PASSWORD"  # noqa: S105 - the variable's name


@dataclass
class Plan:
    """What the command found and what it will create."""

    report: list[str] = field(default_factory=list)
    staff: User | None = None  # to create
    practice: Practice | None = None  # existing, or to create when practice.pk is None
    physio_user: User | None = None  # to create
    physio_agb: str = ""
    passwords: dict[str, str] = field(default_factory=dict)  # by username, in memory only


class Command(BaseCommand):
    help = (
        "Create the first staff user, a practice and its first physiotherapist, or whichever "
        "of them is missing (idempotent, all or nothing). Passwords from "
        f"{STAFF_PASSWORD} and {PHYSIO_PASSWORD}, else asked on the terminal."
    )

    def add_arguments(self, parser):
        staff = parser.add_argument_group("staff user (signs in to /admin/)")
        staff.add_argument("--staff-username")
        staff.add_argument("--staff-email", default="")
        practice = parser.add_argument_group("practice")
        practice.add_argument("--practice-name", help="needed when the practice is created")
        practice.add_argument("--practice-agb", help="the practice's AGB code, 8 digits")
        physio = parser.add_argument_group("physiotherapist of the practice (signs in to the app)")
        physio.add_argument("--physio-username")
        physio.add_argument("--physio-agb", help="the physiotherapist's own AGB code, 8 digits")
        physio.add_argument("--physio-first-name", default="")
        physio.add_argument("--physio-last-name", default="")
        physio.add_argument("--physio-email", default="")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="never ask: a missing password is an error",
        )

    @no_translations
    def handle(self, *args, **options):
        plan = self._plan(options)
        for account, env_var in ((plan.staff, STAFF_PASSWORD), (plan.physio_user, PHYSIO_PASSWORD)):
            if account is not None:
                plan.passwords[account.username] = new_password(
                    account=account,
                    env_var=env_var,
                    interactive=options["interactive"],
                    stdout=self.stdout,
                )
        self._write(plan)
        for line in plan.report:
            self.stdout.write(line)

    # --- checking, before anything is written ----------------------------------------------

    def _plan(self, options) -> Plan:
        plan = Plan()
        staff_username = options["staff_username"]
        agb, name = options["practice_agb"], options["practice_name"]
        physio_username = options["physio_username"]
        if not (staff_username or agb or name or physio_username):
            raise CommandError(
                "Name a staff user (--staff-username), a practice (--practice-name, "
                "--practice-agb) and a physiotherapist (--physio-username, --physio-agb)."
            )
        if staff_username and physio_username and staff_username == physio_username:
            raise CommandError("The staff user and the physiotherapist need their own accounts.")
        if staff_username:
            self._plan_staff(plan, staff_username, options["staff_email"])
        if agb or name:
            self._plan_practice(plan, agb, name)
        if physio_username:
            if plan.practice is None:
                raise CommandError("Name the physiotherapist's practice (--practice-agb).")
            self._plan_physio(plan, options)
        return plan

    def _plan_staff(self, plan: Plan, username: str, email: str) -> None:
        checked("--staff-username", username, model_field_validator(User, "username"))
        if email:
            checked("--staff-email", email, model_field_validator(User, "email"))
        existing = User.objects.filter(username__iexact=username).first()
        if existing is None:
            plan.staff = User(username=username, email=email, role=Role.STAFF)
            plan.report.append(f"Staff user {username}: created.")
        elif existing.role == Role.STAFF:
            plan.report.append(f"Staff user {existing.username}: already there, left as it is.")
        else:
            raise CommandError(
                f"--staff-username: {existing.username} is an account with the role "
                f"{existing.role}, not staff."
            )

    def _plan_practice(self, plan: Plan, agb: str | None, name: str | None) -> None:
        if not agb:
            raise CommandError("--practice-agb: the practice's AGB code is needed.")
        agb = checked("--practice-agb", agb.strip(), validate_agb_code)
        existing = Practice.objects.filter(agb_code=agb).first()
        if existing is None and Physiotherapist.objects.filter(agb_code=agb).exists():
            raise CommandError(
                f"--practice-agb: {agb} is a physiotherapist's AGB code, not a practice's."
            )
        if existing is not None:
            if name and name.strip().casefold() != existing.name.casefold():
                raise CommandError(
                    f"--practice-agb: {agb} is the AGB code of the practice {existing.name!r} "
                    f"(not {name.strip()!r}); rename it in the admin if its name changed."
                )
            plan.practice = existing
            plan.report.append(f"Practice {existing}: already there, left as it is.")
            return
        if not (name and name.strip()):
            raise CommandError(f"--practice-name: no practice has AGB code {agb}; name it.")
        checked("--practice-name", name.strip(), model_field_validator(Practice, "name"))
        plan.practice = Practice(name=name.strip(), agb_code=agb)
        plan.report.append(f"Practice {plan.practice}: created.")

    def _plan_physio(self, plan: Plan, options) -> None:
        username, agb = options["physio_username"], (options["physio_agb"] or "").strip()
        checked("--physio-username", username, model_field_validator(User, "username"))
        existing = User.objects.filter(username__iexact=username).first()
        if existing is not None:
            physio = Physiotherapist.objects.filter(user=existing).first()
            if physio is None or physio.practice_id != plan.practice.pk:
                raise CommandError(
                    f"--physio-username: {existing.username} is taken by another account "
                    "(not a physiotherapist of this practice)."
                )
            if agb and agb != physio.agb_code:
                raise CommandError(
                    f"--physio-agb: {existing.username} has AGB code {physio.agb_code}."
                )
            plan.report.append(
                f"Physiotherapist {existing.username} at {plan.practice.name}: already there, "
                "left as it is."
            )
            return
        if not agb:
            raise CommandError("--physio-agb: the physiotherapist's AGB code is needed.")
        checked("--physio-agb", agb, validate_agb_code)
        practice = (
            plan.practice
            if agb == plan.practice.agb_code
            else Practice.objects.filter(agb_code=agb).first()
        )
        if practice is not None:
            raise CommandError(
                f"--physio-agb: {agb} is the AGB code of the practice {practice.name}; a "
                "physiotherapist's AGB code is their own."
            )
        if Physiotherapist.objects.filter(agb_code=agb).exists():
            raise CommandError(f"--physio-agb: {agb} belongs to another physiotherapist.")
        email = options["physio_email"]
        if email:
            checked("--physio-email", email, model_field_validator(User, "email"))
        plan.physio_user = User(
            username=username,
            email=email,
            first_name=options["physio_first_name"],
            last_name=options["physio_last_name"],
            role=Role.PHYSIOTHERAPIST,
        )
        plan.physio_agb = agb
        plan.report.append(
            f"Physiotherapist {username} (AGB {agb}) at {plan.practice.name}: created."
        )

    # --- writing, all or nothing ------------------------------------------------------------

    def _write(self, plan: Plan) -> None:
        try:
            with transaction.atomic():
                if plan.staff is not None:
                    staff_user_create(
                        username=plan.staff.username,
                        password=plan.passwords[plan.staff.username],
                        email=plan.staff.email,
                    )
                if plan.practice is not None and plan.practice.pk is None:
                    plan.practice = practice_create(
                        name=plan.practice.name, agb_code=plan.practice.agb_code
                    )
                if plan.physio_user is not None:
                    physiotherapist_create(
                        username=plan.physio_user.username,
                        password=plan.passwords[plan.physio_user.username],
                        practice=plan.practice,
                        agb_code=plan.physio_agb,
                        first_name=plan.physio_user.first_name,
                        last_name=plan.physio_user.last_name,
                        email=plan.physio_user.email,
                    )
        except ValidationFailed as error:
            raise as_command_error(error) from error
        except IntegrityError as exc:
            raise CommandError(
                "Another process created one of these accounts at the same moment; nothing "
                "was written. Run the command again."
            ) from exc
