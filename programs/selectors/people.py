from uuid import UUID

from django.db.models import OuterRef, Prefetch, Subquery

from programs.models import (
    RUNNING_STATUSES,
    InsuranceCoverage,
    InsurerEmployee,
    Patient,
    Physiotherapist,
    Programme,
    Role,
    User,
)
from programs.permissions import patients_visible_to


def me_profile(*, user: User) -> dict:
    """The signed-in user with the profile of their role, in at most two queries."""
    patient = physiotherapist = insurer = None
    if user.role == Role.PATIENT:
        patient = (
            Patient.objects.select_related("practice", "physiotherapist__user")
            .prefetch_related(
                Prefetch(
                    "coverages",
                    queryset=InsuranceCoverage.objects.select_related("insurer").order_by(
                        "valid_from"
                    ),
                )
            )
            .filter(user=user)
            .first()
        )
    elif user.role == Role.PHYSIOTHERAPIST:
        physiotherapist = (
            Physiotherapist.objects.select_related("practice").filter(user=user).first()
        )
    elif user.role == Role.INSURER:
        employee = InsurerEmployee.objects.select_related("insurer").filter(user=user).first()
        insurer = employee.insurer if employee else None
    return {
        "id": user.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "patient": patient,
        "physiotherapist": physiotherapist,
        "insurer": insurer,
    }


def patient_detail(*, user: User, patient_id: UUID) -> Patient | None:
    """A patient this user may see (permissions.patients_visible_to), with practice,
    physiotherapist, coverages and insurers, and the running programme's id, in two queries."""
    running = Programme.objects.filter(patient=OuterRef("pk"), status__in=RUNNING_STATUSES)
    return (
        patients_visible_to(user)
        .select_related("user", "practice", "physiotherapist__user")
        .prefetch_related(
            Prefetch(
                "coverages",
                queryset=InsuranceCoverage.objects.select_related("insurer").order_by("valid_from"),
            )
        )
        .annotate(running_programme_id=Subquery(running.values("pk")[:1]))
        .filter(pk=patient_id)
        .first()
    )
