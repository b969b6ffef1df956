from datetime import date

import factory

from programs.models import (
    InsuranceCoverage,
    Insurer,
    InsurerEmployee,
    Patient,
    Physiotherapist,
    Practice,
    Role,
    User,
)

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.PATIENT
    password = factory.django.Password(PASSWORD)


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Praktijk {n}")
    agb_code = factory.Sequence(lambda n: f"04{n:06d}")


class PhysiotherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Physiotherapist

    user = factory.SubFactory(UserFactory, role=Role.PHYSIOTHERAPIST)
    practice = factory.SubFactory(PracticeFactory)
    agb_code = factory.Sequence(lambda n: f"04{500000 + n:06d}")


class InsurerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Insurer

    name = factory.Sequence(lambda n: f"Verzekeraar {n}")
    uzovi_code = factory.Sequence(lambda n: f"{3000 + n:04d}")


class InsurerEmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsurerEmployee

    user = factory.SubFactory(UserFactory, role=Role.INSURER)
    insurer = factory.SubFactory(InsurerFactory)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    user = factory.SubFactory(UserFactory, role=Role.PATIENT)
    physiotherapist = factory.SubFactory(PhysiotherapistFactory)
    practice = factory.SelfAttribute("physiotherapist.practice")
    date_of_birth = date(1960, 5, 17)


class CoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsuranceCoverage

    patient = factory.SubFactory(PatientFactory)
    insurer = factory.SubFactory(InsurerFactory)
    member_number = factory.Sequence(lambda n: f"{200000000 + n}")
    valid_from = date(2026, 1, 1)
