#!/usr/bin/env python
import os
import secrets
import sys

# Commands that only read the code and sign nothing: they run without a configured secret
# (a random one for this process only, never a default), so a migrations check works on a
# bare checkout. Every other command without DEBUG still needs SECRET_KEY.
CODE_ONLY = {("makemigrations", "--check")}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    if any(command in sys.argv[1:2] and flag in sys.argv for command, flag in CODE_ONLY):
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
