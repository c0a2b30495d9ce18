"""The pembinaan ledger: every support an enterprise has had, whichever programme or centre gave it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from registry import services
from registry.models import SupportRecord, SupportSource
from tests.factories import make_enterprise, make_staff

pytestmark = pytest.mark.django_db

JAN = datetime.date(2026, 1, 5)


def record(enterprise, key="csr.support:1", **extra):
    values = dict(
        source=SupportSource.CSR, source_key=key, enterprise_id=enterprise.pk, kind="pelatihan",
        provider="PT Bank Sumut", title="Pelatihan pemasaran digital", started_on=JAN, amount=2_500_000,
    )
    values.update(extra)
    return services.support_record_save(**values)


def test_saving_the_same_source_key_twice_keeps_one_ledger_row():
    enterprise = make_enterprise("Kopi Sidikalang")
    record(enterprise)
    record(enterprise, title="Pelatihan pemasaran daring")
    assert SupportRecord.objects.filter(enterprise=enterprise).count() == 1
    assert SupportRecord.objects.get().title == "Pelatihan pemasaran daring"


def test_ending_a_support_closes_its_row_and_it_is_no_longer_active():
    enterprise = make_enterprise("Ulos Tarutung")
    record(enterprise)
    ended = services.support_record_end(source_key="csr.support:1", ended_on=datetime.date(2026, 3, 1), outcome="lulus")
    assert ended == 1
    assert not SupportRecord.objects.active_on(datetime.date(2026, 4, 1)).exists()
    assert SupportRecord.objects.active_on(datetime.date(2026, 2, 1)).count() == 1


def test_an_unknown_kind_is_refused_with_the_field_named():
    enterprise = make_enterprise("Dodol Garut Medan")
    with pytest.raises(ValidationError) as error:
        record(enterprise, kind="sulap")
    assert "kind" in error.value.message_dict


def test_the_database_refuses_an_end_before_the_start():
    enterprise = make_enterprise("Bika Ambon Zulaikha")
    record(enterprise)
    with pytest.raises(IntegrityError):
        services.support_record_end(source_key="csr.support:1", ended_on=datetime.date(2025, 1, 1))


def test_the_enterprise_page_lists_every_support_with_its_provider_for_staff():
    enterprise = make_enterprise("Sirup Markisa Berastagi")
    record(enterprise)
    record(enterprise, key="plut.request:7", source=SupportSource.PLUT, kind="perizinan", provider="PLUT KUMKM Sumut",
           title="Izin berusaha (NIB) melalui OSS", amount=None, ended_on=datetime.date(2026, 2, 1), outcome="selesai")
    client = Client()
    client.force_login(make_staff("petugas_pembinaan"))
    page = client.get(reverse("registry:enterprise-detail", args=[enterprise.pk])).content.decode()
    assert "PT Bank Sumut" in page and "Rp2.500.000" in page
    assert "PLUT KUMKM Sumut" in page and "Perizinan (NIB/OSS)" in page


def test_staff_read_the_ledger_in_the_admin_and_cannot_edit_it():
    enterprise = make_enterprise("Sirup Markisa Berastagi")
    row = record(enterprise)
    client = Client()
    client.force_login(make_staff("petugas_ledger"))
    listing = client.get(reverse("admin:registry_supportrecord_changelist"))
    assert listing.status_code == 200 and "PT Bank Sumut" in listing.content.decode()
    assert client.get(reverse("admin:registry_supportrecord_change", args=[row.pk])).status_code == 200
    change = reverse("admin:registry_supportrecord_change", args=[row.pk])
    assert client.post(change, {"provider": "X"}).status_code == 403
    assert SupportRecord.objects.get().provider == "PT Bank Sumut"


def test_many_ledger_rows_are_closed_in_one_call_and_unknown_keys_are_ignored():
    enterprise = make_enterprise("Tenun Songket Batubara")
    record(enterprise, key="csr.support:1")
    record(enterprise, key="csr.support:2")
    closed = services.support_records_end_many([
        ("csr.support:1", datetime.date(2026, 6, 1), "lulus: Kecil, tingkat 4"),
        ("csr.support:2", datetime.date(2026, 6, 2), "dialihkan"),
        ("csr.support:999", datetime.date(2026, 6, 2), "tidak ada"),
    ])
    assert closed == 2
    rows = dict(SupportRecord.objects.values_list("source_key", "outcome"))
    assert rows == {"csr.support:1": "lulus: Kecil, tingkat 4", "csr.support:2": "dialihkan"}
    assert not SupportRecord.objects.active_on(datetime.date(2026, 7, 1)).exists()
