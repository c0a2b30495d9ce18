"""Staff verify yearly reports (admin action, enterprise page, API): a move up resting on a verified report is
confirmed once the enterprise is recomputed; a regency office verifies its own regency's reports only."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry import graduation, services
from registry.models import StaffRegion, YearlyReport
from tests.factories import make_enterprise, make_staff

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1
REPORTS = "/admin/registry/yearlyreport/"


def graduated(name: str, *, regency: str = "12.71", district: str = "12.71.01", omzet: int = 3_000_000_000):
    """An enterprise moved up from mikro on one unverified report (sementara, or perlu verifikasi for a jump)."""
    enterprise = make_enterprise(name, regency=regency, district=district)
    YearlyReport.objects.create(enterprise=enterprise, year=LAST_YEAR - 1, omzet=1_000_000_000)
    graduation.recompute_enterprises(enterprise_ids=[enterprise.pk])
    report = YearlyReport.objects.create(enterprise=enterprise, year=LAST_YEAR, omzet=omzet)
    graduation.recompute_enterprises(enterprise_ids=[enterprise.pk])
    enterprise.refresh_from_db()
    return enterprise, report


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def medan_staff():
    user = make_staff("petugas_dinas_medan")
    StaffRegion.objects.create(user=user, regency_id="12.71")
    return user


def test_verifying_a_report_confirms_a_provisional_move_up_and_records_who_and_when(
    django_capture_on_commit_callbacks,
):
    enterprise, report = graduated("Bolu Meranti")
    assert (enterprise.size_class, enterprise.class_status) == ("kecil", "sementara")
    staff = make_staff()
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        verified = services.yearly_reports_verify(reports=[report.pk], user=staff)

    assert verified == 1
    report.refresh_from_db()
    assert report.verified_by == staff and before <= report.verified_at <= timezone.now()
    enterprise.refresh_from_db()
    assert (enterprise.size_class, enterprise.class_status) == ("kecil", "terkonfirmasi")


def test_the_admin_action_verifies_the_selected_reports_and_confirms_a_flagged_jump(
    django_capture_on_commit_callbacks,
):
    enterprise, report = graduated("Kopi Sidikalang", omzet=20_000_000_000)
    assert (enterprise.size_class, enterprise.class_status) == ("menengah", "perlu_verifikasi")
    staff = make_staff()

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(staff).post(
            REPORTS, {"action": "verify_selected", "_selected_action": [report.pk]}, follow=True
        )

    assert "1 laporan tahunan diverifikasi" in response.content.decode()
    report.refresh_from_db()
    assert report.verified_by == staff
    enterprise.refresh_from_db()
    assert enterprise.class_status == "terkonfirmasi"


def test_a_report_verified_before_keeps_its_first_verifier():
    _enterprise, report = graduated("Ulos Toba")
    first, second = make_staff(), make_staff()
    services.yearly_reports_verify(reports=[report.pk], user=first)

    assert services.yearly_reports_verify(reports=YearlyReport.objects.filter(pk=report.pk), user=second) == 0
    report.refresh_from_db()
    assert report.verified_by == first


def test_regency_staff_cannot_verify_reports_of_another_regency(medan_staff, django_capture_on_commit_callbacks):
    medan, medan_report = graduated("Bolu Medan")
    binjai, binjai_report = graduated("Rambutan Binjai", regency="12.75", district="12.75.01")
    client = signed_in(medan_staff)

    # The admin action: the other regency's id in the selection is not in the officer's list, so not touched.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(REPORTS, {"action": "verify_selected", "_selected_action": [medan_report.pk, binjai_report.pk]})
    # The enterprise page's button: another regency's report is not found.
    assert client.post(reverse("registry:yearlyreport-verify", args=[binjai_report.pk])).status_code == 404
    # The service itself, called with the other regency's id.
    assert services.yearly_reports_verify(reports=[binjai_report.pk], user=medan_staff) == 0

    medan_report.refresh_from_db()
    binjai_report.refresh_from_db()
    assert medan_report.verified_by == medan_staff
    assert binjai_report.verified_at is None and binjai_report.verified_by is None
    binjai.refresh_from_db()
    assert binjai.class_status == "sementara"


def test_the_enterprise_page_offers_a_verify_button_that_confirms_the_class(django_capture_on_commit_callbacks):
    enterprise, report = graduated("Keripik Sambal")
    staff = make_staff()
    client = signed_in(staff)
    page = client.get(enterprise.get_absolute_url()).content.decode()
    verify_url = reverse("registry:yearlyreport-verify", args=[report.pk])
    assert verify_url in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(verify_url, follow=True)

    assert response.redirect_chain[-1][0] == enterprise.get_absolute_url()
    assert f"Laporan {LAST_YEAR} diverifikasi" in response.content.decode()
    enterprise.refresh_from_db()
    assert enterprise.class_status == "terkonfirmasi"
    assert verify_url not in response.content.decode()  # verified: no button any more


def test_staff_without_the_right_to_change_reports_cannot_verify(django_capture_on_commit_callbacks):
    from tests.factories import make_user

    _enterprise, report = graduated("Dodol Garut")
    reader = make_user(staff=True)
    assert signed_in(reader).post(reverse("registry:yearlyreport-verify", args=[report.pk])).status_code == 403
    report.refresh_from_db()
    assert report.verified_at is None


def test_new_figures_for_a_verified_year_are_unverified_until_checked_again():
    enterprise, report = graduated("Tahu Sumedang")
    staff = make_staff()
    services.yearly_reports_verify(reports=[report.pk], user=staff)

    services.yearly_report_save(enterprise=enterprise, year=LAST_YEAR, omzet=3_000_000_000, source="mandiri")
    report.refresh_from_db()
    assert report.verified_by == staff  # the same figures: still verified

    services.yearly_report_save(enterprise=enterprise, year=LAST_YEAR, omzet=9_000_000_000, source="mandiri")
    report.refresh_from_db()
    assert (report.verified_by, report.verified_at) == (None, None)


# --- figures changed in the admin -----------------------------------------------------------------


def report_form(report, **fields) -> dict:
    """POST data of the yearly report's admin change form, as loaded."""
    data = {
        "enterprise": report.enterprise_id, "year": report.year, "omzet": report.omzet or "",
        "capital": report.capital or "", "employees": report.employees or "", "source": report.source,
    }
    data.update(fields)
    return data


def enterprise_form(enterprise, report, **figures) -> dict:
    """POST data of the enterprise admin form with its yearly reports inline (the two of graduated())."""
    data = {
        "name": enterprise.name, "owner": "", "legal_form": enterprise.legal_form, "founded_year": "",
        "is_active": "on", "nib": enterprise.nib or "", "npwp": "", "address": enterprise.address,
        "regency": enterprise.regency_id, "district": enterprise.district_id or "", "sector": "", "kbli_code": "",
        "permits-TOTAL_FORMS": "0", "permits-INITIAL_FORMS": "0",
        "permits-MIN_NUM_FORMS": "0", "permits-MAX_NUM_FORMS": "1000",
        "yearly_reports-MIN_NUM_FORMS": "0", "yearly_reports-MAX_NUM_FORMS": "1000",
    }
    reports = list(enterprise.yearly_reports.order_by("-year"))
    data.update({"yearly_reports-TOTAL_FORMS": len(reports), "yearly_reports-INITIAL_FORMS": len(reports)})
    for i, row in enumerate(reports):
        values = {"id": row.pk, "enterprise": enterprise.pk, "year": row.year, "omzet": row.omzet or "",
                  "capital": row.capital or "", "employees": row.employees or "", "source": row.source}
        if row.pk == report.pk:
            values.update(figures)
        data.update({f"yearly_reports-{i}-{name}": value for name, value in values.items()})
    return data


def verified_move_up(name: str):
    enterprise, report = graduated(name)
    staff = make_staff()
    services.yearly_reports_verify(reports=[report.pk], user=staff)
    graduation.recompute_enterprises(enterprise_ids=[enterprise.pk])
    enterprise.refresh_from_db()
    assert (enterprise.size_class, enterprise.class_status) == ("kecil", "terkonfirmasi")
    return enterprise, report, staff


def test_staff_changing_a_verified_reports_omzet_in_the_admin_clear_its_verification_and_the_confirmation(
    django_capture_on_commit_callbacks,
):
    enterprise, report, _verifier = verified_move_up("Bika Ambon Zulaikha")
    editor = signed_in(make_staff())

    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(f"{REPORTS}{report.pk}/change/", report_form(report, omzet="3100000000"))

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.omzet == 3_100_000_000
    assert (report.verified_by, report.verified_at) == (None, None)
    enterprise.refresh_from_db()  # recomputed after commit: the move up rests on unverified figures again
    assert (enterprise.size_class, enterprise.class_status) == ("kecil", "sementara")


def test_saving_a_verified_report_in_the_admin_without_changing_its_figures_keeps_the_verification(
    django_capture_on_commit_callbacks,
):
    enterprise, report, verifier = verified_move_up("Sirup Markisa")
    editor = signed_in(make_staff())

    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(f"{REPORTS}{report.pk}/change/", report_form(report, source="mandiri"))

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.source == "mandiri" and report.verified_by == verifier
    enterprise.refresh_from_db()
    assert enterprise.class_status == "terkonfirmasi"


def test_staff_changing_a_verified_reports_omzet_in_the_enterprise_inline_clear_its_verification(
    django_capture_on_commit_callbacks,
):
    enterprise, report, _verifier = verified_move_up("Teh Kayu Aro")
    editor = signed_in(make_staff())

    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            f"/admin/registry/enterprise/{enterprise.pk}/change/",
            enterprise_form(enterprise, report, omzet=3_200_000_000),
        )

    assert response.status_code == 302, response.context["adminform"].form.errors
    report.refresh_from_db()
    assert report.omzet == 3_200_000_000 and report.verified_at is None
    enterprise.refresh_from_db()
    assert (enterprise.size_class, enterprise.class_status) == ("kecil", "sementara")


def test_saving_the_enterprise_in_the_admin_with_its_figures_unchanged_keeps_the_verification(
    django_capture_on_commit_callbacks,
):
    enterprise, report, verifier = verified_move_up("Lemang Tebing")
    editor = signed_in(make_staff())

    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            f"/admin/registry/enterprise/{enterprise.pk}/change/",
            enterprise_form(enterprise, report) | {"address": "Jl. Baru No. 3"},
        )

    assert response.status_code == 302, response.context["adminform"].form.errors
    report.refresh_from_db()
    assert report.verified_by == verifier
    enterprise.refresh_from_db()
    assert enterprise.address == "Jl. Baru No. 3" and enterprise.class_status == "terkonfirmasi"
