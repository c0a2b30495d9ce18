from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse


def health(request):
    """Liveness for load balancers: the database and Redis both answer."""
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception:
        status["database"] = "error"
    try:
        cache.set("health", "ok", 5)
        status["redis"] = "ok" if cache.get("health") == "ok" else "error"
    except Exception:
        status["redis"] = "error"
    ok = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if ok else 503)
