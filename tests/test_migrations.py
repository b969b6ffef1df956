"""Migrations on a database that holds data: CI's other tests only ever migrate an empty one,
where a data step cannot go wrong. Here the migrations since 0010 run over the rows their data
steps exist for (on PostgreSQL, where deferred foreign-key checks left pending by a data step
make the schema changes after it fail)."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("programs", "0010_extra_treatments")]

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_migrations_since_0010_carry_existing_rows_over():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("programs")
    old = _migrate(BEFORE)
    try:
        User = old.get_model("programs", "User")
        practice = old.get_model("programs", "Practice").objects.create(
            name="Oud", agb_code="04000001"
        )
        physio = old.get_model("programs", "Physiotherapist").objects.create(
            user=User.objects.create(username="fysio.oud", role="physiotherapist"),
            practice=practice,
            agb_code="04000002",
        )
        patient = old.get_model("programs", "Patient").objects.create(
            user=User.objects.create(username="patient.oud", role="patient"),
            practice=practice,
            physiotherapist=physio,
            date_of_birth=date(1955, 5, 5),
        )
        alerts = old.get_model("programs", "Alert").objects
        decline = alerts.create(
            patient=patient,
            kind="score_decline",
            raised_at="2026-10-01T10:00:00+02:00",
            detail={"measure": "oxford"},
        )
        flare = alerts.create(
            patient=patient, kind="pain_during", raised_at="2026-10-02T10:00:00+02:00"
        )
        devices = old.get_model("programs", "Device").objects
        devices.create(patient=patient, platform="android", token="x" * 2000)
        kept = devices.create(patient=patient, platform="ios", token="a" * 64)
        indications = old.get_model("programs", "Indication").objects
        for referral in (None, date(2026, 9, 1)):  # a retried POST, the second with referral
            indications.create(
                patient=patient,
                recorded_on=date(2026, 9, 2),
                recorded_by=physio,
                diagnosis_code="6223",
                referral_date=referral,
            )
    finally:
        new = _migrate(latest)

    Alert = new.get_model("programs", "Alert")
    assert Alert.objects.get(pk=decline.pk).scope == "oxford"
    assert Alert.objects.get(pk=decline.pk).subject == f"legacy:{decline.pk}"
    assert Alert.objects.get(pk=flare.pk).subject == f"legacy:{flare.pk}"
    Device = new.get_model("programs", "Device")
    assert list(Device.objects.values_list("pk", flat=True)) == [kept.pk]
    Indication = new.get_model("programs", "Indication")
    assert list(Indication.objects.values_list("referral_date", flat=True)) == [date(2026, 9, 1)]


def test_0015_takes_each_moved_sessions_earlier_days_from_its_history():
    """A session moved before the field existed gets the earliest day on record: its first
    moment (originally_scheduled_at) and each reschedule's "before", in the programme's time
    zone; a session never moved gets none."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("programs")
    old = _migrate([("programs", "0014_form_submissions")])
    try:
        User = old.get_model("programs", "User")
        practice = old.get_model("programs", "Practice").objects.create(
            name="Oud", agb_code="04000001"
        )
        physio = old.get_model("programs", "Physiotherapist").objects.create(
            user=User.objects.create(username="fysio.oud", role="physiotherapist"),
            practice=practice,
            agb_code="04000002",
        )
        patient = old.get_model("programs", "Patient").objects.create(
            user=User.objects.create(username="patient.oud", role="patient"),
            practice=practice,
            physiotherapist=physio,
            date_of_birth=date(1955, 5, 5),
        )
        programme = old.get_model("programs", "Programme").objects.create(
            patient=patient,
            enrolled_by=physio,
            name_nl="Heup",
            name_en="Hip",
            start_date=date(2027, 3, 1),
            weeks=12,
            weekdays=[0, 3],
            session_time="18:00",
            time_zone="Europe/Amsterdam",
        )
        sessions = old.get_model("programs", "PlannedSession").objects
        # Thursday 4 March, moved to Friday 5, then to Monday 8 (which it is now). Its first
        # moment is 23:30 UTC on 3 March: 4 March in Amsterdam.
        moved = sessions.create(
            programme=programme,
            week=1,
            scheduled_at="2027-03-08T17:00:00+00:00",
            local_date=date(2027, 3, 8),
            originally_scheduled_at="2027-03-03T23:30:00+00:00",
        )
        never = sessions.create(
            programme=programme,
            week=1,
            scheduled_at="2027-03-01T17:00:00+00:00",
            local_date=date(2027, 3, 1),
        )
        changes = old.get_model("programs", "ProgrammeChange").objects
        for before, after in [
            ("2027-03-03T23:30:00+00:00", "2027-03-05T17:00:00+00:00"),
            ("2027-03-05T17:00:00+00:00", "2027-03-08T17:00:00+00:00"),
        ]:
            changes.create(
                programme=programme,
                kind="session_rescheduled",
                detail={"session": str(moved.pk), "before": before, "after": after},
            )
        # A session moved earlier, on record only in the history: 25 March to 10 March.
        earlier = sessions.create(
            programme=programme,
            week=2,
            scheduled_at="2027-03-10T17:00:00+00:00",
            local_date=date(2027, 3, 10),
        )
        changes.create(
            programme=programme,
            kind="session_rescheduled",
            detail={
                "session": str(earlier.pk),
                "before": "2027-03-25T17:00:00+00:00",
                "after": "2027-03-10T17:00:00+00:00",
            },
        )
    finally:
        new = _migrate(latest)

    PlannedSession = new.get_model("programs", "PlannedSession")
    assert PlannedSession.objects.get(pk=moved.pk).earliest_local_date == date(2027, 3, 4)
    assert PlannedSession.objects.get(pk=earlier.pk).earliest_local_date == date(2027, 3, 25)
    assert PlannedSession.objects.get(pk=never.pk).earliest_local_date is None


def _ascii_digit_codes_migration():
    """The migration that rewrites AGB and UZOVI codes in ASCII digits, and the one before it
    (found by name: migration numbers change when branches are merged)."""
    graph = MigrationExecutor(connection).loader.graph
    (node,) = [key for key in graph.nodes if key[1].endswith("_ascii_digit_codes")]
    (parent,) = [p.key for p in graph.node_map[node].parents if p.key[0] == "programs"]
    return parent, node


def test_codes_stored_in_other_digits_are_rewritten_in_ascii():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("programs")
    before, _migration = _ascii_digit_codes_migration()
    old = _migrate([before])
    fullwidth = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
    try:
        Practice = old.get_model("programs", "Practice")
        meant = Practice.objects.create(name="Breed", agb_code="04123456".translate(fullwidth))
        twin = Practice.objects.create(name="Dubbel", agb_code="04999999".translate(fullwidth))
        Practice.objects.create(name="Al goed", agb_code="04999999")
        insurer = old.get_model("programs", "Insurer").objects.create(
            name="Breed", uzovi_code="3311".translate(fullwidth)
        )
    finally:
        new = _migrate(latest)
    Practice = new.get_model("programs", "Practice")
    assert Practice.objects.get(pk=meant.pk).agb_code == "04123456"
    # Its ASCII code is another practice's: left for staff (the admin refuses it now).
    assert Practice.objects.get(pk=twin.pk).agb_code == "04999999".translate(fullwidth)
    assert new.get_model("programs", "Insurer").objects.get(pk=insurer.pk).uzovi_code == "3311"
