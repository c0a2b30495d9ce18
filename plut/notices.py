"""E-mails of the service desk: who gets told what.

The only writes here are the outbox flags (notice_pending) that make each notice go out once: see send_once."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from .models import (
    Centre,
    ClaimStatus,
    EnterpriseClaim,
    EventRegistration,
    RegistrationStatus,
    RequestEvent,
    RequestEventKind,
    ServiceRequest,
)


def _owner_emails(enterprise_id: int) -> set[str]:
    User = get_user_model()
    users = User.objects.filter(
        is_active=True,
        plut_claims__enterprise_id=enterprise_id, plut_claims__status=ClaimStatus.CONFIRMED,
    ).exclude(email="")
    return set(users.values_list("email", flat=True))


def send_once(model, ids, send) -> int:
    """Send the notice of each row in `ids` whose notice is still due, with `send(pk)`; returns what it sent.

    The flags are claimed first (locked, then cleared in one UPDATE), so a swept-up duplicate of a task sends
    nothing; a failed send puts back the flags of what is still unsent, for the next sweep (and the task's own
    retry). Rows another transaction holds are left to that one or to the next sweep."""
    with transaction.atomic():
        claimed = list(
            model.objects.filter(pk__in=ids, notice_pending=True).order_by("pk")
            .select_for_update(skip_locked=True).values_list("pk", flat=True)
        )
        model.objects.filter(pk__in=claimed).update(notice_pending=False)
    sent = 0
    for position, pk in enumerate(claimed):
        try:
            sent += send(pk)
        except Exception:
            model.objects.filter(pk__in=claimed[position:]).update(notice_pending=True)
            raise
    return sent


def request_event_notice_once(event_id: int) -> int:
    return send_once(RequestEvent, [event_id], request_event_notice)


def claim_notice_once(claim_id: int) -> int:
    return send_once(EnterpriseClaim, [claim_id], claim_notice)


def promoted_notice_once(registration_ids: list[int]) -> int:
    return send_once(EventRegistration, registration_ids, promoted_notice)


def request_event_notice(event_id: int) -> int:
    """Tell the MSME owners and the assigned consultant about a status change or message (not the actor)."""
    event = RequestEvent.objects.select_related(
        "request__service", "request__centre", "request__consultant__user", "actor"
    ).filter(pk=event_id).first()
    if event is None or event.kind in (RequestEventKind.NOTE, RequestEventKind.VISIT):
        return 0
    request = event.request
    recipients = _owner_emails(request.enterprise_id)
    if request.consultant_id and request.consultant.user.email:
        recipients.add(request.consultant.user.email)
    if event.kind == RequestEventKind.TRANSITION and event.to_status == "diajukan" and request.centre.head_email:
        recipients.add(request.centre.head_email)
    if event.actor is not None and event.actor.email:
        recipients.discard(event.actor.email)
    if not recipients:
        return 0
    if event.kind == RequestEventKind.MESSAGE:
        subject = _("Pesan baru pada permohonan #%(id)s (%(service)s)")
    else:
        subject = _("Permohonan #%(id)s (%(service)s): %(status)s")
    subject = subject % {"id": request.pk, "service": request.service.name, "status": event.get_to_status_display()}
    body = "\n\n".join(part for part in (
        subject,
        event.text,
        _("Tenggat: %(due)s") % {"due": request.due_on.strftime("%d-%m-%Y")} if request.is_open else "",
        _("Lihat permohonan: %(path)s") % {"path": settings.SITE_URL + request.get_absolute_url()},
    ) if part)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, sorted(recipients))


def claim_notice(claim_id: int) -> int:
    claim = EnterpriseClaim.objects.select_related("user", "enterprise").filter(pk=claim_id).first()
    if claim is None or not claim.user.email:
        return 0
    name = claim.enterprise.name if claim.enterprise_id else claim.name
    if claim.status == ClaimStatus.CONFIRMED:
        subject = _("Akun Anda kini terhubung dengan %(name)s") % {"name": name}
        body = _("Petugas PLUT telah mengonfirmasi %(name)s. Anda dapat mengajukan layanan PLUT.") % {"name": name}
    else:
        subject = _("Klaim %(name)s tidak dapat dikonfirmasi") % {"name": name}
        body = _("Alasan: %(note)s") % {"note": claim.note or "-"}
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [claim.user.email])


def promoted_notice(registration_id: int) -> int:
    """Tell the owners of an enterprise taken from the waiting list that it now has a place."""
    # Not if the place was given up again before the notice went out (e.g. sent late, after an outage).
    registration = EventRegistration.objects.select_related("event").filter(
        pk=registration_id, status=RegistrationStatus.REGISTERED).first()
    if registration is None:
        return 0
    emails = _owner_emails(registration.enterprise_id)
    if not emails:
        return 0
    subject = _("Anda mendapat tempat di %(title)s") % {"title": registration.event.title}
    body = _("Tempat yang kosong kini menjadi milik UMKM Anda. Sampai jumpa di %(place)s.") % {
        "place": registration.event.place}
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, sorted(emails))


def escalation_notice(centre_id: int, request_ids: list[int]) -> int:
    centre = Centre.objects.filter(pk=centre_id).first()
    if centre is None or not centre.head_email:
        return 0
    rows = ServiceRequest.objects.filter(pk__in=request_ids).select_related("service", "enterprise").order_by("due_on")
    lines = [
        f"#{r.pk} {r.service.name} — {r.enterprise.name} — {_('tenggat')} {r.due_on:%d-%m-%Y} — "
        f"{r.get_status_display()}"
        for r in rows
    ]
    subject = _("%(n)s permohonan di %(centre)s melewati tenggat") % {"n": len(lines), "centre": centre.name}
    return send_mail(subject, "\n".join([subject, "", *lines]), settings.DEFAULT_FROM_EMAIL, [centre.head_email])
