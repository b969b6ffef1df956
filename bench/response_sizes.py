"""Response sizes of the app's reads for a demo patient, as `make run` serves them.

Builds the demo data (`manage.py demo_data`) in a throwaway SQLite database under
var/bench-sizes/ and prints, for the demo patient bert (24 planned sessions, a running
programme; anna's has been completed, so her app has no sessions to read) and his
physiotherapist, the size in bytes of each read the app makes, in Dutch (the default) and in
English. Sizes only, no timings: nothing here depends on the machine's load.

    .venv/bin/python bench/response_sizes.py [--username bert]
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var" / "bench-sizes"

READS = [
    ("patient", "/api/v1/me/programme/"),
    ("patient", "/api/v1/me/sessions/?page_size=200"),
    ("patient", "/api/v1/me/sessions/?page_size=200&view=compact"),
    ("patient", "/api/v1/exercises/?page_size=200"),
    ("physio", "/api/v1/physio/programmes/{programme}/sessions/?page_size=200"),
    ("physio", "/api/v1/physio/programmes/{programme}/sessions/?page_size=200&view=compact"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--username", default="bert")
    args = parser.parse_args()

    shutil.rmtree(VAR_DIR, ignore_errors=True)
    os.environ.update(
        {
            "VAR_DIR": str(VAR_DIR),
            "DEBUG": "1",
            "DATABASE_URL": "",
            "REDIS_URL": "",
            "LOG_LEVEL": "WARNING",
            "THROTTLE_PATIENT": "100000/minute",
            "THROTTLE_USER": "100000/minute",
        }
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from programs.models import Patient

    call_command("migrate", verbosity=0)
    call_command("demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    patient = Patient.objects.select_related("physiotherapist__user").get(
        user__username=args.username
    )
    programme = patient.programmes.get()
    users = {"patient": patient.user, "physio": patient.physiotherapist.user}
    print(f"{args.username}: {programme.sessions.count()} planned sessions")
    print(f"{'bytes nl':>9} {'bytes en':>9}  request")
    for role, template in READS:
        url = template.format(programme=programme.pk)
        client = Client(HTTP_HOST="127.0.0.1:8000")  # as `make run` serves it
        client.force_login(users[role])
        sizes = []
        for language in ("nl", "en"):
            response = client.get(url, headers={"accept-language": language})
            sizes.append(f"{len(response.content):>9}" if response.status_code == 200 else "-")
        print(f"{sizes[0]:>9} {sizes[1]:>9}  {role:8} GET {url}")


if __name__ == "__main__":
    main()
