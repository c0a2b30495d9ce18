from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, render

from .models import Enterprise


@staff_member_required
def enterprise_detail(request, pk: int):
    enterprise = get_object_or_404(Enterprise.objects.select_related("owner", "regency", "district", "sector"), pk=pk)
    return render(request, "registry/enterprise_detail.html", {"enterprise": enterprise})
