"""The MSME registry: regions, KBLI sectors, owners, enterprises, yearly figures and permits."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sumut_umkm.models import TimeStampedModel

from . import identity

# --- choices (module level so constraints can use them) ---------------------------------------------


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Provinsi")
    REGENCY = "regency", _("Kabupaten/Kota")
    DISTRICT = "district", _("Kecamatan")
    VILLAGE = "village", _("Desa/Kelurahan")


class SectorLevel(models.TextChoices):
    SECTION = "section", _("Kategori")
    DIVISION = "division", _("Golongan pokok")


class Sex(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class LegalForm(models.TextChoices):
    PERORANGAN = "perorangan", _("Usaha perorangan")
    PT_PERORANGAN = "pt_perorangan", _("PT Perorangan")
    CV = "cv", _("CV")
    FIRMA = "firma", _("Firma")
    PT = "pt", _("PT")
    KOPERASI = "koperasi", _("Koperasi")
    LAINNYA = "lainnya", _("Lainnya")


class SizeClass(models.TextChoices):
    """PP 7/2021 Pasal 35 size classes, ordered from small to large."""

    MIKRO = "mikro", _("Mikro")
    KECIL = "kecil", _("Kecil")
    MENENGAH = "menengah", _("Menengah")
    BESAR = "besar", _("Besar")


class ReportSource(models.TextChoices):
    SELF = "mandiri", _("Laporan mandiri pemilik")
    STAFF = "petugas", _("Input petugas")
    IMPORT = "impor", _("Impor berkas")
    SURVEY = "survei", _("Survei/pendataan")
    DEMO = "demo", _("Data demo")


class PermitKind(models.TextChoices):
    NIB = "nib", _("NIB (OSS)")
    PIRT = "pirt", _("P-IRT")
    HALAL = "halal", _("Sertifikat halal")
    BPOM = "bpom", _("Izin edar BPOM")
    SNI = "sni", _("SNI")
    MEREK = "merek", _("Merek dagang")


# --- Region -------------------------------------------------------------------------------------


class RegionQuerySet(models.QuerySet):
    def regencies(self):
        return self.filter(level=RegionLevel.REGENCY)

    def districts(self):
        return self.filter(level=RegionLevel.DISTRICT)


class Region(models.Model):
    """An administrative region with its Kemendagri code (`12`, `12.71`, `12.71.01`)."""

    code = models.CharField(_("kode Kemendagri"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=120)
    level = models.CharField(_("tingkat"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "name"], name="registry_region_level_name")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# --- Sector (KBLI) --------------------------------------------------------------------------------


class Sector(models.Model):
    """A KBLI category (section, a letter) or main group (division, two digits)."""

    version = models.CharField(_("versi KBLI"), max_length=4, default="2020")
    code = models.CharField(_("kode"), max_length=5)
    name = models.CharField(_("nama"), max_length=255)
    level = models.CharField(_("tingkat"), max_length=10, choices=SectorLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("kategori"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("sektor (KBLI)")
        verbose_name_plural = _("sektor (KBLI)")
        ordering = ["version", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="registry_sector_version_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# --- Owner ----------------------------------------------------------------------------------------


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Owner(TimeStampedModel):
    """The person who owns an enterprise. The NIK is never stored in clear text."""

    name = models.CharField(_("nama pemilik"), max_length=150)
    nik_hash = models.CharField(_("sidik NIK"), max_length=64, null=True, blank=True, editable=False)
    nik_encrypted = models.TextField(_("NIK terenkripsi"), blank=True, default="", editable=False)
    nik_masked = models.CharField(_("NIK"), max_length=16, blank=True, default="", editable=False)
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices, blank=True)
    phone = models.CharField(_("telepon"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("pemilik")
        verbose_name_plural = _("pemilik")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["nik_hash"], name="registry_owner_nik_unique",
                violation_error_message=_("Pemilik dengan NIK ini sudah terdaftar."),
            ),
        ]
        permissions = [("view_owner_nik", _("Dapat melihat NIK pemilik secara utuh"))]
        indexes = [GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="registry_owner_name_trgm")]

    def __str__(self) -> str:
        return self.name

    def set_nik(self, nik: str | None) -> None:
        """Validate and store a NIK protected; an empty value clears it."""
        if not nik:
            self.nik_hash, self.nik_encrypted, self.nik_masked = None, "", ""
            return
        digits = identity.validate_nik(nik)
        self.nik_hash = identity.nik_hash(digits)
        self.nik_encrypted = identity.nik_encrypt(digits)
        self.nik_masked = identity.nik_mask(digits)

    @property
    def nik(self) -> str:
        """The full NIK; only show it to users with `registry.view_owner_nik`."""
        return identity.nik_decrypt(self.nik_encrypted) if self.nik_encrypted else ""


# --- Enterprise -----------------------------------------------------------------------------------


class EnterpriseQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def in_regency(self, code: str):
        return self.filter(regency_id=code)

    def in_sector(self, code: str):
        """A KBLI category letter matches all its main groups; a two-digit code matches that group."""
        # Resolve the (at most ~20) sector ids first: an OR across a join defeats the (sector, id) index.
        code = code.upper()
        match = Q(code=code) | Q(parent__code=code) if code.isalpha() else Q(code=code)
        sectors = Sector.objects.filter(match)
        return self.filter(sector_id__in=list(sectors.values_list("pk", flat=True)))

    def search(self, term: str):
        """NIB when the term is 13 digits, otherwise part of the name (trigram index on UPPER(name))."""
        term = term.strip()
        digits = identity.clean_digits(term)
        if len(digits) == 13 and digits.isdigit():
            return self.filter(nib=digits)
        return self.filter(name__icontains=term)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Enterprise(TimeStampedModel):
    """One micro, small or medium enterprise (UMKM) in the registry."""

    name = models.CharField(_("nama usaha"), max_length=200)
    nib = models.CharField(
        _("NIB"), max_length=13, null=True, blank=True, help_text=_("Nomor Induk Berusaha dari OSS, 13 digit."),
    )
    npwp = models.CharField(_("NPWP"), max_length=16, blank=True)
    owner = models.ForeignKey(
        Owner, verbose_name=_("pemilik"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="enterprises",
    )
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    regency = models.ForeignKey(
        Region, verbose_name=_("kabupaten/kota"), on_delete=models.PROTECT, related_name="+", db_index=False,
        limit_choices_to={"level": RegionLevel.REGENCY},
    )
    district = models.ForeignKey(
        Region, verbose_name=_("kecamatan"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False, limit_choices_to={"level": RegionLevel.DISTRICT},
    )
    sector = models.ForeignKey(
        Sector, verbose_name=_("sektor (KBLI)"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="enterprises", db_index=False,
    )
    kbli_code = models.CharField(_("kode KBLI 5 digit"), max_length=5, blank=True)
    founded_year = models.PositiveSmallIntegerField(
        _("tahun berdiri"), null=True, blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    legal_form = models.CharField(
        _("bentuk usaha"), max_length=20, choices=LegalForm.choices, default=LegalForm.PERORANGAN,
    )
    is_active = models.BooleanField(_("aktif"), default=True, help_text=_("Tidak dicentang bila usaha tutup."))
    # Formal means holding an NIB (KemenKopUKM: informal → formal = "memiliki NIB").
    is_formal = models.GeneratedField(
        verbose_name=_("formal"), expression=Q(nib__isnull=False), output_field=models.BooleanField(),
        db_persist=True,
    )
    size_class = models.CharField(
        _("kelas usaha"), max_length=10, choices=SizeClass.choices, null=True, blank=True, editable=False,
    )

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("UMKM")
        verbose_name_plural = _("UMKM")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["nib"], condition=Q(nib__isnull=False), name="registry_enterprise_nib_unique",
                violation_error_message=_("NIB ini sudah dipakai oleh UMKM lain."),
            ),
            models.CheckConstraint(
                condition=Q(nib__isnull=True) | Q(nib__regex=r"^[0-9]{13}$"),
                name="registry_enterprise_nib_13_digits",
                violation_error_message=_("NIB harus 13 digit angka."),
            ),
        ]
        indexes = [
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="registry_ent_name_trgm"),
            # (filter, id): each list filter walks its index in the list's order (-id) and stops early.
            models.Index(fields=["regency", "-id"], name="registry_ent_regency_id"),
            models.Index(fields=["district", "-id"], name="registry_ent_district_id"),
            models.Index(fields=["sector", "-id"], name="registry_ent_sector_id"),
            models.Index(fields=["size_class", "-id"], name="registry_ent_class_id"),
            models.Index(fields=["is_formal", "-id"], name="registry_ent_formal_id"),
            models.Index(fields=["is_active", "-id"], name="registry_ent_active_id"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:enterprise-detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.nib:
            try:
                self.nib = identity.validate_nib(self.nib)
            except ValidationError as exc:
                errors["nib"] = exc.messages
        else:
            self.nib = None
        if self.npwp:
            try:
                self.npwp = identity.validate_npwp(self.npwp)
            except ValidationError as exc:
                errors["npwp"] = exc.messages
        if self.regency_id and Region.objects.filter(pk=self.regency_id).exclude(level=RegionLevel.REGENCY).exists():
            errors["regency"] = [_("Wilayah ini bukan kabupaten/kota.")]
        if self.district_id:
            district = Region.objects.filter(pk=self.district_id).first()
            if district is None or district.level != RegionLevel.DISTRICT:
                errors["district"] = [_("Wilayah ini bukan kecamatan.")]
            elif self.regency_id and district.parent_id != self.regency_id:
                regency = Region.objects.filter(pk=self.regency_id).values_list("name", flat=True).first()
                errors["district"] = [
                    _("Kecamatan %(district)s tidak berada di %(regency)s.")
                    % {"district": district.name, "regency": regency or self.regency_id}
                ]
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        # A conditional unique constraint reports a form-wide error; staff need it on the NIB field.
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
            nib_message = str(_("NIB ini sudah dipakai oleh UMKM lain."))
            general = errors.pop("__all__", [])
            moved = [e for e in general if nib_message in ValidationError(e).messages]
            if moved:
                errors.setdefault("nib", []).extend(moved)
            rest = [e for e in general if e not in moved]
            if rest:
                errors["__all__"] = rest
            raise ValidationError(errors) from exc


# --- Yearly report --------------------------------------------------------------------------------


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class YearlyReport(TimeStampedModel):
    """An enterprise's figures for one year, in whole rupiah."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("UMKM"), on_delete=models.CASCADE, related_name="yearly_reports",
    )
    year = models.PositiveSmallIntegerField(_("tahun"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    omzet = models.BigIntegerField(
        _("omzet tahunan (Rp)"), null=True, blank=True, validators=[MinValueValidator(0)],
        help_text=_("Hasil penjualan tahunan."),
    )
    capital = models.BigIntegerField(
        _("modal usaha (Rp)"), null=True, blank=True, validators=[MinValueValidator(0)],
        help_text=_("Tidak termasuk tanah dan bangunan tempat usaha."),
    )
    employees = models.PositiveIntegerField(_("tenaga kerja"), null=True, blank=True)
    source = models.CharField(_("sumber data"), max_length=10, choices=ReportSource.choices, default=ReportSource.STAFF)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diverifikasi oleh"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    verified_at = models.DateTimeField(_("waktu verifikasi"), null=True, blank=True)

    class Meta:
        verbose_name = _("laporan tahunan")
        verbose_name_plural = _("laporan tahunan")
        ordering = ["enterprise", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"], name="registry_yearlyreport_enterprise_year_unique",
                violation_error_message=_("Laporan untuk tahun ini sudah ada."),
            ),
            models.CheckConstraint(
                condition=Q(omzet__gte=0) | Q(omzet__isnull=True), name="registry_yearlyreport_omzet_not_negative",
                violation_error_message=_("Omzet tidak boleh negatif."),
            ),
            models.CheckConstraint(
                condition=Q(capital__gte=0) | Q(capital__isnull=True),
                name="registry_yearlyreport_capital_not_negative",
                violation_error_message=_("Modal usaha tidak boleh negatif."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


# --- Permit ---------------------------------------------------------------------------------------


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Permit(TimeStampedModel):
    """A business permit or product certification (NIB, P-IRT, halal, BPOM, SNI, trademark)."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("UMKM"), on_delete=models.CASCADE, related_name="permits")
    kind = models.CharField(_("jenis"), max_length=10, choices=PermitKind.choices)
    number = models.CharField(_("nomor"), max_length=60)
    issued_on = models.DateField(_("tanggal terbit"), null=True, blank=True)
    expires_on = models.DateField(_("berlaku sampai"), null=True, blank=True)

    class Meta:
        verbose_name = _("izin/sertifikat")
        verbose_name_plural = _("izin/sertifikat")
        ordering = ["enterprise", "kind", "-issued_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "number"], name="registry_permit_kind_number_unique",
                violation_error_message=_("Nomor izin/sertifikat ini sudah tercatat."),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(expires_on__gte=models.F("issued_on")),
                name="registry_permit_expires_after_issued",
                violation_error_message=_("Tanggal berlaku sampai tidak boleh sebelum tanggal terbit."),
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "kind"], name="registry_permit_ent_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"
