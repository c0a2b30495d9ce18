"""PLUT KUMKM service desk: centres, the service catalogue, consultants, MSME accounts linked to enterprises,
service requests with their workflow history, attachments, and events (pameran/pelatihan)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pghistory
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from registry.models import SupportKind, staff_regency
from sumut_umkm import roles
from sumut_umkm.models import TimeStampedModel

# --- choices (module level so constraints can use them) ---------------------------------------------


class ClaimStatus(models.TextChoices):
    PENDING = "menunggu", _("Menunggu verifikasi petugas")
    CONFIRMED = "dikonfirmasi", _("Dikonfirmasi")
    REJECTED = "ditolak", _("Ditolak")


class ClaimKind(models.TextChoices):
    EXISTING = "klaim", _("Klaim UMKM yang sudah terdaftar")
    NEW = "baru", _("Pendaftaran UMKM baru")


class RequestStatus(models.TextChoices):
    SUBMITTED = "diajukan", _("Diajukan")
    ACCEPTED = "diterima", _("Diterima")
    REJECTED = "ditolak", _("Ditolak")
    ASSIGNED = "ditugaskan", _("Ditugaskan ke konsultan")
    SCHEDULED = "dijadwalkan", _("Dijadwalkan")
    IN_PROGRESS = "berjalan", _("Berjalan")
    DONE = "selesai", _("Selesai")
    WAITING = "menunggu_kelengkapan", _("Menunggu kelengkapan dari UMKM")
    CANCELLED = "dibatalkan", _("Dibatalkan oleh UMKM")


CLOSED_STATUSES = (RequestStatus.REJECTED, RequestStatus.DONE, RequestStatus.CANCELLED)
OPEN_STATUSES = tuple(s for s in RequestStatus.values if s not in CLOSED_STATUSES)


class RequestEventKind(models.TextChoices):
    TRANSITION = "status", _("Perubahan status")
    MESSAGE = "pesan", _("Pesan")
    NOTE = "catatan", _("Catatan internal")
    VISIT = "kunjungan", _("Kunjungan lapangan")
    ATTACHMENT = "lampiran", _("Lampiran")
    ESCALATION = "eskalasi", _("Eskalasi keterlambatan")


class EventKind(models.TextChoices):
    EXHIBITION = "pameran", _("Pameran")
    TRAINING = "pelatihan", _("Pelatihan")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "terdaftar", _("Terdaftar")
    WAITING = "daftar_tunggu", _("Daftar tunggu")
    CANCELLED = "dibatalkan", _("Dibatalkan")


def user_role(user) -> str:
    """"staff", "consultant", "msme" or "" — the one role that decides what a PLUT page shows."""
    if not (user and user.is_authenticated and user.is_active):
        return ""
    cached = getattr(user, "_plut_role", None)
    if cached is not None:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    if user.is_staff and (user.is_superuser or roles.STAFF in names):
        role = "staff"
    elif user.is_staff and roles.PLUT_CONSULTANT in names:
        role = "consultant"
    elif not user.is_staff and roles.MSME_OWNER in names:
        role = "msme"
    else:
        role = ""
    user._plut_role = role
    return role


# --- Centre and catalogue -----------------------------------------------------------------------------


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Centre(TimeStampedModel):
    """A PLUT KUMKM service centre (the provincial one in Medan, and regency centres)."""

    code = models.SlugField(_("kode"), max_length=30, unique=True)
    name = models.CharField(_("nama"), max_length=150)
    regency = models.ForeignKey(
        "registry.Region", verbose_name=_("kabupaten/kota"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"level": "regency"},
    )
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    head_name = models.CharField(_("kepala PLUT"), max_length=150, blank=True)
    head_email = models.EmailField(
        _("email kepala PLUT"), blank=True, help_text=_("Menerima eskalasi permohonan yang melewati tenggat."),
    )
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("PLUT")
        verbose_name_plural = _("PLUT")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Service(TimeStampedModel):
    """One service of the catalogue, with its target time in working days."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama layanan"), max_length=150)
    description = models.TextField(_("uraian"))
    required_documents = models.TextField(_("dokumen yang diperlukan"), blank=True)
    target_days = models.PositiveSmallIntegerField(
        _("target penyelesaian (hari kerja)"), validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    support_kind = models.CharField(
        _("jenis pembinaan"), max_length=20, choices=SupportKind.choices,
        help_text=_("Jenis dukungan yang dicatat di riwayat pembinaan UMKM saat layanan selesai."),
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("layanan")
        verbose_name_plural = _("layanan")
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_days__gte=1), name="plut_service_target_days_positive",
                violation_error_message=_("Target penyelesaian paling sedikit 1 hari kerja."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def document_list(self) -> list[str]:
        return [line.strip() for line in self.required_documents.splitlines() if line.strip()]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Consultant(TimeStampedModel):
    """A konsultan pendamping: a staff account attached to one centre."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("akun"), on_delete=models.PROTECT, related_name="plut_consultant",
    )
    centre = models.ForeignKey(Centre, verbose_name=_("PLUT"), on_delete=models.PROTECT, related_name="consultants")
    specialities = models.ManyToManyField(Service, verbose_name=_("keahlian"), blank=True, related_name="+")
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("konsultan")
        verbose_name_plural = _("konsultan")
        ordering = ["user__first_name", "user__username"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class LocalHoliday(models.Model):
    """A day off added by staff on top of national holidays and cuti bersama (e.g. a regency anniversary).
    Without a centre it applies to every centre."""

    day = models.DateField(_("tanggal"))
    name = models.CharField(_("keterangan"), max_length=150)
    centre = models.ForeignKey(
        Centre, verbose_name=_("PLUT"), null=True, blank=True, on_delete=models.CASCADE, related_name="holidays",
        help_text=_("Kosongkan bila berlaku untuk semua PLUT."),
    )

    class Meta:
        verbose_name = _("hari libur lokal")
        verbose_name_plural = _("hari libur lokal")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "centre"], nulls_distinct=False, name="plut_localholiday_day_centre_unique",
                violation_error_message=_("Hari libur ini sudah tercatat."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


# --- MSME accounts and their enterprises -------------------------------------------------------------


class ClaimQuerySet(models.QuerySet):
    def for_user(self, user):
        """Provincial staff: every claim; a regency office's staff: the claims on their regency's enterprises and
        the new enterprises asked for in their regency; an MSME owner: their own. Anyone else: nothing."""
        role = user_role(user)
        if role == "staff":
            code = staff_regency(user)
            if code is None:
                return self
            return self.filter(
                Q(kind=ClaimKind.NEW, regency_id=code) | Q(kind=ClaimKind.EXISTING, enterprise__regency_id=code)
            )
        if role == "msme":
            return self.filter(user=user)
        return self.none()

    def pending(self):
        """Claims waiting for staff to confirm or reject them."""
        return self.filter(status=ClaimStatus.PENDING)

    def confirmed(self):
        return self.filter(status=ClaimStatus.CONFIRMED)

    def active(self):
        return self.filter(status__in=[ClaimStatus.PENDING, ClaimStatus.CONFIRMED])


# notice_pending is delivery bookkeeping (see RequestEvent.notice_pending), not a decision: left out of the audit
# snapshot so that sending a notice writes no audit row; the decision that raised the flag is audited.
NOTICE_UNTRACKED = ["notice_pending"]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), exclude=NOTICE_UNTRACKED)
class EnterpriseClaim(TimeStampedModel):
    """Links an MSME owner's account to an enterprise. A claim on a registered enterprise (by NIB) or a new
    enterprise is pending until staff confirm it; a new enterprise enters the registry only then."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("akun pemilik"), on_delete=models.CASCADE, related_name="plut_claims",
    )
    kind = models.CharField(_("jenis"), max_length=10, choices=ClaimKind.choices)
    status = models.CharField(_("status"), max_length=15, choices=ClaimStatus.choices, default=ClaimStatus.PENDING)
    enterprise = models.ForeignKey(
        "registry.Enterprise", verbose_name=_("UMKM"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    nib = models.CharField(_("NIB"), max_length=13, null=True, blank=True)
    # A new enterprise's details, kept here until staff verify them.
    name = models.CharField(_("nama usaha"), max_length=200, blank=True)
    regency = models.ForeignKey(
        "registry.Region", verbose_name=_("kabupaten/kota"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    district = models.ForeignKey(
        "registry.Region", verbose_name=_("kecamatan"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    sector = models.ForeignKey(
        "registry.Sector", verbose_name=_("sektor (KBLI)"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diputuskan oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("waktu keputusan"), null=True, blank=True)
    note = models.CharField(_("catatan petugas"), max_length=255, blank=True)
    # Outbox flag of the decision's e-mail, as on RequestEvent: set with the decision, cleared when it is sent.
    notice_pending = models.BooleanField(_("pemberitahuan belum terkirim"), default=False)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("klaim UMKM")
        verbose_name_plural = _("klaim UMKM")
        ordering = ["-id"]
        constraints = [
            # One live claim per enterprise and per NIB: a second sign-up with the same NIB is refused.
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(status__in=["menunggu", "dikonfirmasi"], enterprise__isnull=False),
                name="plut_claim_enterprise_active_unique",
                violation_error_message=_("UMKM ini sudah diklaim oleh akun lain."),
            ),
            models.UniqueConstraint(
                fields=["nib"], condition=Q(status__in=["menunggu", "dikonfirmasi"], nib__isnull=False),
                name="plut_claim_nib_active_unique",
                violation_error_message=_("NIB ini sudah diklaim oleh akun lain."),
            ),
            models.CheckConstraint(
                condition=Q(kind="baru") | Q(enterprise__isnull=False), name="plut_claim_existing_has_enterprise",
                violation_error_message=_("Klaim harus menunjuk UMKM yang terdaftar."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-id"], name="plut_claim_status_id"),
            models.Index(fields=["user", "status"], name="plut_claim_user_status"),
            models.Index(fields=["id"], name="plut_claim_notice_pending", condition=Q(notice_pending=True)),
        ]

    def __str__(self) -> str:
        return self.name or (self.enterprise.name if self.enterprise_id else str(self.pk))


# --- Service requests ------------------------------------------------------------------------------------


class ServiceRequestQuerySet(models.QuerySet):
    def for_user(self, user):
        """Staff: every request (a regency office's staff: those of its regency's enterprises); a consultant:
        those assigned to them; an MSME owner: those of the enterprises its confirmed claims cover. Anyone
        else: nothing."""
        role = user_role(user)
        if role == "staff":
            code = staff_regency(user)
            return self if code is None else self.filter(enterprise__regency_id=code)
        if role == "consultant":
            return self.filter(consultant__user=user)
        if role == "msme":
            enterprises = EnterpriseClaim.objects.filter(user=user, status=ClaimStatus.CONFIRMED).values("enterprise")
            return self.filter(enterprise__in=enterprises)
        return self.none()

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today: date):
        """Past the due date and not paused waiting for the MSME."""
        return self.filter(status__in=OPEN_STATUSES, due_on__lt=today).exclude(status=RequestStatus.WAITING)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ServiceRequest(TimeStampedModel):
    """An MSME's request for one PLUT service, and where it stands."""

    enterprise = models.ForeignKey(
        "registry.Enterprise", verbose_name=_("UMKM"), on_delete=models.PROTECT, related_name="+",
    )
    # Indexed by (service, -id) below, which also serves a plain filter by service.
    service = models.ForeignKey(Service, verbose_name=_("layanan"), on_delete=models.PROTECT, related_name="requests",
                                db_index=False)
    centre = models.ForeignKey(Centre, verbose_name=_("PLUT"), on_delete=models.PROTECT, related_name="requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diajukan oleh"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    description = models.TextField(_("uraian kebutuhan"))
    status = models.CharField(
        _("status"), max_length=25, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED,
    )
    # The status to return to once the MSME has sent what was missing.
    resume_status = models.CharField(
        _("status sebelum menunggu"), max_length=25, choices=RequestStatus.choices, blank=True,
    )
    consultant = models.ForeignKey(
        Consultant, verbose_name=_("konsultan"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="requests",
    )
    scheduled_at = models.DateTimeField(_("jadwal"), null=True, blank=True)
    location = models.CharField(_("tempat"), max_length=255, blank=True)
    online_link = models.URLField(_("tautan daring"), blank=True)
    submitted_on = models.DateField(_("tanggal diajukan"))
    due_on = models.DateField(_("tenggat"), help_text=_("Dihitung dalam hari kerja; ditunda selama menunggu UMKM."))
    waiting_since = models.DateField(_("menunggu sejak"), null=True, blank=True)
    started_on = models.DateField(_("mulai dikerjakan"), null=True, blank=True)
    closed_on = models.DateField(_("ditutup"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("dieskalasi"), null=True, blank=True)
    outcome = models.TextField(_("hasil layanan"), blank=True)
    rating = models.PositiveSmallIntegerField(
        _("penilaian"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.CharField(_("komentar penilaian"), max_length=500, blank=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("permohonan layanan")
        verbose_name_plural = _("permohonan layanan")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="plut_request_rating_1_5",
                violation_error_message=_("Penilaian harus antara 1 dan 5."),
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(status="selesai"), name="plut_request_rating_when_done",
                violation_error_message=_("Penilaian hanya untuk layanan yang sudah selesai."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["diajukan", "diterima", "ditolak", "dibatalkan"])
                | Q(status="menunggu_kelengkapan", resume_status__in=["diajukan", "diterima"])
                | Q(consultant__isnull=False),
                name="plut_request_consultant_when_assigned",
                violation_error_message=_("Permohonan pada tahap ini harus punya konsultan."),
            ),
            models.CheckConstraint(
                condition=~Q(status="menunggu_kelengkapan") | Q(waiting_since__isnull=False),
                name="plut_request_waiting_since_set",
            ),
        ]
        indexes = [
            # The centre queue: by centre (and status), newest first; the overdue list by due date.
            models.Index(fields=["centre", "-id"], name="plut_req_centre_id"),
            models.Index(fields=["centre", "status", "-id"], name="plut_req_centre_status_id"),
            models.Index(
                fields=["due_on"], name="plut_req_open_due",
                condition=Q(status__in=["diajukan", "diterima", "ditugaskan", "dijadwalkan", "berjalan"]),
            ),
            models.Index(fields=["consultant", "status"], name="plut_req_consultant_status"),
            models.Index(fields=["enterprise", "-id"], name="plut_req_enterprise_id"),
            # The admin's and the API's filters by status alone and by service, newest first.
            models.Index(fields=["status", "-id"], name="plut_req_status_id"),
            models.Index(fields=["service", "-id"], name="plut_req_service_id"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.service}"

    def get_absolute_url(self) -> str:
        return reverse("plut:request-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: date | None = None) -> bool:
        from django.utils import timezone

        today = today or timezone.localdate()
        return self.is_open and self.status != RequestStatus.WAITING and self.due_on < today


class RequestEventQuerySet(models.QuerySet):
    def for_user(self, user):
        visible = self.filter(request__in=ServiceRequest.objects.for_user(user))
        if user_role(user) == "msme":
            visible = visible.exclude(kind=RequestEventKind.NOTE)
        return visible


class RequestEvent(models.Model):
    """Append-only history of a request: every status change, message, note, visit and attachment."""

    request = models.ForeignKey(ServiceRequest, verbose_name=_("permohonan"), on_delete=models.CASCADE,
                                related_name="history")
    kind = models.CharField(_("jenis"), max_length=15, choices=RequestEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(_("dari status"), max_length=25, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(_("ke status"), max_length=25, choices=RequestStatus.choices, blank=True)
    text = models.TextField(_("isi"), blank=True)
    visit_on = models.DateField(_("tanggal kunjungan"), null=True, blank=True)
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True)
    # An outbox flag: set when the event's e-mail is due, cleared by the task that sends it. What a broker
    # outage kept from being queued stays set and is swept up by notify_pending_task.
    notice_pending = models.BooleanField(_("pemberitahuan belum terkirim"), default=False)

    objects = RequestEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("riwayat permohonan")
        verbose_name_plural = _("riwayat permohonan")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["request", "id"], name="plut_reqevent_request_id"),
            models.Index(fields=["id"], name="plut_reqevent_pending", condition=models.Q(notice_pending=True)),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.get_kind_display()}"


class PrivateStorage(FileSystemStorage):
    """Attachments live beside MEDIA_ROOT, not in it: DEBUG's media route must never serve them.
    They leave the server only through plut.views.attachment_download, which checks who asks."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, str(Path(settings.MEDIA_ROOT).parent / "plut-private"))

    @cached_property
    def base_url(self):
        return None


private_storage = PrivateStorage()


class AttachmentQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(request__in=ServiceRequest.objects.for_user(user))


class Attachment(models.Model):
    """A document for a request (PDF, JPEG or PNG, checked by content)."""

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("permohonan"), on_delete=models.CASCADE, related_name="attachments",
    )
    file = models.FileField(_("berkas"), upload_to="plut/%Y/%m/", storage=private_storage, max_length=255)
    original_name = models.CharField(_("nama berkas"), max_length=200)
    content_type = models.CharField(_("jenis berkas"), max_length=50)
    size = models.PositiveIntegerField(_("ukuran (byte)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diunggah oleh"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("lampiran")
        verbose_name_plural = _("lampiran")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("plut:attachment-download", args=[self.pk])


# --- Events (pameran, pelatihan) -------------------------------------------------------------------------


class EventQuerySet(models.QuerySet):
    def for_user(self, user):
        """What a user may read: staff and consultants every event (drafts too), anyone else the published ones.
        Who may edit an event is narrower (managed_by)."""
        if user_role(user) in ("staff", "consultant"):
            return self
        return self.filter(is_published=True)

    def managed_by(self, user):
        """The events a staff user runs: all of them for provincial staff, those of their regency's centres for
        a regency office. Anyone else: none."""
        if user_role(user) != "staff":
            return self.none()
        code = staff_regency(user)
        return self if code is None else self.filter(centre__regency_id=code)

    def upcoming(self, now):
        return self.filter(ends_at__gte=now)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Event(TimeStampedModel):
    """An event staff publish: an exhibition (pameran) or a training (pelatihan), with a capacity."""

    centre = models.ForeignKey(Centre, verbose_name=_("PLUT"), on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(_("jenis"), max_length=10, choices=EventKind.choices)
    title = models.CharField(_("judul"), max_length=200)
    description = models.TextField(_("uraian"), blank=True)
    place = models.CharField(_("tempat"), max_length=255)
    starts_at = models.DateTimeField(_("mulai"))
    ends_at = models.DateTimeField(_("selesai"))
    capacity = models.PositiveIntegerField(_("kapasitas"), validators=[MinValueValidator(1)])
    is_published = models.BooleanField(_("diumumkan"), default=False)
    registration_open = models.BooleanField(_("pendaftaran dibuka"), default=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("kegiatan")
        verbose_name_plural = _("kegiatan")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="plut_event_ends_after_start",
                violation_error_message=_("Waktu selesai tidak boleh sebelum waktu mulai."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="plut_event_capacity_positive",
                violation_error_message=_("Kapasitas paling sedikit 1."),
            ),
        ]
        indexes = [models.Index(fields=["is_published", "starts_at"], name="plut_event_pub_start")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plut:event-detail", args=[self.pk])


class EventRegistrationQuerySet(models.QuerySet):
    def for_user(self, user):
        """Provincial staff: every registration; a regency office's staff: those of their regency's enterprises;
        a consultant: those of the events of their own centre; an MSME owner: those of their enterprises."""
        role = user_role(user)
        if role == "staff":
            code = staff_regency(user)
            return self if code is None else self.filter(enterprise__regency_id=code)
        if role == "consultant":
            return self.filter(event__centre__in=Consultant.objects.filter(user=user, is_active=True).values("centre"))
        if role == "msme":
            enterprises = EnterpriseClaim.objects.filter(user=user, status=ClaimStatus.CONFIRMED).values("enterprise")
            return self.filter(enterprise__in=enterprises)
        return self.none()


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), exclude=NOTICE_UNTRACKED)
class EventRegistration(TimeStampedModel):
    """An enterprise's place at an event, or its place in the waiting list (by id order)."""

    event = models.ForeignKey(
        Event, verbose_name=_("kegiatan"), on_delete=models.CASCADE, related_name="registrations",
    )
    enterprise = models.ForeignKey("registry.Enterprise", verbose_name=_("UMKM"), on_delete=models.PROTECT,
                                   related_name="+")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("didaftarkan oleh"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=15, choices=RegistrationStatus.choices)
    attended = models.BooleanField(_("hadir"), default=False)
    # Outbox flag of the "you got a place" e-mail, as on RequestEvent: set with the promotion, cleared when sent.
    notice_pending = models.BooleanField(_("pemberitahuan belum terkirim"), default=False)

    objects = EventRegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("pendaftaran kegiatan")
        verbose_name_plural = _("pendaftaran kegiatan")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "enterprise"], condition=~Q(status="dibatalkan"),
                name="plut_registration_once_per_event",
                violation_error_message=_("UMKM ini sudah terdaftar pada kegiatan ini."),
            ),
            models.CheckConstraint(
                condition=Q(attended=False) | Q(status="terdaftar"), name="plut_registration_attended_registered",
                violation_error_message=_("Kehadiran hanya untuk peserta terdaftar."),
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status", "id"], name="plut_reg_event_status"),
            models.Index(fields=["id"], name="plut_reg_notice_pending", condition=Q(notice_pending=True)),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.enterprise_id} {self.status}"
