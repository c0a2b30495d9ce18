"""Merging two registry records of one enterprise: everything that pointed at the absorbed record points at the
kept one (in every app), clashing years are decided as documented in registry.merging, refusals change nothing,
and staff do it from the possible-duplicates list through a confirmation page."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from csr.models import Support
from plut.models import Centre, Service, ServiceRequest
from registry import merging, services
from registry.models import (
    DuplicateStatus,
    Enterprise,
    EnterpriseEvent,
    Permit,
    PossibleDuplicate,
    StaffRegion,
    SupportRecord,
    YearlyReport,
)
from tests.csr.conftest import make_company, make_programme
from tests.factories import VALID_NIK_MAN, make_enterprise, make_owner, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins():
    """One shop registered twice: once from OSS with its NIB, once by a regency survey without."""
    owner = make_owner("Budi Santoso", nik=VALID_NIK_MAN)
    kept = make_enterprise("Kedai Kopi Budi", owner=owner, nib="9120000000001")
    absorbed = make_enterprise("Kedai Kopi Budi Jaya", owner=None, nib=None, address="Jl. Bunga Rinte 7",
                               npwp="")
    return kept, absorbed


@pytest.fixture
def staff():
    return make_staff("petugas_provinsi")


def regency_staff(username: str, code: str):
    user = make_staff(username)
    StaffRegion.objects.create(user=user, regency_id=code)
    return user


def report(enterprise, year, omzet, *, verified_by=None, age_days=0):
    row = YearlyReport.objects.create(enterprise=enterprise, year=year, omzet=omzet,
                                      verified_by=verified_by, verified_at=timezone.now() if verified_by else None)
    YearlyReport.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(days=age_days))
    return row


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_merging_moves_reports_permits_ledger_csr_and_plut_rows_and_recomputes_the_kept_class(
        twins, staff, django_capture_on_commit_callbacks):
    kept, absorbed = twins
    report(absorbed, 2024, 300_000_000)
    Permit.objects.create(enterprise=absorbed, kind="pirt", number="2061271010001-29")
    services.support_record_save(source="pemda", source_key="pemda.uji:1", enterprise_id=absorbed.pk,
                                 kind="pelatihan", provider="Dinas Koperasi Kota Medan", started_on=date(2025, 3, 1))
    programme = make_programme(make_company("PT Perkebunan Contoh"))
    support = Support.objects.create(programme=programme, enterprise=absorbed, kind="pelatihan",
                                     started_on=date(2025, 2, 1))
    request = ServiceRequest.objects.create(
        enterprise=absorbed, service=Service.objects.get(code="konsultasi"),
        centre=Centre.objects.get(code="plut-sumut"), description="Butuh bantuan kemasan.",
        submitted_on=date(2025, 4, 1), due_on=date(2025, 4, 15),
    )
    assert kept.size_class is None

    with django_capture_on_commit_callbacks(execute=True):
        result = merging.enterprises_merge(keep=kept, absorb=absorbed, user=staff)

    assert YearlyReport.objects.get(year=2024).enterprise_id == kept.pk
    assert Permit.objects.get().enterprise_id == kept.pk
    assert SupportRecord.objects.get(source_key="pemda.uji:1").enterprise_id == kept.pk
    support.refresh_from_db()
    request.refresh_from_db()
    assert support.enterprise_id == kept.pk and request.enterprise_id == kept.pk
    assert not YearlyReport.objects.filter(enterprise=absorbed).exists()
    assert result.moved["laporan tahunan"] == 1 and result.moved["dukungan CSR"] == 1
    kept.refresh_from_db()
    assert kept.size_class == "mikro"  # recomputed after commit from the report it received
    # Blank fields of the kept record are filled from the absorbed one; its own values stay.
    assert kept.address == "Jl. Bunga Rinte 7" and kept.nib == "9120000000001" and kept.owner.name == "Budi Santoso"


def test_the_absorbed_record_stays_inactive_pointing_at_the_kept_one_and_gives_it_its_nib(staff):
    kept = make_enterprise("Warung Sate Ani", nib=None)
    absorbed = make_enterprise("Warung Sate Ani Medan", nib="9120000000002", npwp="")
    pair = PossibleDuplicate.objects.create(enterprise=kept, other=absorbed, similarity=0.8)

    result = merging.enterprises_merge(keep=kept, absorb=absorbed, user=staff)

    absorbed.refresh_from_db()
    kept.refresh_from_db()
    assert not absorbed.is_active and absorbed.merged_into_id == kept.pk
    assert absorbed.nib is None and kept.nib == "9120000000002"
    assert "nib" in result.filled
    # Audited, with the merge named in the audit context.
    event = EnterpriseEvent.objects.filter(pgh_obj_id=absorbed.pk).order_by("pgh_id").last()
    assert event.merged_into_id == kept.pk and event.pgh_context.metadata["note"] == f"digabung ke #{kept.pk}"
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.MERGED and pair.reviewed_by == staff
    with pytest.raises(ValidationError, match=f"sudah digabung ke #{kept.pk}"):
        merging.enterprises_merge(keep=make_enterprise(), absorb=absorbed, user=staff)
    # The absorbed record's page says where it went.
    client = Client()
    client.force_login(staff)
    page = client.get(f"/registri/umkm/{absorbed.pk}/").content.decode()
    assert f'Digabung ke <a href="/registri/umkm/{kept.pk}/">#{kept.pk}</a>' in page


def test_a_year_both_records_report_keeps_the_verified_report_else_the_newer_one(twins, staff):
    kept, absorbed = twins
    report(kept, 2023, 100_000_000, age_days=1)               # newer than the absorbed one's 2023
    report(absorbed, 2023, 900_000_000, age_days=30)
    report(kept, 2024, 200_000_000)                           # newer, but not verified
    report(absorbed, 2024, 250_000_000, verified_by=staff, age_days=10)
    report(absorbed, 2025, 260_000_000)

    result = merging.enterprises_merge(keep=kept, absorb=absorbed, user=staff)

    figures = dict(YearlyReport.objects.filter(enterprise=kept).values_list("year", "omzet"))
    assert figures == {2023: 100_000_000, 2024: 250_000_000, 2025: 260_000_000}
    assert YearlyReport.objects.get(year=2024).is_verified
    assert [(c.year, c.kept_from) for c in result.year_conflicts] == [(2023, kept.pk), (2024, absorbed.pk)]
    assert "terverifikasi" in result.year_conflicts[1].reason


def test_two_different_nibs_are_refused_and_nothing_changes(staff):
    kept = make_enterprise("Keripik Ubi Rina", nib="9120000000003")
    absorbed = make_enterprise("Keripik Ubi Rina 2", nib="9120000000004")
    report(absorbed, 2024, 50_000_000)

    with pytest.raises(ValidationError) as refused:
        merging.enterprises_merge(keep=kept, absorb=absorbed, user=staff)

    assert "NIB kedua UMKM berbeda (9120000000003 dan 9120000000004)" in refused.value.messages[0]
    absorbed.refresh_from_db()
    assert absorbed.is_active and absorbed.merged_into_id is None and absorbed.nib == "9120000000004"
    assert YearlyReport.objects.get().enterprise_id == absorbed.pk


def test_a_regency_office_cannot_merge_across_regencies_but_provincial_staff_can(staff):
    medan = make_enterprise("Bolu Meranti", regency="12.71", district="12.71.01", nib=None)
    binjai = make_enterprise("Bolu Meranti Binjai", regency="12.75", district="12.75.01", nib=None)
    report(binjai, 2024, 10_000_000)

    with pytest.raises(ValidationError, match="hanya dapat menggabungkan UMKM di wilayah kerjanya"):
        merging.enterprises_merge(keep=medan, absorb=binjai, user=regency_staff("petugas_medan", "12.71"))
    binjai.refresh_from_db()
    assert binjai.is_active and YearlyReport.objects.get().enterprise_id == binjai.pk

    merging.enterprises_merge(keep=medan, absorb=binjai, user=staff)
    assert YearlyReport.objects.get().enterprise_id == medan.pk


def test_a_row_allowed_only_once_per_enterprise_in_another_app_refuses_the_merge(twins, staff):
    kept, absorbed = twins
    programme = make_programme(make_company("PT Bank Contoh", kind="bumd"))
    for enterprise in twins:
        Support.objects.create(programme=programme, enterprise=enterprise, kind="pelatihan",
                               started_on=date(2025, 1, 6))

    with pytest.raises(ValidationError, match="sudah menerima dukungan aktif dari program ini"):
        merging.enterprises_merge(keep=kept, absorb=absorbed, user=staff)
    assert Support.objects.filter(enterprise=absorbed).count() == 1


def test_pairs_of_the_absorbed_record_with_a_third_enterprise_move_to_the_kept_one(twins, staff):
    kept, absorbed = twins
    third = make_enterprise("Kedai Kopi Budi Baru", nib=None)
    other_pair = PossibleDuplicate.objects.create(enterprise=absorbed, other=third, similarity=0.7)

    merging.enterprises_merge(keep=kept, absorb=absorbed, user=staff)

    other_pair.refresh_from_db()
    assert (other_pair.enterprise_id, other_pair.other_id) == (kept.pk, third.pk)
    assert other_pair.status == DuplicateStatus.OPEN


def test_staff_merge_a_pair_from_the_list_through_a_confirmation_page(twins, staff):
    kept, absorbed = twins  # kept holds the NIB although it was registered first anyway
    pair = PossibleDuplicate.objects.create(enterprise=kept, other=absorbed, similarity=0.82)
    client = client_for(staff)
    merge_url = reverse("admin:registry_possibleduplicate_merge", args=[pair.pk])

    listing = client.get(reverse("admin:registry_possibleduplicate_changelist")).content.decode()
    assert merge_url in listing and "Gabungkan" in listing
    response = client.post(reverse("admin:registry_possibleduplicate_changelist"),
                           {"action": "merge_pair", "_selected_action": [pair.pk]})
    assert response.status_code == 302 and response["Location"] == merge_url

    page = client.get(merge_url).content.decode()
    assert "Dipertahankan" in page and "9120000000001" in page and "Jl. Bunga Rinte 7" in page
    assert f'name="keep" value="{kept.pk}"' in page
    swapped = client.get(merge_url, {"pertahankan": absorbed.pk}).content.decode()
    assert f'name="keep" value="{absorbed.pk}"' in swapped

    response = client.post(merge_url, {"keep": kept.pk}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:registry_possibleduplicate_changelist")
    assert f"digabung ke “Kedai Kopi Budi” (#{kept.pk})" in response.content.decode()
    absorbed.refresh_from_db()
    assert absorbed.merged_into_id == kept.pk and not absorbed.is_active
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.MERGED


def test_a_refused_merge_on_the_page_shows_why_and_changes_nothing(staff):
    kept = make_enterprise("Keripik Ubi Rina", nib="9120000000003")
    absorbed = make_enterprise("Keripik Ubi Rina 2", nib="9120000000004")
    pair = PossibleDuplicate.objects.create(enterprise=kept, other=absorbed, similarity=0.9)

    response = client_for(staff).post(reverse("admin:registry_possibleduplicate_merge", args=[pair.pk]),
                                      {"keep": kept.pk})

    assert response.status_code == 200
    assert "NIB kedua UMKM berbeda" in response.content.decode()
    assert Enterprise.objects.get(pk=absorbed.pk).is_active
    assert PossibleDuplicate.objects.get().status == DuplicateStatus.OPEN


def test_a_regency_office_cannot_open_or_post_a_pair_reaching_into_another_regency():
    medan = make_enterprise("Bolu Meranti", regency="12.71", district="12.71.01", nib=None)
    binjai = make_enterprise("Bolu Meranti Binjai", regency="12.75", district="12.75.01", nib=None)
    pair = PossibleDuplicate.objects.create(enterprise=medan, other=binjai, similarity=0.9)
    client = client_for(regency_staff("petugas_medan", "12.71"))
    url = reverse("admin:registry_possibleduplicate_merge", args=[pair.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"keep": medan.pk}).status_code == 404
    assert Enterprise.objects.get(pk=binjai.pk).is_active


def test_another_regencys_pair_is_not_found_and_staff_without_the_right_to_change_enterprises_are_refused(twins):
    pair = PossibleDuplicate.objects.create(enterprise=twins[0], other=twins[1], similarity=0.82)
    url = reverse("admin:registry_possibleduplicate_merge", args=[pair.pk])

    assert client_for(regency_staff("petugas_binjai", "12.75")).get(url).status_code == 404
    reader = make_staff("petugas_baca")
    reader.groups.clear()
    reader.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="registry", codename__in=["view_possibleduplicate", "change_possibleduplicate",
                                                           "view_enterprise"]))
    assert client_for(reader).post(url, {"keep": twins[0].pk}).status_code == 403
    assert Enterprise.objects.get(pk=twins[1].pk).is_active
