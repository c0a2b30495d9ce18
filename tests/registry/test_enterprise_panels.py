"""Other apps' panels on the staff enterprise page: open PLUT requests and active CSR supports (registry.panels)."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from csr import services as csr_services
from plut import services as plut_services
from plut.models import Centre, Service, ServiceRequest
from registry.models import StaffRegion
from tests.csr.conftest import classed, make_company, make_programme
from tests.factories import make_enterprise, make_staff, make_user
from tests.plut.conftest import make_consultant, make_msme

pytestmark = pytest.mark.django_db


def page_url(enterprise) -> str:
    return reverse("registry:enterprise-detail", args=[enterprise.pk])


def text_of(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff():
    return make_staff("petugas_panel")


@pytest.fixture
def enterprise():
    return classed(make_enterprise("Tenun Ulos Boru Sinaga"))


def submit(enterprise, owner, description="Butuh bantuan pemasaran daring."):
    return plut_services.request_submit(
        user=owner, enterprise=enterprise, service=Service.objects.get(code="konsultasi"),
        centre=Centre.objects.get(code="plut-sumut"), description=description,
    )


@pytest.fixture
def owner(enterprise):
    user, _enterprise = make_msme(enterprise, username="pemilik_panel")
    return user


def start_support(enterprise, programme_name="Program Binaan Ulos", company_name="PT Perkebunan Nusantara Contoh"):
    programme = make_programme(make_company(company_name), programme_name)
    return csr_services.support_start(
        programme=programme, enterprise=enterprise, kind="pelatihan", started_on=datetime.date(2025, 3, 4),
    ).support


def test_staff_see_an_open_plut_request_with_its_status_due_date_and_a_link_to_it(staff, enterprise, owner):
    request = submit(enterprise, owner)
    consultant = make_consultant(request.centre, "konsultan_panel")
    consultant.user.first_name = "Dedi"
    consultant.user.last_name = "Harahap"
    consultant.user.save()
    ServiceRequest.objects.filter(pk=request.pk).update(
        status="ditugaskan", consultant=consultant, due_on=datetime.date(2030, 7, 9))

    text = text_of(client_for(staff).get(page_url(enterprise)))

    assert "Permohonan layanan PLUT yang sedang berjalan" in text
    assert "Ditugaskan ke konsultan" in text
    assert "9 Jul 2030" in text
    assert "Dedi Harahap" in text
    assert request.centre.name in text
    assert f'href="{reverse("plut:request-detail", args=[request.pk])}"' in text
    assert client_for(staff).get(reverse("plut:request-detail", args=[request.pk])).status_code == 200
    assert "lewat tenggat" not in text
    changelist = reverse("admin:plut_servicerequest_changelist")
    assert f"{changelist}?enterprise__id__exact={enterprise.pk}&amp;status__in=" in text
    all_url = re.search(r'href="([^"]*servicerequest/\?[^"]*)"', text).group(1).replace("&amp;", "&")
    listed = client_for(staff).get(all_url)
    assert listed.status_code == 200 and f"#{request.pk} " in listed.content.decode()


def test_an_open_request_past_its_due_date_is_marked_overdue(staff, enterprise, owner):
    request = submit(enterprise, owner)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ServiceRequest.objects.filter(pk=request.pk).update(due_on=yesterday)

    text = text_of(client_for(staff).get(page_url(enterprise)))

    assert "lewat tenggat" in text


def test_a_closed_plut_request_is_not_in_the_panel(staff, enterprise, owner):
    request = submit(enterprise, owner)
    ServiceRequest.objects.filter(pk=request.pk).update(status="ditolak", closed_on=timezone.localdate())

    text = text_of(client_for(staff).get(page_url(enterprise)))

    assert "Permohonan layanan PLUT yang sedang berjalan" not in text
    assert f"#{request.pk} " not in text


def test_staff_see_an_active_csr_support_with_its_programme_and_company(staff, enterprise):
    support = start_support(enterprise)

    text = text_of(client_for(staff).get(page_url(enterprise)))

    assert "Dukungan CSR/TJSL yang sedang berjalan" in text
    assert "Program Binaan Ulos" in text
    assert "PT Perkebunan Nusantara Contoh" in text
    assert "4 Mar 2025" in text
    assert f'href="{reverse("admin:csr_support_change", args=[support.pk])}"' in text
    assert client_for(staff).get(reverse("admin:csr_support_change", args=[support.pk])).status_code == 200
    changelist = reverse("admin:csr_support_changelist")
    assert f"{changelist}?enterprise__id__exact={enterprise.pk}&amp;status__exact=aktif" in text
    listed = client_for(staff).get(f"{changelist}?enterprise__id__exact={enterprise.pk}&status__exact=aktif")
    assert listed.status_code == 200 and "Program Binaan Ulos" in listed.content.decode()


def test_an_ended_csr_support_is_not_in_the_panel_but_stays_in_the_ledger(staff, enterprise):
    ended = start_support(enterprise, "Program Yang Sudah Selesai")
    csr_services.support_end(support=ended, status="selesai", ended_on=datetime.date(2025, 6, 1))
    start_support(enterprise, "Program Masih Berjalan", "PT Bank Sumut Contoh")

    html = client_for(staff).get(page_url(enterprise)).content.decode()
    panel = html.split('id="panel-csractive_supports"')[1].split("</section>")[0]

    assert "Program Masih Berjalan" in panel
    assert "Program Yang Sudah Selesai" not in panel


def test_a_user_without_plut_or_csr_view_permission_sees_neither_panel(enterprise, owner):
    submit(enterprise, owner)
    start_support(enterprise)
    registry_only = make_user("hanya_registri", staff=True)
    registry_only.user_permissions.add(
        Permission.objects.get(codename="view_enterprise", content_type__app_label="registry"))

    text = text_of(client_for(registry_only).get(page_url(enterprise)))

    assert "Tenun Ulos Boru Sinaga" in text
    assert "Permohonan layanan PLUT yang sedang berjalan" not in text
    assert "Dukungan CSR/TJSL yang sedang berjalan" not in text
    assert 'id="panel-' not in text  # the ledger still lists the support: it is registry data


def test_regency_staff_see_the_panels_of_their_regencys_enterprise_and_no_other_regencys_page(enterprise, owner):
    submit(enterprise, owner)
    start_support(enterprise)
    medan_staff, deli_serdang_staff = make_staff("petugas_medan"), make_staff("petugas_deli_serdang")
    StaffRegion.objects.create(user=medan_staff, regency_id="12.71")
    StaffRegion.objects.create(user=deli_serdang_staff, regency_id="12.07")

    text = text_of(client_for(medan_staff).get(page_url(enterprise)))

    assert "Diajukan" in text
    assert "Program Binaan Ulos" in text
    assert client_for(deli_serdang_staff).get(page_url(enterprise)).status_code == 404


def test_the_page_with_panels_takes_a_bounded_number_of_queries_whatever_the_number_of_requests(
    staff, enterprise, owner, django_assert_max_num_queries, django_assert_num_queries
):
    start_support(enterprise)
    submit(enterprise, owner)
    client = client_for(staff)
    client.get(page_url(enterprise))  # warm caches (content types, sessions) outside the count

    # 10 for the page itself (session, user, permissions, regency, enterprise, reports, permits, class history,
    # ledger) + the user's groups for PLUT's role + one query per panel.
    with django_assert_max_num_queries(15) as one:
        text_of(client.get(page_url(enterprise)))
    for number in range(4):
        submit(enterprise, owner, description=f"Permohonan ke-{number + 2}")
    with django_assert_num_queries(len(one.captured_queries)):
        text = text_of(client.get(page_url(enterprise)))

    assert text.count("Permohonan ke-") == 0  # descriptions are not listed; the five rows are:
    assert len(re.findall(r'href="/layanan/permohonan/\d+/"', text)) == 5


def test_the_plut_panel_lists_the_latest_ten_open_requests_and_says_so(staff, enterprise, owner):
    requests = [submit(enterprise, owner, description=f"Permohonan ke-{number}") for number in range(11)]

    html = client_for(staff).get(page_url(enterprise)).content.decode()

    assert len(re.findall(r'href="/layanan/permohonan/\d+/"', html)) == 10
    assert f'href="/layanan/permohonan/{requests[0].pk}/"' not in html  # the oldest one is left to the admin list
    assert "Ditampilkan 10 permohonan terbaru." in html
