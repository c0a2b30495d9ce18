"""E-mails of the service desk: who gets told what. Reads only; no DB writes here."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from .models import (
    Centre,
    ClaimStatus,
    EnterpriseClaim,
    EventRegistration,
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


def request_event_notice_once(event_id: int) -> int:
    """Send an event's notice if it is still due: the flag is claimed first, so a swept-up duplicate of the
    task sends nothing; a failed send puts the flag back for the next sweep (and the task's own retry)."""
    if not RequestEvent.objects.filter(pk=event_id, notice_pending=True).update(notice_pending=False):
        return 0
    try:
        return request_event_notice(event_id)
    except Exception:
        RequestEvent.objects.filter(pk=event_id).update(notice_pending=True)
        raise


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


def promoted_notice(registration_ids: list[int]) -> int:
    sent = 0
    for registration in EventRegistration.objects.filter(pk__in=registration_ids).select_related("event"):
        emails = _owner_emails(registration.enterprise_id)
        if emails:
            subject = _("Anda mendapat tempat di %(title)s") % {"title": registration.event.title}
            body = _("Tempat yang kosong kini menjadi milik UMKM Anda. Sampai jumpa di %(place)s.") % {
                "place": registration.event.place}
            sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, sorted(emails))
    return sent


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
