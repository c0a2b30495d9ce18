"""Fixtures of the CSR tests: two companies with an officer each, a programme, classed enterprises."""

from __future__ import annotations

import pytest
from django.db import transaction

from csr.models import Company, CompanyMember, Programme
from registry.models import Enterprise, Region
from sumut_umkm import roles
from tests.factories import make_enterprise, make_user


def make_company(name: str, *, kind: str = "bumn", officer=None) -> Company:
    company = Company.objects.create(legal_name=name, kind=kind)
    if officer is not None:
        CompanyMember.objects.create(user=officer, company=company)
    return company


def make_officer(username: str | None = None, **extra):
    return make_user(username, role=roles.COMPANY_OFFICER, **extra)


def make_programme(company: Company, name: str = "Program Binaan Mikro", *, regencies=("12.71",), **extra) -> Programme:
    fields = {
        "kinds": ["pelatihan", "pembiayaan"], "size_classes": ["mikro"], "tier_min": 1, "tier_max": 3,
        "starts_on": "2025-01-01", "budget": 500_000_000,
    }
    fields.update(extra)
    programme = Programme.objects.create(company=company, name=name, **fields)
    programme.target_regencies.set(Region.objects.filter(pk__in=regencies))
    return programme


def classed(enterprise: Enterprise, size_class: str = "mikro", tier: int = 1) -> Enterprise:
    """Give an enterprise the class the graduation engine would compute."""
    Enterprise.objects.filter(pk=enterprise.pk).update(size_class=size_class, tier=tier)
    enterprise.refresh_from_db()
    return enterprise


def make_classed(name=None, *, size_class="mikro", tier=1, **kwargs) -> Enterprise:
    return classed(make_enterprise(name, **kwargs), size_class, tier)


@pytest.fixture
def officer():
    return make_officer("petugas_a", email="csr@alpha.co.id")


@pytest.fixture
def other_officer():
    return make_officer("petugas_b", email="csr@beta.co.id")


@pytest.fixture
def company(officer):
    return make_company("PT Perkebunan Nusantara Contoh", officer=officer)


@pytest.fixture
def other_company(other_officer):
    return make_company("PT Bank Sumut Contoh", kind="bumd", officer=other_officer)


@pytest.fixture
def programme(company):
    return make_programme(company)


@pytest.fixture
def other_programme(other_company):
    return make_programme(other_company, "Program Mitra Binaan")


__all__ = ["transaction"]
