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


def home(request):
    """The front door: each signed-in user goes to their own place; visitors choose how to sign in."""
    from django.shortcuts import redirect, render

    from . import roles

    user = request.user
    if user.is_authenticated:
        if user.is_staff:
            # A PLUT consultant has no registry rights: their work is the request queue.
            if not user.has_perm("registry.view_enterprise") and user.has_perm("plut.view_servicerequest"):
                return redirect("plut:queue")
            return redirect("admin:index")
        groups = set(user.groups.values_list("name", flat=True))
        if roles.COMPANY_OFFICER in groups:
            return redirect("csr:dashboard")
        if roles.MSME_OWNER in groups:
            return redirect("plut:portal")
    return render(request, "home.html")
