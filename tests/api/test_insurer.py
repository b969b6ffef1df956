"""The insurer's 12-treatment check (docs/domain.md §5) through the API: each rule at its edges,
members who change insurer, duplicates, other practices, non-members, the CSV export, the
count patients and physiotherapists see, and an insurer refused everywhere else."""

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import get_resolver

from programs.api.insurer import MAX_BODY_BYTES, MAX_LINES
from programs.models import (
    AccessLogEntry,
    Attendance,
    Claim,
    ClaimCorrection,
    Indication,
    InsuranceCoverage,
    PlannedSession,
    Programme,
)
from tests.access import check_access
from tests.api.test_errors import assert_error_shape
from tests.factories import InsurerFactory

AMS = ZoneInfo("Europe/Amsterdam")


def register(
    world, days, status="attended", hour=10, necessary=False, patient=None, location="practice"
):
    """Supervised sessions on these days with the physiotherapist's registration, written
    directly (the rules are what is under test; attendance_register is tested elsewhere)."""
    patient = patient or world.owner
    physio = world.physio
    programme = Programme.objects.filter(patient=patient).first() or Programme.objects.create(
        patient=patient,
        enrolled_by=physio,
        name_nl="Heup",
        name_en="Hip",
        start_date=days[0],
        weeks=12,
        weekdays=[0, 3],
        session_time=time(hour, 0),
        time_zone="Europe/Amsterdam",
        supervised_weekdays=[0, 3],
        status="completed",
    )
    made = []
    for day in days:
        at = datetime.combine(day, time(hour, 0), tzinfo=AMS)
        session = PlannedSession.objects.create(
            programme=programme,
            week=1,
            scheduled_at=at,
            local_date=day,
            supervised=True,
            status="scheduled" if status != "cancelled_by_practice" else "cancelled",
        )
        made.append(
            Attendance.objects.create(
                planned_session=session,
                patient=patient,
                practice_id=patient.practice_id,
                therapist=physio,
                status=status,
                treated_at=at,
                same_day_necessary=necessary,
                location=location,
                registered_by=physio.user,
            )
        )
    return made


def own_session_at_home(world, day):
    """An unsupervised session of the patient's programme, done at home and logged completed
    through the app's service."""
    from programs.services.session import session_log_upsert

    programme = Programme.objects.get(patient=world.owner)
    at = datetime.combine(day, time(18, 0), tzinfo=AMS)
    session = PlannedSession.objects.create(
        programme=programme, week=1, scheduled_at=at, local_date=day, supervised=False
    )
    session_log_upsert(
        patient=world.owner,
        log_id=uuid.uuid4(),
        data={"planned_session": session.pk, "performed_at": at, "status": "completed"},
    )


def line(world, day, **overrides):
    return {
        "member_number": "111111111",
        "date": day.isoformat(),
        "practice_agb": world.physio.practice.agb_code,
        "therapist_agb": world.physio.agb_code,
        "diagnosis_code": "6223",
        **overrides,
    }


def check(world, lines, actor="insurer", **extra):
    response = world.client(actor).post(
        "/api/v1/insurer/claims/check/", {"lines": lines, **extra}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def weekly(first, count):
    return [first + timedelta(weeks=i) for i in range(count)]


@pytest.fixture
def covered_since_2018(world):
    InsuranceCoverage.objects.filter(patient=world.owner).update(valid_from=date(2018, 1, 1))


class TestRules:
    def test_the_12th_is_covered_and_the_13th_is_over_the_limit(self, world):
        days = weekly(date(2026, 3, 2), 13)
        register(world, days)
        results = check(world, [line(world, day) for day in days])
        assert [r["number"] for r in results[:12]] == list(range(1, 13))
        assert all(r["verdict"] == "covered" and r["csi_code"] == "012" for r in results[:12])
        assert (results[12]["verdict"], results[12]["number"], results[12]["csi_code"]) == (
            "over_limit",
            None,
            "009",
        )

    def test_kngf_example_1_april_last_day_inside_first_day_outside(
        self, world, covered_since_2018
    ):
        register(world, [date(2018, 4, 1), date(2019, 3, 31), date(2019, 4, 1)])
        results = check(
            world, [line(world, d) for d in (date(2018, 4, 1), date(2019, 3, 31), date(2019, 4, 1))]
        )
        assert [(r["verdict"], r["number"]) for r in results] == [
            ("covered", 1),
            ("covered", 2),
            ("outside_period", None),
        ]
        assert (results[0]["episode_start"], results[0]["episode_end"]) == (
            "2018-04-01",
            "2019-03-31",
        )

    def test_first_treatment_on_29_february(self, world):
        InsuranceCoverage.objects.filter(patient=world.owner).update(valid_from=date(2028, 1, 1))
        register(world, [date(2028, 2, 29), date(2029, 2, 28), date(2029, 3, 1)])
        results = check(
            world,
            [line(world, d) for d in (date(2028, 2, 29), date(2029, 2, 28), date(2029, 3, 1))],
        )
        assert [r["verdict"] for r in results] == ["covered", "covered", "outside_period"]
        assert results[0]["episode_end"] == "2029-02-28"

    def test_a_new_indication_after_the_period_gives_a_new_allowance(self, world):
        register(world, [*weekly(date(2026, 1, 5), 12), date(2027, 2, 1)])
        with time_machine.travel(datetime(2027, 1, 20, 10, tzinfo=UTC)):
            response = world.client("physio").post(
                f"/api/v1/physio/patients/{world.owner.pk}/indications/",
                {"recorded_on": "2027-01-20", "diagnosis_code": "7023"},
                format="json",
            )
        assert response.status_code == 201
        (result,) = check(world, [line(world, date(2027, 2, 1), diagnosis_code="7023")])
        assert (result["verdict"], result["number"], result["episode_start"]) == (
            "covered",
            1,
            "2027-02-01",
        )

    def test_no_shows_cancellations_and_home_sessions_never_count(self, world):
        """R1: the patient's own session at home (logged completed, no therapist) is never a
        treatment; the therapist treating at the patient's home is one."""
        register(world, [date(2026, 3, 2)], status="no_show")
        register(world, [date(2026, 3, 5)], status="cancelled_by_practice")
        register(world, [date(2026, 3, 9), date(2026, 3, 12)])
        own_session_at_home(world, date(2026, 3, 7))
        register(world, [date(2026, 3, 16)], location="home")
        days = [date(2026, 3, d) for d in (2, 5, 7, 9, 12, 16)]
        results = check(world, [line(world, day) for day in days], dry_run=True)
        assert [(r["verdict"], r["number"]) for r in results] == [
            ("not_attended", None),
            ("not_attended", None),
            ("no_matching_treatment", None),
            ("covered", 1),
            ("covered", 2),
            ("covered", 3),
        ]
        (episode,) = episodes_of(world)["episodes"]
        assert "2026-03-07" not in [t["date"] for t in episode["treatments"]]
        assert episode["used"] == 3

    def register_extra(self, world, day, hour, necessary=False):
        """A second treatment that day, outside the plan, through the API."""
        response = world.client("physio").put(
            f"/api/v1/physio/patients/{world.owner.pk}/treatments/{uuid.uuid4()}/",
            {
                "treated_at": datetime.combine(day, time(hour), tzinfo=AMS).isoformat(),
                "same_day_necessary": necessary,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()

    def test_two_treatments_on_one_day(self, world):
        day = date(2026, 3, 2)
        register(world, [day], hour=9)
        self.register_extra(world, day, 15)
        first, second = check(world, [line(world, day), line(world, day)])
        assert (first["verdict"], first["number"]) == ("covered", 1)
        assert (second["verdict"], second["number"]) == ("same_day", None)

    def test_a_second_treatment_marked_necessary_is_covered(self, world):
        day = date(2026, 3, 2)
        register(world, [day], hour=9)
        self.register_extra(world, day, 15, necessary=True)
        results = check(world, [line(world, day), line(world, day)])
        assert [r["number"] for r in results] == [1, 2]

    def test_referral_required_by_the_insurer(self, world):
        world.insurer.requires_referral = True
        world.insurer.save()
        register(world, [date(2026, 3, 2), date(2026, 3, 5)])
        (without,) = check(world, [line(world, date(2026, 3, 2))])
        assert without["verdict"] == "no_referral"
        Indication.objects.create(
            patient=world.owner,
            recorded_on=date(2026, 2, 20),
            recorded_by=world.physio,
            diagnosis_code="6223",
            referral_date=date(2026, 2, 18),
        )
        (with_referral,) = check(world, [line(world, date(2026, 3, 5))])
        assert (with_referral["verdict"], with_referral["number"]) == ("covered", 2)

    def test_deductible_unless_the_insurer_waives_it(self, world):
        world.insurer.deductible_waived_from = date(2026, 6, 1)
        world.insurer.save()
        register(world, [date(2026, 5, 28), date(2026, 6, 1)])
        before, after = check(
            world, [line(world, date(2026, 5, 28)), line(world, date(2026, 6, 1))]
        )
        assert (before["deductible_applies"], after["deductible_applies"]) == (True, False)


class TestClaims:
    def test_duplicate_lines_in_a_batch_and_in_a_later_batch(self, world):
        register(world, [date(2026, 3, 2)])
        first, again = check(world, [line(world, date(2026, 3, 2)), line(world, date(2026, 3, 2))])
        assert (first["verdict"], again["verdict"]) == ("covered", "duplicate_claim")
        (later,) = check(world, [line(world, date(2026, 3, 2))])
        assert later["verdict"] == "duplicate_claim"
        assert Claim.objects.count() == 1

    def test_a_dry_run_records_nothing(self, world):
        register(world, [date(2026, 3, 2)])
        check(world, [line(world, date(2026, 3, 2))], dry_run=True)
        assert not Claim.objects.exists()
        (real,) = check(world, [line(world, date(2026, 3, 2))])
        assert real["verdict"] == "covered"

    def test_a_claim_from_another_practice_matches_no_treatment(self, world):
        register(world, [date(2026, 3, 2)])
        results = check(
            world,
            [
                line(world, date(2026, 3, 2), practice_agb=world.other_physio.practice.agb_code),
                line(world, date(2026, 3, 2), therapist_agb=world.other_physio.agb_code),
            ],
        )
        assert [r["verdict"] for r in results] == ["no_matching_treatment"] * 2

    def test_a_non_member_and_someone_elses_member(self, world):
        register(world, [date(2026, 3, 2)], patient=world.other_patient)
        results = check(
            world,
            [
                line(world, date(2026, 3, 2), member_number="999999999"),
                line(world, date(2026, 3, 2), member_number="222222222"),  # the other insurer's
            ],
        )
        assert [r["verdict"] for r in results] == ["not_our_member", "not_our_member"]
        response = world.client("insurer").get(
            "/api/v1/insurer/episodes/", {"member_number": "222222222"}
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_our_member"

    def test_invalid_lines_get_their_own_error_and_the_rest_is_judged(self, world):
        register(world, [date(2026, 3, 2)])
        results = check(
            world,
            [
                line(world, date(2026, 3, 2), practice_agb="12"),
                {"member_number": "111111111"},
                line(world, date(2026, 3, 2), diagnosis_code="1234"),
                line(world, date(2026, 3, 2), line_id="ours-4"),
            ],
        )
        assert list(results[0]["error"]["fields"]) == ["practice_agb"]
        assert set(results[1]["error"]["fields"]) == {
            "date",
            "practice_agb",
            "therapist_agb",
            "diagnosis_code",
        }
        assert list(results[2]["error"]["fields"]) == ["diagnosis_code"]
        assert (results[3]["verdict"], results[3]["line_id"], results[3]["error"]) == (
            "covered",
            "ours-4",
            None,
        )

    def test_too_many_lines_is_a_400(self, world):
        response = world.client("insurer").post(
            "/api/v1/insurer/claims/check/",
            {"lines": [line(world, date(2026, 3, 2))] * 10_001},
            format="json",
        )
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["lines"]

    @pytest.mark.parametrize("members", [1, 50])
    def test_the_check_costs_a_fixed_number_of_queries_whatever_the_members(
        self, world, django_assert_num_queries, members
    ):
        """Pinned: the user; coverages of the lines' members; those people's coverages
        (referral policy, R7), registrations, indications and current claims; the access
        log. Recording adds the claims' insert in a savepoint (and on SQLite a re-read of
        which rows are this batch's); the same batch again is all duplicate_claim and writes
        nothing but the access log."""
        from django.db import connection

        from tests.factories import CoverageFactory, PatientFactory

        lines = []
        for i in range(members):
            patient = PatientFactory(physiotherapist=world.physio)
            number = f"M{i:04d}"
            CoverageFactory(patient=patient, insurer=world.insurer, member_number=number)
            register(world, weekly(date(2026, 1, 5), 2), patient=patient)
            lines.append(line(world, date(2026, 1, 12), member_number=number))
        client = world.client("insurer")
        url = "/api/v1/insurer/claims/check/"
        recording = 10 if connection.vendor == "postgresql" else 11
        for expected, body, verdict in (
            (7, {"lines": lines, "dry_run": True}, "covered"),
            (recording, {"lines": lines}, "covered"),
            (7, {"lines": lines}, "duplicate_claim"),
        ):
            with django_assert_num_queries(expected):
                response = client.post(url, body, format="json")
            assert response.status_code == 200, response.json()
            assert [r["number"] for r in response.json()["results"]] == (
                [2] * members if verdict == "covered" else [None] * members
            )
            assert {r["verdict"] for r in response.json()["results"]} == {verdict}
        assert Claim.objects.count() == members


class TestMemberChangingInsurer:
    @pytest.fixture
    def switched(self, world):
        """With insurer A until 31 March 2026, then with B; six treatments each side."""
        other = InsurerFactory(name="Verzekeraar C", uzovi_code="3333")
        coverage = InsuranceCoverage.objects.get(patient=world.owner)
        coverage.valid_to = date(2026, 3, 31)
        coverage.save()
        InsuranceCoverage.objects.create(
            patient=world.owner, insurer=other, member_number="C-555", valid_from=date(2026, 4, 1)
        )
        from programs.models import InsurerEmployee
        from tests.factories import UserFactory

        other_user = UserFactory(role="insurer", username="insurer-c")
        InsurerEmployee.objects.create(user=other_user, insurer=other)
        register(world, weekly(date(2026, 2, 16), 12))  # 16 Feb .. 4 May
        return other_user

    def test_each_insurer_sees_only_its_own_treatments_with_the_shared_count(self, world, switched):
        from tests.conftest import client_for

        a = world.client("insurer").get("/api/v1/insurer/episodes/", {"member_number": "111111111"})
        c = client_for(switched).get("/api/v1/insurer/episodes/", {"member_number": "C-555"})
        a_days = [t["date"] for e in a.json()["episodes"] for t in e["treatments"]]
        c_days = [t["date"] for e in c.json()["episodes"] for t in e["treatments"]]
        assert all(day <= "2026-03-31" for day in a_days) and len(a_days) == 7
        assert all(day >= "2026-04-01" for day in c_days) and len(c_days) == 5
        assert c.json()["episodes"][0]["treatments"][0]["number"] == 8
        assert a.json()["episodes"][0]["used"] == c.json()["episodes"][0]["used"] == 12

    def test_a_claim_on_the_other_insurers_date_is_not_our_member(self, world, switched):
        (result,) = check(world, [line(world, date(2026, 4, 6))])
        assert result["verdict"] == "not_our_member"


class TestCorrections:
    def test_a_claimed_treatment_changes_only_by_a_recorded_correction(self, world):
        (attendance,) = register(world, [date(2026, 3, 2)])
        check(world, [line(world, date(2026, 3, 2))])
        url = (
            f"/api/v1/physio/programmes/{attendance.planned_session.programme_id}/sessions/"
            f"{attendance.planned_session_id}/attendance/"
        )
        refused = world.client("physio").put(url, {"status": "no_show"}, format="json")
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "attendance_claimed"
        corrected = world.client("physio").put(
            url, {"status": "no_show", "correction_reason": "patient was not there"}, format="json"
        )
        assert corrected.status_code == 200
        revision = attendance.revisions.get()
        assert (revision.correction_reason, revision.body["status"]) == (
            "patient was not there",
            "attended",
        )

    def test_verdicts_follow_a_changed_registration(self, world):
        days = weekly(date(2026, 3, 2), 3)
        first, *_rest = register(world, days)
        check(world, [line(world, days[2])], dry_run=True)
        Attendance.objects.filter(pk=first.pk).update(status="no_show")
        (result,) = check(world, [line(world, days[2])])
        assert result["number"] == 2  # the no-show no longer counts


class TestReads:
    def test_episodes_of_a_member_and_nothing_clinical(self, world):
        register(world, [date(2026, 2, 23)], status="no_show")  # before any treatment
        register(world, weekly(date(2026, 3, 2), 3))
        register(world, [date(2026, 3, 26)], status="no_show")
        body = (
            world.client("insurer")
            .get("/api/v1/insurer/episodes/", {"member_number": "111111111"})
            .json()
        )
        (episode,) = body["episodes"]
        assert (episode["start"], episode["end"], episode["used"], episode["remaining"]) == (
            "2026-03-02",
            "2027-03-01",
            3,
            9,
        )
        assert set(body) == {"member_number", "episodes", "other_registrations"}
        assert set(episode) == {
            "start",
            "end",
            "allowance",
            "used",
            "remaining",
            "diagnosis_code",
            "referral",
            "treatments",
        }
        rows = [*episode["treatments"], *body["other_registrations"]]
        assert {frozenset(row) for row in rows} == {TREATMENT_KEYS}
        assert episode["treatments"][-1]["reason"] == "not_attended"
        assert [r["reason"] for r in body["other_registrations"]] == ["not_attended"]
        assert AccessLogEntry.objects.filter(
            patient_id=world.owner.pk, actor_role="insurer", resource="episodes"
        ).exists()

    def test_other_registrations_hold_what_falls_in_no_episode_as_the_schema_says(
        self, world, covered_since_2018
    ):
        register(world, [date(2024, 2, 26)], status="no_show")  # before any treatment
        register(world, [date(2024, 3, 4)])  # the period ends on 3 March 2025
        register(world, [date(2025, 3, 10)], status="no_show")  # after it ended
        register(world, [date(2025, 3, 17)])  # attended, no new indication
        body = episodes_of(world)
        assert [(r["date"], r["attended"], r["reason"]) for r in body["other_registrations"]] == [
            ("2024-02-26", False, "not_attended"),
            ("2025-03-10", False, "not_attended"),
            ("2025-03-17", True, "outside_period"),
        ]
        schema = world.client("anonymous").get("/api/v1/schema/", {"format": "json"}).json()
        text = schema["components"]["schemas"]["MemberEpisodes"]["properties"][
            "other_registrations"
        ]["description"]
        assert "outside_period" in text
        assert "not attended before any treatment)" not in text

    @pytest.mark.parametrize(
        ("member_number", "code", "message"),
        [
            ("", "required", "Give the member number."),
            ("   ", "required", "Give the member number."),
            ("1" * 33, "max_length", "Ensure this field has no more than 32 characters."),
        ],
    )
    def test_a_missing_or_too_long_member_number_is_a_400_saying_which(
        self, world, member_number, code, message
    ):
        response = world.client("insurer").get(
            "/api/v1/insurer/episodes/",
            {"member_number": member_number},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        error = assert_error_shape(response, 400, "invalid")
        assert error["fields"] == {"member_number": [{"code": code, "message": message}]}

    def test_a_member_number_of_32_characters_is_looked_up(self, world):
        InsuranceCoverage.objects.filter(patient=world.owner).update(member_number="9" * 32)
        register(world, [date(2026, 3, 2)])
        (episode,) = episodes_of(world, "9" * 32)["episodes"]
        assert episode["used"] == 1

    def test_the_export_streams_every_member_as_csv(self, world):
        register(world, [date(2026, 2, 23)], status="no_show")  # in no episode
        register(world, weekly(date(2026, 3, 2), 2))
        register(world, [date(2026, 3, 3)], patient=world.other_patient)  # another insurer's
        response = world.client("insurer").get("/api/v1/insurer/episodes/export.csv")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        text = b"".join(response.streaming_content).decode()
        header = next(csv.reader(io.StringIO(text)))
        assert header == [
            "member_number",
            "episode_start",
            "episode_end",
            "allowance",
            "used",
            "remaining",
            "diagnosis_code",
            "referral",
            "date",
            "practice_agb",
            "therapist_agb",
            "attended",
            "covered",
            "number",
            "reason",
            "deductible_applies",
            "claimed",
            "in_episode",
            "verdict",
            "verdict_text",
            "claimed_text",
        ]
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [
            (r["member_number"], r["date"], r["number"], r["in_episode"], r["episode_start"])
            for r in rows
        ] == [
            ("111111111", "2026-03-02", "1", "true", "2026-03-02"),
            ("111111111", "2026-03-09", "2", "true", "2026-03-02"),
            ("111111111", "2026-02-23", "", "false", ""),
        ]
        # No indication recorded: no diagnosis code (null in JSON), no referral.
        assert (rows[0]["diagnosis_code"], rows[0]["referral"], rows[0]["used"]) == (
            "",
            "false",
            "2",
        )
        assert AccessLogEntry.objects.filter(action="export", patient_id=world.owner.pk).exists()
        assert not AccessLogEntry.objects.filter(patient_id=world.other_patient.pk).exists()

    @pytest.mark.parametrize(
        "accept", ["text/csv", "*/*", "text/*", "text/csv, application/json;q=0.5", None]
    )
    def test_the_export_answers_a_client_that_asks_for_csv(self, world, accept):
        """The schema declares text/csv, so a generated client sends exactly that."""
        register(world, [date(2026, 3, 2)])
        headers = {"HTTP_ACCEPT": accept} if accept else {}
        response = world.client("insurer").get("/api/v1/insurer/episodes/export.csv", **headers)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        header, row = csv.reader(io.StringIO(b"".join(response.streaming_content).decode()))
        assert (header[0], row[0]) == ("member_number", "111111111")

    def test_the_exports_errors_are_json_also_for_a_client_that_asks_for_csv(self, world):
        for actor, status, code in (
            ("owner", 403, "role_not_allowed"),
            ("anonymous", 401, "not_authenticated"),
        ):
            response = world.client(actor).get(
                "/api/v1/insurer/episodes/export.csv", HTTP_ACCEPT="text/csv"
            )
            assert_error_shape(response, status, code)

    def test_a_client_that_accepts_no_csv_gets_a_json_406(self, world):
        response = world.client("insurer").get(
            "/api/v1/insurer/episodes/export.csv", HTTP_ACCEPT="application/xml"
        )
        assert_error_shape(response, 406, "not_acceptable")
        assert not AccessLogEntry.objects.filter(resource="episodes").exists()

    def test_the_schema_says_csv_for_the_export_and_json_for_its_errors(self, world):
        schema = world.client("anonymous").get("/api/v1/schema/", {"format": "json"}).json()
        responses = schema["paths"]["/api/v1/insurer/episodes/export.csv"]["get"]["responses"]
        assert list(responses["200"]["content"]) == ["text/csv"]
        for code in ("401", "403", "406", "429"):
            assert list(responses[code]["content"]) == ["application/json"], code

    def test_the_export_and_the_episodes_agree(self, world):
        register(world, [date(2026, 2, 23)], status="no_show")
        register(world, weekly(date(2026, 3, 2), 3))
        body = episodes_of(world)
        header, *values = export_rows(world)
        rows = [dict(zip(header, row, strict=True)) for row in values]
        columns = ("date", "covered", "number", "reason", "verdict", "verdict_text", "claimed")
        from_json = [
            tuple(t[c] for c in columns)
            for episode in body["episodes"]
            for t in episode["treatments"]
        ] + [tuple(t[c] for c in columns) for t in body["other_registrations"]]
        # The same values, written the CSV way: true/false, and no value as an empty cell.
        assert [tuple(r[c] for c in columns) for r in rows] == [
            tuple(as_csv_cell(value) for value in row) for row in from_json
        ]

    def test_a_person_with_two_member_numbers_has_rows_under_each(self, world):
        coverage = InsuranceCoverage.objects.get(patient=world.owner)
        coverage.valid_to = date(2026, 3, 31)
        coverage.save()
        InsuranceCoverage.objects.create(
            patient=world.owner,
            insurer=world.insurer,
            member_number="111111112",
            valid_from=date(2026, 4, 1),
        )
        register(world, weekly(date(2026, 3, 23), 3))  # 23 and 30 March, 6 April
        header, *rows = export_rows(world)
        columns = [header.index(c) for c in ("member_number", "date", "number")]
        assert [tuple(r[c] for c in columns) for r in rows] == [
            ("111111111", "2026-03-23", "1"),
            ("111111111", "2026-03-30", "2"),
            ("111111112", "2026-04-06", "3"),
        ]
        (episode,) = episodes_of(world, "111111112")["episodes"]
        assert [(t["date"], t["number"]) for t in episode["treatments"]] == [("2026-04-06", 3)]

    def test_patient_and_physiotherapist_see_the_same_count(self, world):
        register(world, weekly(date(2026, 9, 14), 7))
        mine = (
            world.client("owner").get("/api/v1/me/reimbursement/", HTTP_ACCEPT_LANGUAGE="en").json()
        )
        theirs = (
            world.client("physio")
            .get(
                f"/api/v1/physio/patients/{world.owner.pk}/reimbursement/",
                HTTP_ACCEPT_LANGUAGE="en",
            )
            .json()
        )
        assert (
            mine["text"]
            == theirs["text"]
            == ("7 of 12 reimbursed treatments used, period ends 13 September 2027.")
        )
        dutch = world.client("owner").get("/api/v1/me/reimbursement/", HTTP_ACCEPT_LANGUAGE="nl")
        assert dutch.json()["text"] == (
            "7 van 12 vergoede behandelingen gebruikt, termijn loopt tot en met 13 september 2027."
        )


class TestReadsCostAFixedNumberOfQueries:
    """The episodes and the export read in set-based queries: as many for 1 member as for 30,
    and for a member with 1 treatment as with 30 (and their claims and indications)."""

    @staticmethod
    def members(world, count: int) -> list[str]:
        """``count`` members of the insurer, each with an indication, a no-show, ``count``
        weekly treatments (over the 12 from the 13th on) and the first one claimed."""
        from tests.factories import CoverageFactory, PatientFactory

        numbers, lines = [], []
        for i in range(count):
            patient = PatientFactory(physiotherapist=world.physio)
            number = f"Q{i:04d}"
            CoverageFactory(
                patient=patient,
                insurer=world.insurer,
                member_number=number,
                valid_from=date(2024, 1, 1),
            )
            Indication.objects.create(
                patient=patient,
                recorded_on=date(2024, 2, 26),
                recorded_by=world.physio,
                diagnosis_code="6223",
            )
            register(world, [date(2024, 2, 27)], status="no_show", patient=patient)
            register(world, weekly(date(2024, 3, 4), count), patient=patient)
            numbers.append(number)
            lines.append(line(world, date(2024, 3, 4), member_number=number))
        check(world, lines)
        return numbers

    @pytest.mark.parametrize("count", [1, 30])
    def test_the_episodes_of_a_member(self, world, django_assert_num_queries, count):
        """The user; the member's coverages; their coverages for the referral policy (R7),
        registrations, indications and claims; the access log."""
        numbers = self.members(world, count)
        client = world.client("insurer")
        with django_assert_num_queries(7):
            response = client.get("/api/v1/insurer/episodes/", {"member_number": numbers[-1]})
        assert response.status_code == 200
        (episode,) = response.json()["episodes"]
        assert (episode["used"], len(episode["treatments"])) == (min(count, 12), count)
        assert episode["treatments"][0]["claimed"] == "covered"

    @pytest.mark.parametrize("count", [1, 30])
    def test_the_export_of_all_members(self, world, django_assert_num_queries, count):
        """The user; the coverages; then per 500 people as for the episodes (coverages for
        R7, registrations, indications, claims) and their access log."""
        self.members(world, count)
        client = world.client("insurer")
        with django_assert_num_queries(7):
            response = client.get("/api/v1/insurer/episodes/export.csv")
            rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert response.status_code == 200
        assert len(rows) == count * (count + 1)
        assert [r["claimed"] for r in rows if r["number"] == "1"] == ["covered"] * count


TREATMENT_KEYS = frozenset(
    {
        "date",
        "practice_agb",
        "therapist_agb",
        "attended",
        "covered",
        "number",
        "verdict",
        "verdict_text",
        "reason",
        "deductible_applies",
        "claimed",
        "claimed_text",
    }
)

INSURER_ONLY = {
    "owner": 403,
    "other_patient": 403,
    "physio": 403,
    "other_physio": 403,
    "insurer": 200,
    "other_insurer": 200,
    "staff": 403,
    "anonymous": 401,
}


def test_insurer_endpoints_access_matrix(world):
    register(world, [date(2026, 3, 2)])
    check_access(world, "get", "/api/v1/insurer/episodes/export.csv", INSURER_ONLY)
    check_access(
        world,
        "get",
        "/api/v1/insurer/episodes/?member_number=111111111",
        {**INSURER_ONLY, "other_insurer": 404},
    )
    check_access(
        world,
        "post",
        "/api/v1/insurer/claims/check/",
        INSURER_ONLY,
        {"lines": [line(world, date(2026, 3, 2))], "dry_run": True},
    )


def _api_urls(prefix: str) -> list[str]:
    """Every URL of the API under ``prefix``, with made-up ids."""
    urls = []
    for pattern in get_resolver("programs.api.urls").url_patterns:
        route = str(pattern.pattern)
        if not route.startswith(prefix):
            continue
        route = route.lstrip("^").rstrip("$")
        for token, value in (
            ("<uuid:programme_id>", str(uuid.uuid4())),
            ("<uuid:session_id>", str(uuid.uuid4())),
            ("<uuid:patient_id>", str(uuid.uuid4())),
            ("<uuid:log_id>", str(uuid.uuid4())),
            ("<uuid:response_id>", str(uuid.uuid4())),
            ("<int:phase_order>", "1"),
            ("<int:item_id>", "1"),
            ("<int:alert_id>", "1"),
            ("<int:device_id>", "1"),
            ("<uuid:reference>", str(uuid.uuid4())),
            ("<str:kind>", "tug"),
            ("(?P<week>[0-9]{4}-W[0-9]{2})", "2026-W48"),
        ):
            route = route.replace(token, value)
        urls.append(f"/api/v1/{route}")
    return urls


@pytest.mark.parametrize("prefix", ["me/", "physio/"])
def test_an_insurer_is_refused_by_every_patient_and_physio_endpoint(world, prefix):
    client = world.client("insurer")
    urls = _api_urls(prefix)
    assert len(urls) > 10
    for url in urls:
        for method in ("get", "post", "put", "patch", "delete"):
            response = getattr(client, method)(url, {}, format="json")
            if url == "/api/v1/me/" and method == "get":
                assert response.status_code == 200  # who am I: the insurer's own account
                continue
            assert response.status_code in (403, 405), (method, url, response.status_code)


def as_csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def episodes_of(world, member="111111111", actor="insurer"):
    response = world.client(actor).get("/api/v1/insurer/episodes/", {"member_number": member})
    assert response.status_code == 200, response.json()
    return response.json()


def export_rows(world, actor="insurer"):
    response = world.client(actor).get("/api/v1/insurer/episodes/export.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def reimbursement(world, actor="physio"):
    url = (
        "/api/v1/me/reimbursement/"
        if actor == "owner"
        else f"/api/v1/physio/patients/{world.owner.pk}/reimbursement/"
    )
    response = world.client(actor).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.json()


def put_treatment(world, at, reference=None, **body):
    return world.client("physio").put(
        f"/api/v1/physio/patients/{world.owner.pk}/treatments/{reference or uuid.uuid4()}/",
        {"treated_at": at.isoformat(), **body},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def post_indication(world, **body):
    return world.client("physio").post(
        f"/api/v1/physio/patients/{world.owner.pk}/indications/",
        {"diagnosis_code": "6223", **body},
        format="json",
    )


class TestReferralAgreesEverywhere:
    """R7: where the insurer requires a referral and none is recorded, the claims check, the
    episodes, the export and the count patient and physiotherapist see say the same."""

    @pytest.fixture
    def without_referral(self, world):
        world.insurer.requires_referral = True
        world.insurer.save()
        Indication.objects.create(
            patient=world.owner,
            recorded_on=date(2026, 2, 20),
            recorded_by=world.physio,
            diagnosis_code="6223",
        )
        register(world, weekly(date(2026, 3, 2), 3))

    def test_all_say_no_referral_and_nothing_used(self, world, without_referral):
        with time_machine.travel(datetime(2026, 3, 25, 12, tzinfo=UTC)):
            (episode,) = episodes_of(world)["episodes"]
            rows = export_rows(world)
            physio, owner = reimbursement(world), reimbursement(world, "owner")
        assert [(t["covered"], t["number"], t["reason"]) for t in episode["treatments"]] == [
            (False, None, "no_referral")
        ] * 3
        assert (episode["used"], episode["remaining"], episode["referral"]) == (0, 12, False)
        header, *body = rows
        assert [r[header.index("reason")] for r in body] == ["no_referral"] * 3
        assert {r[header.index("covered")] for r in body} == {"false"}
        assert physio["used"] == owner["used"] == 0
        results = check(world, [line(world, day) for day in weekly(date(2026, 3, 2), 3)])
        assert [r["verdict"] for r in results] == ["no_referral"] * 3

    def test_once_the_referral_is_recorded_all_say_covered(self, world, without_referral):
        Indication.objects.update(referral_date=date(2026, 2, 18))
        with time_machine.travel(datetime(2026, 3, 25, 12, tzinfo=UTC)):
            (episode,) = episodes_of(world)["episodes"]
            physio = reimbursement(world)
        assert [t["number"] for t in episode["treatments"]] == [1, 2, 3]
        assert (episode["used"], physio["used"]) == (3, 3)
        results = check(world, [line(world, day) for day in weekly(date(2026, 3, 2), 3)])
        assert [r["number"] for r in results] == [1, 2, 3]


class TestClaimedTreatmentsChangeOnlyByRecordedCorrection:
    def test_a_corrected_no_show_is_judged_afresh_when_claimed_again(self, world):
        (attendance,) = register(world, [date(2026, 3, 2)], status="no_show")
        (first,) = check(world, [line(world, date(2026, 3, 2))])
        assert first["verdict"] == "not_attended"
        url = (
            f"/api/v1/physio/programmes/{attendance.planned_session.programme_id}/sessions/"
            f"{attendance.planned_session_id}/attendance/"
        )
        corrected = world.client("physio").put(
            url,
            {"status": "attended", "correction_reason": "registered wrongly: was there"},
            format="json",
        )
        assert corrected.status_code == 200, corrected.json()
        (again,) = check(world, [line(world, date(2026, 3, 2))])
        assert (again["verdict"], again["number"], again["replaces"]) == (
            "covered",
            1,
            {
                "verdict": "not_attended",
                "verdict_text": "Geen behandeling: de patiënt is niet verschenen (no-show of "
                "afgezegd door de praktijk).",
                "number": None,
            },
        )
        (third,) = check(world, [line(world, date(2026, 3, 2))])
        assert third["verdict"] == "duplicate_claim"
        current = Claim.objects.get(superseded_at__isnull=True)
        assert (current.verdict, current.attendance_revision) == ("covered", 2)
        assert Claim.objects.filter(superseded_at__isnull=False).get().verdict == "not_attended"
        assert ClaimCorrection.objects.get().reason == "registered wrongly: was there"

    def test_an_earlier_treatment_that_renumbers_claimed_ones_is_refused_without_a_reason(
        self, world
    ):
        days = weekly(date(2026, 3, 2), 12)
        register(world, days)
        results = check(world, [line(world, day) for day in days])
        assert results[-1]["number"] == 12
        earlier = datetime(2026, 2, 26, 10, tzinfo=AMS)
        refused = put_treatment(world, earlier)
        assert refused.status_code == 409
        error = refused.json()["error"]
        assert (error["code"], list(error["fields"])) == (
            "claimed_verdict_changed",
            ["correction_reason"],
        )
        assert "2 March 2026" in error["message"]
        assert Attendance.objects.count() == 12  # nothing written
        assert not ClaimCorrection.objects.exists()

        accepted = put_treatment(world, earlier, correction_reason="forgot to register it")
        assert accepted.status_code == 201, accepted.json()
        correction = ClaimCorrection.objects.get()
        assert (correction.reason, correction.cause, len(correction.changes)) == (
            "forgot to register it",
            "treatment",
            12,
        )
        assert correction.changes[-1]["before"] == ["covered", 12]
        assert correction.changes[-1]["after"] == ["over_limit", None]
        (rejudged,) = check(world, [line(world, days[-1])])
        assert (rejudged["verdict"], rejudged["replaces"]["verdict"]) == ("over_limit", "covered")
        assert rejudged["replaces"]["number"] == 12

    def test_a_later_treatment_that_changes_no_claimed_verdict_needs_no_reason(self, world):
        register(world, [date(2026, 3, 2)])
        check(world, [line(world, date(2026, 3, 2))])
        response = put_treatment(world, datetime(2026, 3, 9, 10, tzinfo=AMS))
        assert response.status_code == 201
        assert not ClaimCorrection.objects.exists()

    def test_a_backdated_indication_that_changes_claimed_verdicts_needs_a_reason(self, world):
        world.insurer.requires_referral = True
        world.insurer.save()
        register(world, [date(2026, 3, 2)])
        (first,) = check(world, [line(world, date(2026, 3, 2))])
        assert first["verdict"] == "no_referral"
        body = {"recorded_on": "2026-02-20", "referral_date": "2026-02-18"}
        refused = post_indication(world, **body)
        assert refused.status_code == 409
        assert list(refused.json()["error"]["fields"]) == ["correction_reason"]
        assert not Indication.objects.exists()
        accepted = post_indication(world, **body, correction_reason="referral came in late")
        assert accepted.status_code == 201
        assert ClaimCorrection.objects.get().cause == "indication"
        (again,) = check(world, [line(world, date(2026, 3, 2))])
        assert (again["verdict"], again["number"]) == ("covered", 1)


class TestIndicationsAreRecordedOnce:
    def test_a_retried_post_returns_the_same_record(self, world):
        body = {"recorded_on": "2026-02-20", "referral_date": "2026-02-18"}
        first = post_indication(world, **body)
        retry = post_indication(world, **body)
        assert (first.status_code, retry.status_code) == (201, 200)
        assert first.json()["id"] == retry.json()["id"]
        assert Indication.objects.count() == 1

    def test_the_same_day_and_code_with_a_referral_updates_it(self, world):
        first = post_indication(world, recorded_on="2026-02-20")
        with_referral = post_indication(world, recorded_on="2026-02-20", referral_date="2026-02-18")
        assert with_referral.status_code == 200
        assert with_referral.json()["id"] == first.json()["id"]
        assert Indication.objects.get().referral_date == date(2026, 2, 18)

    def test_a_request_without_a_referral_date_keeps_the_recorded_referral(self, world):
        # An older request retried after the referral was added must not erase it (R7);
        # an explicit null takes it back.
        post_indication(world, recorded_on="2026-02-20", referral_date="2026-02-18")
        older = post_indication(world, recorded_on="2026-02-20")
        assert older.status_code == 200
        assert older.json()["referral_date"] == "2026-02-18"
        assert Indication.objects.get().referral_date == date(2026, 2, 18)
        taken_back = post_indication(world, recorded_on="2026-02-20", referral_date=None)
        assert taken_back.status_code == 200
        assert Indication.objects.get().referral_date is None

    def test_the_database_refuses_a_second_one(self, world):
        from django.db import IntegrityError, transaction

        values = {
            "patient": world.owner,
            "recorded_on": date(2026, 2, 20),
            "recorded_by": world.physio,
            "diagnosis_code": "6223",
        }
        Indication.objects.create(**values)
        with pytest.raises(IntegrityError), transaction.atomic():
            Indication.objects.create(**values)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_identical_indication_posts_at_the_same_moment_give_one_record(world):
    import threading

    from django.db import connection

    from programs.services.reimbursement import indication_record

    barrier = threading.Barrier(4)
    outcomes, errors = [], []

    def record():
        try:
            barrier.wait()
            result = indication_record(
                physiotherapist=world.physio,
                patient=world.owner,
                recorded_on=date(2026, 2, 20),
                diagnosis_code="6223",
            )
            outcomes.append(result.outcome)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(outcomes) == ["created", "unchanged", "unchanged", "unchanged"]
    assert Indication.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_identical_batches_at_the_same_moment_claim_each_treatment_once(world):
    """The one-current-claim-per-treatment key decides (INSERT ... ON CONFLICT DO NOTHING):
    each treatment is covered in one batch and a duplicate_claim in the other."""
    import threading

    from django.db import connection

    from programs.services.reimbursement import claims_check

    days = weekly(date(2026, 3, 2), 6)
    register(world, days)
    lines = [{**line(world, day), "date": day, "index": index} for index, day in enumerate(days)]
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def run():
        try:
            barrier.wait()
            outcomes.append([r.verdict for r in claims_check(insurer=world.insurer, lines=lines)])
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for index in range(len(days)):
        assert sorted(batch[index] for batch in outcomes) == ["covered", "duplicate_claim"]
    assert Claim.objects.count() == len(days)


class TestBatchShape:
    def test_lines_that_are_not_objects_get_their_own_error(self, world):
        register(world, [date(2026, 3, 2)])
        results = check(world, [42, "x", None, [], line(world, date(2026, 3, 2))])
        for bad in results[:4]:
            assert bad["verdict"] is None
            assert list(bad["error"]["fields"]) == ["line"]
        assert (results[4]["verdict"], results[4]["number"]) == ("covered", 1)

    def test_lines_that_are_not_a_list_is_a_400(self, world):
        response = world.client("insurer").post(
            "/api/v1/insurer/claims/check/", {"lines": {"a": 1}}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["lines"]

    @pytest.mark.parametrize(
        ("character", "ensure_ascii", "indent"),
        [("9", True, None), ("\U0001f600", False, None), ("\u00e9", True, 1)],
        ids=["ascii", "utf-8-4-byte", "escaped-and-indented"],
    )
    def test_10000_lines_at_the_maximum_field_lengths_are_judged(
        self, world, character, ensure_ascii, indent
    ):
        """The API promises up to 10,000 lines. Each at the longest the schema allows
        (line_id 64, member_number 32 characters) is some 2.4 MB of JSON, beyond the 2 MiB
        every other endpoint takes; more with characters outside ASCII, sent as UTF-8 or as
        \\u escapes, and indented."""
        member = character * 32
        InsuranceCoverage.objects.filter(patient=world.owner).update(member_number=member)
        register(world, [date(2026, 3, 2)])
        lines = [
            line(world, date(2026, 3, 2), member_number=member, line_id=str(i).rjust(64, character))
            for i in range(MAX_LINES)
        ]
        body = json.dumps(
            {"lines": lines, "dry_run": True}, ensure_ascii=ensure_ascii, indent=indent
        ).encode()
        assert len(body) > 2.3 * 1000 * 1000
        response = world.client("insurer").generic(
            "POST", "/api/v1/insurer/claims/check/", body, content_type="application/json"
        )
        assert response.status_code == 200, response.content[:300]
        payload = response.json()
        # One treatment: the first line claims it, the others for it are duplicates.
        assert payload["summary"] == {"covered": 1, "duplicate_claim": MAX_LINES - 1}
        assert [r["line_id"] for r in payload["results"]] == [x["line_id"] for x in lines]

    def test_a_claims_batch_over_its_own_limit_is_a_413_naming_it(self, world):
        body = json.dumps({"lines": [line(world, date(2026, 3, 2))]}) + " " * MAX_BODY_BYTES
        response = world.client("insurer").generic(
            "POST",
            "/api/v1/insurer/claims/check/",
            body,
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        error = assert_error_shape(response, 413, "request_too_large")
        assert error["message"] == "The request body is too large: at most 8388608 bytes."

    def test_every_other_endpoint_keeps_the_2_mib_limit(self, world):
        body = json.dumps({"token": "t" * (2 * 1024 * 1024), "platform": "ios"})
        response = world.client("owner").generic(
            "POST", "/api/v1/me/devices/", body, content_type="application/json"
        )
        assert_error_shape(response, 413, "request_too_large")

    def test_the_check_is_in_the_access_log(self, world):
        register(world, [date(2026, 3, 2)])
        check(world, [line(world, date(2026, 3, 2))], dry_run=True)
        entry = AccessLogEntry.objects.get(resource="claims_check")
        assert (entry.patient_id, entry.actor_role, entry.action) == (
            world.owner.pk,
            "insurer",
            "read",
        )


# --- The claim-line schema, empty values, reasons in words, the diagnosis code -------------------


def claim_line_schema(world) -> dict:
    response = world.client("anonymous").get("/api/v1/schema/", {"format": "json"})
    schema = response.json()
    body = schema["paths"]["/api/v1/insurer/claims/check/"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    lines = schema["components"]["schemas"][ref]["properties"]["lines"]
    assert (lines["minItems"], lines["maxItems"]) == (1, 10_000)
    item = lines["items"]["$ref"].rsplit("/", 1)[-1]
    return schema["components"]["schemas"], schema["components"]["schemas"][item]


def violations(name: str, prop: dict, enums: dict) -> list[object]:
    """Values for one property of the line's schema that the schema itself refuses."""
    # Not a string (a member number sent as a number would lose its leading zeros).
    found: list[object] = [12345678, None, True]
    if "maxLength" in prop:
        found.append("7" * (prop["maxLength"] + 1))
    if prop.get("minLength"):
        found.append("")
    if "pattern" in prop:
        found += ["abc", "1234567", "123456789"]
    if prop.get("format") == "date":
        found += ["2026-13-01", "2026-02-30", "1 March 2026", "", "2026-3-2", "20260302"]
    if "allOf" in prop:
        enum = enums[prop["allOf"][0]["$ref"].rsplit("/", 1)[-1]]["enum"]
        found.append("0000")
        assert "0000" not in enum
    return found


class TestTheClaimLineIsTyped:
    def test_the_schema_types_each_line_with_its_fields_formats_lengths_and_required(self, world):
        components, item = claim_line_schema(world)
        assert item["type"] == "object"
        assert set(item["required"]) == {
            "member_number",
            "date",
            "practice_agb",
            "therapist_agb",
            "diagnosis_code",
        }
        props = item["properties"]
        assert set(props) == {"line_id", *item["required"]}
        assert props["date"] == {**props["date"], "type": "string", "format": "date"}
        assert (props["member_number"]["minLength"], props["member_number"]["maxLength"]) == (
            1,
            32,
        )
        assert props["line_id"]["maxLength"] == 64
        assert (
            props["practice_agb"]["pattern"] == props["therapist_agb"]["pattern"] == ("^[0-9]{8}$")
        )
        enum = props["diagnosis_code"]["allOf"][0]["$ref"].rsplit("/", 1)[-1]
        assert components[enum]["enum"] == ["6223", "7023"]

    def test_each_value_the_schema_refuses_is_that_lines_error_and_the_rest_is_judged(self, world):
        """Every constraint the schema states, broken one at a time, per field: the line gets
        an error naming that field (nothing else), the valid line after it is judged."""
        register(world, [date(2026, 3, 2)])
        components, item = claim_line_schema(world)
        lines, expected = [], []
        for name, prop in item["properties"].items():
            for value in violations(name, prop, components):
                lines.append({**line(world, date(2026, 3, 2), line_id=name), name: value})
                expected.append(name)
            if name in item["required"]:
                missing = line(world, date(2026, 3, 2))
                del missing[name]
                lines.append(missing)
                expected.append(name)
        lines.append(line(world, date(2026, 3, 2), line_id="good"))
        results = check(world, lines, dry_run=True)
        for result, name, sent in zip(results, expected, lines, strict=False):
            assert result["verdict"] is None, (name, sent)
            assert list(result["error"]["fields"]) == [name], (name, sent, result["error"])
        assert (results[-1]["verdict"], results[-1]["line_id"]) == ("covered", "good")
        assert len(results) == len(expected) + 1

    def test_a_line_is_checked_as_a_drf_field_would_whitespace_trimmed(self, world):
        """The fast path takes only what the fields take unchanged; the rest goes through the
        fields: surrounding spaces are trimmed as before."""
        register(world, [date(2026, 3, 2)])
        (result,) = check(
            world,
            [line(world, date(2026, 3, 2), member_number=" 111111111 ", line_id=" mine ")],
            dry_run=True,
        )
        assert (result["verdict"], result["line_id"]) == ("covered", "mine")

    @pytest.mark.parametrize(
        "body", [{"lines": []}, {"lines": "x"}, {"lines": None}, {"dry_run": True}]
    )
    def test_a_batch_without_a_list_of_lines_is_a_400_naming_lines(self, world, body):
        response = world.client("insurer").post(
            "/api/v1/insurer/claims/check/", body, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["lines"]


def every_value(body) -> list:
    if isinstance(body, dict):
        return [v for value in body.values() for v in every_value(value)]
    if isinstance(body, list):
        return [v for value in body for v in every_value(value)]
    return [body]


class TestEmptyIsNull:
    def test_no_empty_strings_in_the_claims_check_only_null(self, world):
        register(world, [date(2026, 3, 2)], status="no_show")
        register(world, weekly(date(2026, 3, 9), 13))
        lines = [
            line(world, date(2026, 3, 2)),  # not attended: no CSI code
            line(world, date(2026, 3, 9)),  # covered: 012
            line(world, date(2026, 3, 9) + timedelta(weeks=12)),  # the 13th: 009
            line(world, date(2026, 3, 3)),  # no matching treatment
            line(world, date(2026, 3, 9), member_number="999"),  # not our member
            {"member_number": "111111111"},  # invalid
        ]
        response = world.client("insurer").post(
            "/api/v1/insurer/claims/check/", {"lines": lines, "dry_run": True}, format="json"
        )
        results = response.json()["results"]
        assert [r["csi_code"] for r in results] == [None, "012", "009", None, None, None]
        assert "" not in every_value(response.json())

    def test_an_empty_line_id_comes_back_as_null(self, world):
        register(world, [date(2026, 3, 2)])
        judged, invalid, kept = check(
            world,
            [
                line(world, date(2026, 3, 2), line_id=""),
                {**line(world, date(2026, 3, 2), line_id=""), "date": "2.3.2026"},
                line(world, date(2026, 3, 9), line_id="L-3"),
            ],
            dry_run=True,
        )
        assert (judged["verdict"], judged["line_id"]) == ("covered", None)
        assert (invalid["verdict"], invalid["line_id"]) == (None, None)
        assert kept["line_id"] == "L-3"

    def test_no_empty_strings_in_the_episodes_only_null(self, world):
        register(world, [date(2026, 2, 23)], status="no_show")  # in no episode
        register(world, weekly(date(2026, 3, 2), 2))
        body = episodes_of(world)
        treatment = body["episodes"][0]["treatments"][0]
        assert (treatment["covered"], treatment["reason"], treatment["claimed"]) == (
            True,
            None,
            None,
        )
        assert "" not in every_value(body)

    def test_the_csv_writes_booleans_as_true_false_and_no_value_as_an_empty_cell(self, world):
        register(world, [date(2026, 2, 23)], status="no_show")  # in no episode
        register(world, weekly(date(2026, 3, 2), 2))
        check(world, [line(world, date(2026, 3, 2))])  # claimed
        header, *rows = export_rows(world)
        table = [dict(zip(header, row, strict=True)) for row in rows]
        for column in ("referral", "attended", "covered", "in_episode"):
            assert {row[column] for row in table if row["in_episode"] == "true"} <= {
                "true",
                "false",
            }, column
        assert [row["deductible_applies"] for row in table] == ["true", "true", ""]
        assert [row["attended"] for row in table] == ["true", "true", "false"]
        assert [row["claimed"] for row in table] == ["covered", "", ""]
        assert [row["reason"] for row in table] == ["", "", "not_attended"]
        loose = table[-1]
        assert [loose[c] for c in ("episode_start", "episode_end", "referral", "number")] == [
            ""
        ] * 4

    def test_the_export_documents_its_booleans_and_empty_cells(self, world):
        schema = world.client("anonymous").get("/api/v1/schema/", {"format": "json"}).json()
        text = schema["paths"]["/api/v1/insurer/episodes/export.csv"]["get"]["description"]
        assert "`true` or `false`" in text
        assert "empty cell is no value" in text
        for column in ("referral", "attended", "covered", "deductible_applies", "in_episode"):
            assert column in text


class TestReasonsInWords:
    @pytest.mark.parametrize(
        ("language", "covered", "not_attended"),
        [
            (
                "en",
                "Covered: one of the 12 treatments of this period.",
                "Not a treatment: the patient did not attend (no-show or cancelled by the "
                "practice).",
            ),
            (
                "nl",
                "Vergoed: een van de 12 behandelingen van deze termijn.",
                "Geen behandeling: de patiënt is niet verschenen (no-show of afgezegd door de "
                "praktijk).",
            ),
        ],
    )
    def test_each_verdict_has_its_reason_in_the_requests_language(
        self, world, language, covered, not_attended
    ):
        register(world, [date(2026, 3, 2)], status="no_show")
        register(world, [date(2026, 3, 9)])
        client = world.client("insurer")
        response = client.post(
            "/api/v1/insurer/claims/check/",
            {"lines": [line(world, date(2026, 3, 2)), line(world, date(2026, 3, 9))]},
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        results = response.json()["results"]
        assert [r["verdict_text"] for r in results] == [not_attended, covered]
        body = client.get(
            "/api/v1/insurer/episodes/",
            {"member_number": "111111111"},
            HTTP_ACCEPT_LANGUAGE=language,
        ).json()
        treatment = body["episodes"][0]["treatments"][0]
        assert (treatment["verdict"], treatment["verdict_text"]) == ("covered", covered)
        assert (treatment["claimed"], treatment["claimed_text"]) == ("covered", covered)
        assert body["other_registrations"][0]["verdict_text"] == not_attended
        export = client.get("/api/v1/insurer/episodes/export.csv", HTTP_ACCEPT_LANGUAGE=language)
        assert export["Content-Language"] == language
        header, *rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
        texts = [dict(zip(header, row, strict=True))["verdict_text"] for row in rows]
        assert texts == [covered, not_attended]

    def test_every_verdict_has_a_text_in_dutch_and_english(self):
        from django.utils import translation

        from programs.api.insurer import verdict_texts
        from programs.models import ClaimVerdict

        with translation.override("en"):
            english = verdict_texts()
        with translation.override("nl"):
            dutch = verdict_texts()
        assert set(english) == set(dutch) == set(ClaimVerdict.values)
        assert all(english[code] != dutch[code] for code in ClaimVerdict.values)


class TestDiagnosisCode:
    """R4: hip and knee, left and right, share one allowance; R8: a claim carries the Vektis
    diagnosis code (6223 hip, 7023 knee). A code that differs from the indication recorded
    for the treatment changes no verdict (one allowance either way) and is flagged with a
    warning, so that the insurer can correct the claim or ask the practice."""

    @pytest.fixture
    def recorded_as_hip(self, world):
        Indication.objects.create(
            patient=world.owner,
            recorded_on=date(2026, 2, 20),
            recorded_by=world.physio,
            diagnosis_code="6223",
        )
        register(world, weekly(date(2026, 3, 2), 2))

    def test_a_knee_claim_on_a_treatment_recorded_as_hip_is_covered_the_same_with_a_warning(
        self, world, recorded_as_hip
    ):
        response = world.client("insurer").post(
            "/api/v1/insurer/claims/check/",
            {
                "lines": [
                    line(world, date(2026, 3, 2), diagnosis_code="7023"),
                    line(world, date(2026, 3, 9), diagnosis_code="6223"),
                ]
            },
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        knee, hip = response.json()["results"]
        assert (knee["verdict"], knee["number"], knee["csi_code"]) == ("covered", 1, "012")
        assert (hip["verdict"], hip["number"]) == ("covered", 2)
        assert knee["warnings"] == [
            {
                "code": "diagnosis_differs",
                "message": "The diagnosis code 7023 differs from the one the practice recorded "
                "for this treatment (6223). Hip and knee share one allowance, so the verdict "
                "is the same.",
            }
        ]
        assert hip["warnings"] == []
        # Recorded as the insurer sent it.
        assert Claim.objects.get(number=1).diagnosis_code == "7023"

    def test_without_a_recorded_indication_there_is_nothing_to_compare_and_no_warning(self, world):
        register(world, [date(2026, 3, 2)])
        (result,) = check(world, [line(world, date(2026, 3, 2), diagnosis_code="7023")])
        assert (result["verdict"], result["warnings"]) == ("covered", [])

    def test_a_knee_indication_added_during_the_episode_makes_both_codes_agree(
        self, world, recorded_as_hip
    ):
        Indication.objects.create(
            patient=world.owner,
            recorded_on=date(2026, 3, 5),
            recorded_by=world.physio,
            diagnosis_code="7023",
        )
        before, after_hip, after_knee = check(
            world,
            [
                line(world, date(2026, 3, 2), diagnosis_code="7023"),
                line(world, date(2026, 3, 9), diagnosis_code="6223"),
                line(world, date(2026, 3, 9), diagnosis_code="7023"),
            ],
            dry_run=True,
        )
        assert [w["code"] for w in before["warnings"]] == ["diagnosis_differs"]
        assert after_hip["warnings"] == []
        # The same treatment twice in one batch: the second line is the duplicate.
        assert after_knee["verdict"] == "duplicate_claim"

    def record(self, world, day, code):
        Indication.objects.create(
            patient=world.owner, recorded_on=day, recorded_by=world.physio, diagnosis_code=code
        )

    def test_hip_and_knee_recorded_days_apart_before_the_first_treatment_are_both_on_record(
        self, world
    ):
        self.record(world, date(2026, 2, 20), "6223")
        self.record(world, date(2026, 2, 25), "7023")
        register(world, weekly(date(2026, 3, 2), 2))
        hip, knee = check(
            world,
            [
                line(world, date(2026, 3, 2), diagnosis_code="6223"),
                line(world, date(2026, 3, 9), diagnosis_code="7023"),
            ],
            dry_run=True,
        )
        assert (hip["verdict"], hip["warnings"]) == ("covered", [])
        assert (knee["verdict"], knee["warnings"]) == ("covered", [])

    def test_a_new_episodes_codes_are_those_recorded_since_the_previous_period_ended(
        self, world, covered_since_2018
    ):
        self.record(world, date(2024, 2, 20), "7023")  # the knee, in the first period
        register(world, [date(2024, 3, 4)])  # period until 3 March 2025
        self.record(world, date(2025, 5, 1), "6223")  # the hip, a new indication (R5)
        register(world, weekly(date(2025, 5, 5), 2))
        self.record(world, date(2025, 5, 8), "7023")  # the knee again, during episode 2
        knee_first, hip, knee_second, old_knee = check(
            world,
            [
                line(world, date(2025, 5, 5), diagnosis_code="7023"),
                line(world, date(2025, 5, 5), diagnosis_code="6223"),
                line(world, date(2025, 5, 12), diagnosis_code="7023"),
                line(world, date(2024, 3, 4), diagnosis_code="7023"),
            ],
            dry_run=True,
        )
        # On 5 May only the hip is on record for this period: the knee of the earlier one is not.
        (warning,) = knee_first["warnings"]
        assert warning["code"] == "diagnosis_differs"
        assert "(6223)" in warning["message"]
        assert hip["verdict"] == "duplicate_claim"
        assert (knee_second["episode_start"], knee_second["warnings"]) == ("2025-05-05", [])
        assert (old_knee["episode_start"], old_knee["warnings"]) == ("2024-03-04", [])

    def test_an_indication_recorded_after_the_first_treatment_is_on_record_for_it(self, world):
        register(world, [date(2026, 3, 2)])
        self.record(world, date(2026, 3, 4), "7023")  # the referral came in two days later
        (result,) = check(
            world, [line(world, date(2026, 3, 2), diagnosis_code="6223")], dry_run=True
        )
        assert "(7023)" in result["warnings"][0]["message"]

    def test_without_an_indication_the_episodes_and_the_export_have_no_diagnosis_code(self, world):
        """The claims check has nothing on record to compare with; the episodes say the same
        (no code), rather than a default the practice never recorded."""
        register(world, [date(2026, 3, 2)])
        (episode,) = episodes_of(world)["episodes"]
        assert episode["diagnosis_code"] is None
        header, row = export_rows(world)
        assert dict(zip(header, row, strict=True))["diagnosis_code"] == ""

    def test_the_episodes_give_the_code_the_episode_started_under(self, world):
        self.record(world, date(2026, 2, 20), "7023")
        register(world, [date(2026, 3, 2)])
        (episode,) = episodes_of(world)["episodes"]
        assert episode["diagnosis_code"] == "7023"
        header, row = export_rows(world)
        assert dict(zip(header, row, strict=True))["diagnosis_code"] == "7023"

    def test_the_decision_is_in_the_api_description(self, world):
        schema = world.client("anonymous").get("/api/v1/schema/", {"format": "json"}).json()
        text = schema["paths"]["/api/v1/insurer/claims/check/"]["post"]["description"]
        assert "share one allowance (docs/domain.md §5, R4)" in text
        assert "diagnosis_differs" in text


class TestNothingClinical:
    """docs/domain.md §5-6: insurers see member, dates, practice and therapist codes, attendance,
    the verdict and its reason; never pain, scores, notes or exercises."""

    CLAIM_RESULT_KEYS = frozenset(
        {
            "index",
            "line_id",
            "verdict",
            "verdict_text",
            "number",
            "deductible_applies",
            "csi_code",
            "episode_start",
            "episode_end",
            "replaces",
            "warnings",
            "error",
        }
    )

    def test_no_answer_holds_pain_notes_scores_or_exercises(self, world):
        from programs.services.session import session_log_upsert

        (attendance,) = register(world, [date(2026, 3, 2)])
        session_log_upsert(
            patient=world.owner,
            log_id=uuid.uuid4(),
            data={
                "planned_session": attendance.planned_session_id,
                "performed_at": attendance.treated_at,
                "status": "completed",
                "pain_before": 3,
                "pain_during_max": 7,
                "note": "SECRET-NOTE knee gave way",
            },
        )
        client = world.client("insurer")
        claims = client.post(
            "/api/v1/insurer/claims/check/",
            {"lines": [line(world, date(2026, 3, 2))], "dry_run": True},
            format="json",
        )
        episodes = client.get("/api/v1/insurer/episodes/", {"member_number": "111111111"})
        export = client.get("/api/v1/insurer/episodes/export.csv")
        export_text = b"".join(export.streaming_content).decode()
        (result,) = claims.json()["results"]
        assert set(result) == self.CLAIM_RESULT_KEYS
        assert set(claims.json()) == {"results", "summary"}
        (episode,) = episodes.json()["episodes"]
        assert {frozenset(t) for t in episode["treatments"]} == {TREATMENT_KEYS}
        for text in (claims.content.decode(), episodes.content.decode(), export_text):
            for word in ("SECRET-NOTE", "pain", "exercise", "score", "note"):
                assert word not in text.lower(), word
