"""The roadmap's numbers, checked on a small province built with the registry's services."""

from __future__ import annotations

from datetime import date

import pytest

from csr.roadmap import queries, services
from csr.roadmap.forms import regency_names
from csr.roadmap.queries import Filters

pytestmark = pytest.mark.django_db


def build(filters: Filters | None = None) -> queries.Matrix:
    filters = filters or Filters()
    return queries.matrix(filters, regency_names(), services.snapshot_get()["enterprises"])


def row_of(matrix: queries.Matrix, code: str) -> queries.MatrixRow:
    return next(row for row in matrix.rows if row.code == code)


def cell_of(matrix: queries.Matrix, code: str, kind: str) -> queries.Cell:
    row = row_of(matrix, code)
    index = [value for value, _label in matrix.kinds].index(kind)
    return row.cells[index]


def test_the_matrix_has_a_row_for_each_of_the_33_regencies_in_kemendagri_order(province):
    matrix = build()
    assert len(matrix.rows) == 33
    assert [row.code for row in matrix.rows] == sorted(row.code for row in matrix.rows)
    assert matrix.rows[0].code == "12.01" and matrix.rows[-1].code == "12.78"


def test_a_regency_counts_its_active_enterprises_and_its_micro_ones(province):
    medan = row_of(build(), "12.71")
    assert (medan.enterprises, medan.micro) == (3, 2)  # the closed warung is not counted
    assert (row_of(build(), "12.01").enterprises, row_of(build(), "12.01").micro) == (3, 3)


def test_supports_running_today_are_counted_per_kind_with_their_sources_and_companies(province):
    matrix = build()
    training = cell_of(matrix, "12.71", "pelatihan")
    assert (training.supported, training.csr, training.plut, training.pemda) == (3, 2, 0, 1)
    assert training.companies == ["PT Bank Sumut"]  # the regency's own programme is not a company
    financing = cell_of(matrix, "12.71", "pembiayaan")
    assert (financing.supported, financing.csr, financing.companies) == (1, 1, ["PT Inalum"])
    assert cell_of(matrix, "12.75", "pelatihan").supported == 0  # Binjai's supports ended in 2024


def test_an_enterprise_supported_in_two_kinds_counts_once_in_the_regency_total(province):
    medan = row_of(build(), "12.71")
    assert (medan.total.supported, medan.total.csr, medan.total.pemda) == (3, 3, 1)
    assert medan.total.micro_supported == 2
    assert medan.total.companies == ["PT Bank Sumut", "PT Inalum"]
    assert medan.coverage == 100.0


def test_a_closed_enterprise_is_never_counted_as_supported(province):
    matrix = build(Filters(period=queries.PERIOD_ALL))
    assert matrix.province.total.supported == 4  # training, financing, small and Binjai; not the closed one


def test_only_a_move_up_after_the_support_began_counts_as_graduated(province):
    matrix = build()
    assert cell_of(matrix, "12.71", "pelatihan").graduated == 1  # the coffee shop, moved up in June 2025
    assert cell_of(matrix, "12.71", "pembiayaan").graduated == 0  # moved up before its financing began
    assert row_of(matrix, "12.71").total.graduated == 1


def test_a_year_counts_the_supports_that_ran_at_some_time_in_it(province):
    in_2023 = build(Filters(period="2023"))
    cell = cell_of(in_2023, "12.71", "pelatihan")
    assert (cell.supported, cell.plut, cell.csr, cell.graduated) == (1, 1, 0, 1)
    in_2024 = build(Filters(period="2024"))
    binjai = cell_of(in_2024, "12.75", "pelatihan")
    assert (binjai.supported, binjai.companies) == (1, ["PT Bank Sumut", "PT Perkebunan Nusantara"])


def test_source_kind_and_size_class_filters_narrow_the_counts(province):
    plut = build(Filters(period=queries.PERIOD_ALL, source="plut"))
    assert row_of(plut, "12.71").total.supported == 1
    assert row_of(plut, "12.71").total.csr == 0

    financing = build(Filters(kind="pembiayaan"))
    assert [value for value, _label in financing.kinds] == ["pembiayaan"]
    assert row_of(financing, "12.71").total.supported == 1

    small = build(Filters(size_class="kecil"))
    medan = row_of(small, "12.71")
    assert (medan.enterprises, medan.total.supported, medan.micro) == (1, 1, 2)


def test_the_province_row_counts_distinct_enterprises_per_kind(province):
    matrix = build(Filters(period=queries.PERIOD_ALL))
    training = matrix.kind_totals[[value for value, _label in matrix.kinds].index("pelatihan")]
    assert training.supported == 4  # coffee shop, tenun (regency training), bengkel, Binjai
    assert matrix.province.enterprises == 7


def test_regencies_with_micro_enterprises_and_no_support_are_gaps_most_micro_first(province):
    gaps = queries.gaps(build(), threshold=1)
    assert [row.code for row in gaps] == ["12.01", "12.75"]
    assert all(row.total.supported == 0 for row in gaps)


def test_a_regency_below_the_coverage_threshold_is_a_gap_too(province):
    assert "12.71" not in [row.code for row in queries.gaps(build(), threshold=100)]
    assert "12.71" in [row.code for row in queries.gaps(build(Filters(kind="pembiayaan")), threshold=60)]


def test_overlaps_list_enterprises_with_two_providers_at_once_and_their_supports(province):
    rows = queries.overlaps(Filters())
    assert [row.enterprise_id for row in rows] == [province.medan_financing.pk]
    providers = [support["provider"] for support in rows[0].supports]
    assert providers == ["PT Inalum", "Dinas Koperasi Kota Medan"]
    assert rows[0].regency == "Kota Medan"


def test_the_same_programme_renewed_is_not_an_overlap(province):
    ids = [row.enterprise_id for row in queries.overlaps(Filters(period=queries.PERIOD_ALL))]
    assert province.medan_small.pk not in ids
    assert province.medan_training.pk not in ids  # its two supports never ran at the same time


def test_overlaps_in_a_year_and_filtered_by_regency_and_kind(province):
    in_2024 = queries.overlaps(Filters(period="2024", regency="12.75"))
    assert [row.enterprise_id for row in in_2024] == [province.binjai.pk]
    assert [s["started_on"] for s in in_2024[0].supports] == [date(2024, 1, 1), date(2024, 6, 1)]
    assert queries.overlaps(Filters(kind="pembiayaan")) == []  # the tenun's two supports differ in kind


def test_overlaps_page_by_enterprise_id_newest_first(province):
    everything = queries.overlaps(Filters(period=queries.PERIOD_ALL))
    assert [row.enterprise_id for row in everything] == [province.binjai.pk, province.medan_financing.pk]
    first = queries.overlaps(Filters(period=queries.PERIOD_ALL), limit=1)
    second = queries.overlaps(Filters(period=queries.PERIOD_ALL), after=first[0].enterprise_id, limit=1)
    assert [first[0].enterprise_id, second[0].enterprise_id] == [province.binjai.pk, province.medan_financing.pk]


def test_the_snapshot_is_kept_until_refreshed_and_says_when_it_was_counted(province):
    before = services.snapshot_get()
    from tests.roadmap.conftest import enterprise

    enterprise("Usaha Baru", "12.71", "12.71.01")
    assert services.snapshot_get()["enterprises"] == before["enterprises"]
    after = services.snapshot_refresh()
    assert after["enterprises"]["12.71"]["mikro"] == before["enterprises"]["12.71"]["mikro"] + 1
    assert services.refreshed_at(after) >= services.refreshed_at(before)


def test_the_chart_counts_moves_up_and_down_per_month(province):
    months = dict((month, (up, down)) for month, up, down in services.snapshot_get()["months"])
    assert len(months) == services.CHART_MONTHS
    assert months["2025-06"] == (1, 0)
    today = province.today
    assert sum(down for _up, down in months.values()) == 1
    assert f"{today.year:04d}-{today.month:02d}" in months
