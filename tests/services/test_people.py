from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from programs.errors import ValidationFailed
from programs.models import InsuranceCoverage, Patient, Role, User
from programs.models.people import validate_agb_code, validate_uzovi_code
from programs.services.people import (
    coverage_add,
    patient_create,
    physiotherapist_create,
    practice_create,
)
from tests.factories import InsurerFactory, UserFactory


def test_a_patient_belongs_to_the_practice_of_their_physiotherapist(world):
    patient = patient_create(
        username="newpatient",
        password="a-long-password-1",
        physiotherapist=world.other_physio,
        date_of_birth=date(1955, 2, 1),
    )
    assert patient.practice_id == world.other_physio.practice_id
    assert patient.time_zone == "Europe/Amsterdam"
    assert patient.language == "nl"
    assert patient.user.role == Role.PATIENT
    assert patient.user.check_password("a-long-password-1")


def test_unknown_time_zone_is_refused_naming_the_field_and_nothing_is_written(world):
    with pytest.raises(ValidationFailed) as caught:
        patient_create(
            username="tzpatient",
            password=None,
            physiotherapist=world.physio,
            date_of_birth=date(1955, 2, 1),
            time_zone="Mars/Olympus",
        )
    assert list(caught.value.fields) == ["time_zone"]
    assert not User.objects.filter(username="tzpatient").exists()


def test_date_of_birth_in_the_future_is_refused(world):
    with pytest.raises(ValidationFailed) as caught:
        patient_create(
            username="future",
            password=None,
            physiotherapist=world.physio,
            date_of_birth=timezone.localdate() + timedelta(days=1),
        )
    assert "date_of_birth" in caught.value.fields


def test_a_taken_username_is_refused_whatever_its_case(world):
    with pytest.raises(ValidationFailed) as caught:
        patient_create(
            username="OWNER",
            password=None,
            physiotherapist=world.physio,
            date_of_birth=date(1950, 1, 1),
        )
    assert caught.value.fields["username"][0]["code"] == "unique"


def test_physiotherapist_agb_code_must_have_eight_digits(world):
    with pytest.raises(ValidationFailed) as caught:
        physiotherapist_create(
            username="newphysio", password=None, practice=world.physio.practice, agb_code="1234"
        )
    assert caught.value.fields["agb_code"][0]["code"] == "invalid_agb_code"
    assert not User.objects.filter(username="newphysio").exists()


def test_a_physiotherapists_agb_code_is_their_own_not_the_practices(world):
    practice = world.physio.practice
    with pytest.raises(ValidationFailed) as caught:
        physiotherapist_create(
            username="newphysio", password=None, practice=practice, agb_code=practice.agb_code
        )
    assert caught.value.fields["agb_code"][0]["code"] == "practice_agb_code"
    assert not User.objects.filter(username="newphysio").exists()


def in_digits(code: str, zero: str) -> str:
    """``code`` written in another script's digits, from that script's zero."""
    return "".join(chr(ord(zero) + int(digit)) for digit in code)


FULLWIDTH_ZERO, ARABIC_INDIC_ZERO, EXTENDED_ARABIC_INDIC_ZERO = "\uff10", "\u0660", "\u06f0"


@pytest.mark.parametrize(
    ("validator", "code"),
    [
        (validate_agb_code, in_digits("04123456", FULLWIDTH_ZERO)),
        (validate_agb_code, in_digits("04123456", ARABIC_INDIC_ZERO)),
        (validate_agb_code, "0412345" + in_digits("6", FULLWIDTH_ZERO)),
        (validate_agb_code, "04123456\n"),
        (validate_uzovi_code, in_digits("3311", FULLWIDTH_ZERO)),
        (validate_uzovi_code, in_digits("3311", EXTENDED_ARABIC_INDIC_ZERO)),
    ],
)
def test_agb_and_uzovi_codes_are_ascii_digits_only(validator, code):
    """Python's \\d takes any Unicode digit; a claim line's code is ASCII 0-9 (the API
    checks [0-9]), so a code stored in other digits could never be matched."""
    with pytest.raises(DjangoValidationError):
        validator(code)


def test_agb_and_uzovi_codes_in_ascii_digits_are_valid():
    validate_agb_code("04123456")
    validate_uzovi_code("3311")


def test_a_practice_with_fullwidth_digits_in_its_agb_code_is_refused(world):
    with pytest.raises(ValidationFailed) as caught:
        practice_create(name="Fysio Breed", agb_code=in_digits("04123456", FULLWIDTH_ZERO))
    assert caught.value.fields["agb_code"][0]["code"] == "invalid_agb_code"


def test_patient_with_a_physiotherapist_of_another_practice_is_invalid(world):
    patient = Patient(
        user=UserFactory(role=Role.PATIENT),
        practice=world.physio.practice,
        physiotherapist=world.other_physio,
        date_of_birth=date(1950, 1, 1),
    )
    with pytest.raises(DjangoValidationError) as caught:
        patient.full_clean()
    assert "physiotherapist" in caught.value.message_dict


def test_a_patient_account_cannot_be_made_staff_in_the_database(world):
    user = world.owner.user
    user.is_staff = True
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()


def test_a_role_outside_the_four_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="nobody", role="admin")


def test_createsuperuser_gets_the_staff_role(db):
    user = User.objects.create_superuser("root", "root@example.org", "pw-123456789")
    assert user.role == Role.STAFF


class TestCoverage:
    def test_a_member_who_changes_insurer_has_two_consecutive_periods(self, world):
        owner = world.owner
        first = owner.coverages.get()
        first.valid_to = date(2026, 12, 31)
        first.save()
        second = coverage_add(
            patient=owner,
            insurer=InsurerFactory(),
            member_number="X-1",
            valid_from=date(2027, 1, 1),
        )
        assert list(owner.coverages.order_by("valid_from")) == [first, second]

    def test_overlapping_periods_are_refused(self, world):
        with pytest.raises(ValidationFailed) as caught:
            coverage_add(
                patient=world.owner,
                insurer=InsurerFactory(),
                member_number="X-2",
                valid_from=date(2026, 6, 1),
            )
        assert "valid_from" in caught.value.fields
        assert world.owner.coverages.count() == 1

    def test_a_member_number_of_an_insurer_belongs_to_one_patient(self, world):
        world.other_patient.coverages.all().delete()
        with pytest.raises(ValidationFailed) as caught:
            coverage_add(
                patient=world.other_patient,
                insurer=world.insurer,
                member_number="111111111",
                valid_from=date(2026, 1, 1),
            )
        assert "member_number" in caught.value.fields

    def test_a_period_that_ends_before_it_starts_is_refused_by_the_database(self, world):
        with pytest.raises(IntegrityError), transaction.atomic():
            InsuranceCoverage.objects.create(
                patient=world.other_patient,
                insurer=world.insurer,
                member_number="9",
                valid_from=date(2027, 1, 2),
                valid_to=date(2027, 1, 1),
            )
