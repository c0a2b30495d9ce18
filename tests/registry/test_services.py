import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from registry import services
from registry.models import Enterprise, EnterpriseEvent, Owner, YearlyReport
from tests.factories import VALID_NIK_MAN, VALID_NIK_WOMAN, make_enterprise, make_owner

pytestmark = pytest.mark.django_db


def test_an_owner_nik_is_stored_encrypted_hashed_and_masked_never_in_clear_text():
    owner = make_owner("Rina Siregar", nik=VALID_NIK_WOMAN)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_owner WHERE id = %s", [owner.pk])
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert VALID_NIK_WOMAN not in stored
    owner.refresh_from_db()
    assert owner.nik_masked == "1271********0002"
    assert owner.nik == VALID_NIK_WOMAN


def test_the_same_nik_finds_the_same_owner_instead_of_a_duplicate():
    first = make_owner("Budi Nasution", nik=VALID_NIK_MAN)
    again = services.owner_upsert(name="Budi Nasution", nik="1271 0115 0590 0001", phone="081234567890")
    assert again.pk == first.pk
    assert Owner.objects.filter(nik_hash=first.nik_hash).count() == 1
    assert again.phone == "081234567890"


def test_an_owner_with_a_wrong_nik_is_refused_on_the_nik_field():
    with pytest.raises(ValidationError) as info:
        services.owner_upsert(name="Salah", nik="127101150590001")
    assert "nik" in info.value.message_dict
    assert not Owner.objects.filter(name="Salah").exists()


def test_an_enterprise_is_registered_formal_when_it_has_an_nib():
    enterprise = make_enterprise("Kedai Kopi Sidikalang", nib="9120100770001", regency="12.11", district="12.11.01")
    enterprise.refresh_from_db()
    assert enterprise.is_formal is True
    informal = make_enterprise("Warung Bu Ani", nib=None)
    informal.refresh_from_db()
    assert informal.is_formal is False


def test_a_duplicate_nib_is_refused_with_an_indonesian_message_on_the_nib_field():
    make_enterprise(nib="9120100770001")
    with pytest.raises(ValidationError) as info:
        make_enterprise(nib="9120100770001")
    assert info.value.message_dict["nib"] == ["NIB ini sudah dipakai oleh UMKM lain."]


def test_the_database_itself_refuses_a_duplicate_nib():
    make_enterprise(nib="9120100770001")
    with pytest.raises(IntegrityError):
        Enterprise.objects.create(name="Tembak langsung", nib="9120100770001", regency_id="12.71")


def test_a_district_outside_the_regency_is_refused_naming_the_district():
    with pytest.raises(ValidationError) as info:
        make_enterprise(regency="12.71", district="12.75.01")  # a district of Kota Binjai
    message = info.value.message_dict["district"][0]
    assert message == "Kecamatan Binjai Utara tidak berada di Kota Medan."


def test_a_wrong_nib_or_npwp_is_refused_on_its_field():
    with pytest.raises(ValidationError) as info:
        make_enterprise(nib="12345", npwp="01.300.066.2-091.000")
    assert set(info.value.message_dict) == {"nib", "npwp"}


def test_saved_yearly_figures_reclassify_the_enterprise_once_the_save_commits(django_capture_on_commit_callbacks):
    enterprise = make_enterprise()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.yearly_report_save(enterprise=enterprise, year=2024, omzet=2_000_000_001, capital=50_000_000)
    enterprise.refresh_from_db()
    assert enterprise.size_class is None  # nothing is computed before the save commits
    for callback in callbacks:
        callback()
    enterprise.refresh_from_db()
    assert enterprise.size_class == "kecil"


def test_a_save_still_succeeds_when_the_queue_is_unreachable(django_capture_on_commit_callbacks, caplog, monkeypatch):
    from kombu.exceptions import OperationalError

    from registry.tasks import graduation_recompute_enterprises_task

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(graduation_recompute_enterprises_task, "delay", broker_down)
    enterprise = make_enterprise()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.yearly_report_save(enterprise=enterprise, year=2024, omzet=1_000_000)
    assert YearlyReport.objects.filter(pk=report.pk).exists()
    assert "dihitung ulang pada proses malam" in caplog.text


def test_a_negative_amount_is_refused_and_nothing_is_saved():
    enterprise = make_enterprise()
    with pytest.raises(ValidationError) as info:
        services.yearly_report_save(enterprise=enterprise, year=2025, omzet=-1, capital=-5)
    assert set(info.value.message_dict) >= {"omzet", "capital"}
    assert not YearlyReport.objects.filter(enterprise=enterprise).exists()


def test_the_database_refuses_a_negative_omzet_even_past_the_service():
    enterprise = make_enterprise()
    with pytest.raises(IntegrityError):
        YearlyReport.objects.create(enterprise=enterprise, year=2025, omzet=-1)


def test_saving_the_same_year_again_replaces_that_years_figures():
    enterprise = make_enterprise()
    services.yearly_report_save(enterprise=enterprise, year=2025, omzet=100_000_000)
    services.yearly_report_save(enterprise=enterprise, year=2025, omzet=120_000_000)
    assert list(enterprise.yearly_reports.values_list("year", "omzet")) == [(2025, 120_000_000)]


def test_every_change_to_an_enterprise_is_kept_in_the_audit_history_including_bulk_updates():
    enterprise = make_enterprise("Toko Lama")
    services.enterprise_update(enterprise=enterprise, name="Toko Baru")
    Enterprise.objects.filter(pk=enterprise.pk).update(is_active=False)  # set-based write, no signals
    events = list(EnterpriseEvent.objects.filter(pgh_obj_id=enterprise.pk).order_by("pgh_id"))
    assert [e.pgh_label for e in events] == ["insert", "update", "update"]
    assert events[1].name == "Toko Baru" and events[2].is_active is False
