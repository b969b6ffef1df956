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
