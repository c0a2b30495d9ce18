"""A regency office's staff see the roadmap of their own regency only: pages and exports are narrowed to it
whatever the query string says, and their counts never come from the province's snapshot."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from csr.roadmap import services
from registry.models import StaffRegion
from tests.factories import make_staff

from .conftest import support

pytestmark = pytest.mark.django_db


@pytest.fixture
def medan_client(client):
    user = make_staff("petugas_dinas_medan")
    StaffRegion.objects.create(user=user, regency_id="12.71")
    client.force_login(user)
    return client


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def test_regency_staff_open_every_roadmap_page_narrowed_to_their_regency(medan_client, province):
    for name in ("roadmap:matrix", "roadmap:gaps", "roadmap:map"):
        response = medan_client.get(reverse(name), {"period": "semua", "regency": "12.75"})
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "Kota Binjai" not in html and "PT Perkebunan Nusantara" not in html, name
        assert '<tr class="total">' not in html, name  # no province row
    matrix = medan_client.get(reverse("roadmap:matrix"), {"period": "semua"}).context["matrix"]
    assert [row.code for row in matrix.rows] == ["12.71"] and matrix.regional
    assert matrix.rows[0].total.supported == 3 and matrix.rows[0].enterprises == 3  # the closed one never counts
    markers = medan_client.get(reverse("roadmap:map")).context["markers"]
    assert [m["code"] for m in markers] == ["12.71"]


def test_regency_staff_cannot_widen_the_overlap_list_or_any_export_by_editing_the_query(medan_client, province):
    response = medan_client.get(reverse("roadmap:overlaps"), {"period": "semua", "regency": "12.75"})
    assert [row.enterprise_id for row in response.context["rows"]] == [province.medan_financing.pk]
    assert "Keripik Binjai" not in response.content.decode()
    for name in ("roadmap:matrix-export", "roadmap:overlap-export", "roadmap:gap-export"):
        for query in ({"period": "semua"}, {"period": "semua", "regency": "12.75"}, {"regency": ""}):
            response = medan_client.get(reverse(name, args=["csv"]), query)
            assert response.status_code == 200, (name, query)
            text = response.content.decode()
            assert "Binjai" not in text and "Tapanuli" not in text and "PT Perkebunan Nusantara" not in text, name
    rows = _csv(medan_client.get(reverse("roadmap:matrix-export", args=["csv"]), {"period": "semua"}))
    assert {r["kode_kabupaten"] for r in rows} == {"12.71"} and len(rows) == 10  # 9 kinds and "all kinds"


def test_regency_staff_see_counts_made_now_never_the_province_snapshot(medan_client, province, client):
    services.snapshot_refresh()  # what provincial staff see
    support(province.medan_training, "late", kind="pemasaran", provider="PT Baru", started_on=province.today)
    medan = medan_client.get(reverse("roadmap:matrix"))
    assert medan.context["matrix"].rows[0].total.supported == 3
    assert next(c for (k, _label), c in zip(medan.context["matrix"].kinds, medan.context["matrix"].rows[0].cells,
                                             strict=True) if k == "pemasaran").supported == 1
    html = medan.content.decode()
    assert "dihitung pada" not in html and reverse("roadmap:refresh") not in html
    assert medan_client.post(reverse("roadmap:refresh")).status_code == 403
    provincial = make_staff("petugas_provinsi")
    client.force_login(provincial)
    province_matrix = client.get(reverse("roadmap:matrix")).context["matrix"]
    assert province_matrix.province.cells[[k for k, _ in province_matrix.kinds].index("pemasaran")].supported == 0
