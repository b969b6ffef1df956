"""A bare Django view doing the same database work as PUT /api/v1/me/session-logs/{id}/
creating a log (the log row, one row per prescribed exercise, the sync change), without
DRF, authentication, validation, idempotency checks or the access log. The difference in
latency between the two is what the API layer costs."""

import hashlib
import json

from django.db import transaction
from django.http import JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from programs.models import (
    ProgrammeExercise,
    SessionLog,
    SessionLogExercise,
    SyncChange,
    SyncEntity,
)


@csrf_exempt
def bare_log_upsert(request, log_id):
    body = json.loads(request.body)
    programme_id = request.headers["X-Programme"]
    patient_id = request.headers["X-Patient"]
    with transaction.atomic():
        log = SessionLog.objects.create(
            id=log_id,
            patient_id=patient_id,
            programme_id=programme_id,
            performed_at=parse_datetime(body["performed_at"]),
            status=body["status"],
            pain_before=body.get("pain_before"),
            pain_during_max=body.get("pain_during_max"),
            note=body.get("note", ""),
            body_hash=hashlib.sha256(request.body).hexdigest(),
        )
        prescriptions = ProgrammeExercise.objects.filter(
            pk__in=[item["programme_exercise"] for item in body["exercises"]]
        ).select_related("exercise")
        done = {item["programme_exercise"]: item["sets_done"] for item in body["exercises"]}
        SessionLogExercise.objects.bulk_create(
            SessionLogExercise(
                log=log,
                programme_exercise=item,
                exercise=item.exercise,
                sets_prescribed=item.sets,
                sets_done=done[item.pk],
            )
            for item in prescriptions
        )
        SyncChange.objects.create(
            patient_id=patient_id, entity=SyncEntity.SESSION_LOG, entity_id=log.pk
        )
    return JsonResponse({"id": str(log.pk)}, status=201)
