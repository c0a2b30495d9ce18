"""People and places of the service desk, as real rows: a centre, its consultant, staff, two MSME owners."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from plut import services
from plut.models import Centre, ClaimKind, ClaimStatus, Consultant, EnterpriseClaim, Event, Service
from sumut_umkm import roles
from tests.factories import make_enterprise, make_staff, make_user


def make_msme(enterprise=None, *, username: str | None = None):
    """An MSME owner account whose claim on `enterprise` staff have confirmed."""
    user = make_user(username, role=roles.MSME_OWNER, email=f"{username or 'pemilik'}@contoh.id")
    enterprise = enterprise or make_enterprise()
    EnterpriseClaim.objects.create(user=user, kind=ClaimKind.EXISTING, enterprise=enterprise, nib=enterprise.nib,
                                   status=ClaimStatus.CONFIRMED)
    return user, enterprise


def make_consultant(centre, username: str | None = None):
    user = make_user(username, role=roles.PLUT_CONSULTANT, email=f"{username or 'konsultan'}@plut.id")
    return Consultant.objects.create(user=user, centre=centre)


@pytest.fixture
def desk(db):
    medan = Centre.objects.get(code="plut-sumut")
    medan.head_email = "kepala@plut.id"
    medan.save()
    owner, enterprise = make_msme(username="pemilik_a")
    other_owner, other_enterprise = make_msme(username="pemilik_b")
    return SimpleNamespace(
        centre=medan,
        service=Service.objects.get(code="konsultasi"),
        staff=make_staff(),
        consultant=make_consultant(medan, "konsultan_a"),
        other_consultant=make_consultant(medan, "konsultan_b"),
        owner=owner,
        enterprise=enterprise,
        other_owner=other_owner,
        other_enterprise=other_enterprise,
    )


def submit(desk, *, owner=None, enterprise=None, description="Butuh konsultasi pemasaran daring."):
    return services.request_submit(
        user=owner or desk.owner, enterprise=enterprise or desk.enterprise, service=desk.service, centre=desk.centre,
        description=description,
    )


def make_event(desk, capacity=1):
    now = timezone.now()
    return Event.objects.create(centre=desk.centre, kind="pelatihan", title="Pelatihan kemasan", place="PLUT Medan",
                                starts_at=now + timedelta(days=7), ends_at=now + timedelta(days=7, hours=3),
                                capacity=capacity, is_published=True)
