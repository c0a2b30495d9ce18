"""The admin's "Riwayat" page of a programme and a support shows the audit history (pghistory), changes made in
the company portal included, and opens only for an object in the staff user's scope."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from csr import services
from registry.models import StaffRegion
from tests.factories import make_staff

from .conftest import make_classed, make_company, make_programme

pytestmark = pytest.mark.django_db


def history(client, obj) -> str:
    response = client.get(reverse(f"admin:csr_{obj._meta.model_name}_history", args=[obj.pk]))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def not_found(client, obj) -> bool:
    response = client.get(reverse(f"admin:csr_{obj._meta.model_name}_history", args=[obj.pk]))
    return response.status_code == 302 and response["Location"] == reverse("admin:index")


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(make_staff("petugas_provinsi"))
    return client


def test_a_support_ended_in_the_portal_shows_in_its_admin_history_with_the_officer(
    client, officer, programme, staff_client
):
    enterprise = make_classed("Tenun Uji")
    support = services.support_start(programme=programme, enterprise=enterprise, kind="pelatihan").support
    client.force_login(officer)
    assert client.post(reverse("csr:support-end", args=[support.pk]), {"status": "selesai"}).status_code == 302

    text = history(staff_client, support)
    assert "Aktif &rarr; Selesai" in text
    assert "petugas_a" in text  # who ended it, from the portal request
    assert "Belum ada riwayat" not in text


def test_a_programme_created_in_the_portal_shows_in_its_admin_history(client, officer, company, staff_client):
    client.force_login(officer)
    client.post(reverse("csr:programme-create"), {
        "name": "Program Kemasan Naik Kelas", "kinds": ["pelatihan"], "size_classes": ["mikro"], "tier_min": 1,
        "tier_max": 3, "starts_on": "2025-02-01", "status": "berjalan", "target_regencies": ["12.71"],
    })
    text = history(staff_client, company.programmes.get())
    assert "Dibuat" in text and "Program Kemasan Naik Kelas" in text and "petugas_a" in text


def test_a_regency_office_opens_the_history_of_its_own_regencys_rows_only():
    medan_prog = make_programme(make_company("PT Medan Peduli"), "Program Medan", regencies=("12.71",))
    binjai_prog = make_programme(make_company("PT Binjai Sejahtera"), "Program Binjai", regencies=("12.75",))
    start = services.support_start
    medan_support = start(programme=medan_prog, enterprise=make_classed("Bolu Medan"), kind="pelatihan").support
    binjai_support = start(
        programme=binjai_prog, kind="pelatihan",
        enterprise=make_classed("Rambutan Binjai", regency="12.75", district="12.75.01"),
    ).support
    office = make_staff("petugas_dinas_medan")
    StaffRegion.objects.create(user=office, regency_id="12.71")
    client = Client()
    client.force_login(office)

    assert "Program Medan" in history(client, medan_prog)
    assert "Dibuat" in history(client, medan_support)
    assert not_found(client, binjai_prog)
    assert not_found(client, binjai_support)
