"""A programme's status, dates and segment act on its supports: a finished programme takes no beneficiaries and
closing it ends its supports and their ledger rows; a narrowed segment graduates the supports it no longer holds."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from csr import services
from csr.models import Programme, Support
from registry.models import SupportRecord
from tests.factories import make_staff

from .conftest import classed, make_classed

pytestmark = pytest.mark.django_db


def _portal_data(programme: Programme, **changes) -> dict:
    data = {
        "name": programme.name, "description": programme.description, "kinds": programme.kinds,
        "budget": programme.budget or "", "starts_on": programme.starts_on, "ends_on": programme.ends_on or "",
        "status": programme.status, "size_classes": programme.size_classes, "tier_min": programme.tier_min,
        "tier_max": programme.tier_max,
        "target_regencies": list(programme.target_regencies.values_list("pk", flat=True)),
        "target_sectors": list(programme.target_sectors.values_list("pk", flat=True)),
    }
    data.update(changes)
    return data


def _admin_data(programme: Programme, **changes) -> dict:
    data = _portal_data(programme)
    data.update(company=programme.company_id, kinds=",".join(programme.kinds),
                size_classes=",".join(programme.size_classes))
    data.update(changes)
    return data


def _start(programme, name, **kwargs):
    return services.support_start(programme=programme, enterprise=make_classed(name, **kwargs), kind="pelatihan",
                                  started_on=date(2025, 2, 1)).support


@pytest.fixture
def signed_in(client, officer, company):
    client.force_login(officer)
    return client


def test_closing_a_programme_in_the_portal_ends_its_active_supports_and_their_ledger_rows(
    signed_in, programme, django_capture_on_commit_callbacks
):
    active = [_start(programme, f"Usaha Aktif {n}") for n in range(3)]
    graduated = _start(programme, "Usaha Lulus")
    classed(graduated.enterprise, "kecil", 4)
    with django_capture_on_commit_callbacks():
        services.supports_graduate(enterprise_ids=[graduated.enterprise_id])
    response = signed_in.post(
        reverse("csr:programme-edit", args=[programme.pk]), _portal_data(programme, status="selesai"), follow=True,
    )
    assert "3 dukungan aktif diakhiri" in response.content.decode()
    for support in active:
        support.refresh_from_db()
        assert (support.status, support.ended_on) == ("selesai", services.today())
        record = SupportRecord.objects.get(source_key=support.ledger_key)
        assert record.ended_on == services.today() and record.outcome == services.OUTCOME_PROGRAMME_FINISHED
    graduated.refresh_from_db()
    assert graduated.status == "lulus"  # already ended: left as it was, still awaiting reassignment
    assert not Support.objects.filter(programme=programme, status="aktif").exists()


def test_closing_a_programme_takes_the_same_statements_for_one_support_or_many(company):
    from .conftest import make_programme

    def close_with(n: int) -> int:
        programme = make_programme(company, f"Program {n}")
        for i in range(n):
            _start(programme, f"Usaha {n}-{i}")
        with CaptureQueriesContext(connection) as queries:
            services.programme_close(programme=programme)
        assert Support.objects.filter(programme=programme, status="selesai").count() == n
        return len(queries)

    assert close_with(1) == close_with(6)


def test_closing_a_programme_in_the_admin_goes_through_the_same_service(client, programme):
    support = _start(programme, "Usaha Admin")
    client.force_login(make_staff("petugas_admin"))
    response = client.post(reverse("admin:csr_programme_change", args=[programme.pk]),
                           _admin_data(programme, status="selesai"))
    assert response.status_code == 302, response.content.decode()[:2000]
    support.refresh_from_db()
    assert support.status == "selesai"
    assert SupportRecord.objects.get(source_key=support.ledger_key).ended_on == services.today()


def test_no_beneficiary_is_added_to_a_finished_programme_through_search_upload_or_api(
    signed_in, officer, programme
):
    services.programme_close(programme=programme)
    enterprise = make_classed("Keripik Terlambat")
    response = signed_in.post(reverse("csr:beneficiary-search", args=[programme.pk]),
                              {"enterprise": enterprise.pk, "kind": "pelatihan"}, follow=True)
    assert "sudah berstatus Selesai" in response.content.decode()
    upload = io.BytesIO(f"NIB\n{enterprise.nib}\n".encode())
    upload.name = "penerima.csv"
    html = signed_in.post(reverse("csr:beneficiary-upload", args=[programme.pk]),
                          {"file": upload, "kind": "pelatihan"}).content.decode()
    assert "sudah berstatus Selesai" in html
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=officer).key}")
    response = api.post("/api/v1/supports/", {"programme": programme.pk, "enterprise": enterprise.pk,
                                              "kind": "pelatihan"}, format="json")
    assert response.status_code == 400 and "sudah berstatus Selesai" in str(response.json())
    assert not Support.objects.filter(enterprise=enterprise).exists()
    assert not SupportRecord.objects.filter(enterprise=enterprise).exists()


def test_no_beneficiary_is_added_to_a_programme_past_its_end_date(company):
    from .conftest import make_programme

    programme = make_programme(company, "Program Lama", starts_on=date(2024, 1, 1), ends_on=date(2024, 12, 31))
    with pytest.raises(services.ValidationError, match="sudah berakhir pada 31 Desember 2024"):
        services.support_start(programme=programme, enterprise=make_classed(), kind="pelatihan")


def test_narrowing_the_segment_in_the_portal_graduates_the_supports_it_no_longer_holds(
    signed_in, programme, django_capture_on_commit_callbacks
):
    programme.size_classes, programme.tier_max = ["mikro", "kecil"], 6
    programme.save()
    small = _start(programme, "Usaha Kecil", size_class="kecil", tier=4)
    micro = _start(programme, "Usaha Mikro")
    with django_capture_on_commit_callbacks() as callbacks:
        response = signed_in.post(
            reverse("csr:programme-edit", args=[programme.pk]),
            _portal_data(programme, size_classes=["mikro"], tier_max=3), follow=True,
        )
    assert "ditandai naik kelas" in response.content.decode()
    small.refresh_from_db()
    micro.refresh_from_db()
    assert (small.status, small.graduated_class) == ("lulus", "kecil") and micro.status == "aktif"
    assert SupportRecord.objects.get(source_key=small.ledger_key).ended_on is not None
    assert callbacks  # the officers are told after commit


def test_a_segment_edit_in_the_admin_also_rechecks_the_supports(client, programme, django_capture_on_commit_callbacks):
    programme.size_classes, programme.tier_max = ["mikro", "kecil"], 6
    programme.save()
    small = _start(programme, "Usaha Kecil Admin", size_class="kecil", tier=4)
    client.force_login(make_staff("petugas_admin"))
    with django_capture_on_commit_callbacks():
        response = client.post(reverse("admin:csr_programme_change", args=[programme.pk]),
                               _admin_data(programme, size_classes="mikro", tier_max=3))
    assert response.status_code == 302
    small.refresh_from_db()
    assert small.status == "lulus"
    assert list(programme.target_regencies.values_list("pk", flat=True)) == ["12.71"]
