"""Plain factory functions for tests: real rows in the real PostgreSQL test database."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from registry import services
from registry.models import Enterprise, Owner, Sector
from sumut_umkm import roles

_seq = itertools.count(1)

# Valid NIKs: region 12.71.01 (Medan Tuntungan), birth 15-05-1990; women add 40 to the day.
VALID_NIK_MAN = "1271011505900001"
VALID_NIK_WOMAN = "1271015505900002"


def make_user(username: str | None = None, *, role: str | None = None, staff: bool | None = None, **extra):
    username = username or f"user{next(_seq)}"
    User = get_user_model()
    is_staff = staff if staff is not None else role in (roles.STAFF, roles.PLUT_CONSULTANT, roles.PII_VIEWER)
    user = User.objects.create_user(username=username, password="rahasia-uji-123", is_staff=is_staff, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_staff(username: str | None = None, *, with_nik: bool = False):
    user = make_user(username, role=roles.STAFF)
    if with_nik:
        user.groups.add(Group.objects.get(name=roles.PII_VIEWER))
    return user


def make_owner(name: str = "Siti Aminah", nik: str | None = None, **extra) -> Owner:
    return services.owner_upsert(name=name, nik=nik, **extra)


def make_nib() -> str:
    return f"91{next(_seq):011d}"


def make_enterprise(
    name: str | None = None,
    *,
    regency: str = "12.71",
    district: str | None = "12.71.01",
    sector: str | None = "47",
    owner: Owner | None = None,
    nib: str | None = "auto",
    **extra,
) -> Enterprise:
    return services.enterprise_register(
        owner=owner,
        name=name or f"Usaha Uji {next(_seq)}",
        nib=make_nib() if nib == "auto" else nib,
        regency_id=regency,
        district_id=district,
        sector=Sector.objects.get(version="2020", code=sector) if sector else None,
        **extra,
    )
