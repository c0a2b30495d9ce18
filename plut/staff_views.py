"""Staff and consultant pages: the centre queue (with each consultant's workload) and the claims to verify."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.models import staff_regency
from registry.paginators import LargeTablePaginator

from . import services
from .models import (
    OPEN_STATUSES,
    Centre,
    ClaimStatus,
    Consultant,
    EnterpriseClaim,
    RequestStatus,
    ServiceRequest,
    user_role,
)
from .views import role_required

PAGE_SIZE = 50


@role_required("staff", "consultant")
def queue(request):
    """Newest first, filtered by centre/status/consultant/overdue; counted only up to a cap (no COUNT(*) over
    the whole table)."""
    user = request.user
    today = timezone.localdate()
    rows = ServiceRequest.objects.for_user(user).select_related("service", "enterprise", "consultant__user", "centre")
    centres = Centre.objects.filter(is_active=True)
    centre = centres.filter(pk=request.GET.get("centre")).first() if request.GET.get("centre", "").isdigit() \
        else None
    status = request.GET.get("status", "")
    if centre:
        rows = rows.filter(centre=centre)
    if status == "terbuka":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif status in RequestStatus.values:
        rows = rows.filter(status=status)
    if request.GET.get("terlambat"):
        rows = rows.overdue(today).order_by("due_on", "id")
    consultant_id = request.GET.get("konsultan", "")
    if consultant_id.isdigit():
        rows = rows.filter(consultant_id=int(consultant_id))
    page = LargeTablePaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    workload = []
    if centre is not None:
        # One row per consultant of the centre (tens at most): open and overdue requests each holds; a regency
        # office counts only its regency's requests.
        code = staff_regency(user) if user_role(user) == "staff" else None
        is_open = Q(requests__status__in=OPEN_STATUSES)
        if code is not None:
            is_open &= Q(requests__enterprise__regency_id=code)
        workload = Consultant.objects.filter(centre=centre, is_active=True).select_related("user").annotate(
            open_count=Count("requests", filter=is_open),
            overdue_count=Count("requests", filter=is_open & Q(requests__due_on__lt=today)
                                & ~Q(requests__status=RequestStatus.WAITING)),
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "plut/queue.html", {
        "page": page, "centres": centres, "centre": centre, "status": status, "statuses": RequestStatus.choices,
        "today": today, "workload": workload, "query": query.urlencode(), "role": user_role(user),
    })


@role_required("staff")
def claims(request):
    rows = EnterpriseClaim.objects.for_user(request.user).filter(status=ClaimStatus.PENDING) \
        .select_related("user", "enterprise", "regency").order_by("id")
    page = LargeTablePaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "plut/claims.html", {"page": page})


@role_required("staff")
@require_POST
def claim_decide(request, pk):
    claim = get_object_or_404(EnterpriseClaim.objects.for_user(request.user), pk=pk)
    confirm = request.POST.get("decision") == "confirm"
    try:
        services.claim_decide(claim=claim, user=request.user, confirm=confirm, note=request.POST.get("note", "")[:255])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Klaim dikonfirmasi.") if confirm else _("Klaim ditolak."))
    return redirect("plut:claims")
