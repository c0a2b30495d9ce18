import pytest
from django.core.management import CommandError, call_command

from plut.models import ClaimStatus, EnterpriseClaim, Event, ServiceRequest
from registry.models import SupportRecord
from sumut_umkm import roles
from tests.factories import make_enterprise, make_staff, make_user

pytestmark = pytest.mark.django_db


def test_plut_demo_links_the_demo_accounts_and_can_run_twice(settings):
    settings.DEBUG = True
    make_enterprise("Kopi Demo Medan")
    make_user("umkm", role=roles.MSME_OWNER)
    make_user("konsultan", role=roles.PLUT_CONSULTANT)
    make_staff("petugas")
    call_command("plut_demo")
    call_command("plut_demo")
    claim = EnterpriseClaim.objects.get(user__username="umkm")
    assert claim.status == ClaimStatus.CONFIRMED
    statuses = set(ServiceRequest.objects.filter(enterprise=claim.enterprise).values_list("status", flat=True))
    assert statuses == {"diajukan", "dijadwalkan", "menunggu_kelengkapan", "selesai"}
    assert ServiceRequest.objects.count() == 4 and Event.objects.count() == 1
    assert SupportRecord.objects.filter(source="plut", enterprise=claim.enterprise).count() == 1


def test_plut_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("plut_demo")
