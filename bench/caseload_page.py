"""Time of the physiotherapist's caseload for 500 patients on gunicorn + PostgreSQL: the web
dashboard page (/dashboard/) and the API (/api/v1/physio/caseload/?page_size=500).

    .venv/bin/python bench/caseload_page.py [--patients 500] [--requests 30]

Needs PostgreSQL and Redis (see bench/common.py); creates and drops its own database."""

import argparse
import re
import statistics
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Client, analyze, gunicorn, recreate_database

PASSWORD = "bench-caseload-password"


def prepare(patients: int) -> str:
    from rest_framework_simplejwt.tokens import RefreshToken

    from programs.models import Practice
    from programs.services.people import physiotherapist_create
    from tests.builders import practice_with_patients

    practice = Practice.objects.create(name="Bench", agb_code="04999995")
    physio = physiotherapist_create(
        username="bench.caseload", password=PASSWORD, practice=practice, agb_code="04999994"
    )
    practice_with_patients(physio, patients)
    return str(RefreshToken.for_user(physio.user).access_token)


def session_cookie(port: int) -> str:
    """Sign in through the login form, as a browser does."""
    client = Client(port, {"Content-Type": "application/x-www-form-urlencoded"})
    client.connection.request("GET", "/accounts/login/")
    response = client.connection.getresponse()
    page = response.read().decode()
    csrf = SimpleCookie(response.getheader("Set-Cookie"))["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urlencode(
        {"username": "bench.caseload", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    client.connection.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"http://127.0.0.1:{port}/",
        },
    )
    response = client.connection.getresponse()
    response.read()
    cookies = SimpleCookie()
    for header in response.getheaders():
        if header[0].lower() == "set-cookie":
            cookies.load(header[1])
    return f"sessionid={cookies['sessionid'].value}"


def timed(client: Client, path: str, count: int) -> tuple[list[float], int]:
    latencies, size = [], 0
    for _ in range(count):
        status, latency, body = client.call("GET", path)
        assert status == 200, (path, status, body[:200])
        latencies.append(latency)
        size = len(body)
    return latencies, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    env = recreate_database("hipcoach_bench_caseload")
    token = prepare(args.patients)
    analyze()
    with gunicorn(env, workers=2) as port:
        page = Client(port, {"Cookie": session_cookie(port)})
        api = Client(port, {"Authorization": f"Bearer {token}"})
        timed(page, "/dashboard/", 3)  # warm-up
        timed(api, f"/api/v1/physio/caseload/?page_size={args.patients}", 3)
        page_times, page_size = timed(page, "/dashboard/", args.requests)
        api_times, api_size = timed(
            api, f"/api/v1/physio/caseload/?page_size={args.patients}", args.requests
        )
    print(f"caseload of {args.patients} patients, gunicorn + PostgreSQL, {args.requests} requests")
    for name, times, size in (
        ("dashboard page /dashboard/", page_times, page_size),
        ("API /physio/caseload/", api_times, api_size),
    ):
        print(
            f"  {name:<28} median {statistics.median(times) * 1000:7.1f} ms   "
            f"max {max(times) * 1000:7.1f} ms   {size / 1024:.0f} KiB"
        )


if __name__ == "__main__":
    main()
