from django.db.models import QuerySet

from programs.models import AccessLogEntry, Patient


def access_log_for_patient(*, patient: Patient, include_own: bool = False) -> QuerySet:
    """Who accessed this patient's record, newest first (docs/domain.md §6: the patient's right to
    see it). The patient's own reads are left out unless asked for."""
    entries = AccessLogEntry.objects.filter(patient_id=patient.pk)
    if not include_own:
        entries = entries.exclude(actor_id=patient.user_id)
    return entries.order_by("-occurred_at", "-id")
