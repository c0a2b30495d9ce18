"""CSR (TJSL) programmes: companies, their officers, programmes and the supports they give to enterprises.

Every Support is mirrored into the registry's pembinaan ledger (registry.SupportRecord, source "csr") by
csr.services, in the same transaction, so the roadmap and the reassignment ranking read one ledger.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry import identity
from registry.models import SizeClass, SupportKind, staff_regency
from sumut_umkm.models import TimeStampedModel

TIER_MIN, TIER_MAX = 1, 12  # registry tiers: rank(class) * 3 + formal step + 1


class CompanyKind(models.TextChoices):
    PRIVATE = "swasta", _("Swasta")
    BUMN = "bumn", _("BUMN")
    BUMD = "bumd", _("BUMD")


class MemberRole(models.TextChoices):
    ADMIN = "admin", _("Admin perusahaan")
    OFFICER = "petugas", _("Petugas CSR")


class ProgrammeStatus(models.TextChoices):
    PLANNED = "rencana", _("Direncanakan")
    RUNNING = "berjalan", _("Berjalan")
    FINISHED = "selesai", _("Selesai")


class SupportStatus(models.TextChoices):
    ACTIVE = "aktif", _("Aktif")
    COMPLETED = "selesai", _("Selesai")
    GRADUATED = "lulus", _("Naik kelas")
    REASSIGNED = "dialihkan", _("Dialihkan")
    STOPPED = "dihentikan", _("Dihentikan")


# CSR programmes give these kinds (PLUT alone gives permit help and legal aid).
PROGRAMME_KINDS = [
    SupportKind.COUNSELLING, SupportKind.TRAINING, SupportKind.FINANCING, SupportKind.EQUIPMENT,
    SupportKind.MENTORING, SupportKind.MARKETING, SupportKind.OTHER,
]
PROGRAMME_KIND_CHOICES = [(kind.value, kind.label) for kind in PROGRAMME_KINDS]


def _is_staff_with(user, perm: str) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(perm))


# --- Company ----------------------------------------------------------------------------------------


class CompanyQuerySet(models.QuerySet):
    def for_user(self, user):
        """Provincial staff with the permission see every company; a regency office's staff the companies with
        a programme they see (Programme.for_user); an officer only the companies they belong to."""
        if _is_staff_with(user, "csr.view_company"):
            if staff_regency(user) is None:
                return self
            return self.filter(Exists(Programme.objects.for_user(user).filter(company=OuterRef("pk"))))
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(members__user=user)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Company(TimeStampedModel):
    """A company (private, BUMN or BUMD) that runs CSR/TJSL programmes."""

    legal_name = models.CharField(_("nama badan hukum"), max_length=200)
    kind = models.CharField(_("jenis perusahaan"), max_length=10, choices=CompanyKind.choices)
    npwp = models.CharField(_("NPWP"), max_length=16, blank=True)
    sector = models.ForeignKey(
        "registry.Sector", verbose_name=_("sektor usaha (KBLI)"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    contact_name = models.CharField(_("nama narahubung"), max_length=150, blank=True)
    contact_email = models.EmailField(_("email narahubung"), blank=True)
    contact_phone = models.CharField(_("telepon narahubung"), max_length=20, blank=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("perusahaan")
        verbose_name_plural = _("perusahaan")
        ordering = ["legal_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["legal_name"], name="csr_company_legal_name_unique",
                violation_error_message=_("Perusahaan dengan nama badan hukum ini sudah terdaftar."),
            ),
            models.UniqueConstraint(
                fields=["npwp"], condition=~Q(npwp=""), name="csr_company_npwp_unique",
                violation_error_message=_("NPWP ini sudah dipakai perusahaan lain."),
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name

    def clean(self) -> None:
        if self.npwp:
            try:
                self.npwp = identity.validate_npwp(self.npwp)
            except ValidationError as exc:
                raise ValidationError({"npwp": exc.messages}) from exc


class CompanyMemberQuerySet(models.QuerySet):
    def for_user(self, user):
        """Staff with the permission see every membership (the admin); a portal user the members of their own
        company (what they may do with them — only a company admin manages officers — is csr.services')."""
        if _is_staff_with(user, "csr.view_companymember"):
            code = staff_regency(user)
            return self if code is None else self.filter(company__in=Company.objects.for_user(user))
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(company__members__user=user)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class CompanyMember(models.Model):
    """Links a (non-staff) user of the company portal to their company."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="csr_memberships",
        db_index=False,  # the one-company unique constraint indexes it
    )
    company = models.ForeignKey(Company, verbose_name=_("perusahaan"), on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("peran"), max_length=10, choices=MemberRole.choices, default=MemberRole.OFFICER)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    # The account's deactivation (User.is_active is not audited; this row's history is).
    deactivated_at = models.DateTimeField(_("dinonaktifkan pada"), null=True, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dinonaktifkan oleh"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    objects = CompanyMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("anggota perusahaan")
        verbose_name_plural = _("anggota perusahaan")
        ordering = ["company", "user"]
        constraints = [
            # One company per portal account: the portal shows "my company" without a chooser.
            models.UniqueConstraint(
                fields=["user"], name="csr_companymember_one_company",
                violation_error_message=_("Pengguna ini sudah terhubung ke sebuah perusahaan."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company}"


# --- Programme --------------------------------------------------------------------------------------


class ProgrammeQuerySet(models.QuerySet):
    def for_user(self, user):
        """Provincial staff see every programme; a regency office's staff (registry.StaffRegion) the programmes
        that serve their regency: at least one support of an enterprise there, their regency among the targets,
        or no target regency at all (= the whole province, theirs included). A company officer sees their
        company's programmes."""
        if _is_staff_with(user, "csr.view_programme"):
            code = staff_regency(user)
            if code is None:
                return self
            targets = Programme.target_regencies.through.objects.filter(programme_id=OuterRef("pk"))
            return self.filter(
                Exists(Support.objects.filter(programme_id=OuterRef("pk"), enterprise__regency_id=code))
                | Exists(targets.filter(region_id=code))
                | ~Exists(targets)
            )
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(company__members__user=user)

    def running(self):
        return self.filter(status=ProgrammeStatus.RUNNING)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Programme(TimeStampedModel):
    """A company's CSR programme and the segment it serves (size classes, tiers, regencies, sectors)."""

    company = models.ForeignKey(
        Company, verbose_name=_("perusahaan"), on_delete=models.PROTECT, related_name="programmes",
        db_index=False,  # (company, -starts_on) indexes it
    )
    name = models.CharField(_("nama program"), max_length=200)
    description = models.TextField(_("uraian"), blank=True)
    kinds = ArrayField(
        models.CharField(max_length=20, choices=PROGRAMME_KIND_CHOICES), verbose_name=_("jenis dukungan"),
        default=list,
    )
    budget = models.BigIntegerField(_("anggaran (Rp)"), null=True, blank=True, validators=[MinValueValidator(0)])
    starts_on = models.DateField(_("mulai"))
    ends_on = models.DateField(_("selesai"), null=True, blank=True)
    target_regencies = models.ManyToManyField(
        "registry.Region", verbose_name=_("kabupaten/kota sasaran"), blank=True, related_name="+",
        limit_choices_to={"level": "regency"}, help_text=_("Kosong = seluruh provinsi."),
    )
    target_sectors = models.ManyToManyField(
        "registry.Sector", verbose_name=_("sektor sasaran (KBLI)"), blank=True, related_name="+",
        help_text=_("Kosong = semua sektor. Kategori (huruf) mencakup semua golongan pokoknya."),
    )
    size_classes = ArrayField(
        models.CharField(max_length=10, choices=SizeClass.choices), verbose_name=_("kelas usaha sasaran"),
        default=list,
    )
    tier_min = models.PositiveSmallIntegerField(
        _("tingkat terendah"), default=TIER_MIN, validators=[MinValueValidator(TIER_MIN), MaxValueValidator(TIER_MAX)],
    )
    tier_max = models.PositiveSmallIntegerField(
        _("tingkat tertinggi"), default=TIER_MAX, validators=[MinValueValidator(TIER_MIN), MaxValueValidator(TIER_MAX)],
        help_text=_("UMKM yang naik di atas tingkat ini dianggap lulus dari program."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProgrammeStatus.choices, default=ProgrammeStatus.RUNNING,
    )

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("program CSR")
        verbose_name_plural = _("program CSR")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"], name="csr_programme_name_unique",
                violation_error_message=_("Perusahaan ini sudah punya program dengan nama yang sama."),
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="csr_programme_budget_not_negative",
                violation_error_message=_("Anggaran tidak boleh negatif."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="csr_programme_ends_after_start",
                violation_error_message=_("Tanggal selesai program tidak boleh sebelum tanggal mulai."),
            ),
            models.CheckConstraint(
                condition=Q(tier_min__gte=TIER_MIN) & Q(tier_max__lte=TIER_MAX) & Q(tier_min__lte=F("tier_max")),
                name="csr_programme_tier_range",
                violation_error_message=_("Rentang tingkat harus 1–12 dan tingkat terendah ≤ tingkat tertinggi."),
            ),
            models.CheckConstraint(
                condition=~Q(size_classes=[]), name="csr_programme_has_size_class",
                violation_error_message=_("Pilih paling sedikit satu kelas usaha sasaran."),
            ),
            models.CheckConstraint(
                condition=~Q(kinds=[]), name="csr_programme_has_kind",
                violation_error_message=_("Pilih paling sedikit satu jenis dukungan."),
            ),
        ]
        indexes = [models.Index(fields=["company", "-starts_on"], name="csr_programme_company")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("csr:programme-detail", args=[self.pk])

    @property
    def size_class_labels(self) -> str:
        return ", ".join(str(SizeClass(code).label) for code in self.size_classes)

    @property
    def kind_labels(self) -> str:
        return ", ".join(str(SupportKind(code).label) for code in self.kinds)

    def clean(self) -> None:
        if self.tier_min and self.tier_max and self.tier_min > self.tier_max:
            raise ValidationError({"tier_max": _("Tingkat tertinggi tidak boleh di bawah tingkat terendah.")})


# --- Support ----------------------------------------------------------------------------------------


class SupportQuerySet(models.QuerySet):
    def for_user(self, user):
        """Provincial staff see every support; a regency office's staff the supports of their regency's
        enterprises (the same rule as registry.Enterprise.for_user); an officer their company's supports."""
        if _is_staff_with(user, "csr.view_support"):
            code = staff_regency(user)
            return self if code is None else self.filter(enterprise__regency_id=code)
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(programme__company__members__user=user)

    def active(self):
        return self.filter(status=SupportStatus.ACTIVE)

    def awaiting_reassignment(self):
        """Graduated supports not yet moved to another enterprise."""
        return self.filter(status=SupportStatus.GRADUATED)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Support(TimeStampedModel):
    """One programme's support for one enterprise. Written only through csr.services (ledger mirror)."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.PROTECT, related_name="supports",
        db_index=False,  # (programme, status, -id) indexes it
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise", verbose_name=_("UMKM"), on_delete=models.PROTECT, related_name="csr_supports",
        db_index=False,  # (enterprise, status) indexes it
    )
    kind = models.CharField(_("jenis dukungan"), max_length=20, choices=PROGRAMME_KIND_CHOICES)
    started_on = models.DateField(_("mulai"))
    ended_on = models.DateField(_("selesai"), null=True, blank=True)
    amount = models.BigIntegerField(_("nilai (Rp)"), null=True, blank=True, validators=[MinValueValidator(0)])
    status = models.CharField(_("status"), max_length=10, choices=SupportStatus.choices, default=SupportStatus.ACTIVE)
    # The enterprise's class when the support began, kept for the impact statement.
    start_class = models.CharField(
        _("kelas saat mulai"), max_length=10, choices=SizeClass.choices, null=True, blank=True,
    )
    start_tier = models.PositiveSmallIntegerField(_("tingkat saat mulai"), null=True, blank=True)
    graduated_at = models.DateTimeField(_("naik kelas pada"), null=True, blank=True)
    graduated_class = models.CharField(
        _("kelas saat lulus"), max_length=10, choices=SizeClass.choices, null=True, blank=True,
    )
    graduated_tier = models.PositiveSmallIntegerField(_("tingkat saat lulus"), null=True, blank=True)
    notified_at = models.DateTimeField(_("petugas diberi tahu"), null=True, blank=True)
    # OneToOne: one support can be moved only once, whatever two officers click at the same moment.
    reassigned_from = models.OneToOneField(
        "self", verbose_name=_("dialihkan dari"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="reassigned_to",
    )

    objects = SupportQuerySet.as_manager()

    class Meta:
        verbose_name = _("dukungan CSR")
        verbose_name_plural = _("dukungan CSR")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "enterprise"], condition=Q(status="aktif"), name="csr_support_one_active",
                violation_error_message=_("UMKM ini sudah menerima dukungan aktif dari program ini."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="csr_support_ends_after_start",
                violation_error_message=_("Tanggal selesai dukungan tidak boleh sebelum tanggal mulai."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="csr_support_amount_not_negative",
                violation_error_message=_("Nilai dukungan tidak boleh negatif."),
            ),
            models.CheckConstraint(
                condition=Q(status="aktif", ended_on__isnull=True) | (~Q(status="aktif") & Q(ended_on__isnull=False)),
                name="csr_support_end_matches_status",
                violation_error_message=_("Dukungan aktif tidak punya tanggal selesai; yang berakhir harus punya."),
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "status", "-id"], name="csr_support_programme"),
            models.Index(fields=["enterprise", "status"], name="csr_support_enterprise"),
            models.Index(fields=["status", "-id"], name="csr_support_status"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} → {self.enterprise_id}"

    def get_absolute_url(self) -> str:
        return reverse("csr:support-detail", args=[self.pk])

    @property
    def ledger_key(self) -> str:
        return f"csr.support:{self.pk}"
