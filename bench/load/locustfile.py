"""The simulated app users of bench/load/run.py (which starts locust with this file).

100 users by default, in the product's mix: 80% patients logging and reading, 15%
physiotherapists on caseload and progress, 5% insurers checking claims. Each signs in with a
token prepared by run.py (as an app holds one) and waits between actions like a person.

Request names are the endpoint templates, so the statistics come per endpoint.

Patients log their real planned sessions: at start the app reads its sessions up to today
(GET /me/sessions/) and logs the open ones, the oldest first, so the write path runs as in
production (adherence, pain-monitoring alerts); only when none is left does it log an extra
session (no planned session)."""

import itertools
import json
import os
import random
import uuid
from datetime import datetime, timedelta

import gevent
from locust import FastHttpUser, between, task

with open(os.environ["LOAD_USERS"]) as handle:
    PEOPLE = json.load(handle)
_next = {role: itertools.cycle(PEOPLE[role]) for role in ("patients", "physios", "insurers")}
WAIT_MIN = float(os.environ.get("LOAD_WAIT_MIN", "1"))
WAIT_MAX = float(os.environ.get("LOAD_WAIT_MAX", "3"))
WAIT = between(WAIT_MIN, WAIT_MAX)


def now_local() -> datetime:
    return datetime.now().astimezone()


class AppUser(FastHttpUser):
    abstract = True
    wait_time = WAIT
    role = ""

    def on_start(self):
        self.me = next(_next[self.role])
        self.headers = {"Authorization": f"Bearer {self.me['token']}"}
        # People open the app at their own moments, not all in the second they were started:
        # each user's first action falls somewhere in one waiting time (without this, the
        # start was a burst of every user's first request at once, five caseloads among them).
        gevent.sleep(random.uniform(0, WAIT_MAX))

    def get(self, path, name):
        self.client.get(path, headers=self.headers, name=name)

    def send(self, method, path, body, name, ok=(200, 201)):
        with self.client.request(
            method, path, json=body, headers=self.headers, name=name, catch_response=True
        ) as response:
            if response.status_code in ok:
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")


class Patient(AppUser):
    weight = 80
    role = "patients"

    def on_start(self):
        super().on_start()
        self.cursor = self.me["cursor"]
        self.last_log = None
        self.open_sessions = self.sessions_to_log()

    def sessions_to_log(self) -> list[dict]:
        """The planned sessions up to today that are still to be logged, oldest first."""
        today = now_local().date()
        url = f"/api/v1/me/sessions/?from={self.me['programme_start']}&to={today}&page_size=200"
        with self.client.get(
            url, headers=self.headers, name="GET /me/sessions/", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return []
            response.success()
            sessions = response.json()["results"]
        return sorted(
            (s for s in sessions if s["schedule_status"] == "scheduled" and s["log_id"] is None),
            key=lambda s: s["scheduled_at"],
        )

    def log_body(self) -> dict:
        """A log of the oldest open planned session, else of an extra session; a pain flare
        (during above 5, docs/domain.md §3 P1) now and then."""
        body = {
            "planned_session": None,
            "performed_at": now_local().isoformat(timespec="seconds"),
            "status": "completed",
            "pain_before": random.randint(0, 4),
            "pain_during_max": random.choice((1, 2, 3, 3, 4, 4, 5, 5, 6, 7)),
            "exertion": random.randint(3, 7),
            "note": "",
            "exercises": [
                {"programme_exercise": pk, "sets_done": 2, "repetitions_done": 10}
                for pk in self.me["exercises"]
            ],
        }
        if self.open_sessions:
            session = self.open_sessions.pop(0)
            body["planned_session"] = session["id"]
            body["exercises"] = [
                {
                    "programme_exercise": item["id"],
                    "sets_done": item["sets"],
                    "repetitions_done": 10,
                }
                for item in session["exercises"]
            ]
        return body

    @task(3)
    def log_a_session(self):
        # One in ten is the app retrying a request whose answer it lost: the same id again.
        if self.last_log and random.random() < 0.1:
            log_id, body = self.last_log
        else:
            log_id, body = uuid.uuid4(), self.log_body()
            self.last_log = (log_id, body)
        self.send("PUT", f"/api/v1/me/session-logs/{log_id}/", body, "PUT /me/session-logs/{id}/")

    @task(1)
    def report_weekly_pain(self):
        year, week, _day = now_local().isocalendar()
        self.send(
            "PUT",
            f"/api/v1/me/weekly-pain/{year}-W{week:02d}/",
            {"nrs": random.randint(1, 6)},
            "PUT /me/weekly-pain/{week}/",
        )

    @task(1)
    def sync(self):
        # Back online: the app uploads what it logged offline (often nothing) and takes the
        # changes since its cursor.
        offline = [
            {"id": str(uuid.uuid4()), **self.log_body()} for _ in range(random.choice((0, 0, 1, 2)))
        ]
        with self.client.post(
            "/api/v1/me/sync/",
            json={"cursor": self.cursor, "session_logs": offline},
            headers=self.headers,
            name="POST /me/sync/",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                self.cursor = response.json()["cursor"]
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(3)
    def sessions_of_these_weeks(self):
        today = now_local().date()
        start, end = today - timedelta(days=7), today + timedelta(days=7)
        self.get(f"/api/v1/me/sessions/?from={start}&to={end}", "GET /me/sessions/")

    @task(2)
    def programme(self):
        self.get("/api/v1/me/programme/", "GET /me/programme/")

    @task(1)
    def adherence(self):
        self.get("/api/v1/me/adherence/", "GET /me/adherence/")

    @task(1)
    def my_logs(self):
        self.get("/api/v1/me/session-logs/", "GET /me/session-logs/")


class Physiotherapist(AppUser):
    weight = 15
    role = "physios"

    @task(2)
    def caseload(self):
        self.get("/api/v1/physio/caseload/", "GET /physio/caseload/")

    @task(3)
    def progress(self):
        patient = random.choice(self.me["patients"])
        self.get(
            f"/api/v1/physio/patients/{patient}/progress/", "GET /physio/patients/{id}/progress/"
        )

    @task(1)
    def alerts(self):
        self.get("/api/v1/physio/alerts/", "GET /physio/alerts/")

    @task(1)
    def session_logs(self):
        programme = random.choice(self.me["programmes"])
        self.get(
            f"/api/v1/physio/programmes/{programme}/session-logs/",
            "GET /physio/programmes/{id}/session-logs/",
        )


class Insurer(AppUser):
    weight = 5
    role = "insurers"

    @task(2)
    def check_claims(self):
        lines = random.sample(self.me["claim_lines"], k=min(5, len(self.me["claim_lines"])))
        self.send(
            "POST",
            "/api/v1/insurer/claims/check/",
            {"lines": lines, "dry_run": True},
            "POST /insurer/claims/check/",
        )

    @task(1)
    def episodes(self):
        member = random.choice(self.me["members"])
        self.get(f"/api/v1/insurer/episodes/?member_number={member}", "GET /insurer/episodes/")
