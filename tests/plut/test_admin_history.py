"""The admin's "Riwayat" page of a service request, a claim and an event shows the audit history (pghistory),
changes made on the request page and the portal included, and opens only for an object in the user's scope."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from plut.models import ClaimKind, ClaimStatus, EnterpriseClaim
from registry.models import StaffRegion
from sumut_umkm import roles
from tests.factories import make_enterprise, make_staff, make_user
from tests.plut.conftest import make_event, submit

pytestmark = pytest.mark.django_db


def history_url(obj) -> str:
    return reverse(f"admin:plut_{obj._meta.model_name}_history", args=[obj.pk])


def history(client, obj) -> str:
    response = client.get(history_url(obj))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def not_found(client, obj) -> bool:
    response = client.get(history_url(obj))
    return response.status_code == 302 and response["Location"] == reverse("admin:index")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def binjai_office():
    user = make_staff("petugas_dinas_binjai")
    StaffRegion.objects.create(user=user, regency_id="12.75")
    return signed_in(user)


def test_a_request_moved_on_the_request_page_shows_in_its_admin_history_with_who_moved_it(desk):
    request = submit(desk)
    staff = signed_in(desk.staff)
    assert staff.post(reverse("plut:request-transition", args=[request.pk]), {"to": "diterima"}).status_code == 302

    text = history(staff, request)
    assert "Diajukan &rarr; Diterima" in text
    assert desk.staff.username in text
    assert "Dibuat" in text  # the owner's submission


def test_a_claim_decided_on_the_claims_page_shows_in_its_admin_history_with_who_decided(desk):
    owner = make_user("pemilik_baru", role=roles.MSME_OWNER)
    enterprise = make_enterprise("Kopi Sidikalang Uji")
    claim = EnterpriseClaim.objects.create(
        user=owner, kind=ClaimKind.EXISTING, enterprise=enterprise, nib=enterprise.nib,
    )
    staff = signed_in(desk.staff)
    assert staff.post(reverse("plut:claim-decide", args=[claim.pk]), {"decision": "reject"}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED

    text = history(staff, claim)
    assert "Menunggu verifikasi petugas &rarr; Ditolak" in text and desk.staff.username in text


def test_the_history_of_another_regencys_request_claim_and_event_is_not_found(desk, binjai_office):
    request = submit(desk)  # the enterprises of the desk are in Kota Medan, the centre too
    claim = EnterpriseClaim.objects.get(user=desk.owner)
    event = make_event(desk)
    for obj in (request, claim, event):
        assert "Dibuat" in history(signed_in(desk.staff), obj)
        assert not_found(binjai_office, obj), obj


def test_a_consultant_opens_the_history_of_an_assigned_request_only(desk):
    request = submit(desk)
    staff = signed_in(desk.staff)
    staff.post(reverse("plut:request-transition", args=[request.pk]), {"to": "diterima"})
    consultant = signed_in(desk.consultant.user)
    assert not_found(consultant, request)
    staff.post(reverse("plut:request-transition", args=[request.pk]),
               {"to": "ditugaskan", "consultant": desk.consultant.pk})
    assert "Ditugaskan ke konsultan" in history(consultant, request)
    assert not_found(signed_in(desk.other_consultant.user), request)
