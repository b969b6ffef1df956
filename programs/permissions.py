"""Who may see what, in one place.

- A patient sees only their own record.
- A physiotherapist sees the patients of their own practice.
- An insurer sees reimbursement data of its own members, never clinical data.
- Staff work in the Django admin.

Views filter through the ``*_visible_to`` functions (DRF's object permissions do not run for
lists, batches or custom actions) and answer 404, not 403, for a record outside that scope,
so that existence does not leak.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework.permissions import BasePermission

from programs.errors import PermissionDeniedError
from programs.models import Insurer, Patient, Physiotherapist, Role

if TYPE_CHECKING:
    from programs.models import User


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, trusting X-Forwarded-For only for the configured number of proxies
    (REST_FRAMEWORK["NUM_PROXIES"]); also used by django-axes and the access log."""
    request = getattr(request, "_request", request)
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidate = remote
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return remote


def has_role(user: User, role: Role) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role == role)


def patient_of(user: User) -> Patient | None:
    if not has_role(user, Role.PATIENT):
        return None
    return getattr(user, "patient", None)


def physiotherapist_of(user: User) -> Physiotherapist | None:
    if not has_role(user, Role.PHYSIOTHERAPIST):
        return None
    return getattr(user, "physiotherapist", None)


def insurer_of(user: User) -> Insurer | None:
    if not has_role(user, Role.INSURER):
        return None
    employee = getattr(user, "insurer_employee", None)
    return employee.insurer if employee else None


def require_patient(user: User) -> Patient:
    patient = patient_of(user)
    if patient is None:
        raise PermissionDeniedError(code="role_not_allowed")
    return patient


def require_physiotherapist(user: User) -> Physiotherapist:
    physiotherapist = physiotherapist_of(user)
    if physiotherapist is None:
        raise PermissionDeniedError(code="role_not_allowed")
    return physiotherapist


def require_insurer(user: User) -> Insurer:
    insurer = insurer_of(user)
    if insurer is None:
        raise PermissionDeniedError(code="role_not_allowed")
    return insurer


def patients_visible_to(user: User) -> QuerySet[Patient]:
    """Patients whose clinical record this user may read. Insurers and staff: none through
    the API (insurers get reimbursement data through their own selectors)."""
    patient = patient_of(user)
    if patient is not None:
        return Patient.objects.filter(pk=patient.pk)
    physiotherapist = physiotherapist_of(user)
    if physiotherapist is not None:
        return Patient.objects.filter(practice_id=physiotherapist.practice_id)
    return Patient.objects.none()


def organisation_label(user: User) -> str:
    """The organisation a user acts for, as written into the access log."""
    physiotherapist = physiotherapist_of(user)
    if physiotherapist is not None:
        practice = physiotherapist.practice
        return f"{practice.name} (AGB {practice.agb_code})"
    insurer = insurer_of(user)
    if insurer is not None:
        return f"{insurer.name} (UZOVI {insurer.uzovi_code})"
    return ""


class _RolePermission(BasePermission):
    role: Role

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401
        finder = {
            Role.PATIENT: patient_of,
            Role.PHYSIOTHERAPIST: physiotherapist_of,
            Role.INSURER: insurer_of,
        }[self.role]
        if finder(request.user) is None:
            raise PermissionDeniedError(code="role_not_allowed")
        return True


class IsPatient(_RolePermission):
    role = Role.PATIENT


class IsPhysiotherapist(_RolePermission):
    role = Role.PHYSIOTHERAPIST


class IsInsurer(_RolePermission):
    role = Role.INSURER


class IsPatientOrPhysiotherapist(BasePermission):
    """The exercise catalogue: patients (their app shows the exercises) and physiotherapists
    (they prescribe them). Not insurers: exercises are none of the claim check's business."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401
        if patient_of(request.user) is None and physiotherapist_of(request.user) is None:
            raise PermissionDeniedError(code="role_not_allowed")
        return True
