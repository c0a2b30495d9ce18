"""The one-page view of an enterprise for staff (/registri/umkm/<pk>/)."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry import graduation, services
from registry.models import Permit
from registry.templatetags.rupiah import rupiah, rupiah_short
from tests.factories import VALID_NIK_WOMAN, make_enterprise, make_owner, make_staff, make_user

pytestmark = pytest.mark.django_db


def page_url(enterprise) -> str:
    return reverse("registry:enterprise-detail", args=[enterprise.pk])


def text_of(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(make_staff("petugas_halaman"))
    return client


@pytest.fixture
def enterprise():
    owner = make_owner("Rosmawati Siregar", nik=VALID_NIK_WOMAN, sex="P", phone="081234567890")
    enterprise = make_enterprise(
        "Keripik Pisang Rosma", owner=owner, nib="9150000000001", sector="10", address="Jl. Gatot Subroto 12",
        founded_year=2016, npwp="013000666091000",
    )
    services.yearly_report_save(enterprise=enterprise, year=2023, omzet=1_500_000, capital=500_000, employees=3)
    services.yearly_report_save(enterprise=enterprise, year=2024, omzet=2_400_000_000, capital=900_000_000)
    graduation.recompute_enterprises(enterprise_ids=[enterprise.pk])
    today = timezone.localdate()
    days = datetime.timedelta(days=1)
    Permit.objects.create(enterprise=enterprise, kind="pirt", number="P-IRT 2061271010123-29",
                          issued_on=today - 800 * days, expires_on=today - days)
    Permit.objects.create(enterprise=enterprise, kind="halal", number="ID12110000123450524",
                          issued_on=today - 30 * days, expires_on=today + 365 * days)
    enterprise.refresh_from_db()
    return enterprise


def test_staff_sees_the_profile_of_the_enterprise(staff_client, enterprise):
    text = text_of(staff_client.get(page_url(enterprise)))

    for shown in ("Keripik Pisang Rosma", "9150000000001", "013000666091000", "Rosmawati Siregar", "Perempuan",
                  "081234567890", "Jl. Gatot Subroto 12", "Medan Kota", "Kota Medan", "10 Industri Makanan",
                  "C ", "2016", "Usaha perorangan", "Formal", "Aktif"):
        assert shown in text, shown
    # 2024 sales of Rp2.4 billion exceed the micro limit (Rp2 billion): small.
    assert "Usaha Kecil" in text


def test_yearly_figures_are_written_in_rupiah_and_drawn_as_bars(staff_client, enterprise):
    text = text_of(staff_client.get(page_url(enterprise)))

    assert "Rp1.500.000" in text and "Rp2.400.000.000" in text and "Rp900.000.000" in text
    assert text.count('class="bar"') == 2
    assert "Rp2,4 M" in text


def test_permits_are_listed_and_the_expired_one_is_marked(staff_client, enterprise):
    response = staff_client.get(page_url(enterprise))
    text = text_of(response)

    assert "P-IRT 2061271010123-29" in text and "ID12110000123450524" in text
    expired_rows = re.findall(r'<tr class="expired">.*?</tr>', text)
    assert len(expired_rows) == 1 and "P-IRT" in expired_rows[0] and "kedaluwarsa" in expired_rows[0]


def test_a_new_enterprise_shows_empty_class_and_support_histories_with_a_label(staff_client, enterprise):
    text = text_of(staff_client.get(page_url(enterprise)))

    for heading in ("Riwayat kelas (naik kelas)", "Riwayat pembinaan (CSR/TJSL, PLUT, pemerintah)"):
        assert heading in text
    assert text.count("Belum ada data.") == 2


def test_plain_staff_see_the_nik_masked_and_never_in_full(staff_client, enterprise):
    text = text_of(staff_client.get(page_url(enterprise)))

    assert "1271********0002" in text
    assert VALID_NIK_WOMAN not in text


def test_staff_with_view_owner_nik_see_the_full_nik():
    enterprise = make_enterprise(owner=make_owner("Rosmawati", nik=VALID_NIK_WOMAN))
    client = Client()
    client.force_login(make_staff("petugas_pii", with_nik=True))

    assert VALID_NIK_WOMAN in text_of(client.get(page_url(enterprise)))


def test_an_enterprise_without_owner_or_figures_still_has_its_page(staff_client):
    enterprise = make_enterprise("Warung Kosong", nib=None, sector=None)

    text = text_of(staff_client.get(page_url(enterprise)))

    assert "Pemilik belum dicatat." in text and "Belum ada laporan tahunan." in text
    assert "Informal" in text and "Kelas belum dihitung" in text


def test_anonymous_users_are_sent_to_the_login_page(enterprise):
    response = Client().get(page_url(enterprise))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_signed_in_users_who_are_not_staff_are_refused(enterprise):
    client = Client()
    client.force_login(make_user("pemilik_umkm", staff=False))

    assert client.get(page_url(enterprise)).status_code == 403


def test_a_missing_enterprise_is_a_404(staff_client):
    assert staff_client.get(reverse("registry:enterprise-detail", args=[999_999])).status_code == 404


def test_the_admin_page_links_to_the_enterprise_page_and_back(staff_client, enterprise):
    admin_url = reverse("admin:registry_enterprise_change", args=[enterprise.pk])

    assert page_url(enterprise) in staff_client.get(admin_url).content.decode()
    assert admin_url in staff_client.get(page_url(enterprise)).content.decode()


def test_the_page_needs_few_queries_whatever_the_number_of_reports(staff_client, enterprise,
                                                                  django_assert_max_num_queries):
    for year in range(2015, 2023):
        services.yearly_report_save(enterprise=enterprise, year=year, omzet=year * 1000)

    with django_assert_max_num_queries(13):  # +1 the user's regency scope, +3 the PLUT role and one query per panel
        staff_client.get(page_url(enterprise))


@pytest.mark.parametrize(
    ("amount", "written", "short"),
    [
        (1_500_000, "Rp1.500.000", "Rp1,5 jt"),
        (0, "Rp0", "Rp0"),
        (2_400_000_000, "Rp2.400.000.000", "Rp2,4 M"),
        (None, "—", "—"),
    ],
)
def test_rupiah_is_written_the_indonesian_way(amount, written, short):
    assert rupiah(amount) == written
    assert rupiah_short(amount) == short
