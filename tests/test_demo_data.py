import pytest
from django.core.management import CommandError, call_command

from programs.management.commands.demo_data import DEMO_PASSWORD, PATIENTS
from programs.models import InsuranceCoverage, Patient, Physiotherapist, Role, User


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Patient.objects.count(),
        Physiotherapist.objects.count(),
        InsuranceCoverage.objects.count(),
    )


@pytest.mark.django_db
def test_demo_data_is_idempotent_and_its_logins_work(settings, client):
    settings.DEBUG = True
    call_command("demo_data")
    first = counts()
    call_command("demo_data")
    assert counts() == first
    assert first[1] == len(PATIENTS)
    assert first[2] == 2
    assert User.objects.filter(role=Role.INSURER).count() == 1
    assert User.objects.get(username="admin").is_superuser
    for username in ("anna", "fysio.jansen", "verzekeraar", "admin"):
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD), username


@pytest.mark.django_db
def test_demo_data_refuses_to_run_in_production_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_data")
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_the_demo_history_reads_true(settings):
    """Each change at the moment it happened (the enrolment at the intake before the start,
    not when the demo data was loaded); scores over time: anna improved over her completed
    twelve weeks, dirk declined (and has the alert for it)."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from programs.models import Alert, ChangeKind, OutcomeScore, Programme

    settings.DEBUG = True
    call_command("demo_data")
    loaded = timezone.now()
    for programme in Programme.objects.select_related("patient__user"):
        changes = list(programme.changes.order_by("occurred_at"))
        enrolled = changes[0]
        assert enrolled.kind == ChangeKind.ENROLLED
        start = timezone.make_aware(datetime.combine(programme.start_date, time(0, 0)))
        assert start - timedelta(days=7) < enrolled.occurred_at < start, programme
        assert all(change.occurred_at < loaded - timedelta(hours=1) for change in changes)
        assert programme.created_at == enrolled.occurred_at
    anna = Programme.objects.get(patient__user__username="anna")
    assert anna.status == "completed"

    def oxford(username):
        return list(
            OutcomeScore.objects.filter(patient__user__username=username, measure="oxford")
            .order_by("measured_at")
            .values_list("timepoint", "value")
        )

    assert oxford("anna") == [("baseline", 24.0), ("week_6", 31.0), ("week_12", 38.0)]
    assert oxford("carla") == [("baseline", 28.0), ("week_6", 33.0)]
    assert oxford("dirk") == [("baseline", 30.0), ("week_6", 24.0)]
    assert Alert.objects.filter(patient__user__username="dirk", kind="score_decline").exists()
    changed = Programme.objects.get(patient__user__username="dirk").changes
    assert {"paused", "resumed"} <= set(changed.values_list("kind", flat=True))


@pytest.mark.django_db
def test_the_demo_passes_each_moment_and_leaves_the_clock_alone(settings):
    """The moments the services take are passed (attendance at the session, tests during
    it); the patched clock (for the services without one) is the real one again after."""
    from datetime import timedelta

    from django.utils import timezone

    from programs.models import Attendance, PerformanceTest

    settings.DEBUG = True
    before = timezone.now()
    call_command("demo_data")
    assert timezone.now.__module__ == "django.utils.timezone"
    assert before <= timezone.now() < before + timedelta(hours=1)
    attendances = list(Attendance.objects.select_related("planned_session"))
    assert attendances
    for attendance in attendances:
        session = attendance.planned_session
        assert attendance.treated_at == session.scheduled_at
        assert attendance.created_at == session.scheduled_at + timedelta(minutes=45)
    tests = list(PerformanceTest.objects.select_related("session"))
    assert tests and all(test.measured_at == test.session.scheduled_at for test in tests)
