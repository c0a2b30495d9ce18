"""A government (APBD) support recorded by staff in the ledger's admin shows in the roadmap's matrix."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry.models import StaffRegion
from tests.factories import make_enterprise, make_staff

pytestmark = pytest.mark.django_db


def recorder(username, regency=None):
    """A staff user holding the rights to record government support (given directly; see the registry tests)."""
    user = make_staff(username)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="registry", codename__in=["add_supportrecord", "change_supportrecord"],
    ))
    if regency:
        StaffRegion.objects.create(user=user, regency_id=regency)
    client = Client()
    client.force_login(user)
    return client


def record_government_support(client, enterprise, *, kind="pendampingan"):
    response = client.post("/admin/registry/supportrecord/add/", {
        "enterprise": str(enterprise.pk), "kind": kind, "provider": "Dinas Koperasi dan UKM Kabupaten Asahan",
        "title": "Pendampingan UMKM pangan", "started_on": timezone.localdate().isoformat(), "ended_on": "",
        "amount": "", "outcome": "",
    })
    assert response.status_code == 302


def cell_of(matrix, regency: str, kind: str):
    row = next(row for row in matrix.rows if row.code == regency)
    return row.cells[[k for k, _label in matrix.kinds].index(kind)], row.total


def test_a_recorded_government_support_is_counted_as_pemda_in_its_regency_and_kind():
    asahan = make_enterprise("Dodol Asahan", regency="12.09", district=None)
    make_enterprise("Ikan Asin Asahan", regency="12.09", district=None)  # not supported
    client = recorder("petugas_provinsi")
    record_government_support(client, asahan)

    matrix = client.get(reverse("roadmap:matrix")).context["matrix"]
    cell, total = cell_of(matrix, "12.09", "pendampingan")
    assert (cell.supported, cell.pemda, cell.csr, cell.plut) == (1, 1, 0, 0)
    assert (total.supported, total.pemda) == (1, 1)
    assert matrix.province.total.pemda == 1
    medan_cell, _total = cell_of(matrix, "12.71", "pendampingan")
    assert medan_cell.supported == 0


def test_the_source_filter_pemda_and_a_regency_office_see_the_recorded_support():
    asahan = make_enterprise("Dodol Asahan", regency="12.09", district=None)
    office = recorder("petugas_dinas_asahan", regency="12.09")
    record_government_support(office, asahan, kind="pelatihan")

    matrix = office.get(reverse("roadmap:matrix"), {"source": "pemda"}).context["matrix"]
    cell, total = cell_of(matrix, "12.09", "pelatihan")
    assert (cell.pemda, total.supported) == (1, 1)
    assert office.get(reverse("roadmap:matrix"), {"source": "csr"}).context["matrix"].rows[0].total.supported == 0
