from django.db.models import Prefetch

from programs.models import (
    InsuranceCoverage,
    InsurerEmployee,
    Patient,
    Physiotherapist,
    Role,
    User,
)


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
