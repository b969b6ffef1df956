"""Shared by the account commands (bootstrap, create_insurer_account): input checked before
anything is written, and passwords read without landing on a command line or in a shell's
history (from an environment variable, or asked on the terminal)."""

import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, OutputWrapper

from programs.errors import ValidationFailed
from programs.models import User

PROMPT_ATTEMPTS = 3


def checked(option: str, value: Any, validate: Callable[[Any], Any]) -> Any:
    """``value`` if ``validate`` accepts it, else a CommandError naming the option."""
    try:
        validate(value)
    except ValidationError as exc:
        raise CommandError(f"{option}: {' '.join(exc.messages)}") from exc
    return value


def model_field_validator(model, name: str) -> Callable[[Any], Any]:
    """The model field's own checks (length, characters, validators), without the database."""
    field = model._meta.get_field(name)
    return lambda value: field.clean(value, None)


def as_command_error(error: ValidationFailed) -> CommandError:
    problems = [
        f"{field}: {item['message']}" for field, items in error.fields.items() for item in items
    ]
    return CommandError("; ".join(problems) or str(error.message))


def new_password(*, account: User, env_var: str, interactive: bool, stdout: OutputWrapper) -> str:
    """The password for an account about to be created: from ``env_var`` (for scripts:
    ``docker compose run -e VAR`` passes it on without it being on the command line), else
    asked twice on the terminal. It must pass AUTH_PASSWORD_VALIDATORS (length, not common,
    not like the username)."""
    password = os.environ.get(env_var, "")
    if password:
        try:
            validate_password(password, account)
        except ValidationError as exc:
            raise CommandError(f"{env_var}: {' '.join(exc.messages)}") from exc
        return password
    if not interactive or not sys.stdin.isatty():
        raise CommandError(
            f"No password for {account.username}: set {env_var}, or run the command in a "
            "terminal to be asked for it."
        )
    for _attempt in range(PROMPT_ATTEMPTS):
        password = getpass.getpass(f"Password for {account.username}: ")
        if password != getpass.getpass("The same password again: "):
            stdout.write("The passwords differ.")
            continue
        try:
            validate_password(password, account)
        except ValidationError as exc:
            stdout.write(" ".join(exc.messages))
            continue
        return password
    raise CommandError(f"No acceptable password for {account.username}; nothing was created.")
