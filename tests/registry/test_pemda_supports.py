"""Staff record the government's own support (APBD programmes, source "pemda") in the pembinaan ledger's admin:
add, change and end it through the ledger services; CSR and PLUT rows stay read-only there; a regency office
works on its own regency's enterprises only."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from registry import services
from registry.models import StaffRegion, SupportRecord
from tests.factories import make_enterprise, make_staff, make_user

pytestmark = pytest.mark.django_db

LIST = "/admin/registry/supportrecord/"
ADD = LIST + "add/"


def change_url(record) -> str:
    return f"{LIST}{record.pk}/change/"


def with_ledger_rights(user):
    """The rights to record government support (registry.add/change_supportrecord), given to the user directly:
    the STAFF role itself holds only the read right until the role list grants them."""
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="registry", codename__in=["add_supportrecord", "change_supportrecord"],
    ))
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ledger_row(enterprise, key, *, source="pemda", provider="Dinas Koperasi dan UKM Kota Medan", started_on=None,
               ended_on=None, kind="pelatihan"):
    return services.support_record_save(
        source=source, source_key=key, enterprise_id=enterprise.pk, kind=kind, provider=provider,
        started_on=started_on or date(2025, 3, 1), ended_on=ended_on, title="Pelatihan pemasaran digital",
    )


def support_form(enterprise, **fields) -> dict:
    data = {
        "enterprise": str(enterprise.pk), "kind": "pelatihan", "provider": "Dinas Koperasi dan UKM Kota Medan",
        "title": "Pelatihan pengemasan produk 2025", "started_on": "2025-03-10", "ended_on": "",
        "amount": "2500000", "outcome": "",
    }
    data.update(fields)
    return data


def error_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def medan():
    return make_enterprise("Keripik Sambal Medan", regency="12.71", district="12.71.01")


@pytest.fixture
def binjai():
    return make_enterprise("Rambutan Binjai", regency="12.75", district="12.75.01")


@pytest.fixture
def province_staff():
    return with_ledger_rights(make_staff("petugas_provinsi"))


@pytest.fixture
def medan_staff():
    user = with_ledger_rights(make_staff("petugas_dinas_medan"))
    StaffRegion.objects.create(user=user, regency_id="12.71")
    return user


# --- recording, changing, ending -------------------------------------------------------------------


def test_staff_record_a_government_support_and_it_lands_in_the_ledger_as_pemda(province_staff, medan):
    response = client_for(province_staff).post(ADD, support_form(medan))
    assert response.status_code == 302, error_text(response)
    record = SupportRecord.objects.get(enterprise=medan)
    assert record.source == "pemda"
    assert record.source_key.startswith("pemda.admin:")
    assert (record.kind, record.provider, record.title) == (
        "pelatihan", "Dinas Koperasi dan UKM Kota Medan", "Pelatihan pengemasan produk 2025")
    assert (record.started_on, record.ended_on, record.amount) == (date(2025, 3, 10), None, 2_500_000)


def test_two_recorded_supports_get_two_keys(province_staff, medan):
    client = client_for(province_staff)
    client.post(ADD, support_form(medan))
    client.post(ADD, support_form(medan, kind="peralatan", title="Bantuan etalase"))
    keys = set(SupportRecord.objects.filter(enterprise=medan).values_list("source_key", flat=True))
    assert len(keys) == 2


def test_the_add_form_suggests_the_regency_office_as_provider(medan_staff, province_staff):
    form = client_for(medan_staff).get(ADD).context["adminform"].form
    assert form.initial["provider"] == "Dinas Koperasi dan UKM Kota Medan"
    form = client_for(province_staff).get(ADD).context["adminform"].form
    assert form.initial["provider"] == "Dinas Koperasi dan UKM Provinsi Sumatera Utara"


def test_changing_a_government_support_updates_the_same_ledger_row(province_staff, medan):
    record = ledger_row(medan, "pemda.admin:uji1")
    response = client_for(province_staff).post(
        change_url(record), support_form(medan, title="Pelatihan ekspor", ended_on="2025-06-30", outcome="Selesai"),
    )
    assert response.status_code == 302, error_text(response)
    record.refresh_from_db()
    assert (record.title, record.ended_on, record.outcome) == ("Pelatihan ekspor", date(2025, 6, 30), "Selesai")
    assert record.source_key == "pemda.admin:uji1"
    assert SupportRecord.objects.count() == 1


def test_an_end_before_the_start_is_refused_naming_the_field_and_nothing_is_written(province_staff, medan):
    response = client_for(province_staff).post(ADD, support_form(medan, ended_on="2025-01-01"))
    assert response.status_code == 200
    assert "Tanggal selesai tidak boleh sebelum tanggal mulai" in error_text(response)
    assert response.context["adminform"].form.errors.keys() == {"ended_on"}
    assert not SupportRecord.objects.exists()


def test_a_negative_amount_is_refused_naming_the_field(province_staff, medan):
    response = client_for(province_staff).post(ADD, support_form(medan, amount="-5"))
    assert response.status_code == 200
    assert "Nilai (Rp) tidak boleh negatif" in error_text(response)
    assert not SupportRecord.objects.exists()


def test_ending_selected_supports_ends_only_the_running_government_ones_as_of_today(province_staff, medan):
    today = timezone.localdate()
    running = ledger_row(medan, "pemda.admin:a")
    already_ended = ledger_row(medan, "pemda.admin:b", ended_on=date(2025, 4, 1))
    csr = ledger_row(medan, "csr.support:9", source="csr", provider="PT Bank Sumut")
    not_started = ledger_row(medan, "pemda.admin:c", started_on=today + timedelta(days=30))
    response = client_for(province_staff).post(LIST, {
        "action": "end_government_supports",
        "_selected_action": [str(r.pk) for r in (running, already_ended, csr, not_started)],
    }, follow=True)
    assert "1 pembinaan pemerintah diakhiri" in error_text(response)
    for record in (running, already_ended, csr, not_started):
        record.refresh_from_db()
    assert (running.ended_on, running.outcome) == (today, "Selesai")
    assert already_ended.ended_on == date(2025, 4, 1)
    assert csr.ended_on is None and not_started.ended_on is None


def test_the_history_of_a_government_support_shows_who_changed_it(province_staff, medan):
    client = client_for(province_staff)
    client.post(ADD, support_form(medan))
    record = SupportRecord.objects.get()
    client.post(change_url(record), support_form(medan, title="Pelatihan ekspor"))
    history = error_text(client.get(f"{LIST}{record.pk}/history/"))
    assert "Pelatihan pengemasan produk 2025 &rarr; Pelatihan ekspor" in history
    assert "petugas_provinsi" in history


# --- CSR and PLUT rows belong to their apps ---------------------------------------------------------


@pytest.mark.parametrize("source", ["csr", "plut"])
def test_csr_and_plut_rows_are_shown_read_only_and_a_post_is_refused(province_staff, medan, source):
    record = ledger_row(medan, f"{source}.uji:1", source=source, provider="PT Bank Sumut")
    client = client_for(province_staff)
    page = client.get(change_url(record))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert "PT Bank Sumut" in page.content.decode()
    response = client.post(change_url(record), support_form(medan, provider="Ditimpa"))
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.provider == "PT Bank Sumut" and record.source == source


def test_staff_without_the_ledger_rights_can_read_but_not_record(medan):
    reader = make_user("pembaca", staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_supportrecord"))
    record = ledger_row(medan, "pemda.admin:baca")
    client = client_for(reader)
    assert client.get(LIST).status_code == 200
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, support_form(medan)).status_code == 403
    assert client.post(change_url(record), support_form(medan, title="Ditimpa")).status_code == 403
    client.post(LIST, {"action": "end_government_supports", "_selected_action": [str(record.pk)]})
    record.refresh_from_db()
    assert record.title == "Pelatihan pemasaran digital" and record.ended_on is None


# --- a regency office: its own regency only --------------------------------------------------------


def test_a_regency_office_records_support_for_its_own_regency(medan_staff, medan):
    response = client_for(medan_staff).post(ADD, support_form(medan))
    assert response.status_code == 302, error_text(response)
    assert SupportRecord.objects.get().enterprise == medan


def test_a_regency_office_cannot_record_support_for_another_regencys_enterprise(medan_staff, binjai):
    response = client_for(medan_staff).post(ADD, support_form(binjai))
    assert response.status_code == 200
    assert "enterprise" in response.context["adminform"].form.errors
    assert not SupportRecord.objects.exists()


def test_another_regencys_government_support_is_not_found_nor_changed_nor_ended(medan_staff, medan, binjai):
    own = ledger_row(medan, "pemda.admin:medan")
    other = ledger_row(binjai, "pemda.admin:binjai", provider="Dinas Koperasi dan UKM Kota Binjai")
    client = client_for(medan_staff)
    assert [r.pk for r in client.get(LIST).context["cl"].result_list] == [own.pk]
    for url in (change_url(other), f"{LIST}{other.pk}/history/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/admin/", url
    client.post(change_url(other), support_form(binjai, title="Ditimpa"))
    client.post(LIST, {"action": "end_government_supports", "_selected_action": [str(own.pk), str(other.pk)]})
    other.refresh_from_db()
    own.refresh_from_db()
    assert other.title == "Pelatihan pemasaran digital" and other.ended_on is None
    assert own.ended_on == timezone.localdate()


def test_the_enterprise_autocomplete_offers_a_regency_office_only_its_own_enterprises(medan_staff, medan, binjai):
    response = client_for(medan_staff).get("/admin/autocomplete/", {
        "app_label": "registry", "model_name": "supportrecord", "field_name": "enterprise", "term": "",
    })
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == [str(medan)]
