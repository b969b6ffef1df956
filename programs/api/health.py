import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    with Connection(
        settings.CELERY_BROKER_URL,
        transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        connect_timeout=2,
    ) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=3)
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness: the database answers and the Celery broker accepts connections.
    200 when both do, 503 (same error shape as the API, plus the checks) when either does not."""
    checks = {}
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            checks[name] = check()
        except Exception as exc:  # a health check reports every failure, whatever its kind
            logger.warning("healthz: %s check failed: %r", name, exc)
            checks[name] = f"error: {exc.__class__.__name__}"
    if all(value == "ok" for value in checks.values()):
        return JsonResponse({"status": "ok", "checks": checks})
    failing = ", ".join(name for name, value in checks.items() if value != "ok")
    return JsonResponse(
        {
            "error": {
                "code": "service_unavailable",
                "message": f"Unavailable: {failing}.",
                "fields": {},
            },
            "checks": checks,
        },
        status=503,
    )
