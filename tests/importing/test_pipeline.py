"""Importing enterprises: matching, counting, refusing and protecting, on hand-written messy files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.db import connection
from pghistory.models import Events

from registry import identity
from registry.importing import pipeline
from registry.importing.parsers import ParseError
from registry.importing.pipeline import ImportAborted, ImportOptions, run_import
from registry.importing.report import RejectReport
from registry.models import (
    ColumnMapping,
    Enterprise,
    Owner,
    PossibleDuplicate,
    YearlyReport,
)
from tests.factories import VALID_NIK_MAN, VALID_NIK_WOMAN, make_enterprise, make_owner
from tests.importing.generated import write_import_csv

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"


def run(path, **options):
    """Import a file; returns (result, [(row, column, value, reason), …])."""
    report = RejectReport()
    result = run_import(path, options=ImportOptions(**options), report=report)
    problems = list(report)
    report.close()
    return result, problems


def counts(result):
    return result.added, result.updated, result.unchanged, result.rejected


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- adding, updating, unchanged ------------------------------------------------------------------


def test_a_clean_file_adds_its_enterprises_with_owners_and_yearly_figures():
    result, problems = run(FILES / "clean.csv")

    assert counts(result) == (3, 0, 0, 0) and problems == []
    keripik = Enterprise.objects.select_related("owner", "sector", "district").get(nib="9120000000001")
    assert keripik.name == "Keripik Sambal Bu Ros"
    assert (keripik.regency_id, keripik.district.name) == ("12.71", "Medan Kota")
    assert (keripik.sector.code, keripik.kbli_code, keripik.founded_year) == ("10", "10794", 2015)
    assert keripik.address == "Jl. Contoh No. 1, Kel. Contoh"
    assert (keripik.owner.name, keripik.owner.sex, keripik.owner.phone) == ("Rosmawati", "P", "081234567801")
    assert keripik.owner.email == "ros@example.id"
    report = YearlyReport.objects.get(enterprise=keripik, year=2024)
    assert (report.omzet, report.capital, report.employees, report.source) == (450_000_000, 120_000_000, 3, "impor")
    jahit = Enterprise.objects.get(name="Jahit Contoh Collection")
    assert jahit.nib is None and jahit.regency_id == "12.73" and jahit.owner.nik_hash is None


def test_an_owners_nik_is_stored_as_registry_identity_protects_it():
    run(FILES / "clean.csv")

    owner = Owner.objects.get(name="Rosmawati")
    assert owner.nik_hash == identity.nik_hash(VALID_NIK_WOMAN)
    assert owner.nik_masked == "1271********0002"
    assert owner.nik == VALID_NIK_WOMAN  # the Fernet ciphertext decrypts with the registry's key
    assert VALID_NIK_WOMAN not in owner.nik_encrypted


def test_importing_the_same_file_again_changes_nothing():
    run(FILES / "clean.csv")
    stamps = dict(Enterprise.objects.values_list("id", "updated_at"))
    events = Events.objects.count()

    again, problems = run(FILES / "clean.csv")

    assert counts(again) == (0, 0, 3, 0) and problems == []
    assert dict(Enterprise.objects.values_list("id", "updated_at")) == stamps
    assert Events.objects.count() == events  # nothing written, so nothing audited
    assert again.touched_ids == []


def test_a_dry_run_reports_what_an_import_would_do_and_saves_nothing():
    dry, dry_problems = run(FILES / "rejects.csv", dry_run=True)

    assert not Enterprise.objects.exists() and not Owner.objects.exists() and not YearlyReport.objects.exists()
    real, real_problems = run(FILES / "rejects.csv")
    assert counts(dry) == counts(real) == (1, 0, 0, 6)
    assert dry_problems == real_problems


def test_changed_cells_update_the_enterprise_owner_and_yearly_report_and_leave_an_audit_event(tmp_path):
    run(FILES / "clean.csv")
    enterprise = Enterprise.objects.get(nib="9120000000001")
    changed = (FILES / "clean.csv").read_text().replace("Jl. Contoh No. 1, Kel. Contoh", "Jl. Baru No. 9") \
        .replace("450000000,120000000,3", "480000000,120000000,4")

    result, problems = run(write(tmp_path, "clean_2025.csv", changed))

    assert counts(result) == (0, 1, 2, 0) and problems == []
    enterprise.refresh_from_db()
    assert enterprise.address == "Jl. Baru No. 9"
    report = YearlyReport.objects.get(enterprise=enterprise, year=2024)
    assert (report.omzet, report.employees) == (480_000_000, 4)
    assert result.touched_ids == [enterprise.pk]
    update = Events.objects.filter(pgh_obj_model="registry.Enterprise", pgh_obj_id=enterprise.pk,
                                   pgh_label="update").get()
    assert update.pgh_data["address"] == "Jl. Baru No. 9"
    assert update.pgh_context["import_file"].endswith("clean_2025.csv")


def test_a_blank_cell_keeps_what_the_registry_knows(tmp_path):
    run(FILES / "clean.csv")
    text = "nib,nama_usaha,kode_wilayah,tahun_laporan,omzet_tahunan\n9120000000001,Keripik Sambal Bu Ros,12.71,2024,\n"

    result, _ = run(write(tmp_path, "sparse.csv", text))

    assert counts(result) == (0, 0, 1, 0)
    enterprise = Enterprise.objects.get(nib="9120000000001")
    assert enterprise.address == "Jl. Contoh No. 1, Kel. Contoh" and enterprise.owner.phone == "081234567801"
    assert YearlyReport.objects.get(enterprise=enterprise).omzet == 450_000_000


# --- matching -------------------------------------------------------------------------------------


def test_an_enterprise_without_nib_is_matched_by_its_owners_nik_and_name(tmp_path):
    owner = make_owner("Siti Aminah", nik=VALID_NIK_WOMAN)
    existing = make_enterprise("Jahit  Contoh   Collection", owner=owner, nib=None, regency="12.73", district=None)
    text = ("nama_usaha,nama_pemilik,nik_pemilik,kode_wilayah,tahun_laporan,omzet_tahunan\n"
            f"JAHIT CONTOH COLLECTION ,Siti Aminah,{VALID_NIK_WOMAN},12.73,2024,90000000\n")

    result, problems = run(write(tmp_path, "jahit.csv", text))

    assert counts(result) == (0, 1, 0, 0) and problems == []
    assert Enterprise.objects.count() == 1
    assert YearlyReport.objects.get(enterprise=existing).omzet == 90_000_000


def test_a_row_without_nib_gives_its_nib_to_the_enterprise_found_by_owner_and_name(tmp_path):
    owner = make_owner("Siti Aminah", nik=VALID_NIK_WOMAN)
    existing = make_enterprise("Jahit Contoh", owner=owner, nib=None, regency="12.73", district=None)
    text = ("nib,nama_usaha,nama_pemilik,nik_pemilik,kode_wilayah\n"
            f"9120000000777,Jahit Contoh,Siti Aminah,{VALID_NIK_WOMAN},12.73\n")

    result, _ = run(write(tmp_path, "nib.csv", text))

    assert counts(result) == (0, 1, 0, 0)
    existing.refresh_from_db()
    assert existing.nib == "9120000000777"


def test_a_nib_of_an_enterprise_with_another_owner_is_refused_not_reassigned(tmp_path):
    owner = make_owner("Budi Santoso", nik=VALID_NIK_MAN)
    existing = make_enterprise("Bengkel Las Sinar", owner=owner, nib="9120000000002")
    text = ("nib,nama_usaha,nama_pemilik,nik_pemilik,kode_wilayah\n"
            f"9120000000002,Bengkel Las Sinar,Rosmawati,{VALID_NIK_WOMAN},12.71\n")

    result, problems = run(write(tmp_path, "other_owner.csv", text))

    assert counts(result) == (0, 0, 0, 1)
    [(row, column, value, reason)] = problems
    assert (row, column, value) == (2, "nik_pemilik", "1271********0002")
    assert reason.startswith("NIB 9120000000002 sudah terdaftar untuk 'Bengkel Las Sinar' dengan pemilik ber-NIK lain "
                             "(1271********0001)")
    existing.refresh_from_db()
    assert existing.owner_id == owner.pk


def test_an_owner_and_name_found_with_another_nib_is_refused(tmp_path):
    owner = make_owner("Siti Aminah", nik=VALID_NIK_WOMAN)
    make_enterprise("Jahit Contoh", owner=owner, nib="9120000000555")
    text = ("nib,nama_usaha,nama_pemilik,nik_pemilik,kode_wilayah\n"
            f"9120000000666,Jahit Contoh,Siti Aminah,{VALID_NIK_WOMAN},12.71\n")

    result, problems = run(write(tmp_path, "other_nib.csv", text))

    assert counts(result) == (0, 0, 0, 1)
    assert problems[0][1:] == ("nib", "9120000000666", "'Jahit Contoh' milik pemilik ini sudah terdaftar dengan "
                               "NIB 9120000000555, berbeda dengan NIB 9120000000666 di baris ini; NIB tidak diganti "
                               "lewat impor.")


def test_possible_duplicates_of_one_owner_in_one_district_are_listed_not_merged():
    result, _ = run(FILES / "possible_duplicates.csv")

    assert counts(result) == (3, 0, 0, 0) and result.duplicates == 1
    ros, ross = Enterprise.objects.filter(name__startswith="Warung Kopi").order_by("id")
    pair = PossibleDuplicate.objects.get()
    assert (pair.enterprise_id, pair.other_id, pair.status) == (ros.pk, ross.pk, "terbuka")
    assert pair.similarity >= 0.6
    assert Owner.objects.count() == 1  # one owner, three enterprises: nothing merged
    again, _ = run(FILES / "possible_duplicates.csv")
    assert again.duplicates == 0 and PossibleDuplicate.objects.count() == 1


# --- refusals -------------------------------------------------------------------------------------


def test_rejected_rows_name_their_row_column_value_and_reason_in_indonesian():
    result, problems = run(FILES / "rejects.csv")

    assert counts(result) == (1, 0, 0, 6)
    by_row = {row: (column, value, reason) for row, column, value, reason in problems}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8]
    assert by_row[3][:2] == ("NIK", "1.27***E+15")
    assert by_row[3][2].startswith("NIK pemilik tersimpan sebagai angka oleh spreadsheet (1.27101E+15); 16 digit")
    assert by_row[4] == ("Kabupaten/Kota", "Kota Atlantis",
                         "Kabupaten/kota 'Kota Atlantis' tidak dikenal di Sumatera Utara.")
    assert by_row[5][:2] == ("Kode Wilayah", "12.75 / Kota Medan")
    assert by_row[5][2].startswith("Kode 12.75 (Kota Binjai) tidak sesuai dengan nama 'Kota Medan' (Kota Medan, 12.71)")
    assert by_row[6] == ("Kecamatan", "Percut Sei Tuan",
                         "Kecamatan 'Percut Sei Tuan' tidak ada di Kota Medan; nama itu ada di Kabupaten Deli Serdang.")
    assert by_row[7][:2] == ("Omzet", "-5.000.000") and "negatif" in by_row[7][2]
    assert by_row[8] == ("NIB", "9120000000101",
                         "NIB 9120000000101 sudah ada di baris 2 berkas ini; baris ini tidak diimpor.")
    assert list(Enterprise.objects.values_list("name", flat=True)) == ["Usaha Baik"]


def test_a_duplicate_in_a_later_batch_names_the_row_of_the_first(tmp_path):
    lines = ["nib,nama_usaha,nama_pemilik,kode_wilayah"]
    lines += [f"91200000001{n:02d},Usaha {n},Pemilik {n},12.71" for n in range(10)]
    lines.append("9120000000103,Usaha Ulang,Pemilik Ulang,12.71")

    result, problems = run(write(tmp_path, "later.csv", "\n".join(lines) + "\n"), batch_size=4, chunk_size=2)

    assert result.batches == 3 and counts(result) == (10, 0, 0, 1)
    assert problems == [(12, "nib", "9120000000103",
                         "NIB 9120000000103 sudah ada di baris 5 berkas ini; baris ini tidak diimpor.")]


def test_a_new_owner_given_by_nik_needs_a_name():
    result, problems = run(FILES / "omzet_per_bulan_cp1252.tsv")

    assert counts(result) == (0, 0, 0, 2)
    assert {reason for *_, reason in problems} == {
        "Nama pemilik wajib diisi: pemilik dengan NIK 1271********0001 belum terdaftar.",
        "Nama pemilik wajib diisi: pemilik dengan NIK 1271********0002 belum terdaftar.",
    }


def test_a_file_without_a_recognisable_header_is_refused_as_a_whole():
    with pytest.raises(ParseError, match="Baris judul kolom tidak ditemukan"):
        run(FILES / "no_header.csv")


# --- figures and codes ----------------------------------------------------------------------------


def test_a_monthly_turnover_is_stored_as_annual():
    result, problems = run(FILES / "title_two_row_header.csv", year=2024)

    assert counts(result) == (2, 0, 0, 0), problems
    omzet = dict(YearlyReport.objects.values_list("enterprise__name", "omzet"))
    assert omzet == {"CONTOH USAHA SATU": 180_000_000, "CONTOH USAHA DUA": 90_000_000}
    assert Enterprise.objects.get(name="CONTOH USAHA SATU").founded_year == 2019


def test_figures_without_a_year_are_refused_unless_the_file_is_given_one():
    result, problems = run(FILES / "title_two_row_header.csv")

    assert counts(result) == (0, 0, 0, 2)
    assert problems[0][1] == "Tahun laporan" and problems[0][3].startswith("Tahun laporan wajib diisi")


def test_bps_codes_are_read_through_the_crosswalk_when_the_file_says_so():
    # Undotted 1275 is Kemendagri 12.75 (Kota Binjai) unless the file uses BPS codes: there it is Kota Medan.
    _, problems = run(FILES / "bps_codes.csv", dry_run=True)
    assert "Bila berkas memakai kode BPS, pilih opsi kode BPS: BPS 1275 adalah Kota Medan." in problems[0][3]

    result, problems = run(FILES / "bps_codes.csv", bps=True)
    assert counts(result) == (1, 0, 0, 0) and problems == []
    assert Enterprise.objects.get(name="Kedai Kopi Bersama").regency_id == "12.71"

    result, _ = run(FILES / "kode_bps.csv")  # a kode_bps column declares the scheme itself
    assert Enterprise.objects.get(name="Toko Ikan Pantai").regency_id == "12.73"  # BPS 1271 = Kota Sibolga


# --- remembered mappings --------------------------------------------------------------------------


def test_a_column_mapping_saved_for_a_regency_serves_its_next_file():
    mapping = {"Nama Pelaku UMKM": "nama_usaha", "Identitas": "nik_pemilik", "Wilayah Usaha": "kabupaten_kota",
               "Rata Omset Bulanan": "omzet_bulanan"}
    with pytest.raises(ParseError):
        run(FILES / "unknown_headers.csv")

    first, _ = run(FILES / "unknown_headers.csv", mapping=mapping, regency="12.71", remember_mapping=True)
    assert counts(first) == (1, 0, 0, 0)
    remembered = ColumnMapping.objects.get(regency_id="12.71")
    assert remembered.mapping["rata omset bulanan"] == "omzet_bulanan"

    again, _ = run(FILES / "unknown_headers.csv", regency="12.71")  # no mapping given: the remembered one
    assert counts(again) == (0, 0, 1, 0)
    assert YearlyReport.objects.get().omzet == 60_000_000  # Rp5 juta a month


# --- failures and scale ---------------------------------------------------------------------------


def test_a_failure_in_the_middle_rolls_back_that_batch_only_and_a_rerun_completes(tmp_path, monkeypatch):
    lines = ["nib,nama_usaha,nama_pemilik,kode_wilayah,tahun_laporan,omzet_tahunan"]
    lines += [f"91200000002{n:02d},Usaha {n},Pemilik {n},12.71,2024,{n + 1} jt" for n in range(9)]
    path = write(tmp_path, "nine.csv", "\n".join(lines) + "\n")
    apply = pipeline.StagingBatch.apply
    calls = []

    def failing_second_batch(self, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("server database hilang")
        return apply(self, **kwargs)

    monkeypatch.setattr(pipeline.StagingBatch, "apply", failing_second_batch)
    with pytest.raises(ImportAborted) as aborted:
        run(path, batch_size=3, chunk_size=3)
    assert aborted.value.result.batches == 1 and aborted.value.result.added == 3
    assert "1 bagian tersimpan" in aborted.value.message and "server database hilang" in aborted.value.message
    assert sorted(Enterprise.objects.values_list("name", flat=True)) == ["Usaha 0", "Usaha 1", "Usaha 2"]
    assert YearlyReport.objects.count() == 3

    monkeypatch.setattr(pipeline.StagingBatch, "apply", apply)
    rerun, problems = run(path, batch_size=3, chunk_size=3)
    assert counts(rerun) == (6, 0, 3, 0) and problems == []
    assert Enterprise.objects.count() == YearlyReport.objects.count() == 9


def test_a_large_first_load_skips_the_audit_and_rebuilds_the_indexes(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "FIRST_LOAD_FROM_ROWS", 100)
    generated = write_import_csv(tmp_path / "first.csv", 400, seed=7, bad_share=0.05)

    result, problems = run(generated.path, batch_size=100, chunk_size=50)

    assert result.bulk and result.audit_skipped and result.batches > 1
    assert result.added + result.rejected == 400 and result.added == Enterprise.objects.count()
    assert result.rejected == len({row for row, *_ in problems}) >= sum(generated.bad.values())
    assert not Events.objects.filter(pgh_obj_model="registry.Enterprise").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'registry_enterprise'")
        indexes = {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'registry_owner'::regclass")
        constraints = {name for (name,) in cursor.fetchall()}
    assert {"registry_ent_name_trgm", "registry_enterprise_nib_unique", "registry_ent_regency_id"} <= indexes
    assert "registry_owner_nik_unique" in constraints
    again, _ = run(generated.path, batch_size=100, chunk_size=50)
    assert not again.bulk and (again.added, again.updated) == (0, 0) and again.unchanged == result.added


TRICKY = f"""nib,nama_usaha,nama_pemilik,nik_pemilik,kabupaten_kota,tahun_laporan,omzet_tahunan
9120000000301,Warung Satu,Budi Santoso,{VALID_NIK_MAN},Kota Medan,2024,10 jt
,Warung Dua,,{VALID_NIK_MAN},Kota Medan,2024,11 jt
,Warung Tiga,,{VALID_NIK_WOMAN},Kota Medan,2024,12 jt
,Warung Empat,Siti Aminah,{VALID_NIK_WOMAN},Kota Medan,2024,13 jt
9120000000301,Warung Lima,Ani Lubis,,Kota Medan,2024,14 jt
9120000000302,warung  satu,Budi Santoso,{VALID_NIK_MAN},Kota Medan,2024,15 jt
9120000000303,Warung Enam,Budi Santoso,{VALID_NIK_MAN},Kota Medan,2024,16 jt
9120000000302,Warung Tujuh,Maruli Situmorang,1271011505900003,Kota Medan,2024,17 jt
,Kedai Delapan,Rahmat Nasution,,Kota Medan,2024,18 jt
,Kedai Delapan,Rahmat Nasution,,Kota Medan,2024,19 jt
,Kedai Sembilan,,,Kota Binjai,2024,20 jt
"""


def loaded():
    return sorted(Enterprise.objects.values_list("name", "nib", "owner__name", "owner__nik_masked",
                                                 "yearly_reports__omzet"), key=str)


def test_a_bulk_first_load_decides_each_row_as_the_batch_statements_do(tmp_path, monkeypatch):
    path = write(tmp_path, "tricky.csv", TRICKY)
    monkeypatch.setattr(pipeline, "FIRST_LOAD_FROM_ROWS", 5)
    bulk, bulk_problems = run(path, batch_size=3, chunk_size=1)
    bulk_rows = loaded()
    Enterprise.objects.all().delete()
    Owner.objects.all().delete()

    batched, batched_problems = run(path, batch_size=3, chunk_size=1, bulk_first_load=False)

    assert bulk.bulk and not batched.bulk
    assert counts(bulk) == counts(batched) == (6, 0, 0, 5)
    assert bulk_problems == batched_problems
    assert [(row, reason.split(";")[0]) for row, _, _, reason in bulk_problems] == [
        (4, "Nama pemilik wajib diisi: pemilik dengan NIK 1271********0002 belum terdaftar."),
        (6, "NIB 9120000000301 sudah ada di baris 2 berkas ini"),
        (7, "Usaha dengan nama ini dan NIK pemilik 1271********0001 sudah ada di baris 2 berkas ini"),
        (9, "NIB 9120000000302 sudah ada di baris 7 berkas ini"),  # a refused row's keys still count
        (11, "Usaha dengan nama, nama pemilik dan wilayah yang sama (tanpa NIB dan NIK) sudah ada di baris 10 berkas "
             "ini"),
    ]
    assert loaded() == bulk_rows
    assert ("Warung Dua", None, "Budi Santoso", "1271********0001", 11_000_000) in bulk_rows
    assert Owner.objects.count() == 3  # Budi (3 enterprises), Siti, Rahmat; Kedai Sembilan names no owner


def test_parsing_in_worker_processes_gives_the_same_result_as_parsing_here(tmp_path):
    generated = write_import_csv(tmp_path / "province.csv", 3_000, seed=11, bad_share=0.02)
    here, here_problems = run(generated.path, dry_run=True, workers=1, batch_size=1_000, chunk_size=250)

    pooled, pooled_problems = run(generated.path, dry_run=True, workers=2, batch_size=1_000, chunk_size=250)

    assert counts(pooled) == counts(here) and pooled.rows == 3_000
    assert pooled_problems == here_problems
    assert here.rejected == sum(generated.bad.values()) + len(
        [p for p in here_problems if "berkas ini" in p[3]])


def test_an_upload_is_imported_from_its_file_object(tmp_path):
    copy = tmp_path / "upload.csv"
    shutil.copy(FILES / "clean.csv", copy)
    with open(copy, "rb") as upload:
        result = run_import(upload, filename="umkm.csv", options=ImportOptions())
    assert counts(result) == (3, 0, 0, 0) and result.estimated_rows == 3
