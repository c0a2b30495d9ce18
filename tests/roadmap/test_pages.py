"""The roadmap pages and exports, through the test client, with real users of each role."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from csr.roadmap import services
from sumut_umkm import roles
from tests.factories import make_staff, make_user

pytestmark = pytest.mark.django_db

PAGES = ["roadmap:matrix", "roadmap:overlaps", "roadmap:gaps", "roadmap:map"]
EXPORTS = ["roadmap:matrix-export", "roadmap:overlap-export", "roadmap:gap-export"]
ALL_GETS = [reverse(name) for name in PAGES] + [
    reverse(name, args=[fmt]) for name in EXPORTS for fmt in ("csv", "xlsx")
]


@pytest.fixture
def staff_client(client):
    client.force_login(make_staff())
    return client


def rows_of_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


@pytest.mark.parametrize("role", [roles.COMPANY_OFFICER, roles.MSME_OWNER, roles.PLUT_CONSULTANT])
def test_other_roles_are_refused_on_every_roadmap_page_export_and_the_refresh(client, role, province):
    client.force_login(make_user(role=role))
    for url in ALL_GETS:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("roadmap:refresh")).status_code == 403


def test_a_signed_out_visitor_is_sent_to_the_login_page(client):
    for url in ALL_GETS:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_staff_see_every_roadmap_page(staff_client, province):
    for url in [reverse(name) for name in PAGES]:
        assert staff_client.get(url).status_code == 200, url


def test_the_matrix_page_shows_regencies_counts_and_the_time_of_the_snapshot(staff_client, province):
    response = staff_client.get(reverse("roadmap:matrix"))
    html = response.content.decode()
    assert "Kota Medan" in html and "Kabupaten Tapanuli Tengah" in html
    assert "PT Inalum" in html  # staff see the providers
    assert "dihitung pada" in html and "WIB" in html
    medan = next(row for row in response.context["matrix"].rows if row.code == "12.71")
    assert medan.total.supported == 3


def test_a_wrong_filter_is_reported_by_name_and_the_defaults_apply(staff_client, province):
    response = staff_client.get(reverse("roadmap:matrix"), {"period": "1999", "kind": "sulap"})
    html = response.content.decode()
    assert "periode:" in html and "jenis dukungan:" in html
    assert response.context["filters"].period == "aktif"


def test_the_matrix_csv_holds_the_same_numbers_as_the_page(staff_client, province):
    query = {"period": "semua"}
    page = staff_client.get(reverse("roadmap:matrix"), query).context["matrix"]
    rows = rows_of_csv(staff_client.get(reverse("roadmap:matrix-export", args=["csv"]), query))
    assert len(rows) == 34 * 10  # 33 regencies and the province, 9 kinds and "all kinds"
    for row in [*page.rows, page.province]:
        exported = [r for r in rows if r["kode_kabupaten"] == row.code]
        assert [int(r["didukung"]) for r in exported] == [c.supported for c in row.cells] + [row.total.supported]
        assert [int(r["naik_kelas"]) for r in exported] == [c.graduated for c in row.cells] + [row.total.graduated]
        assert int(exported[-1]["umkm_aktif"]) == row.enterprises
    medan_training = next(r for r in rows if r["kode_kabupaten"] == "12.71" and r["jenis_dukungan"] == "Pelatihan")
    assert medan_training["perusahaan_csr"] == "PT Bank Sumut"
    assert (medan_training["didukung_plut"], medan_training["didukung_pemda"]) == ("1", "1")


def test_the_matrix_xlsx_holds_the_same_numbers_as_the_csv(staff_client, province):
    csv_rows = rows_of_csv(staff_client.get(reverse("roadmap:matrix-export", args=["csv"])))
    response = staff_client.get(reverse("roadmap:matrix-export", args=["xlsx"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "peta_jalan_" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    headers = list(values[0])
    assert len(values) - 1 == len(csv_rows)
    for sheet_row, csv_row in zip(values[1:], csv_rows, strict=True):
        as_dict = dict(zip(headers, sheet_row, strict=True))
        assert as_dict["didukung"] == int(csv_row["didukung"])
        assert as_dict["kode_kabupaten"] == csv_row["kode_kabupaten"]


def test_the_overlap_page_and_its_export_list_the_same_enterprises(staff_client, province):
    response = staff_client.get(reverse("roadmap:overlaps"), {"period": "semua"})
    shown = [row.enterprise_id for row in response.context["rows"]]
    assert shown == [province.binjai.pk, province.medan_financing.pk]
    rows = rows_of_csv(staff_client.get(reverse("roadmap:overlap-export", args=["csv"]), {"period": "semua"}))
    assert sorted({int(r["id_umkm"]) for r in rows}) == sorted(shown)
    assert {r["pemberi_dukungan"] for r in rows if int(r["id_umkm"]) == province.binjai.pk} == {
        "PT Bank Sumut", "PT Perkebunan Nusantara"
    }


def test_the_overlap_page_pages_by_keyset(staff_client, province, monkeypatch):
    from csr.roadmap import queries

    monkeypatch.setattr(queries, "OVERLAP_PAGE", 1)
    first = staff_client.get(reverse("roadmap:overlaps"), {"period": "semua"})
    assert [row.enterprise_id for row in first.context["rows"]] == [province.binjai.pk]
    assert f"after={province.binjai.pk}" in first.context["next_query"]
    second = staff_client.get(reverse("roadmap:overlaps") + "?" + first.context["next_query"])
    assert [row.enterprise_id for row in second.context["rows"]] == [province.medan_financing.pk]
    assert second.context["next_query"] == ""


def test_the_gap_page_and_its_export_name_the_same_regencies(staff_client, province):
    response = staff_client.get(reverse("roadmap:gaps"), {"threshold": "1"})
    shown = [row.code for row in response.context["rows"]]
    assert shown == ["12.01", "12.75"]
    rows = rows_of_csv(staff_client.get(reverse("roadmap:gap-export", args=["csv"]), {"threshold": "1"}))
    assert [r["kode_kabupaten"] for r in rows] == shown
    assert [(r["umkm_mikro"], r["tanpa_dukungan"]) for r in rows] == [("3", "Ya"), ("1", "Ya")]


def test_the_map_page_has_a_marker_at_each_regency_seat_and_the_monthly_chart(staff_client, province):
    response = staff_client.get(reverse("roadmap:map"))
    markers = {m["code"]: m for m in response.context["markers"]}
    assert len(markers) == 33
    assert markers["12.71"]["seat"] == "Medan" and markers["12.71"]["lat"] == pytest.approx(3.58333)
    assert markers["12.01"]["colour"] == "#b3261e"  # micro enterprises, no support at all
    assert markers["12.71"]["colour"] == "#1e7b34"  # both micro enterprises supported
    assert markers["12.01"]["radius"] > markers["12.75"]["radius"]  # three micro enterprises against one
    html = response.content.decode()
    assert "leaflet/leaflet.js" in html and "<svg" in html
    chart = response.context["chart"]
    assert len(chart["bars"]) == services.CHART_MONTHS and chart["total_down"] == 1


def test_the_refresh_button_recounts_the_snapshot(staff_client, province, django_capture_on_commit_callbacks):
    before = services.snapshot_get()
    from tests.roadmap.conftest import enterprise

    enterprise("Usaha Baru", "12.75", "12.75.01")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("roadmap:refresh"), {"next": reverse("roadmap:gaps")})
    assert response.status_code == 302 and response["Location"] == reverse("roadmap:gaps")
    assert services.snapshot_get()["enterprises"]["12.75"]["mikro"] == before["enterprises"]["12.75"]["mikro"] + 1


def test_the_refresh_never_redirects_to_another_site(staff_client, province):
    response = staff_client.post(reverse("roadmap:refresh"), {"next": "https://contoh.invalid/"})
    assert response["Location"] == reverse("roadmap:matrix")


def test_the_default_matrix_comes_from_the_snapshot_and_a_filtered_one_is_counted_live(staff_client, province):
    from tests.roadmap.conftest import support

    def medan_supported(params=None):
        matrix = staff_client.get(reverse("roadmap:matrix"), params or {}).context["matrix"]
        return next(row for row in matrix.rows if row.code == "12.71").total.supported

    assert medan_supported() == 3
    support(province.medan_closed, "late", started_on=province.today)  # closed: never counted
    support(province.medan_training, "late2", kind="pemasaran", provider="PT Baru", started_on=province.today)
    tapteng = province.tapteng[0]
    support(tapteng, "late3", provider="PT Baru", started_on=province.today)
    assert medan_supported() == 3
    tapteng_row = next(r for r in staff_client.get(reverse("roadmap:matrix")).context["matrix"].rows
                       if r.code == "12.01")
    assert tapteng_row.total.supported == 0  # not until the snapshot is counted again
    assert next(r for r in staff_client.get(reverse("roadmap:matrix"), {"source": "csr"}).context["matrix"].rows
                if r.code == "12.01").total.supported == 1
    services.snapshot_refresh()
    assert next(r for r in staff_client.get(reverse("roadmap:matrix")).context["matrix"].rows
                if r.code == "12.01").total.supported == 1
