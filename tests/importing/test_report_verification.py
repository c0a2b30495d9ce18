"""Re-importing a verified yearly report: a verification vouches for the figures it saw, so figures an import
changes are unverified again (a move up resting on them is no longer confirmed); identical figures keep it."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry import graduation, services
from registry.importing.pipeline import ImportOptions, run_import
from registry.importing.report import RejectReport
from registry.models import YearlyReport
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

CLEAN = Path(__file__).parent / "files" / "clean.csv"


def run(path: Path):
    report = RejectReport()
    result = run_import(path, options=ImportOptions(), report=report)
    problems = list(report)
    report.close()
    assert problems == []
    return result


def verified_reports() -> tuple[YearlyReport, YearlyReport, object]:
    """clean.csv imported, and the 2024 reports of Keripik Sambal and Bengkel Las verified by a staff member."""
    run(CLEAN)
    keripik = YearlyReport.objects.get(enterprise__nib="9120000000001", year=2024)
    bengkel = YearlyReport.objects.get(enterprise__nib="9120000000002", year=2024)
    staff = make_staff()
    assert services.yearly_reports_verify(reports=[keripik.pk, bengkel.pk], user=staff) == 2
    return keripik, bengkel, staff


def test_an_import_that_changes_a_verified_reports_figures_clears_its_verification_only(tmp_path):
    keripik, bengkel, staff = verified_reports()
    changed = tmp_path / "clean_2025.csv"
    changed.write_text(CLEAN.read_text().replace("450000000,120000000,3", "4500000000,120000000,3"), encoding="utf-8")

    result = run(changed)

    assert (result.added, result.updated, result.unchanged) == (0, 1, 2)
    keripik.refresh_from_db()
    assert keripik.omzet == 4_500_000_000
    assert (keripik.verified_by, keripik.verified_at) == (None, None)
    bengkel.refresh_from_db()  # the same figures in the same statement: still vouched for
    assert bengkel.verified_by == staff and bengkel.verified_at is not None
    # The move up from mikro rests on the new, unverified figures: provisional, not confirmed.
    graduation.recompute_enterprises(enterprise_ids=result.touched_ids)
    keripik.enterprise.refresh_from_db()
    assert (keripik.enterprise.size_class, keripik.enterprise.class_status) == ("kecil", "sementara")


def test_an_import_of_only_a_changed_employee_count_also_clears_the_verification(tmp_path):
    keripik, _bengkel, _staff = verified_reports()
    changed = tmp_path / "clean_2025.csv"
    changed.write_text(CLEAN.read_text().replace("450000000,120000000,3", "450000000,120000000,4"), encoding="utf-8")

    run(changed)

    keripik.refresh_from_db()
    assert keripik.employees == 4 and keripik.verified_at is None


def test_re_importing_identical_figures_keeps_every_verification():
    keripik, bengkel, staff = verified_reports()
    stamps = dict(YearlyReport.objects.values_list("pk", "verified_at"))

    result = run(CLEAN)

    assert (result.added, result.updated, result.unchanged) == (0, 0, 3)
    assert dict(YearlyReport.objects.values_list("pk", "verified_at")) == stamps
    for report in (keripik, bengkel):
        report.refresh_from_db()
        assert report.verified_by == staff


def test_a_blank_figure_in_the_file_keeps_the_stored_one_and_the_verification(tmp_path):
    keripik, _bengkel, staff = verified_reports()
    sparse = tmp_path / "sparse.csv"
    sparse.write_text(
        "nib,nama_usaha,kode_wilayah,tahun_laporan,omzet_tahunan,modal_usaha\n"
        "9120000000001,Keripik Sambal Bu Ros,12.71,2024,,120000000\n",
        encoding="utf-8",
    )

    run(sparse)

    keripik.refresh_from_db()
    assert keripik.omzet == 450_000_000 and keripik.verified_by == staff
