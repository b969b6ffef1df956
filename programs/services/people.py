"""Creating people and organisations. Used by the admin's forms indirectly (model ``clean``),
by the demo-data command and by tests."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from programs.errors import ValidationFailed
from programs.models import (
    DEFAULT_TIME_ZONE,
    InsuranceCoverage,
    Insurer,
    InsurerEmployee,
    Language,
    Patient,
    Physiotherapist,
    Practice,
    Role,
    User,
)
from programs.services.common import full_clean_or_raise


def user_create(
    *,
    username: str,
    password: str | None,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(fields={"username": (_("This username is taken."), "unique")})
    user = User(
        username=username, role=role, first_name=first_name, last_name=last_name, email=email
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    full_clean_or_raise(user, exclude=["password"])
    user.save()
    return user


@transaction.atomic
def physiotherapist_create(
    *,
    username: str,
    password: str | None,
    practice: Practice,
    agb_code: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> Physiotherapist:
    user = user_create(
        username=username,
        password=password,
        role=Role.PHYSIOTHERAPIST,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    physiotherapist = Physiotherapist(user=user, practice=practice, agb_code=agb_code)
    full_clean_or_raise(physiotherapist)
    physiotherapist.save()
    return physiotherapist


@transaction.atomic
def insurer_employee_create(
    *,
    username: str,
    password: str | None,
    insurer: Insurer,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> InsurerEmployee:
    user = user_create(
        username=username,
        password=password,
        role=Role.INSURER,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    employee = InsurerEmployee(user=user, insurer=insurer)
    full_clean_or_raise(employee)
    employee.save()
    return employee


@transaction.atomic
def patient_create(
    *,
    username: str,
    password: str | None,
    physiotherapist: Physiotherapist,
    date_of_birth: date,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    time_zone: str = DEFAULT_TIME_ZONE,
    language: str = Language.DUTCH,
) -> Patient:
    """A patient belongs to the practice of their treating physiotherapist."""
    user = user_create(
        username=username,
        password=password,
        role=Role.PATIENT,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    patient = Patient(
        user=user,
        practice_id=physiotherapist.practice_id,
        physiotherapist=physiotherapist,
        date_of_birth=date_of_birth,
        time_zone=time_zone,
        language=language,
    )
    full_clean_or_raise(patient)
    patient.save()
    return patient


@transaction.atomic
def coverage_add(
    *,
    patient: Patient,
    insurer: Insurer,
    member_number: str,
    valid_from: date,
    valid_to: date | None = None,
) -> InsuranceCoverage:
    """A period of basic insurance. Periods of one patient never overlap, and a member number
    of an insurer belongs to one patient. The patient row is locked so that two concurrent
    additions cannot both pass the overlap check."""
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    coverage = InsuranceCoverage(
        patient=patient,
        insurer=insurer,
        member_number=member_number.strip(),
        valid_from=valid_from,
        valid_to=valid_to,
    )
    full_clean_or_raise(coverage)
    coverage.save()
    return coverage


@transaction.atomic
def practice_create(*, name: str, agb_code: str) -> Practice:
    """A practice, by its AGB code (8 digits, unique)."""
    practice = Practice(name=name.strip(), agb_code=agb_code.strip())
    full_clean_or_raise(practice)
    practice.save()
    return practice


@transaction.atomic
def staff_user_create(
    *,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """A staff account, for the admin site (all of it). Only the staff role may be staff
    (a database constraint)."""
    user = user_create(
        username=username,
        password=password,
        role=Role.STAFF,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    user.is_staff = True
    user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


@transaction.atomic
def insurer_create(*, name: str, uzovi_code: str, requires_referral: bool = False) -> Insurer:
    """An insurer, by its UZOVI code (4 digits, unique). ``requires_referral``: docs/domain.md
    §5, R7."""
    insurer = Insurer(
        name=name.strip(), uzovi_code=uzovi_code.strip(), requires_referral=requires_referral
    )
    full_clean_or_raise(insurer)
    insurer.save()
    return insurer
