import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from registry.importing.parsers import ParseError, parse_amount, parse_identifier, parse_turnover, parse_year
from registry.importing.reader import iter_rows, preview_rows
from tests.factories import VALID_NIK_MAN, VALID_NIK_WOMAN

FILES = Path(__file__).parent / "files"


def read(source, **kwargs):
    with iter_rows(source, **kwargs) as rows:
        return rows.header, list(rows)


def test_a_clean_csv_with_our_column_names_is_read_row_by_row():
    header, rows = read(FILES / "clean.csv")
    assert header.recognised == 16
    assert header.unrecognised == [] and not header.monthly_turnover and not header.bps_codes
    assert header.header_rows == (1,)
    assert [number for number, _ in rows] == [2, 3, 4]
    first = rows[0][1]
    assert first["nama_usaha"] == "Keripik Sambal Bu Ros"
    assert first["alamat"] == "Jl. Contoh No. 1, Kel. Contoh"  # a quoted comma stays in its cell
    assert first["nik_pemilik"] == VALID_NIK_WOMAN
    assert rows[2][1]["nib"] == "" and rows[2][1]["modal_usaha"] == ""


def test_a_semicolon_csv_with_a_bom_and_indonesian_amounts():
    header, rows = read(FILES / "semicolon_bom.csv")
    assert header.headers[0] == "No"  # the BOM is not part of the first header
    assert header.columns[1] == "nama_usaha" and 0 not in header.columns
    assert header.unrecognised == []
    values = dict(rows)
    assert values[2]["nik_pemilik"] == VALID_NIK_MAN  # the apostrophe that forced text is gone
    assert values[2]["telepon"] == "081234567890"
    assert values[3]["nama_usaha"] == "Warung Bu Ani – Rasa Minang"
    assert values[4]["nama_usaha"] == 'Keripik "Renyah" Bu Ros'
    assert [parse_amount(values[n]["omzet_tahunan"]) for n in (2, 3, 4)] == [2_000_000_000, 1_500_000_000, 3_431_815]
    assert [parse_amount(values[n]["modal_usaha"]) for n in (2, 3, 4)] == [2_000_000_000, 750_000_000, 491_010_818_000]
    with pytest.raises(ParseError, match="NIK tersimpan sebagai angka oleh spreadsheet"):
        parse_identifier(values[4]["nik_pemilik"], "nik")


def test_title_rows_a_two_row_header_and_a_column_number_row_are_skipped():
    header, rows = read(FILES / "title_two_row_header.csv")
    assert header.header_rows == (4, 5)
    assert header.columns == {
        1: "nama_usaha", 2: "nama_pemilik", 3: "nik_pemilik", 4: "jenis_kelamin", 5: "kabupaten_kota",
        6: "kecamatan", 7: "omzet_tahunan", 8: "tahun_berdiri",
    }
    assert header.headers[4] == "JENIS KELAMIN" and header.headers[7] == "Omzet (Rp/bulan)"
    assert header.monthly_turnover
    assert [number for number, _ in rows] == [7, 8]  # as the user sees them; the "1, 2, 3…" row is gone
    first = rows[0][1]
    assert parse_turnover(first["omzet_tahunan"], monthly=header.monthly_turnover) == 180_000_000
    assert parse_year(first["tahun_berdiri"]) == 2019


def test_a_sparse_first_data_row_is_not_taken_for_a_second_header_row():
    data = b"Nama Usaha,NIK,Kab/Kota,Tahun\nToko Tanpa NIK,,,\nToko B,1271011505900001,Medan,2024\n"
    header, rows = read(io.BytesIO(data), filename="a.csv")
    assert header.header_rows == (1,) and header.headers[0] == "Nama Usaha"
    assert [number for number, _ in rows] == [2, 3]
    assert rows[0][1]["nama_usaha"] == "Toko Tanpa NIK"


def test_a_tab_separated_cp1252_file_with_a_monthly_turnover_header():
    header, rows = read(FILES / "omzet_per_bulan_cp1252.tsv")
    assert header.monthly_turnover
    assert header.columns[3] == "omzet_tahunan"
    assert header.unrecognised == ["Keterangan"]
    assert rows[0] == (2, {"nama_usaha": "Café Contoh", "nik_pemilik": VALID_NIK_MAN, "kabupaten_kota": "Kota Binjai",
                           "omzet_tahunan": "25.000.000", "tahun_laporan": "2024"})
    assert parse_turnover(rows[1][1]["omzet_tahunan"], monthly=True) == 120_000_000


def test_blank_lines_and_spaces_around_cells_are_dropped():
    header, rows = read(FILES / "blank_lines_spaces.csv")
    assert header.headers == ["Nama Usaha", "NIK", "Kabupaten/Kota", "Omzet per tahun"]
    assert rows == [
        (3, {"nama_usaha": "Usaha Satu", "nik_pemilik": VALID_NIK_MAN, "kabupaten_kota": "Kota Medan",
             "omzet_tahunan": "2.000.000"}),
        (7, {"nama_usaha": "Usaha Dua", "nik_pemilik": VALID_NIK_WOMAN, "kabupaten_kota": "Kab. Karo",
             "omzet_tahunan": ""}),
    ]


def test_a_file_without_a_recognisable_header_is_refused():
    with pytest.raises(ParseError) as info:
        iter_rows(FILES / "no_header.csv")
    assert info.value.code == "no_header"
    assert "sedikitnya 3 nama kolom" in info.value.message


def test_a_staff_mapping_makes_unknown_headers_usable():
    data = b"Nama,Pemilik Toko,NIK,Wilayah\nToko A,Budi,1271011505900001,Medan\n"
    with pytest.raises(ParseError):  # only NIK is known: fewer than 3 columns, so no header is found
        iter_rows(io.BytesIO(data), filename="a.csv")
    mapping = {"Nama": "nama_usaha", "pemilik toko": "nama_pemilik", "WILAYAH": "kabupaten_kota"}
    header, rows = read(io.BytesIO(data), filename="a.csv", mapping=mapping)
    assert header.unrecognised == []
    assert rows == [(2, {"nama_usaha": "Toko A", "nama_pemilik": "Budi", "nik_pemilik": VALID_NIK_MAN,
                         "kabupaten_kota": "Medan"})]


def test_staff_can_preview_a_file_without_a_known_header_and_choose_its_header_row():
    data = b"Laporan Kecamatan\n\nUsaha;Pemilik;Wilayah;Catatan\nToko A;Budi;Medan;-\nToko B;Ani;Binjai;\n"
    preview = preview_rows(io.BytesIO(data), filename="kec.csv")
    assert preview[:2] == [(1, ["Laporan Kecamatan"]), (3, ["Usaha", "Pemilik", "Wilayah", "Catatan"])]
    header, rows = read(io.BytesIO(data), filename="kec.csv", header_row=3)
    assert header.header_rows == (3,) and header.columns == {1: "nama_pemilik"}
    assert header.unrecognised == ["Usaha", "Wilayah", "Catatan"]
    mapping = {"Usaha": "nama_usaha", "Wilayah": "kabupaten_kota", "Catatan": ""}
    header, rows = read(io.BytesIO(data), filename="kec.csv", header_row=3, mapping=mapping)
    assert header.unrecognised == []
    assert rows == [(4, {"nama_usaha": "Toko A", "nama_pemilik": "Budi", "kabupaten_kota": "Medan"}),
                    (5, {"nama_usaha": "Toko B", "nama_pemilik": "Ani", "kabupaten_kota": "Binjai"})]


def test_a_kode_bps_column_declares_bps_codes():
    header = iter_rows(io.BytesIO(b"Nama Usaha,NIK,Kode BPS\nA,1,1275\n"), filename="x.csv").header
    assert header.bps_codes and header.columns[2] == "kode_bps"


def test_a_utf16_file_from_excel_unicode_text_is_read():
    data = "Nama Usaha\tNIK\tKab/Kota\r\nKopi Sidikalang ☕\t1271011505900001\tDairi\r\n".encode("utf-16")
    _, rows = read(io.BytesIO(data), filename="unicode.txt")
    assert rows == [(2, {"nama_usaha": "Kopi Sidikalang ☕", "nik_pemilik": VALID_NIK_MAN, "kabupaten_kota": "Dairi"})]


def test_the_xls_format_and_unknown_extensions_are_refused():
    with pytest.raises(ParseError, match="simpan ulang sebagai .xlsx"):
        iter_rows(io.BytesIO(b"\xd0\xcf\x11\xe0"), filename="lama.xls")
    with pytest.raises(ParseError, match="tidak didukung"):
        iter_rows(io.BytesIO(b""), filename="data.pdf")
    with pytest.raises(ParseError) as info:
        iter_rows(io.BytesIO(b"bukan zip"), filename="rusak.xlsx")
    assert info.value.code == "xlsx_invalid"


def write_workbook(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data UMKM"
    sheet.append(["DAFTAR UMKM KOTA MEDAN 2024"])
    sheet.append([])
    sheet.append(["No", "Nama Usaha", "NIK", "No. NIB", "No HP", "Tahun Berdiri", "Omzet", "Kode Wilayah", "KBLI"])
    # As typed into Excel without formatting the cells as text: the NIK and NIB become numbers.
    sheet.append([1, "Usaha Satu", 1271011505900001, 9120100770001, 81234567890, dt.datetime(2019, 5, 12),
                  3431815.03, 12.71, 47111])
    sheet.append([2, "Usaha Dua", VALID_NIK_WOMAN, "9120100770002", "0812-3456-7891", 2019.0, 2000000000, "12.10",
                  10794])
    sheet.append([])
    sheet.append([3, "  Usaha Tiga  ", None, None, None, 43597, "1,5 M", 12.1, None])
    workbook.create_sheet("Catatan").append(["Nama Usaha", "NIK", "Kab/Kota"])
    workbook.save(path)


def test_an_xlsx_is_read_as_text_without_excel_float_damage(tmp_path):
    path = tmp_path / "umkm.xlsx"
    write_workbook(path)
    header, rows = read(path)
    assert header.header_rows == (3,)
    values = dict(rows)
    assert list(values) == [4, 5, 7]
    assert values[4]["tahun_berdiri"] == "2019-05-12"
    assert values[4]["telepon"] == "81234567890"
    assert values[4]["omzet_tahunan"] == "3431815,03"
    assert values[4]["kode_wilayah"] == "12.71"
    assert values[4]["kbli"] == "47111"
    assert values[5]["tahun_berdiri"] == "2019"  # 2019.0 has no ".0"
    assert values[5]["omzet_tahunan"] == "2000000000"
    assert values[7]["nama_usaha"] == "Usaha Tiga"
    assert values[7]["kode_wilayah"] == "12.1"  # 12.10 typed as a number; the region parser refuses it
    assert [parse_year(values[n]["tahun_berdiri"]) for n in (4, 5, 7)] == [2019, 2019, 2019]
    assert parse_amount(values[4]["omzet_tahunan"]) == 3_431_815
    assert parse_identifier(values[4]["telepon"], "phone") == "081234567890"
    assert parse_identifier(values[5]["nik_pemilik"], "nik") == VALID_NIK_WOMAN


def test_a_nik_or_nib_stored_as_a_number_in_an_xlsx_reaches_the_parser_as_a_number(tmp_path):
    path = tmp_path / "umkm.xlsx"
    write_workbook(path)
    _, rows = read(path)
    nik, nib = rows[0][1]["nik_pemilik"], rows[0][1]["nib"]
    assert nik == "1.27101150590000E+15"  # Excel's 15 significant digits, in scientific notation
    with pytest.raises(ParseError) as info:
        parse_identifier(nik, "nik")
    assert info.value.code == "stored_as_number"
    with pytest.raises(ParseError, match="NIB tersimpan sebagai angka oleh spreadsheet"):
        parse_identifier(nib, "nib")
    assert parse_identifier(rows[1][1]["nib"], "nib") == "9120100770002"


def test_a_named_sheet_is_read_and_a_missing_one_is_refused(tmp_path):
    path = tmp_path / "umkm.xlsx"
    write_workbook(path)
    header, rows = read(path, sheet="Catatan")
    assert header.recognised == 3 and rows == []
    with pytest.raises(ParseError, match="Lembar 'Ringkasan' tidak ada; lembar dalam berkas: Data UMKM, Catatan"):
        iter_rows(path, sheet="Ringkasan")


def test_an_upload_is_read_from_its_file_object(tmp_path):
    path = tmp_path / "umkm.xlsx"
    write_workbook(path)
    with open(path, "rb") as handle:
        _, rows = read(handle, filename="upload-dari-kabupaten.xlsx")
    assert len(rows) == 3


class CountingReader(io.RawIOBase):
    """A large CSV made on the fly, counting how many bytes the reader has taken."""

    def __init__(self, rows: int):
        self.lines = ("Nama Usaha;NIK;Kab/Kota;Omzet\n" if i == 0 else f"Usaha {i};{VALID_NIK_MAN};Medan;Rp 1.000\n"
                      for i in range(rows + 1))
        self.pending = b""
        self.consumed = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        while len(self.pending) < len(buffer):
            line = next(self.lines, None)
            if line is None:
                break
            self.pending += line.encode()
        data, self.pending = self.pending[: len(buffer)], self.pending[len(buffer):]
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)


def test_rows_are_streamed_not_loaded():
    source = CountingReader(rows=200_000)  # about 9 MB
    with iter_rows(io.BufferedReader(source), filename="besar.csv") as rows:
        assert rows.header.recognised == 4
        assert source.consumed < 200_000
        iterator = iter(rows)
        for _ in range(1000):
            next(iterator)
        assert source.consumed < 300_000
        numbers = [number for number, _ in iterator]
    assert numbers[-1] == 200_001 and len(numbers) == 200_000 - 1000
    assert source.consumed > 8_000_000
