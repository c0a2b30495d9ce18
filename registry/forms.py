"""Forms of the registry's staff pages (the admin for now)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import identity
from .models import Enterprise, Owner


class EnterpriseAdminForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = [
            "name", "owner", "legal_form", "founded_year", "is_active", "nib", "npwp", "address", "regency",
            "district", "sector", "kbli_code",
        ]

    def clean_nib(self):
        # Checked here as well as by the database so that a duplicate is an error on the NIB field itself.
        nib = self.cleaned_data.get("nib")
        if not nib:
            return None
        nib = identity.validate_nib(nib)
        if Enterprise.objects.filter(nib=nib).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("NIB ini sudah dipakai oleh UMKM lain."), code="nib_duplicate")
        return nib


class OwnerAdminForm(forms.ModelForm):
    """The NIK is typed in clear text but stored only hashed, encrypted and masked (Owner.set_nik)."""

    nik = forms.CharField(
        label=_("NIK"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "size": 20}),
        help_text=_("16 digit sesuai KTP. Disimpan terenkripsi dan ditampilkan tersamar."),
    )

    class Meta:
        model = Owner
        fields = ["name", "nik", "sex", "phone", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.nik_masked:
            self.fields["nik"].help_text = _("Kosongkan bila NIK tidak diubah. Tersimpan: %(masked)s.") % {
                "masked": self.instance.nik_masked
            }

    def clean_nik(self) -> str:
        value = self.cleaned_data.get("nik", "").strip()
        if not value:
            return ""
        digits = identity.validate_nik(value)
        if Owner.objects.filter(nik_hash=identity.nik_hash(digits)).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Pemilik dengan NIK ini sudah terdaftar."), code="nik_duplicate")
        return digits

    def save(self, commit: bool = True):
        if self.cleaned_data.get("nik"):
            self.instance.set_nik(self.cleaned_data["nik"])
        return super().save(commit=commit)


# --- import of enterprises (admin) -----------------------------------------------------------------

IMPORT_EXTENSIONS = (".csv", ".xlsx")
# A province-wide CSV of 1.2 million rows is about 250 MB; larger files go through the management command.
IMPORT_MAX_BYTES_DEFAULT = 300 * 1024 * 1024


def import_max_bytes() -> int:
    from django.conf import settings

    return getattr(settings, "IMPORT_UPLOAD_MAX_BYTES", IMPORT_MAX_BYTES_DEFAULT)


def _regency_choices():
    from .models import Region

    return [("", _("— tidak dipilih —")), *Region.objects.regencies().order_by("name").values_list("code", "name")]


class ImportUploadForm(forms.Form):
    """The "Impor data UMKM" page: the file and how to read it."""

    file = forms.FileField(
        label=_("Berkas data UMKM"),
        help_text=_("Berkas .csv atau .xlsx, satu baris per UMKM."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(IMPORT_EXTENSIONS)}),
    )
    regency = forms.ChoiceField(
        label=_("Kabupaten/kota asal berkas"),
        required=False,
        help_text=_("Untuk mengingat pemetaan kolom berkas dari kabupaten/kota ini, dan dipakai untuk baris yang "
                    "tidak menyebut kabupaten/kota."),
    )
    sheet = forms.CharField(
        label=_("Nama lembar (XLSX)"), required=False, max_length=100,
        help_text=_("Kosongkan untuk memakai lembar pertama."),
    )
    year = forms.IntegerField(
        label=_("Tahun laporan"), required=False, min_value=1945, max_value=2100,
        help_text=_("Tahun data omzet, modal dan tenaga kerja untuk baris yang tidak menyebut tahunnya."),
    )
    bps = forms.BooleanField(
        label=_("Kode wilayah adalah kode BPS"), required=False,
        help_text=_("Centang bila kode kabupaten/kota tanpa titik (mis. 1275) memakai penomoran BPS, bukan "
                    "Kemendagri."),
    )
    dry_run = forms.BooleanField(
        label=_("Uji coba tanpa menyimpan"), required=False,
        help_text=_("Menghasilkan laporan yang sama tanpa mengubah data registri."),
    )
    report_format = forms.ChoiceField(
        label=_("Format laporan penolakan"), choices=[("xlsx", "XLSX"), ("csv", "CSV")], initial="xlsx",
    )

    def __init__(self, *args, only_regency: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _regency_choices()
        if only_regency:  # a regency office imports its own regency's file only
            choices = [choice for choice in choices if choice[0] == only_regency]
            self.fields["regency"].required = True
            self.fields["regency"].initial = only_regency
        self.fields["regency"].choices = choices

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        suffix = f".{name.rsplit('.', 1)[-1].lower()}" if "." in name else ""
        if suffix == ".xls":
            raise ValidationError(
                _("Berkas: .xls (Excel 97–2003) tidak didukung; simpan ulang sebagai .xlsx atau .csv."),
                code="file_xls",
            )
        if suffix not in IMPORT_EXTENSIONS:
            raise ValidationError(
                _("Berkas: jenis berkas '%(name)s' tidak didukung; unggah berkas .csv atau .xlsx.") % {"name": name},
                code="file_type",
            )
        limit = import_max_bytes()
        if upload.size > limit:
            raise ValidationError(
                _("Berkas: ukuran %(size)s MB melebihi batas %(limit)s MB; bagi berkas atau impor lewat perintah "
                  "import_enterprises.") % {"size": _megabytes(upload.size), "limit": _megabytes(limit)},
                code="file_too_large",
            )
        if not upload.size:
            raise ValidationError(_("Berkas: berkas kosong."), code="file_empty")
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None and cleaned.get("sheet") and not upload.name.lower().endswith(".xlsx"):
            self.add_error("sheet", _("Nama lembar hanya berlaku untuk berkas .xlsx."))
        return cleaned

    def options(self) -> dict:
        """ImportOptions fields (and report_format) for services.import_start."""
        data = self.cleaned_data
        return {
            "dry_run": data["dry_run"], "bps": data["bps"], "sheet": data["sheet"].strip() or None,
            "regency": data["regency"] or None, "year": data["year"], "report_format": data["report_format"],
        }


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


IGNORE = ""


def import_column_choices() -> list[tuple[str, str]]:
    from .importing.columns import CANONICAL_COLUMNS, COLUMN_LABELS, MONTHLY_TURNOVER

    choices = [(IGNORE, _("— abaikan kolom ini —"))]
    for column in CANONICAL_COLUMNS:
        choices.append((column, COLUMN_LABELS[column]))
        if column == "omzet_tahunan":
            choices.append((MONTHLY_TURNOVER, _("Omzet per bulan (disimpan ×12)")))
    return choices


class ImportMappingForm(forms.Form):
    """One select per column of the file's header row: which of our columns it holds, or "abaikan"."""

    def __init__(self, *args, headers: list[str], initial_columns: list[str], regency_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        # With a regency chosen for the whole file, the rows need not name one.
        self.regency_chosen = bool(regency_name)
        choices = import_column_choices()
        for index, text in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=text or _("(kolom %(n)s tanpa judul)") % {"n": index + 1},
                choices=choices, required=False, initial=initial_columns[index] if index < len(initial_columns) else "",
            )
        if regency_name:
            self.fields["remember"] = forms.BooleanField(
                label=_("Ingat pemetaan ini untuk berkas berikutnya dari %(regency)s") % {"regency": regency_name},
                required=False, initial=True,
            )

    def column_fields(self):
        return [self[f"col_{index}"] for index in range(len(self.headers))]

    def clean(self):
        from .importing.columns import COLUMN_LABELS, MONTHLY_TURNOVER

        cleaned = super().clean()
        seen: dict[str, str] = {}
        for index, text in enumerate(self.headers):
            column = cleaned.get(f"col_{index}") or IGNORE
            if not column:
                continue
            key = "omzet_tahunan" if column == MONTHLY_TURNOVER else column
            if key in seen:
                self.add_error(f"col_{index}", _("Kolom %(column)s sudah dipilih untuk '%(other)s'.") % {
                    "column": COLUMN_LABELS[key], "other": seen[key]})
            elif not text:
                self.add_error(f"col_{index}", _("Kolom tanpa judul tidak dapat dipetakan; pilih 'abaikan'."))
            else:
                seen[key] = text
        if "nama_usaha" not in seen:
            raise ValidationError(_("Pilih kolom yang berisi %(column)s: kolom ini wajib.") % {
                "column": COLUMN_LABELS["nama_usaha"]})
        if not self.regency_chosen and not set(seen) & {"kode_wilayah", "kabupaten_kota", "kode_bps"}:
            raise ValidationError(_(
                "Pilih kolom kabupaten/kota (kode wilayah, kode BPS atau nama), atau kembali dan pilih "
                "kabupaten/kota asal berkas untuk seluruh baris."))
        self.chosen = seen
        return cleaned

    def mapping(self) -> dict[str, str]:
        """Header text → our column ("" = leave out), as ImportOptions.mapping takes it."""
        return {text: self.cleaned_data.get(f"col_{index}") or IGNORE
                for index, text in enumerate(self.headers) if text}
