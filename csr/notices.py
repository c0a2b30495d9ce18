"""Emails to company officers. A support is marked notified in the same transaction that sends its
email, so a failed send is retried and a sent one is not repeated."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import CompanyMember, Support


@transaction.atomic
def graduation_notify(*, support_ids: list[int]) -> int:
    """Send one email per company listing its beneficiaries that graduated; returns the emails sent."""
    now = timezone.now()
    claimed = list(
        Support.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=support_ids, graduated_at__isnull=False, notified_at__isnull=True)
        .select_related("programme__company", "enterprise")
        .order_by("programme__company_id", "id")
    )
    if not claimed:
        return 0
    Support.objects.filter(pk__in=[s.pk for s in claimed]).update(notified_at=now)
    by_company = defaultdict(list)
    for support in claimed:
        by_company[support.programme.company].append(support)
    recipients = defaultdict(set)
    for company_id, email in CompanyMember.objects.filter(
        company__in=list(by_company), user__is_active=True
    ).exclude(user__email="").values_list("company_id", "user__email"):
        recipients[company_id].add(email)
    sent = 0
    # No per-user language is stored (auth.User, no profile field): the site language for everyone.
    with translation.override(settings.LANGUAGE_CODE):
        for company, supports in by_company.items():
            to = sorted(recipients[company.pk] | ({company.contact_email} if company.contact_email else set()))
            if not to:
                continue
            body = render_to_string("csr/email/graduated.txt", {
                "company": company, "supports": supports, "site_url": settings.SITE_URL,
            })
            subject = _("UMKM binaan %(company)s naik kelas") % {"company": company.legal_name}
            send_mail(subject, body, None, to)
            sent += 1
    return sent
