"""The MSME registry: regions, KBLI sectors, owners, enterprises, yearly figures and permits."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
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


class FormalStep(models.IntegerChoices):
    """The formalisation ladder: informal → has an NIB → has a product permit or certification."""

    INFORMAL = 0, _("Informal")
    NIB = 1, _("Memiliki NIB")
    CERTIFIED = 2, _("Memiliki izin produk/sertifikasi")


class ClassStatus(models.TextChoices):
    CONFIRMED = "terkonfirmasi", _("Terkonfirmasi")
    PROVISIONAL = "sementara", _("Sementara")
    NEEDS_REVIEW = "perlu_verifikasi", _("Perlu verifikasi")


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


def staff_regency(user) -> str | None:
    """The regency a staff user is limited to (a regency office), or None for provincial staff.

    Cached on the user object: every list, page and export of one request asks."""
    if not hasattr(user, "_registry_regency"):
        code = None
        if user.is_authenticated and not user.is_superuser:
            code = StaffRegion.objects.filter(user_id=user.pk).values_list("regency_id", flat=True).first()
        user._registry_regency = code
    return user._registry_regency


class EnterpriseQuerySet(models.QuerySet):
    def for_user(self, user):
        """What a staff user may see: the province, or one regency for a regency office's staff.

        An enterprise with no known regency is provincial staff's only. Anyone who is not staff holding the
        registry's read right (registry.view_enterprise) sees nothing here: companies, MSME owners and PLUT
        consultants reach enterprises only through their own pages' scoping (a consultant: the enterprise of
        a request assigned to them, on that request's page)."""
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return self.none()
        if not user.has_perm("registry.view_enterprise"):
            return self.none()
        code = staff_regency(user)
        return self if code is None else self.filter(regency_id=code)

    def active(self):
        return self.filter(is_active=True)

    def needs_review(self):
        """Classes the engine could not confirm ("perlu verifikasi"): walks the partial index registry_ent_review_id."""
        return self.filter(class_status=ClassStatus.NEEDS_REVIEW)

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


# Computed by the graduation engine, which keeps its own history (GraduationEvent): left out of the audit
# snapshot so that recomputing the province does not write an audit row per enterprise.
COMPUTED_ENTERPRISE_FIELDS = [
    "size_class", "formal_step", "tier", "class_status", "class_reason", "class_since", "class_rule_set",
    "criteria_disagree",
]


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), exclude=COMPUTED_ENTERPRISE_FIELDS
)
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
    # Computed by the graduation engine (registry/graduation.py); never edited by hand.
    size_class = models.CharField(
        _("kelas usaha"), max_length=10, choices=SizeClass.choices, null=True, blank=True, editable=False,
    )
    formal_step = models.PositiveSmallIntegerField(
        _("tahap formalisasi"), choices=FormalStep.choices, default=FormalStep.INFORMAL, db_default=0, editable=False,
    )
    tier = models.PositiveSmallIntegerField(
        _("tingkat"), null=True, blank=True, editable=False,
        help_text=_("1 = mikro dan informal (paling membutuhkan) … 12 = besar dan bersertifikat."),
    )
    class_status = models.CharField(
        _("status kelas"), max_length=20, choices=ClassStatus.choices, null=True, blank=True, editable=False,
    )
    class_reason = models.CharField(_("alasan kelas"), max_length=255, blank=True, db_default="", editable=False)
    class_since = models.DateTimeField(_("kelas sejak"), null=True, blank=True, editable=False)
    class_rule_set = models.ForeignKey(
        "RuleSet", verbose_name=_("aturan kelas"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", editable=False,
    )
    criteria_disagree = models.BooleanField(
        _("kriteria omzet dan modal berbeda"), default=False, db_default=False, editable=False,
        help_text=_("Kelas menurut omzet berbeda dengan kelas menurut modal usaha: perlu ditinjau petugas."),
    )
    # A class stated by an outside source (e.g. an imported SIDT label): kept beside the computed one.
    reported_size_class = models.CharField(
        _("kelas menurut sumber luar"), max_length=10, choices=SizeClass.choices, null=True, blank=True,
    )
    # Set when staff merge this record into another (registry.merging): the record stays, inactive, as history.
    merged_into = models.ForeignKey(
        "self", verbose_name=_("digabung ke"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="merged_from", editable=False, db_index=False,  # partial index below: few rows are merged
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
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | (Q(is_active=False) & ~Q(merged_into=F("pk"))),
                name="registry_enterprise_merged_inactive",
                violation_error_message=_("UMKM yang sudah digabung harus nonaktif dan tidak digabung ke dirinya."),
            ),
        ]
        indexes = [
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="registry_ent_name_trgm"),
            # (filter, id): each list filter walks its index in the list's order (-id) and stops early.
            models.Index(fields=["regency", "-id"], name="registry_ent_regency_id"),
            models.Index(fields=["district", "-id"], name="registry_ent_district_id"),
            models.Index(fields=["sector", "-id"], name="registry_ent_sector_id"),
            models.Index(fields=["size_class", "-id"], name="registry_ent_class_id"),
            models.Index(fields=["tier", "-id"], name="registry_ent_tier_id"),
            # CSR reassignment candidates: the least-supported, lowest-tier active enterprises of a regency first.
            models.Index(
                fields=["regency", "tier", "-id"], name="registry_ent_regency_tier", condition=Q(is_active=True)
            ),
            models.Index(
                fields=["class_status", "-id"], name="registry_ent_review_id",
                condition=Q(class_status="perlu_verifikasi"),
            ),
            models.Index(
                fields=["-id"], name="registry_ent_disagree_id", condition=Q(criteria_disagree=True),
            ),
            models.Index(fields=["is_formal", "-id"], name="registry_ent_formal_id"),
            models.Index(fields=["is_active", "-id"], name="registry_ent_active_id"),
            models.Index(
                fields=["merged_into"], name="registry_ent_merged_into", condition=Q(merged_into__isnull=False),
            ),
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


# --- Naik kelas (graduation) ----------------------------------------------------------------------


class Direction(models.TextChoices):
    UP = "naik", _("Naik")
    DOWN = "turun", _("Turun")
    SAME = "tetap", _("Tetap (status berubah)")


class RuleSetQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class RuleSet(models.Model):
    """A versioned set of size-class thresholds. Rules are data: a new version never rewrites history
    computed under an older one (each history row points at the version it used)."""

    version = models.PositiveIntegerField(_("versi"), unique=True)
    name = models.CharField(_("nama"), max_length=150)
    legal_source = models.CharField(_("dasar hukum"), max_length=255)
    criterion = models.TextField(
        _("kriteria yang dipakai"),
        help_text=_("Kapan omzet dan kapan modal usaha yang menentukan kelas."),
    )
    omzet_micro_max = models.BigIntegerField(_("omzet mikro paling banyak (Rp)"), validators=[MinValueValidator(0)])
    omzet_small_max = models.BigIntegerField(_("omzet kecil paling banyak (Rp)"), validators=[MinValueValidator(0)])
    omzet_medium_max = models.BigIntegerField(_("omzet menengah paling banyak (Rp)"), validators=[MinValueValidator(0)])
    capital_micro_max = models.BigIntegerField(_("modal mikro paling banyak (Rp)"), validators=[MinValueValidator(0)])
    capital_small_max = models.BigIntegerField(_("modal kecil paling banyak (Rp)"), validators=[MinValueValidator(0)])
    capital_medium_max = models.BigIntegerField(
        _("modal menengah paling banyak (Rp)"), validators=[MinValueValidator(0)]
    )
    is_active = models.BooleanField(_("aktif"), default=False)
    activated_at = models.DateTimeField(_("diaktifkan"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("aturan kelas usaha")
        verbose_name_plural = _("aturan kelas usaha")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="registry_ruleset_one_active",
                violation_error_message=_("Hanya satu versi aturan yang boleh aktif."),
            ),
            models.CheckConstraint(
                condition=Q(omzet_micro_max__lt=models.F("omzet_small_max"))
                & Q(omzet_small_max__lt=models.F("omzet_medium_max"))
                & Q(capital_micro_max__lt=models.F("capital_small_max"))
                & Q(capital_small_max__lt=models.F("capital_medium_max")),
                name="registry_ruleset_limits_ascending",
                violation_error_message=_("Batas kelas harus naik: mikro < kecil < menengah."),
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"


class JobStatus(models.TextChoices):
    QUEUED = "antre", _("Dalam antrean")
    RUNNING = "berjalan", _("Berjalan")
    DONE = "selesai", _("Selesai")
    FAILED = "gagal", _("Gagal")
    SKIPPED = "dilewati", _("Dilewati (ada proses lain)")


class JobRunQuerySet(models.QuerySet):
    def graduation(self):
        return self.filter(kind="graduation")

    def covering(self, code: str | None):
        """Runs that concern a regency office: the province-wide ones and its regency's own (None = every run)."""
        return self if code is None else self.filter(Q(scope="") | Q(scope=code))


class JobRun(models.Model):
    """One run of a long job (a graduation recompute, an export), with progress as its chunks finish."""

    kind = models.CharField(_("jenis"), max_length=40, default="graduation")
    scope = models.CharField(_("cakupan"), max_length=20, blank=True, help_text=_("Kode wilayah, kosong = provinsi."))
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    rule_set = models.ForeignKey(
        RuleSet, verbose_name=_("aturan"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    total = models.PositiveIntegerField(_("jumlah UMKM"), default=0)
    done = models.PositiveIntegerField(_("selesai"), default=0)
    changed = models.PositiveIntegerField(_("berubah"), default=0)
    chunks_total = models.PositiveIntegerField(_("jumlah bagian"), default=0)
    chunks_done = models.PositiveIntegerField(_("bagian selesai"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dimulai oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai pada"), null=True, blank=True)
    error = models.TextField(_("galat"), blank=True)
    # Generic inputs and output, so that a run can be repeated from what it stored (an export's filters and
    # format; an import's options) and hand back a file (the export, an import's report).
    params = models.JSONField(_("masukan"), default=dict, blank=True)
    # The one-time key of the form that started the job: the same form sent twice (a double click) starts one.
    submission = models.CharField(_("kunci formulir"), max_length=64, null=True, blank=True, unique=True,
                                  editable=False)
    result_file = models.FileField(_("berkas hasil"), upload_to="jobs/", blank=True, max_length=255)
    result_name = models.CharField(_("nama berkas hasil"), max_length=120, blank=True)
    # What a finished run reports beside its file, e.g. an import's rows added/updated/unchanged/rejected.
    summary = models.JSONField(_("ringkasan hasil"), default=dict, blank=True)

    objects = JobRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("proses latar")
        verbose_name_plural = _("proses latar")
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "status"], name="registry_jobrun_kind_status")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class JobChunk(models.Model):
    """A finished chunk of a run. Written in the chunk's own transaction, so a retried chunk counts once."""

    job_run = models.ForeignKey(JobRun, on_delete=models.CASCADE, related_name="chunks")
    key = models.CharField(max_length=20)
    enterprises = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job_run", "key"], name="registry_jobchunk_once")]

    def __str__(self) -> str:
        return f"{self.job_run_id}/{self.key}"


class GraduationEventQuerySet(models.QuerySet):
    def for_user(self, user):
        """The class history a staff user may read: the province, or their regency's enterprises for a regency
        office (the rule of Enterprise.for_user). Without registry.view_graduationevent: nothing."""
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return self.none()
        if not user.has_perm("registry.view_graduationevent"):
            return self.none()
        code = staff_regency(user)
        return self if code is None else self.filter(enterprise__regency_id=code)

    def since(self, moment):
        return self.filter(created_at__gte=moment)

    def upward(self):
        return self.filter(direction=Direction.UP)

    def downward(self):
        return self.filter(direction=Direction.DOWN)


class GraduationEvent(models.Model):
    """Append-only history of class and tier changes, each with its inputs and a readable reason."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("UMKM"), on_delete=models.CASCADE, related_name="graduation_events"
    )
    from_class = models.CharField(_("dari kelas"), max_length=10, choices=SizeClass.choices, null=True)
    to_class = models.CharField(_("ke kelas"), max_length=10, choices=SizeClass.choices, null=True)
    from_tier = models.PositiveSmallIntegerField(_("dari tingkat"), null=True)
    to_tier = models.PositiveSmallIntegerField(_("ke tingkat"), null=True)
    direction = models.CharField(_("arah"), max_length=6, choices=Direction.choices)
    status = models.CharField(_("status"), max_length=20, choices=ClassStatus.choices)
    basis = models.CharField(_("kriteria"), max_length=10, blank=True)
    year = models.PositiveSmallIntegerField(_("tahun data"), null=True)
    omzet = models.BigIntegerField(_("omzet (Rp)"), null=True)
    capital = models.BigIntegerField(_("modal usaha (Rp)"), null=True)
    rule_set = models.ForeignKey(RuleSet, verbose_name=_("aturan"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("alasan"), max_length=255)
    job_run = models.ForeignKey(
        JobRun, verbose_name=_("proses"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True)

    objects = GraduationEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("riwayat kelas")
        verbose_name_plural = _("riwayat kelas")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "-id"], name="registry_gradevent_ent"),
            models.Index(fields=["direction", "status", "-id"], name="registry_gradevent_dir_status"),
            # The dashboard's "naik/turun in the last 30 days": a range of one direction, counted up to a cap.
            models.Index(fields=["direction", "created_at"], name="registry_gradevent_dir_time"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.from_class} → {self.to_class}"


# --- Imports --------------------------------------------------------------------------------------


class ColumnMapping(models.Model):
    """How staff mapped a regency's file headers to our import columns, remembered for its next file.

    Keyed by the regency and the header signature (its normalised header texts); `mapping` holds
    normalised header text → canonical column ("" = leave the column out), as registry.importing.columns
    reads it."""

    regency = models.ForeignKey(
        Region, verbose_name=_("kabupaten/kota"), null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        limit_choices_to={"level": RegionLevel.REGENCY}, help_text=_("Kosong = berkas tingkat provinsi."),
        db_index=False,  # the unique (regency, signature) constraint indexes it
    )
    signature = models.CharField(_("sidik judul kolom"), max_length=64)
    headers = models.JSONField(_("judul kolom berkas"), default=list)
    mapping = models.JSONField(_("pemetaan kolom"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diubah oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("pemetaan kolom impor")
        verbose_name_plural = _("pemetaan kolom impor")
        ordering = ["regency", "-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["regency", "signature"], nulls_distinct=False, name="registry_columnmapping_unique",
                violation_error_message=_("Pemetaan untuk judul kolom ini sudah ada."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.regency_id or '12'} {self.signature[:8]}"


class DuplicateStatus(models.TextChoices):
    OPEN = "terbuka", _("Perlu ditinjau")
    DISTINCT = "berbeda", _("Bukan duplikat")
    MERGED = "digabung", _("Sudah digabung petugas")


class PossibleDuplicate(models.Model):
    """Two enterprises of one owner (same NIK) in the same district with very similar names (pg_trgm
    similarity ≥ 0.6), found by an import. Listed for staff to review; never merged automatically."""

    # The pair's unique constraint indexes `enterprise` first; `other` keeps its own FK index.
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("UMKM"), on_delete=models.CASCADE, related_name="+", db_index=False,
    )
    other = models.ForeignKey(Enterprise, verbose_name=_("UMKM lain"), on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField(_("kemiripan nama"))
    status = models.CharField(
        _("status"), max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN,
    )
    job_run = models.ForeignKey(
        JobRun, verbose_name=_("ditemukan oleh"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("ditemukan"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ditinjau oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("ditinjau"), null=True, blank=True)

    class Meta:
        verbose_name = _("kemungkinan duplikat")
        verbose_name_plural = _("kemungkinan duplikat")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "other"], name="registry_possibleduplicate_pair_unique"),
            models.CheckConstraint(
                condition=Q(enterprise__lt=models.F("other")), name="registry_possibleduplicate_ordered",
                violation_error_message=_("Pasangan disimpan dengan id UMKM terkecil lebih dulu."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-id"], name="registry_possdup_status_id"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} ~ {self.other_id}"


# --- Pembinaan: every support an enterprise has had, from any source -----------------------------


class SupportSource(models.TextChoices):
    CSR = "csr", _("CSR/TJSL perusahaan")
    PLUT = "plut", _("PLUT KUMKM")
    GOVERNMENT = "pemda", _("Program pemerintah (APBD)")


class SupportKind(models.TextChoices):
    """Kinds of support, shared by CSR programmes and PLUT services so the roadmap can add them up."""

    COUNSELLING = "penyuluhan", _("Penyuluhan/konsultasi")
    TRAINING = "pelatihan", _("Pelatihan")
    FINANCING = "pembiayaan", _("Pembiayaan")
    EQUIPMENT = "peralatan", _("Pemberian peralatan")
    MENTORING = "pendampingan", _("Pendampingan")
    MARKETING = "pemasaran", _("Pemasaran/promosi")
    PERMITS = "perizinan", _("Perizinan (NIB/OSS)")
    LEGAL_AID = "bantuan_hukum", _("Bantuan hukum")
    OTHER = "lainnya", _("Lainnya")


class SupportRecordQuerySet(models.QuerySet):
    def active_on(self, day):
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day), started_on__lte=day)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class SupportRecord(TimeStampedModel):
    """One row of the pembinaan ledger, written only through registry.services.support_record_*.

    csr and plut never read each other; both write here (keyed by `source_key`, e.g. "csr.support:42",
    so a retried write updates the same row) and the roadmap, the reassignment ranking and the enterprise
    page read from here. `provider` names the company or centre: staff see it, companies never do."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("UMKM"), on_delete=models.PROTECT, related_name="support_records"
    )
    source = models.CharField(_("sumber"), max_length=10, choices=SupportSource.choices)
    source_key = models.CharField(_("kunci sumber"), max_length=60, unique=True)
    kind = models.CharField(_("jenis dukungan"), max_length=20, choices=SupportKind.choices)
    provider = models.CharField(_("pemberi dukungan"), max_length=200)
    title = models.CharField(_("program/layanan"), max_length=200, blank=True)
    started_on = models.DateField(_("mulai"))
    ended_on = models.DateField(_("selesai"), null=True, blank=True)
    amount = models.BigIntegerField(_("nilai (Rp)"), null=True, blank=True)
    outcome = models.CharField(_("hasil"), max_length=100, blank=True)

    objects = SupportRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("pembinaan")
        verbose_name_plural = _("pembinaan")
        ordering = ["-started_on", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "-started_on"], name="registry_support_ent"),
            models.Index(fields=["kind", "started_on"], name="registry_support_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="registry_support_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="registry_support_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.get_kind_display()} ({self.started_on})"



class StaffRegion(models.Model):
    """A regency office's staff member (Dinas Koperasi kab/kota): sees only that regency. No row = province."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="registry_region"
    )
    regency = models.ForeignKey(
        Region, verbose_name=_("kabupaten/kota"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"level": RegionLevel.REGENCY},
    )

    class Meta:
        verbose_name = _("wilayah kerja petugas")
        verbose_name_plural = _("wilayah kerja petugas")

    def __str__(self) -> str:
        return f"{self.user} → {self.regency_id}"

    def clean(self):
        if self.regency_id and self.regency.level != RegionLevel.REGENCY:
            raise ValidationError({"regency": _("Pilih kabupaten/kota, bukan provinsi atau kecamatan.")})

