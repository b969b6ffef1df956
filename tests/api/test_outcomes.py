"""Pain and function outcomes through the API: weekly pain, questionnaires (idempotent, scored,
windows), the due list over the schedule, performance tests, change against baseline, and the
access matrix of every endpoint."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.errors import ValidationFailed
from programs.models import (
    AccessLogEntry,
    EndReason,
    OutcomeScore,
    QuestionnaireResponse,
    WeeklyPain,
)
from programs.scoring import hoos_item_codes
from programs.services.outcome import questionnaire_response_upsert, weekly_pain_report
from programs.services.programme import programme_end, programme_pause, programme_resume
from tests.access import check_access
from tests.conftest import enrol

AMS = ZoneInfo("Europe/Amsterdam")


def ams(*args):
    return datetime(*args, tzinfo=AMS)


@pytest.fixture
def march(world):
    """Mondays (supervised) and Thursdays from Monday 1 March 2027: week 6 starts 5 April,
    week 12 starts 17 May, the last session is Thursday 20 May."""
    with time_machine.travel(ams(2027, 2, 20, 9, 0), tick=False):
        return enrol(world.owner, world.physio, start_date=ams(2027, 3, 1).date())


def hoos(value=1, missing=()):
    return {code: (None if code in missing else value) for code in hoos_item_codes()}


def oxford(values):
    return {f"OHS{i}": v for i, v in enumerate(values, start=1)}


def put_response(client, body, response_id=None):
    response_id = response_id or uuid.uuid4()
    return client.put(f"/api/v1/me/questionnaire-responses/{response_id}/", body, format="json")


class TestQuestionnaires:
    def test_hoos_is_stored_per_item_and_scored(self, world, march):
        # Pain P1-P10 all 1: mean 1, 100 - 25 = 75. Symptoms S1-S5 all 1: 75.
        body = {
            "instrument": "hoos",
            "instrument_version": "2.0",
            "answered_at": "2027-02-26T10:00:00+01:00",
            "answers": hoos(1, missing=("SP1", "SP2", "SP3")),
        }
        with time_machine.travel(ams(2027, 2, 26, 11, 0)):
            response = put_response(world.client("owner"), body)
        assert response.status_code == 201, response.json()
        data = response.json()
        assert (data["timepoint"], data["in_window"]) == ("baseline", True)
        assert len(data["answers"]) == 40
        # Sport/Recreation has 1 of 4 items answered (at least 2 needed): no score at all.
        assert data["scores"] == {
            "hoos_pain": 75.0,
            "hoos_symptoms": 75.0,
            "hoos_adl": 75.0,
            "hoos_qol": 75.0,
        }

    def test_oxford_imputes_two_missing_items_and_refuses_three(self, world, march):
        # Ten answered items all 3, two missing: mean 3 x 12 = 36. Three missing: no score.
        two = oxford([3] * 10 + [None, None])
        three = oxford([3] * 9 + [None, None, None])
        with time_machine.travel(ams(2027, 2, 26, 11, 0)):
            client = world.client("owner")
            first = put_response(
                client,
                {
                    "instrument": "oxford",
                    "instrument_version": "1998",
                    "answered_at": "2027-02-26T10:00:00+01:00",
                    "answers": two,
                },
            )
            second = put_response(
                client,
                {
                    "instrument": "oxford",
                    "instrument_version": "1998",
                    "answered_at": "2027-02-26T10:05:00+01:00",
                    "answers": three,
                },
            )
        assert first.json()["scores"] == {"oxford": 36.0}
        assert second.status_code == 201 and second.json()["scores"] == {}

    def test_psfs_keeps_the_named_activities(self, world, march):
        body = {
            "instrument": "psfs",
            "instrument_version": "1995",
            "answered_at": "2027-02-26T10:00:00+01:00",
            "activities": [
                {"name": "Traplopen", "rating": 4},
                {"name": "Fietsen", "rating": 7},
            ],
        }
        with time_machine.travel(ams(2027, 2, 26, 11, 0)):
            data = put_response(world.client("owner"), body).json()
        assert data["scores"] == {"psfs": 5.5}  # (4 + 7) / 2
        assert [(a["item_code"], a["text"], a["value"]) for a in data["answers"]] == [
            ("activity_1", "Traplopen", 4),
            ("activity_2", "Fietsen", 7),
        ]

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"answers": {"P1": 5}}, "answers.P1"),
            ({"answers": {"P1": -1}}, "answers.P1"),
            ({"answers": {"P99": 2}}, "answers.P99"),
            ({"answers": {"P1": "veel"}}, "answers.P1"),
            ({"instrument": "womac"}, "instrument"),
            ({"instrument_version": "9.9"}, "instrument_version"),
            ({"answered_at": "2027-02-26T10:00:00"}, "answered_at"),
            ({"answered_at": "2027-03-30T10:00:00+02:00"}, "answered_at"),
            ({"timepoint": "week_7"}, "timepoint"),
            ({"activities": [{"name": "Fietsen", "rating": 3}]}, "activities"),
        ],
    )
    def test_bad_answers_are_a_400_naming_the_item_and_nothing_is_kept(
        self, world, march, overrides, field
    ):
        body = {
            "instrument": "hoos",
            "instrument_version": "2.0",
            "answered_at": "2027-02-26T10:00:00+01:00",
            "answers": {"P1": 1},
            **overrides,
        }
        with time_machine.travel(ams(2027, 2, 26, 11, 0)):
            response = put_response(world.client("owner"), body)
        assert response.status_code == 400, response.json()
        assert field in response.json()["error"]["fields"], response.json()
        assert not QuestionnaireResponse.objects.exists()

    def test_the_same_put_again_is_the_same_record_and_another_body_updates_it(self, world, march):
        response_id = uuid.uuid4()
        body = {
            "instrument": "oxford",
            "instrument_version": "1998",
            "answered_at": "2027-02-26T10:00:00+01:00",
            "answers": oxford([2] * 12),
        }
        with time_machine.travel(ams(2027, 2, 26, 11, 0)):
            client = world.client("owner")
            first = put_response(client, body, response_id)
            again = put_response(client, body, response_id)
            changed = put_response(client, {**body, "answers": oxford([3] * 12)}, response_id)
        assert (first.status_code, again.status_code, changed.status_code) == (201, 200, 200)
        assert first.json() == again.json()
        assert (changed.json()["revision"], changed.json()["scores"]) == (2, {"oxford": 36.0})
        assert OutcomeScore.objects.filter(measure="oxford").count() == 1
        entries = AccessLogEntry.objects.filter(resource="questionnaire").order_by("pk")
        assert [e.action for e in entries] == ["create", "read", "update"]  # a replay reads

    def test_another_patients_response_id_is_a_404_and_untouched(self, world, march):
        response_id = uuid.uuid4()
        body = {
            "instrument": "oxford",
            "instrument_version": "1998",
            "answered_at": "2027-02-26T10:00:00+01:00",
            "answers": oxford([2] * 12),
        }
        with time_machine.travel(ams(2027, 2, 26, 11, 0)):
            put_response(world.client("owner"), body, response_id)
            other = put_response(
                world.client("other_patient"), {**body, "answers": oxford([4] * 12)}, response_id
            )
        assert other.status_code == 404
        assert QuestionnaireResponse.objects.get(pk=response_id).patient == world.owner

    def test_a_response_outside_its_window_is_kept_and_marked(self, world, march):
        body = {
            "instrument": "oxford",
            "instrument_version": "1998",
            "timepoint": "week_6",
            "answered_at": "2027-03-10T10:00:00+01:00",  # week 2: not the week-6 window
            "answers": oxford([2] * 12),
        }
        with time_machine.travel(ams(2027, 3, 10, 11, 0)):
            data = put_response(world.client("owner"), body).json()
        assert (data["timepoint"], data["in_window"]) == ("week_6", False)
        assert QuestionnaireResponse.objects.get().in_window is False

    @pytest.mark.parametrize(
        ("instrument", "version", "activities", "fields"),
        [
            ("psfs", "1995", [{"name": "Traplopen", "rating": 11}], ["activities.0.rating"]),
            (
                "psfs",
                "1995",
                [{"name": "Fietsen", "rating": 4}, {"name": "Traplopen", "rating": -1}],
                ["activities.1.rating"],
            ),
            ("psfs", "1995", [], ["activities"]),  # PSFS: at least one activity
            ("psfs", "1995", [{"rating": 5}], ["activities.0.name"]),
            (
                "psk",
                "KNGF-2018",  # PSK: at least three
                [{"name": "Traplopen", "rating": 6}, {"name": "Fietsen", "rating": 4}],
                ["activities"],
            ),
            (
                "psk",
                "KNGF-2018",
                [{"name": "Traplopen", "rating": 6}] * 2 + [{}],
                ["activities.2.name", "activities.2.rating"],
            ),
        ],
    )
    def test_bad_activities_are_a_400_naming_the_activity(
        self, world, march, instrument, version, activities, fields
    ):
        body = {
            "instrument": instrument,
            "instrument_version": version,
            "answered_at": "2027-02-26T10:00:00+01:00",
            "activities": activities,
        }
        with time_machine.travel(ams(2027, 2, 26, 11, 0)):
            response = put_response(world.client("owner"), body)
        assert response.status_code == 400, response.json()
        assert sorted(response.json()["error"]["fields"]) == fields
        assert not QuestionnaireResponse.objects.exists()

    def test_the_service_names_a_bad_rating_as_the_api_does(self, world, march):
        """A rating that reaches the service unchecked (another caller than the API) is named
        the same way, activities.<index from 0>.rating, from the scoring error's activity_2."""
        data = {
            "instrument": "psfs",
            "instrument_version": "1995",
            "answered_at": ams(2027, 2, 26, 10, 0),
            "activities": [{"name": "Fietsen", "rating": 4}, {"name": "Traplopen", "rating": 11}],
        }
        with (
            time_machine.travel(ams(2027, 2, 26, 11, 0)),
            pytest.raises(ValidationFailed) as raised,
        ):
            questionnaire_response_upsert(patient=world.owner, response_id=uuid.uuid4(), data=data)
        assert list(raised.value.fields) == ["activities.1.rating"]
        assert not QuestionnaireResponse.objects.exists()

    def test_six_activities_are_refused_as_a_whole(self, world, march):
        body = {
            "instrument": "psfs",
            "instrument_version": "1995",
            "answered_at": "2027-02-26T10:00:00+01:00",
            "activities": [{"name": f"activiteit {i}", "rating": 5} for i in range(6)],
        }
        with time_machine.travel(ams(2027, 2, 26, 11, 0)):
            response = put_response(world.client("owner"), body)
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["activities"]

    def test_psk_is_scored_as_hinder(self, world, march):
        body = {
            "instrument": "psk",
            "instrument_version": "KNGF-2018",
            "answered_at": "2027-02-26T10:00:00+01:00",
            "activities": [
                {"name": "Traplopen", "rating": 7},
                {"name": "Fietsen", "rating": 4},
                {"name": "Sokken aantrekken", "rating": 6},
            ],
        }
        with time_machine.travel(ams(2027, 2, 26, 11, 0)):
            response = put_response(world.client("owner"), body)
        assert response.status_code == 201, response.json()
        assert response.json()["scores"] == {"psk": 5.7}  # (7 + 4 + 6) / 3 = 5.67 -> 5.7

    @pytest.mark.parametrize(
        ("answers", "scores"),
        [
            # Raw sum 1 + 2 + 0 + 4 + 3 = 10 -> 62.3 by the Rasch table (docs/domain.md §2).
            ({"PS1": 1, "PS2": 2, "PS3": 0, "PS4": 4, "PS5": 3}, {"hoos_ps": 62.3}),
            # All five items are needed: one missing, no score (and the response is kept).
            ({"PS1": 1, "PS2": 2, "PS3": 0, "PS4": 4, "PS5": None}, {}),
        ],
    )
    def test_hoos_ps_through_the_api(self, world, march, answers, scores):
        body = {
            "instrument": "hoos_ps",
            "instrument_version": "2.0",
            "answered_at": "2027-02-26T10:00:00+01:00",
            "answers": answers,
        }
        with time_machine.travel(ams(2027, 2, 26, 11, 0)):
            response = put_response(world.client("owner"), body)
        assert response.status_code == 201, response.json()
        assert response.json()["scores"] == scores

    def test_hoos_ps_unknown_item_names_it(self, world, march):
        body = {
            "instrument": "hoos_ps",
            "instrument_version": "2.0",
            "answered_at": "2027-02-26T10:00:00+01:00",
            "answers": {"PS1": 1, "PS6": 2},
        }
        with time_machine.travel(ams(2027, 2, 26, 11, 0)):
            response = put_response(world.client("owner"), body)
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["answers.PS6"]

    def test_a_change_after_the_edit_window_is_a_409_and_the_answers_stay(self, world, march):
        response_id = uuid.uuid4()
        body = {
            "instrument": "oxford",
            "instrument_version": "1998",
            "answered_at": "2027-02-26T10:00:00+01:00",
            "answers": oxford([2] * 12),
        }
        with time_machine.travel(ams(2027, 2, 26, 11, 0)):
            put_response(world.client("owner"), body, response_id)
        changed = {**body, "answers": oxford([3] * 12)}
        with time_machine.travel(ams(2027, 3, 5, 10, 0)):  # 7 days less an hour: still open
            assert put_response(world.client("owner"), changed, response_id).status_code == 200
        with time_machine.travel(ams(2027, 3, 5, 12, 0)):  # 7 days and an hour after creation
            again = put_response(world.client("owner"), body, response_id)
            same = put_response(world.client("owner"), changed, response_id)
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "response_locked"
        assert same.status_code == 200  # the stored body again changes nothing: still fine
        assert OutcomeScore.objects.get(measure="oxford").value == 36.0

    def test_a_response_outside_every_window_is_kept_unscheduled(self, world, march):
        body = {
            "instrument": "oxford",
            "instrument_version": "1998",
            "answered_at": "2027-03-20T10:00:00+01:00",  # between baseline and week 6
            "answers": oxford([2] * 12),
        }
        with time_machine.travel(ams(2027, 3, 20, 11, 0)):
            response = put_response(world.client("owner"), body)
        assert response.status_code == 201
        assert (response.json()["timepoint"], response.json()["in_window"]) == (
            "unscheduled",
            False,
        )
        score = OutcomeScore.objects.get(measure="oxford")
        assert (score.timepoint, score.in_window) == ("unscheduled", False)


class TestDueList:
    """Windows (see programs/scheduling.py): baseline 1 Feb-7 Mar; week 6 29 Mar-18 Apr;
    week 12 10 May-3 Jun (20 May + 14 days); 6 months around 18 Nov 2027; 12 months around
    19 May 2028 (each +-28 days)."""

    def due(self, world, when):
        with time_machine.travel(when):
            return {
                (item["instrument"], item["timepoint"])
                for item in world.client("owner")
                .get("/api/v1/me/questionnaires/due/")
                .json()["results"]
            }

    @pytest.mark.parametrize(
        ("when", "timepoint"),
        [
            (ams(2027, 2, 20, 12), "baseline"),
            (ams(2027, 3, 7, 12), "baseline"),  # last day of week 1
            (ams(2027, 3, 8, 12), None),
            (ams(2027, 3, 29, 12), "week_6"),
            (ams(2027, 4, 18, 12), "week_6"),
            (ams(2027, 4, 19, 12), None),
            (ams(2027, 5, 10, 12), "week_12"),
            (ams(2027, 6, 3, 12), "week_12"),
            (ams(2027, 6, 4, 12), None),
            (ams(2027, 11, 18, 12), "month_6"),
            (ams(2028, 5, 19, 12), "month_12"),
            (ams(2028, 7, 1, 12), None),
        ],
    )
    def test_what_is_due_across_the_schedule(self, world, march, when, timepoint):
        expected = (
            set()
            if timepoint is None
            else {("hoos", timepoint), ("oxford", timepoint), ("psfs", timepoint)}
        )
        assert self.due(world, when) == expected

    def test_an_answered_questionnaire_is_no_longer_due(self, world, march):
        with time_machine.travel(ams(2027, 2, 26, 11, 0)):
            put_response(
                world.client("owner"),
                {
                    "instrument": "oxford",
                    "instrument_version": "1998",
                    "answered_at": "2027-02-26T10:00:00+01:00",
                    "answers": oxford([2] * 12),
                },
            )
        assert self.due(world, ams(2027, 2, 27, 12)) == {("hoos", "baseline"), ("psfs", "baseline")}

    def test_a_pause_moves_the_week_6_window(self, world, march):
        with time_machine.travel(ams(2027, 3, 10, 9), tick=False):
            programme_pause(actor=world.physio.user, programme=march)
        with time_machine.travel(ams(2027, 3, 24, 9), tick=False):
            programme_resume(actor=world.physio.user, programme=march)
        # Two weeks of pause: week 6 now starts two weeks later, on 19 April.
        assert self.due(world, ams(2027, 3, 30, 12)) == set()
        assert ("oxford", "week_6") in self.due(world, ams(2027, 4, 14, 12))


class TestWeeklyPain:
    def test_one_report_per_week_updated_not_doubled(self, world, march):
        with time_machine.travel(ams(2027, 3, 7, 20, 0)):
            client = world.client("owner")
            first = client.put("/api/v1/me/weekly-pain/2027-W09/", {"nrs": 4}, format="json")
            again = client.put("/api/v1/me/weekly-pain/2027-W09/", {"nrs": 4}, format="json")
            changed = client.put("/api/v1/me/weekly-pain/2027-W09/", {"nrs": 5}, format="json")
        assert (first.status_code, again.status_code, changed.status_code) == (201, 200, 200)
        assert changed.json()["week_start"] == "2027-03-01"
        assert WeeklyPain.objects.get().nrs == 5
        entries = AccessLogEntry.objects.filter(resource="weekly_pain").order_by("pk")
        assert [e.action for e in entries] == ["create", "read", "update"]  # a replay reads

    @pytest.mark.parametrize(
        ("week", "body", "field"),
        [
            ("2027-W11", {"nrs": 3}, "week"),  # next week
            ("2027-W02", {"nrs": 3}, "week"),  # too far back
            ("2027-W99", {"nrs": 3}, "week"),
            ("2027-W09", {"nrs": 11}, "nrs"),
            ("2027-W09", {}, "nrs"),
        ],
    )
    def test_bad_reports_are_a_400(self, world, march, week, body, field):
        with time_machine.travel(ams(2027, 3, 7, 20, 0)):
            response = world.client("owner").put(
                f"/api/v1/me/weekly-pain/{week}/", body, format="json"
            )
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == [field]
        assert not WeeklyPain.objects.exists()

    def test_change_and_the_p3_signal(self, world, march):
        client_weeks = [
            ("2027-W09", 3, ams(2027, 3, 7)),
            ("2027-W10", 4, ams(2027, 3, 14)),
            ("2027-W11", 5, ams(2027, 3, 21)),
        ]
        for week, nrs, when in client_weeks:
            with time_machine.travel(when):
                world.client("owner").put(
                    f"/api/v1/me/weekly-pain/{week}/", {"nrs": nrs}, format="json"
                )
        with time_machine.travel(ams(2027, 3, 22)):
            series = world.client("owner").get("/api/v1/me/outcomes/").json()["weekly_pain"]
        # Baseline 3. The threshold is the smaller of 2 points and 30% of 3 (0.9).
        assert [(p["nrs"], p["change"], p["important"], p["p3_signal"]) for p in series] == [
            (3, None, None, False),
            (4, 1.0, True, False),  # 1 point is 33% of 3: reaches the 30% rule
            (5, 2.0, True, True),
        ]


class TestPerformanceTests:
    def test_first_and_last_supervised_sessions_give_baseline_and_week_12(self, world, march):
        first = march.sessions.get(local_date=ams(2027, 3, 1).date())
        last = march.sessions.get(local_date=ams(2027, 5, 17).date())
        base = f"/api/v1/physio/programmes/{march.pk}/sessions"
        with time_machine.travel(ams(2027, 3, 1, 19)):
            walk = world.client("physio").put(
                f"{base}/{first.pk}/performance-tests/walk_40m/", {"value": "32.00"}, format="json"
            )
            world.client("physio").put(
                f"{base}/{first.pk}/performance-tests/chair_stand_30s/", {"value": 9}, format="json"
            )
        with time_machine.travel(ams(2027, 5, 17, 19)):
            world.client("physio").put(
                f"{base}/{last.pk}/performance-tests/walk_40m/", {"value": "25.00"}, format="json"
            )
            listing = world.client("physio").get(
                f"/api/v1/physio/programmes/{march.pk}/performance-tests/"
            )
            outcomes = (
                world.client("physio")
                .get(f"/api/v1/physio/patients/{world.owner.pk}/outcomes/")
                .json()
            )
        assert walk.status_code == 201 and walk.json()["score"] == 1.25  # 40 / 32
        body = listing.json()
        assert (body["first_supervised_session"], body["last_supervised_session"]) == (
            str(first.pk),
            str(last.pk),
        )
        speeds = [s for s in outcomes["scores"] if s["measure"] == "walk_40m_speed"]
        assert [(s["timepoint"], s["value"], s["change"]) for s in speeds] == [
            ("baseline", 1.25, None),
            ("week_12", 1.6, 0.35),  # 40 / 25 = 1.6; no threshold set: change, no flag
        ]
        assert speeds[1]["important"] is None

    def test_only_at_supervised_sessions_and_within_limits(self, world, march):
        home = march.sessions.get(local_date=ams(2027, 3, 4).date())
        first = march.sessions.get(local_date=ams(2027, 3, 1).date())
        base = f"/api/v1/physio/programmes/{march.pk}/sessions"
        with time_machine.travel(ams(2027, 3, 4, 19)):
            home_test = world.client("physio").put(
                f"{base}/{home.pk}/performance-tests/tug/", {"value": 9}, format="json"
            )
            silly = world.client("physio").put(
                f"{base}/{first.pk}/performance-tests/tug/", {"value": 1}, format="json"
            )
            unknown = world.client("physio").put(
                f"{base}/{first.pk}/performance-tests/hop/", {"value": 9}, format="json"
            )
        assert home_test.status_code == 400 and list(home_test.json()["error"]["fields"]) == [
            "session"
        ]
        assert silly.status_code == 400 and list(silly.json()["error"]["fields"]) == ["value"]
        assert unknown.status_code == 404

    @pytest.mark.parametrize(("value", "status"), [("9.5", 400), (9.25, 400), ("9.00", 201)])
    def test_the_chair_stand_is_a_whole_number_of_stands(self, world, march, value, status):
        first = march.sessions.get(local_date=ams(2027, 3, 1).date())
        url = (
            f"/api/v1/physio/programmes/{march.pk}/sessions/{first.pk}"
            "/performance-tests/chair_stand_30s/"
        )
        with time_machine.travel(ams(2027, 3, 1, 19)):
            response = world.client("physio").put(url, {"value": value}, format="json")
        assert response.status_code == status, response.json()
        if status == 400:
            assert list(response.json()["error"]["fields"]) == ["value"]
        else:
            assert response.json()["score"] == 9.0


class TestChangeAgainstBaseline:
    def test_oxford_plus_5_is_important_and_hoos_pain_plus_8_is_not(self, world, march):
        client_answers = [
            ("2027-02-26T10:00:00+01:00", oxford([2] * 12), hoos(2), ams(2027, 2, 26, 11)),
            # Oxford 24 -> 29: +5 (>= 5). HOOS pain: P1-P10 one answer 2 -> ... see below.
            (
                "2027-05-18T10:00:00+02:00",
                oxford([2] * 7 + [3] * 5),
                {**hoos(2), "P1": 1, "P2": 1, "P3": 1},
                ams(2027, 5, 18, 11),
            ),
        ]
        for answered, ox, ho, when in client_answers:
            with time_machine.travel(when):
                for instrument, version, answers in (("oxford", "1998", ox), ("hoos", "2.0", ho)):
                    put_response(
                        world.client("owner"),
                        {
                            "instrument": instrument,
                            "instrument_version": version,
                            "answered_at": answered,
                            "answers": answers,
                        },
                    )
        with time_machine.travel(ams(2027, 5, 19)):
            scores = (
                world.client("physio")
                .get(f"/api/v1/physio/patients/{world.owner.pk}/outcomes/")
                .json()["scores"]
            )
        later = {s["measure"]: s for s in scores if s["timepoint"] == "week_12"}
        assert (later["oxford"]["baseline"], later["oxford"]["value"]) == (24.0, 29.0)
        assert (later["oxford"]["change"], later["oxford"]["important"]) == (5.0, True)
        # HOOS pain: baseline all 2 -> 50. Later P1-P3 = 1, P4-P10 = 2: mean 17/10 = 1.7,
        # 100 - 42.5 = 57.5: +7.5, below 10.
        assert (later["hoos_pain"]["value"], later["hoos_pain"]["change"]) == (57.5, 7.5)
        assert later["hoos_pain"]["important"] is False
        assert later["hoos_pain"]["improvement"] == 7.5

    def test_a_second_programme_is_compared_with_its_own_baseline(self, world, march):
        """TUG 12.0 s at the first supervised session of the first programme, which ends; the
        second programme starts at 10.0 s and ends at 8.75 s. Its week 12 is 8.75 - 10.0 =
        -1.25 s, shown -1.3 (half away from zero), an improvement of 1.3 (lower is better) and
        no verdict (no threshold set); against the first programme's 12.0 it would be -3.25."""

        def tug(programme, session, value):
            with time_machine.travel(session.scheduled_at + timedelta(hours=1)):
                url = (
                    f"/api/v1/physio/programmes/{programme.pk}/sessions/{session.pk}"
                    "/performance-tests/tug/"
                )
                response = world.client("physio").put(url, {"value": value}, format="json")
            assert response.status_code == 201, response.json()

        tug(march, march.sessions.get(local_date=ams(2027, 3, 1).date()), "12.00")
        with time_machine.travel(ams(2027, 3, 2, 9), tick=False):
            programme_end(actor=world.physio.user, programme=march, reason=EndReason.OTHER)
        with time_machine.travel(ams(2027, 3, 30, 9), tick=False):
            second = enrol(world.owner, world.physio, start_date=ams(2027, 4, 5).date())
        supervised = second.sessions.filter(supervised=True).order_by("scheduled_at")
        tug(second, supervised.first(), "10.00")
        tug(second, supervised.last(), "8.75")
        with time_machine.travel(supervised.last().scheduled_at + timedelta(days=1)):
            scores = (
                world.client("physio")
                .get(f"/api/v1/physio/patients/{world.owner.pk}/outcomes/")
                .json()
            )
        rows = [
            (s["timepoint"], s["value"], s["baseline"], s["change"], s["improvement"])
            for s in scores["scores"]
            if s["measure"] == "tug_seconds"
        ]
        assert rows == [
            ("baseline", 12.0, 12.0, None, None),
            ("baseline", 10.0, 10.0, None, None),
            ("week_12", 8.75, 10.0, -1.3, 1.3),
        ]
        assert [s["important"] for s in scores["scores"]] == [None, None, None]


class TestQueryCounts:
    """Outcome reads cost the same number of queries for one questionnaire as for seven of
    five instruments, with a weekly pain report beside them."""

    ANSWERS = {
        "hoos": {"instrument_version": "2.0", "answers": hoos(2)},
        "oxford": {"instrument_version": "1998", "answers": oxford([2] * 12)},
        "psfs": {"instrument_version": "1995", "activities": [{"name": "Fietsen", "rating": 4}]},
        "psk": {
            "instrument_version": "KNGF-2018",
            "activities": [{"name": f"activiteit {i}", "rating": 5} for i in range(3)],
        },
        "hoos_ps": {
            "instrument_version": "2.0",
            "answers": {"PS1": 1, "PS2": 1, "PS3": 1, "PS4": 1, "PS5": 1},
        },
    }

    def answer(self, world, instrument, minute):
        questionnaire_response_upsert(
            patient=world.owner,
            response_id=uuid.uuid4(),
            data={
                "instrument": instrument,
                "answered_at": ams(2027, 2, 26, 10, minute),
                **self.ANSWERS[instrument],
            },
        )

    def queries(self, world, actor, url):
        with CaptureQueriesContext(connection) as captured:
            response = world.client(actor).get(url)
        assert response.status_code == 200, response.json()
        return len(captured), response.json()

    @pytest.mark.parametrize(
        ("actor", "url"),
        [
            ("owner", "/api/v1/me/questionnaire-responses/"),
            ("owner", "/api/v1/me/outcomes/"),
            ("owner", "/api/v1/me/questionnaires/due/"),
            ("physio", "/api/v1/physio/patients/{patient}/questionnaire-responses/"),
            ("physio", "/api/v1/physio/patients/{patient}/outcomes/"),
        ],
    )
    def test_the_same_queries_for_one_response_or_many(self, world, march, actor, url):
        url = url.format(patient=world.owner.pk)
        with time_machine.travel(ams(2027, 2, 26, 11, 0), tick=False):
            self.answer(world, "oxford", 0)
            one, body_one = self.queries(world, actor, url)
            for minute, instrument in enumerate(
                ["hoos", "psfs", "psk", "hoos_ps", "oxford", "hoos"], start=1
            ):
                self.answer(world, instrument, minute)
            weekly_pain_report(
                patient=world.owner,
                week_start=ams(2027, 2, 22).date(),
                nrs=4,
                reported_at=ams(2027, 2, 26, 10, 30),
            )
            many, body_many = self.queries(world, actor, url)
        assert one == many
        if "questionnaire-responses" in url:
            assert (body_one["count"], body_many["count"]) == (1, 7)
        if "outcomes" in url:
            assert len(body_many["scores"]) > len(body_one["scores"]) == 1


PATIENT_ONLY = {
    "owner": 200,
    "other_patient": 200,
    "physio": 403,
    "other_physio": 403,
    "insurer": 403,
    "other_insurer": 403,
    "staff": 403,
    "anonymous": 401,
}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/me/weekly-pain/",
        "/api/v1/me/questionnaire-responses/",
        "/api/v1/me/questionnaires/due/",
        "/api/v1/me/outcomes/",
    ],
)
def test_patient_outcome_endpoints_access_matrix(world, march, url):
    check_access(world, "get", url, PATIENT_ONLY)


def test_patient_writes_access_matrix(world, march):
    with time_machine.travel(ams(2027, 3, 7, 20)):
        check_access(
            world,
            "put",
            "/api/v1/me/weekly-pain/2027-W09/",
            {**PATIENT_ONLY, "owner": 201, "other_patient": 201},
            {"nrs": 3},
        )
    assert WeeklyPain.objects.count() == 2
    response_id = uuid.uuid4()
    with time_machine.travel(ams(2027, 2, 26, 11)):
        world.client("owner").put(
            f"/api/v1/me/questionnaire-responses/{response_id}/",
            {
                "instrument": "oxford",
                "instrument_version": "1998",
                "answered_at": "2027-02-26T10:00:00+01:00",
                "answers": oxford([2] * 12),
            },
            format="json",
        )
        check_access(
            world,
            "get",
            f"/api/v1/me/questionnaire-responses/{response_id}/",
            {**PATIENT_ONLY, "other_patient": 404},
        )


def test_physio_outcome_endpoints_access_matrix(world, march):
    physio_only = {**PATIENT_ONLY, "owner": 403, "other_patient": 403, "physio": 200}
    check_access(world, "get", "/api/v1/physio/patients/", {**physio_only, "other_physio": 200})
    for url in (
        f"/api/v1/physio/patients/{world.owner.pk}/outcomes/",
        f"/api/v1/physio/patients/{world.owner.pk}/questionnaire-responses/",
        f"/api/v1/physio/programmes/{march.pk}/performance-tests/",
    ):
        check_access(world, "get", url, {**physio_only, "other_physio": 404})
    first = march.sessions.order_by("scheduled_at").first()
    with time_machine.travel(ams(2027, 3, 1, 19)):
        check_access(
            world,
            "put",
            f"/api/v1/physio/programmes/{march.pk}/sessions/{first.pk}/performance-tests/tug/",
            {**physio_only, "physio": 201, "other_physio": 404},
            {"value": "11.5"},
        )


def test_the_practice_patient_list_shows_only_its_own(world):
    names = {
        row["id"]
        for row in world.client("physio").get("/api/v1/physio/patients/").json()["results"]
    }
    assert names == {str(world.owner.pk), str(world.other_patient.pk)}
    assert world.client("other_physio").get("/api/v1/physio/patients/").json()["count"] == 0


def test_weekly_report_a_week_later_still_counts_for_its_own_week(world, march):
    with time_machine.travel(ams(2027, 3, 9, 9)):  # Tuesday of week 10, reporting week 9
        response = world.client("owner").put(
            "/api/v1/me/weekly-pain/2027-W09/", {"nrs": 2}, format="json"
        )
    assert response.status_code == 201
    assert WeeklyPain.objects.get().week_start == ams(2027, 3, 1).date()
