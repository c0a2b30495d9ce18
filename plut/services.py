"""Writes of the PLUT service desk. Each function is one transaction; e-mails go out after commit."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import filetype
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import services as registry_services
from registry.models import Enterprise, SupportSource
from sumut_umkm import roles
from sumut_umkm.queue import enqueue_on_commit

from .models import (
    CLOSED_STATUSES,
    Attachment,
    Centre,
    ClaimKind,
    ClaimStatus,
    Consultant,
    EnterpriseClaim,
    Event,
    EventRegistration,
    RegistrationStatus,
    RequestEvent,
    RequestEventKind,
    RequestStatus,
    Service,
    ServiceRequest,
    user_role,
)
from .workingdays import Calendar

logger = logging.getLogger(__name__)

S = RequestStatus
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ALLOWED_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

# (from, to) → roles allowed to make that move. "Back from waiting" is handled apart: it returns to the
# status the request had when it started waiting.
TRANSITIONS: dict[tuple[str, str], set[str]] = {
    (S.SUBMITTED, S.ACCEPTED): {"staff"},
    (S.SUBMITTED, S.REJECTED): {"staff"},
    (S.ACCEPTED, S.ASSIGNED): {"staff"},
    (S.ASSIGNED, S.ASSIGNED): {"staff"},  # hand over to another consultant
    (S.ASSIGNED, S.SCHEDULED): {"staff", "consultant"},
    (S.SCHEDULED, S.SCHEDULED): {"staff", "consultant"},  # move the appointment
    (S.SCHEDULED, S.IN_PROGRESS): {"staff", "consultant"},
    (S.IN_PROGRESS, S.DONE): {"staff", "consultant"},
}
WAIT_FROM = {S.SUBMITTED: {"staff"}, S.ACCEPTED: {"staff"}, S.ASSIGNED: {"staff", "consultant"},
             S.SCHEDULED: {"staff", "consultant"}, S.IN_PROGRESS: {"staff", "consultant"}}
# The MSME may cancel until work has started.
CANCEL_FROM = {S.SUBMITTED, S.ACCEPTED, S.ASSIGNED, S.SCHEDULED}


def _today() -> date:
    return timezone.localdate()


# --- MSME accounts and enterprise claims --------------------------------------------------------------------


def _validate_nib(nib: str | None) -> str | None:
    if not nib:
        return None
    from registry import identity

    try:
        return identity.validate_nib(nib)
    except ValidationError as exc:
        raise ValidationError({"nib": exc.messages}) from exc


@transaction.atomic
def claim_create(
    *,
    user,
    nib: str | None = None,
    name: str = "",
    regency_id: str | None = None,
    district_id: str | None = None,
    sector_id: int | None = None,
    address: str = "",
) -> EnterpriseClaim:
    """Claim the registered enterprise with this NIB, or ask to register a new one (NIB optional).

    Either way staff confirm it before the account acts for the enterprise."""
    nib = _validate_nib(nib)
    enterprise = Enterprise.objects.filter(nib=nib).first() if nib else None
    if nib:
        # A confirmed claim may still hold a NIB its enterprise no longer has (staff corrected it in the registry):
        # it moves to the enterprise's current NIB first, so that the old one is free and the new one is held.
        confirmed_claims_follow_nib(nib=nib)
    taken = EnterpriseClaim.objects.active().filter(nib=nib).exists() if nib else False
    if taken or (enterprise is not None and EnterpriseClaim.objects.active().filter(enterprise=enterprise).exists()):
        raise ValidationError({"nib": [_("NIB ini sudah diklaim oleh akun lain. Hubungi PLUT bila ini usaha Anda.")]})
    if enterprise is not None:
        claim = EnterpriseClaim(user=user, kind=ClaimKind.EXISTING, enterprise=enterprise, nib=nib)
    else:
        errors = {}
        if not name.strip():
            errors["name"] = [_("Nama usaha wajib diisi untuk mendaftarkan UMKM baru.")]
        if not regency_id:
            errors["regency"] = [_("Kabupaten/kota wajib diisi untuk mendaftarkan UMKM baru.")]
        if errors:
            raise ValidationError(errors)
        claim = EnterpriseClaim(
            user=user, kind=ClaimKind.NEW, nib=nib, name=name.strip(), regency_id=regency_id,
            district_id=district_id or None, sector_id=sector_id, address=address,
        )
        # Check the details now, with the registry's own rules, so staff confirm something that will save.
        probe = Enterprise(name=claim.name, nib=nib, regency_id=regency_id, district_id=district_id or None,
                           sector_id=sector_id, address=address)
        probe.full_clean(exclude=["nib"])
    try:
        claim.full_clean(validate_constraints=False)
        with transaction.atomic():
            claim.save()
    except IntegrityError as exc:  # a concurrent sign-up with the same NIB won the race
        raise ValidationError({"nib": [_("NIB ini sudah diklaim oleh akun lain.")]}) from exc
    return claim


@transaction.atomic
def msme_signup(*, username: str, password: str, email: str, full_name: str, **claim_fields):
    """Create an MSME owner's account (role MSME_OWNER, not staff) and its first enterprise claim."""
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [_("Nama pengguna ini sudah dipakai.")]})
    first, _sep, last = full_name.strip().partition(" ")
    user = User.objects.create_user(
        username=username, password=password, email=email, first_name=first[:150], last_name=last[:150],
        is_staff=False,
    )
    user.groups.add(Group.objects.get(name=roles.MSME_OWNER))
    claim_create(user=user, **claim_fields)
    return user


@transaction.atomic
def claim_decide(*, claim: EnterpriseClaim, user, confirm: bool, note: str = "") -> EnterpriseClaim:
    """Staff confirm or reject a claim; confirming a new enterprise puts it in the registry. A claim outside the
    user's scope (another regency's) is refused as if it did not exist."""
    claim = EnterpriseClaim.objects.for_user(user).select_for_update(of=("self",)).filter(pk=claim.pk).first()
    if claim is None:
        raise ValidationError(_("Klaim tidak ditemukan di wilayah kerja Anda."))
    if claim.status != ClaimStatus.PENDING:
        raise ValidationError(_("Klaim ini sudah diputuskan."))
    if confirm and claim.kind == ClaimKind.NEW:
        owner = registry_services.owner_upsert(
            name=claim.user.get_full_name() or claim.user.get_username(), email=claim.user.email,
        )
        claim.enterprise = registry_services.enterprise_register(
            owner=owner, name=claim.name, nib=claim.nib, regency_id=claim.regency_id,
            district_id=claim.district_id, sector_id=claim.sector_id, address=claim.address,
        )
    claim.status = ClaimStatus.CONFIRMED if confirm else ClaimStatus.REJECTED
    claim.decided_by, claim.decided_at, claim.note = user, timezone.now(), note
    claim.notice_pending = True  # if Redis is down, notify_pending_task sends the e-mail once it is back
    claim.save()
    if confirm:  # the enterprise's NIB may have been corrected while the claim waited
        confirmed_claims_follow_nib(enterprise_ids=[claim.enterprise_id])
    from .tasks import notify_claim_task

    enqueue_on_commit(notify_claim_task, claim.pk)
    return claim


# A pending claim keeps the NIB it was made with (what staff check); a confirmed one holds its enterprise's current
# NIB, so that the "one live claim per NIB" rule refuses a claim on the new NIB and frees the old one. Another
# account's live claim on that NIB (a new enterprise asked for with it) keeps it: staff sort that out.
_CONFIRMED_CLAIMS_FOLLOW_NIB = """
UPDATE plut_enterpriseclaim c SET nib = e.nib, updated_at = %(now)s
FROM registry_enterprise e
WHERE e.id = c.enterprise_id AND c.status = %(confirmed)s AND c.nib IS DISTINCT FROM e.nib AND {where}
  AND NOT EXISTS (SELECT 1 FROM plut_enterpriseclaim o
                  WHERE o.nib = e.nib AND o.status = ANY(%(active)s) AND o.id <> c.id)
"""


def confirmed_claims_follow_nib(*, nib: str | None = None, enterprise_ids=()) -> int:
    """Give confirmed claims their enterprise's current NIB, set-based: those holding `nib` (first, freeing it)
    and those of `enterprise_ids`. Returns how many claims changed."""
    params = {"now": timezone.now(), "confirmed": str(ClaimStatus.CONFIRMED), "nib": nib,
              "active": [str(ClaimStatus.PENDING), str(ClaimStatus.CONFIRMED)],
              "ids": [int(pk) for pk in enterprise_ids if pk]}
    changed = 0
    with connection.cursor() as cursor:
        for where, wanted in (("c.nib = %(nib)s", nib), ("c.enterprise_id = ANY(%(ids)s)", params["ids"])):
            if wanted:
                cursor.execute(_CONFIRMED_CLAIMS_FOLLOW_NIB.format(where=where), params)
                changed += cursor.rowcount
    return changed


@transaction.atomic
def enterprise_profile_save(*, user, enterprise: Enterprise, **fields) -> Enterprise:
    """An owner's edits of their enterprise's profile (name, NIB, sector, address…), through the registry.

    A NIB the owner adds or corrects moves with the account's confirmed claim: the new NIB counts as claimed, the
    old one is free for whoever it really belongs to. A NIB another account's live claim holds is refused."""
    if not enterprises_of(user).filter(pk=enterprise.pk).exists():
        raise ValidationError(_("Anda tidak terhubung dengan UMKM ini."))
    nib_before = Enterprise.objects.filter(pk=enterprise.pk).values_list("nib", flat=True).first()
    enterprise = registry_services.enterprise_update(enterprise=enterprise, **fields)
    if enterprise.nib and enterprise.nib != nib_before:
        confirmed_claims_follow_nib(nib=enterprise.nib)  # a stale claim of another enterprise lets go first
        if EnterpriseClaim.objects.active().filter(nib=enterprise.nib).exclude(enterprise=enterprise).exists():
            raise ValidationError(
                {"nib": [_("NIB ini sudah diklaim oleh akun lain. Hubungi PLUT bila ini NIB usaha Anda.")]}
            )
    confirmed_claims_follow_nib(enterprise_ids=[enterprise.pk])
    return enterprise


def _check_acts_for(user, role: str, enterprise: Enterprise) -> None:
    """An MSME acts for the enterprises of its confirmed claims; staff for those the registry shows them (a
    regency office: its own regency's)."""
    if role == "msme" and not enterprises_of(user).filter(pk=enterprise.pk).exists():
        raise ValidationError({"enterprise": [_("Anda belum terhubung (terkonfirmasi) dengan UMKM ini.")]})
    if role == "staff" and not Enterprise.objects.for_user(user).filter(pk=enterprise.pk).exists():
        raise ValidationError({"enterprise": [_("UMKM ini di luar wilayah kerja Anda.")]})


def enterprises_of(user):
    """The enterprises an MSME account acts for (confirmed claims)."""
    return Enterprise.objects.filter(
        pk__in=EnterpriseClaim.objects.filter(user=user, status=ClaimStatus.CONFIRMED).values("enterprise")
    )


def yearly_figures_save(*, user, enterprise: Enterprise, year: int, omzet: int | None, capital: int | None,
                        employees: int | None):
    """An owner's own figures (source "mandiri"); the registry recomputes the class after commit."""
    if not enterprises_of(user).filter(pk=enterprise.pk).exists():
        raise ValidationError(_("Anda tidak terhubung dengan UMKM ini."))
    return registry_services.yearly_report_save(
        enterprise=enterprise, year=year, omzet=omzet, capital=capital, employees=employees, source="mandiri",
    )


# --- Service requests ---------------------------------------------------------------------------------------


def _event(request: ServiceRequest, *, kind: str, actor, text: str = "", from_status: str = "",
           to_status: str = "", visit_on: date | None = None, notify: bool = True) -> RequestEvent:
    event = RequestEvent.objects.create(
        request=request, kind=kind, actor=actor, text=text, from_status=from_status, to_status=to_status,
        visit_on=visit_on, notice_pending=notify,
    )
    if notify:
        from .tasks import notify_request_event_task

        # If Redis is down the request still saves; notify_pending_task sends the notice once it is back.
        enqueue_on_commit(notify_request_event_task, event.pk)
    return event


def attachment_check(upload) -> str:
    """The content type of an upload after looking at its bytes; refuses other types and big files."""
    name = getattr(upload, "name", "") or _("berkas")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {"files": [_("Berkas %(name)s lebih dari 5 MB.") % {"name": name}]}
        )
    head = upload.read(2048)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError(
            {"files": [_("Berkas %(name)s bukan PDF, JPEG atau PNG (diperiksa dari isinya).") % {"name": name}]}
        )
    return kind.mime


def _attach(request: ServiceRequest, user, files) -> list[Attachment]:
    saved = []
    for upload in files or []:
        mime = attachment_check(upload)
        original = (getattr(upload, "name", "") or "berkas")[-200:]
        attachment = Attachment(request=request, original_name=original, content_type=mime, size=upload.size,
                                uploaded_by=user)
        # Stored under a name we choose: the user's file name never becomes a path.
        attachment.file.save(f"{request.pk}-{timezone.now():%Y%m%d%H%M%S%f}.{ALLOWED_TYPES[mime]}", upload,
                             save=False)
        attachment.save()
        saved.append(attachment)
    return saved


@transaction.atomic
def request_submit(*, user, enterprise: Enterprise, service: Service, centre: Centre, description: str,
                   files=()) -> ServiceRequest:
    """An MSME (for one of its confirmed enterprises) or staff (for any enterprise they may see) asks for a
    service."""
    role = user_role(user)
    if role not in ("msme", "staff"):
        raise ValidationError(_("Peran Anda tidak dapat mengajukan permohonan."))
    _check_acts_for(user, role, enterprise)
    if not service.is_active:
        raise ValidationError({"service": [_("Layanan ini sedang tidak tersedia.")]})
    if not centre.is_active:
        raise ValidationError({"centre": [_("PLUT ini sedang tidak menerima permohonan.")]})
    if not description.strip():
        raise ValidationError({"description": [_("Uraian kebutuhan wajib diisi.")]})
    today = _today()
    request = ServiceRequest(
        enterprise=enterprise, service=service, centre=centre, requested_by=user, description=description.strip(),
        submitted_on=today, due_on=Calendar(centre_id=centre.pk).add(today, service.target_days),
    )
    request.full_clean()
    request.save()
    _attach(request, user, files)
    _event(request, kind=RequestEventKind.TRANSITION, actor=user, to_status=S.SUBMITTED)
    return request


def allowed_transitions(request: ServiceRequest, user) -> list[str]:
    """The statuses this user may move the request to now (for the buttons on its page)."""
    role = user_role(user)
    moves = [to for (frm, to), who in TRANSITIONS.items() if frm == request.status and role in who]
    if request.status in WAIT_FROM and role in WAIT_FROM[request.status]:
        moves.append(S.WAITING)
    if request.status == S.WAITING and request.resume_status:
        moves.append(request.resume_status)
    if role == "msme" and (request.status in CANCEL_FROM or (
            request.status == S.WAITING and request.resume_status in CANCEL_FROM)):
        moves.append(S.CANCELLED)
    return list(dict.fromkeys(moves))


def _refuse(request: ServiceRequest, to: str) -> ValidationError:
    labels = dict(RequestStatus.choices)
    return ValidationError({"to": [
        _("Permohonan berstatus \"%(from)s\" tidak dapat diubah ke \"%(to)s\" oleh peran Anda.")
        % {"from": labels.get(request.status, request.status), "to": labels.get(to, to)}
    ]})


@transaction.atomic
def request_transition(
    *,
    request: ServiceRequest,
    user,
    to: str,
    note: str = "",
    consultant: Consultant | None = None,
    scheduled_at: datetime | None = None,
    location: str = "",
    online_link: str = "",
    outcome: str = "",
) -> ServiceRequest:
    """Move a request along its workflow; refuses any move the rules do not allow for this user's role."""
    request = ServiceRequest.objects.select_for_update().select_related("service", "centre").get(pk=request.pk)
    if to not in RequestStatus.values:
        raise ValidationError({"to": [_("Status \"%(to)s\" tidak dikenal.") % {"to": to}]})
    if to not in allowed_transitions(request, user):
        raise _refuse(request, to)
    note = (note or "").strip()
    today = _today()
    frm = request.status
    errors: dict[str, list[str]] = {}

    if to == S.WAITING:
        if not note:
            errors["note"] = [_("Tuliskan dokumen atau keterangan apa yang perlu dilengkapi UMKM.")]
        request.resume_status, request.waiting_since = frm, today
    elif frm == S.WAITING:
        # The clock stood still while the MSME had the ball: push the due date by the paused working days.
        calendar = Calendar(centre_id=request.centre_id)
        request.due_on = calendar.add(request.due_on, calendar.between(request.waiting_since, today))
        request.resume_status, request.waiting_since = "", None
        if to == S.CANCELLED:
            request.closed_on = today
    elif to == S.REJECTED:
        if not note:
            errors["note"] = [_("Alasan penolakan wajib diisi.")]
        request.closed_on = today
    elif to == S.CANCELLED:
        request.closed_on = today
    elif to == S.ASSIGNED:
        if consultant is None:
            errors["consultant"] = [_("Pilih konsultan yang ditugaskan.")]
        elif not consultant.is_active or consultant.centre_id != request.centre_id:
            errors["consultant"] = [_("Konsultan harus aktif dan bertugas di %(centre)s.")
                                    % {"centre": request.centre.name}]
        else:
            request.consultant = consultant
    elif to == S.SCHEDULED:
        if scheduled_at is None:
            errors["scheduled_at"] = [_("Tanggal dan jam jadwal wajib diisi.")]
        if not (location.strip() or online_link.strip()):
            errors["location"] = [_("Isi tempat pertemuan atau tautan daring.")]
        request.scheduled_at, request.location, request.online_link = scheduled_at, location.strip(), online_link
    elif to == S.IN_PROGRESS:
        request.started_on = today
    elif to == S.DONE:
        outcome = (outcome or "").strip()
        if not outcome:
            errors["outcome"] = [_("Hasil layanan wajib diisi saat menutup permohonan.")]
        request.outcome, request.closed_on = outcome, today
    if errors:
        raise ValidationError(errors)

    request.status = to
    request.full_clean()
    request.save()
    text = note
    if to == S.ASSIGNED:
        text = _("Konsultan: %(name)s. %(note)s") % {"name": consultant, "note": note}
    elif to == S.SCHEDULED:
        when = timezone.localtime(scheduled_at).strftime("%d-%m-%Y %H.%M")
        text = _("Jadwal: %(when)s WIB, %(where)s. %(note)s") % {
            "when": when, "where": request.location or request.online_link, "note": note}
    elif to == S.DONE:
        text = outcome
    _event(request, kind=RequestEventKind.TRANSITION, actor=user, from_status=frm, to_status=to, text=text.strip())
    if to == S.DONE:
        # The pembinaan ledger, in this same transaction: the roadmap and rankings count it from now on.
        registry_services.support_record_save(
            source=SupportSource.PLUT, source_key=f"plut.request:{request.pk}", enterprise_id=request.enterprise_id,
            kind=request.service.support_kind, provider=request.centre.name, title=request.service.name,
            started_on=request.started_on or request.submitted_on, ended_on=today,
            outcome=outcome[:100],
        )
    return request


@transaction.atomic
def request_message(*, request: ServiceRequest, user, text: str, files=()) -> RequestEvent:
    """A message between the MSME and PLUT (this is how online legal aid is given)."""
    if user_role(user) not in ("msme", "staff", "consultant"):
        raise ValidationError(_("Peran Anda tidak dapat mengirim pesan."))
    text = (text or "").strip()
    if not text and not files:
        raise ValidationError({"text": [_("Pesan tidak boleh kosong.")]})
    if request.status in CLOSED_STATUSES and user_role(user) == "msme":
        raise ValidationError({"text": [_("Permohonan ini sudah ditutup; ajukan permohonan baru.")]})
    attachments = _attach(request, user, files)
    if attachments:
        names = ", ".join(a.original_name for a in attachments)
        text = f"{text}\n[{_('Lampiran')}: {names}]".strip()
    return _event(request, kind=RequestEventKind.MESSAGE, actor=user, text=text)


@transaction.atomic
def request_note(*, request: ServiceRequest, user, text: str, visit_on: date | None = None) -> RequestEvent:
    """A consultant's or staff's internal note, or a field visit record (not shown to the MSME)."""
    if user_role(user) not in ("staff", "consultant"):
        raise ValidationError(_("Hanya petugas dan konsultan yang dapat mencatat kunjungan dan catatan."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Catatan tidak boleh kosong.")]})
    if visit_on and visit_on > _today():
        raise ValidationError({"visit_on": [_("Tanggal kunjungan tidak boleh di masa depan.")]})
    kind = RequestEventKind.VISIT if visit_on else RequestEventKind.NOTE
    return _event(request, kind=kind, actor=user, text=text, visit_on=visit_on, notify=False)


@transaction.atomic
def request_rate(*, request: ServiceRequest, user, rating: int, comment: str = "") -> ServiceRequest:
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    if user_role(user) != "msme":
        raise ValidationError(_("Hanya pemilik UMKM yang dapat memberi penilaian."))
    if request.status != S.DONE:
        raise ValidationError({"rating": [_("Penilaian hanya untuk layanan yang sudah selesai.")]})
    if request.rating is not None:
        raise ValidationError({"rating": [_("Layanan ini sudah dinilai.")]})
    if rating not in range(1, 6):
        raise ValidationError({"rating": [_("Penilaian harus antara 1 dan 5.")]})
    request.rating, request.rating_comment = rating, (comment or "").strip()[:500]
    request.save(update_fields=["rating", "rating_comment", "updated_at"])
    return request


def overdue_escalate(*, today: date | None = None) -> dict[int, list[int]]:
    """Mark every newly overdue request escalated (one UPDATE, so a rerun sends nothing twice) and return
    the claimed ids per centre; the caller e-mails each centre's head."""
    today = today or _today()
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            ServiceRequest.objects.overdue(today).filter(escalated_at__isnull=True)
            .select_for_update(skip_locked=True).values_list("pk", "centre_id")
        )
        ids = [pk for pk, _centre in claimed]
        ServiceRequest.objects.filter(pk__in=ids).update(escalated_at=now)
        RequestEvent.objects.bulk_create([
            RequestEvent(request_id=pk, kind=RequestEventKind.ESCALATION,
                         text=_("Melewati tenggat; diteruskan ke kepala PLUT.")) for pk in ids
        ])
    by_centre: dict[int, list[int]] = {}
    for pk, centre_id in claimed:
        by_centre.setdefault(centre_id, []).append(pk)
    return by_centre


# --- Events: registration, waiting list, attendance ------------------------------------------------------


@transaction.atomic
def event_register(*, event: Event, enterprise: Enterprise, user) -> EventRegistration:
    """A place if one is free, otherwise a place in the waiting list (first come, first served)."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    role = user_role(user)
    if role not in ("msme", "staff"):
        raise ValidationError(_("Peran Anda tidak dapat mendaftarkan UMKM."))
    _check_acts_for(user, role, enterprise)
    if not (event.is_published and event.registration_open) or event.ends_at < timezone.now():
        raise ValidationError(_("Pendaftaran kegiatan ini sudah ditutup."))
    if EventRegistration.objects.filter(event=event, enterprise=enterprise).exclude(
            status=RegistrationStatus.CANCELLED).exists():
        raise ValidationError({"enterprise": [_("UMKM ini sudah terdaftar pada kegiatan ini.")]})
    taken = EventRegistration.objects.filter(event=event, status=RegistrationStatus.REGISTERED).count()
    status = RegistrationStatus.REGISTERED if taken < event.capacity else RegistrationStatus.WAITING
    return EventRegistration.objects.create(event=event, enterprise=enterprise, registered_by=user, status=status)


def _fill_places(event: Event) -> list[int]:
    """Give freed places to the waiting list, oldest first. The event row is locked by the caller."""
    taken = EventRegistration.objects.filter(event=event, status=RegistrationStatus.REGISTERED).count()
    free = event.capacity - taken
    if free <= 0:
        return []
    promoted = list(
        EventRegistration.objects.filter(event=event, status=RegistrationStatus.WAITING)
        .order_by("id").values_list("pk", flat=True)[:free]
    )
    # The e-mail's flag is raised in the same UPDATE: if Redis is down, notify_pending_task sends it later.
    EventRegistration.objects.filter(pk__in=promoted).update(
        status=RegistrationStatus.REGISTERED, updated_at=timezone.now(), notice_pending=True
    )
    if promoted:
        from .tasks import notify_promoted_task

        enqueue_on_commit(notify_promoted_task, promoted)
    return promoted


@transaction.atomic
def registration_cancel(*, registration: EventRegistration, user) -> list[int]:
    """Cancel a registration; a freed place goes to the first in the waiting list. Returns the promoted ids."""
    event = Event.objects.select_for_update().get(pk=registration.event_id)
    registration = EventRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError(_("Pendaftaran ini sudah dibatalkan."))
    if registration.attended:
        raise ValidationError(_("Peserta yang sudah hadir tidak dapat dibatalkan."))
    registration.status = RegistrationStatus.CANCELLED
    registration.save(update_fields=["status", "updated_at"])
    return _fill_places(event)


@transaction.atomic
def event_capacity_set(*, event: Event, capacity: int) -> list[int]:
    """Change the capacity; a larger one fills from the waiting list."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    taken = EventRegistration.objects.filter(event=event, status=RegistrationStatus.REGISTERED).count()
    if capacity < max(taken, 1):
        raise ValidationError({"capacity": [
            _("Kapasitas tidak boleh kurang dari peserta terdaftar (%(n)s).") % {"n": taken}]})
    event.capacity = capacity
    event.save(update_fields=["capacity", "updated_at"])
    return _fill_places(event)


# Attending a training or an exhibition counts as pembinaan: one ledger row per attendance, in the event's
# dates (Asia/Jakarta), keyed "plut.event:<registration id>".
_ATTENDANCE_LEDGER_SQL = """
SELECT r.enterprise_id, 'plut', 'plut.event:' || r.id,
       CASE e.kind WHEN 'pelatihan' THEN 'pelatihan' ELSE 'pemasaran' END,
       c.name, e.title, (e.starts_at AT TIME ZONE %(tz)s)::date, (e.ends_at AT TIME ZONE %(tz)s)::date, NULL::bigint,
       'hadir'
FROM plut_eventregistration r JOIN plut_event e ON e.id = r.event_id JOIN plut_centre c ON c.id = e.centre_id
WHERE r.id = ANY(%(ids)s) AND r.attended
"""


@transaction.atomic
def attendance_set(*, registrations, attended_ids: set[int]) -> int:
    """Record who came (set-based: one UPDATE each way) and mirror it in the pembinaan ledger.

    Only registered participants can attend; un-ticking someone removes their ledger row again."""
    registrations = registrations.filter(status=RegistrationStatus.REGISTERED)
    now = timezone.now()
    came = list(registrations.filter(pk__in=attended_ids).values_list("pk", flat=True))
    gone = list(registrations.exclude(pk__in=attended_ids).filter(attended=True).values_list("pk", flat=True))
    changed = registrations.filter(pk__in=came, attended=False).update(attended=True, updated_at=now)
    changed += registrations.filter(pk__in=gone).update(attended=False, updated_at=now)
    registry_services.support_records_upsert_from(_ATTENDANCE_LEDGER_SQL, {"ids": came, "tz": settings.TIME_ZONE})
    registry_services.support_records_delete([f"plut.event:{pk}" for pk in gone])
    return changed


# --- Notices a broker outage kept back (swept by tasks.notify_pending_task) ----------------------------------


def _pending_notices(model, since: str, limit: int) -> list[int]:
    """Rows whose e-mail is due and overdue for sending, oldest first (a partial index holds only these).

    Overdue: still pending PLUT_NOTICE_GRACE_SECONDS after `since` (when the flag was raised), so it was not
    queued (Redis was down) or its task was lost; a notice on its normal way is left alone."""
    cutoff = timezone.now() - timedelta(seconds=settings.PLUT_NOTICE_GRACE_SECONDS)
    return list(
        model.objects.filter(notice_pending=True, **{f"{since}__lt": cutoff}).order_by("id")
        .values_list("pk", flat=True)[:limit]
    )


def request_events_with_pending_notice(limit: int = 500) -> list[int]:
    return _pending_notices(RequestEvent, "created_at", limit)


def claims_with_pending_notice(limit: int = 500) -> list[int]:
    return _pending_notices(EnterpriseClaim, "decided_at", limit)


def registrations_with_pending_notice(limit: int = 500) -> list[int]:
    return _pending_notices(EventRegistration, "updated_at", limit)
