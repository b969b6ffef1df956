"""An account for an insurer's employee, with the insurer when it is not there yet. An insurer
account sees only its own members' reimbursement data (the 12-treatment check), nothing
clinical. Idempotent and all or nothing, like ``bootstrap``:

    docker compose run --rm web python manage.py create_insurer_account \\
        --insurer-name "Zorgverzekeraar Noord" --uzovi 3311 --requires-referral \\
        --username zn.declaraties --first-name Karin --last-name Bos

The password comes from INSURER_ACCOUNT_PASSWORD, else it is asked on the terminal."""

from argparse import BooleanOptionalAction

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import IntegrityError, transaction

from programs.errors import ValidationFailed
from programs.management.commands._accounts import (
    as_command_error,
    checked,
    model_field_validator,
    new_password,
)
from programs.models import Insurer, InsurerEmployee, Role, User
from programs.models.people import validate_uzovi_code
from programs.services.people import insurer_create, insurer_employee_create

PASSWORD_VARIABLE = "INSURER_ACCOUNT_PASSWORD"  # noqa: S105 - the variable's name


class Command(BaseCommand):
    help = (
        "Create an insurer employee's account, and the insurer when it is new (idempotent, "
        f"all or nothing). Password from {PASSWORD_VARIABLE}, else asked on the terminal."
    )

    def add_arguments(self, parser):
        parser.add_argument("--uzovi", required=True, help="the insurer's UZOVI code, 4 digits")
        parser.add_argument("--insurer-name", help="needed when the insurer is created")
        parser.add_argument(
            "--requires-referral",
            action=BooleanOptionalAction,
            default=None,
            help="the insurer pays only with a doctor's referral (docs/domain.md §5, R7); "
            "for a new insurer, default no",
        )
        parser.add_argument("--username", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="never ask: a missing password is an error",
        )

    @no_translations
    def handle(self, *args, **options):
        report = []
        uzovi = checked("--uzovi", options["uzovi"].strip(), validate_uzovi_code)
        name = (options["insurer_name"] or "").strip()
        referral = options["requires_referral"]
        insurer = Insurer.objects.filter(uzovi_code=uzovi).first()
        if insurer is not None:
            if name and name.casefold() != insurer.name.casefold():
                raise CommandError(
                    f"--uzovi: {uzovi} is the UZOVI code of {insurer.name!r} (not {name!r})."
                )
            if referral is not None and referral != insurer.requires_referral:
                raise CommandError(
                    f"--requires-referral: {insurer.name} is set to "
                    f"{'require' if insurer.requires_referral else 'not require'} a referral; "
                    "change that in the admin."
                )
            report.append(f"Insurer {insurer}: already there, left as it is.")
        else:
            if not name:
                raise CommandError(f"--insurer-name: no insurer has UZOVI code {uzovi}; name it.")
            checked("--insurer-name", name, model_field_validator(Insurer, "name"))
            report.append(f"Insurer {name} ({uzovi}): created.")

        username = checked(
            "--username", options["username"], model_field_validator(User, "username")
        )
        if options["email"]:
            checked("--email", options["email"], model_field_validator(User, "email"))
        existing = User.objects.filter(username__iexact=username).first()
        account = None
        if existing is not None:
            employee = InsurerEmployee.objects.filter(user=existing).first()
            if insurer is None or employee is None or employee.insurer_id != insurer.pk:
                raise CommandError(
                    f"--username: {existing.username} is taken by another account (not an "
                    "employee of this insurer)."
                )
            report.append(f"Insurer account {existing.username}: already there, left as it is.")
        else:
            account = User(
                username=username,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                role=Role.INSURER,
            )
            report.append(f"Insurer account {username}: created.")
            password = new_password(
                account=account,
                env_var=PASSWORD_VARIABLE,
                interactive=options["interactive"],
                stdout=self.stdout,
            )

        try:
            with transaction.atomic():
                if insurer is None:
                    insurer = insurer_create(
                        name=name, uzovi_code=uzovi, requires_referral=bool(referral)
                    )
                if account is not None:
                    insurer_employee_create(
                        username=account.username,
                        password=password,
                        insurer=insurer,
                        first_name=account.first_name,
                        last_name=account.last_name,
                        email=account.email,
                    )
        except ValidationFailed as error:
            raise as_command_error(error) from error
        except IntegrityError as exc:
            raise CommandError(
                "Another process created this insurer or account at the same moment; nothing "
                "was written. Run the command again."
            ) from exc
        for line in report:
            self.stdout.write(line)
