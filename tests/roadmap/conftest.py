"""Shared data for the roadmap tests: a small province built with the registry's own services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from csr.roadmap import services as roadmap_services
from registry import services
from registry.models import Enterprise, GraduationEvent, RuleSet
from tests.factories import make_enterprise

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture(autouse=True)
def _fresh_snapshot(db):
    """The snapshot lives in the shared Redis: every test counts its own rows."""
    roadmap_services.snapshot_forget()
    yield
    roadmap_services.snapshot_forget()


def support(enterprise, key, *, source="csr", kind="pelatihan", provider="PT Bank Sumut", started_on, ended_on=None,
            title="Program UMKM Naik Kelas"):
    return services.support_record_save(
        source=source, source_key=f"test.{key}", enterprise_id=enterprise.pk, kind=kind, provider=provider,
        started_on=started_on, ended_on=ended_on, title=title,
    )


def graduation_event(enterprise, *, direction="naik", on: date):
    event = GraduationEvent.objects.create(
        enterprise=enterprise, from_class="mikro", to_class="kecil" if direction == "naik" else "mikro",
        direction=direction, status="terkonfirmasi", rule_set=RuleSet.objects.get(is_active=True),
        reason="uji peta jalan",
    )
    # created_at is auto_now_add: set the moment the test needs (09.00 WIB that day).
    GraduationEvent.objects.filter(pk=event.pk).update(created_at=datetime(on.year, on.month, on.day, 9, tzinfo=WIB))
    return event


def enterprise(name, regency, district, size_class="mikro", *, active=True):
    made = make_enterprise(name, regency=regency, district=district)
    Enterprise.objects.filter(pk=made.pk).update(size_class=size_class, is_active=active)
    made.size_class, made.is_active = size_class, active
    return made


@dataclass
class Province:
    today: date
    medan_training: Enterprise  # micro, CSR training since Jan 2025 (graduated after), PLUT training in 2023
    medan_financing: Enterprise  # micro, CSR financing and a regency training at once (an overlap); graduated before
    medan_small: Enterprise  # small, CSR training renewed by the same programme (no overlap), moved down
    medan_closed: Enterprise  # closed: never counted
    binjai: Enterprise  # micro, two companies in 2024 whose periods overlap
    tapteng: list[Enterprise]  # three micro enterprises, never supported


@pytest.fixture
def province(db) -> Province:
    today = timezone.localdate()
    training = enterprise("Kedai Kopi Uji", "12.71", "12.71.01")
    financing = enterprise("Tenun Uji", "12.71", "12.71.01")
    small = enterprise("Bengkel Uji", "12.71", "12.71.02", "kecil")
    closed = enterprise("Warung Tutup", "12.71", "12.71.01", active=False)
    binjai = enterprise("Keripik Binjai", "12.75", "12.75.01")
    tapteng = [enterprise(f"Ikan Asin {n}", "12.01", "12.01.01") for n in range(3)]

    support(training, "t1", started_on=date(2025, 1, 10))
    support(training, "t2", source="plut", provider="PLUT KUMKM Sumut", title="Pelatihan kemasan",
            started_on=date(2023, 3, 1), ended_on=date(2023, 4, 1))
    graduation_event(training, on=date(2025, 6, 1))

    support(financing, "f1", kind="pembiayaan", provider="PT Inalum", started_on=today - timedelta(days=30))
    support(financing, "f2", source="pemda", provider="Dinas Koperasi Kota Medan", title="Pelatihan digital",
            started_on=today - timedelta(days=10))
    graduation_event(financing, on=today - timedelta(days=60))

    support(small, "s1", started_on=today - timedelta(days=400), ended_on=today - timedelta(days=40))
    support(small, "s2", started_on=today - timedelta(days=60))
    graduation_event(small, direction="turun", on=today - timedelta(days=5))

    support(closed, "c1", started_on=today - timedelta(days=5))

    support(binjai, "b1", provider="PT Bank Sumut", started_on=date(2024, 1, 1), ended_on=date(2024, 6, 30))
    support(binjai, "b2", provider="PT Perkebunan Nusantara", title="Kemitraan",
            started_on=date(2024, 6, 1), ended_on=date(2024, 12, 31))
    return Province(today, training, financing, small, closed, binjai, tapteng)
