"""The staff dashboard on the admin index: what staff act on, counted in their scope, each figure a link to the
rows it counts; capped counts, a bounded number of queries, and no card for a model the user may not view."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from csr.models import Support
from plut.models import Centre, ClaimKind, EnterpriseClaim, Service, ServiceRequest
from registry.models import Enterprise, GraduationEvent, JobRun, RuleSet, StaffRegion
from sumut_umkm.dashboard import capped_counts, count_label
from tests.csr.conftest import make_company, make_programme
from tests.factories import make_enterprise, make_staff, make_user

pytestmark = pytest.mark.django_db

INDEX = "/admin/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dashboard(client) -> dict[str, dict]:
    """Each card's figures as the page shows them: {card title: {label: (value, link)}}."""
    response = client.get(INDEX)
    assert response.status_code == 200
    html = response.content.decode()
    section = re.search(r'<section class="staff-dashboard".*?</section>', html, re.S)
    if section is None:
        return {}
    cards = {}
    for card in re.findall(r"<h2>(.*?)</h2>(.*?)</ul>", section.group(0), re.S):
        title, body = card
        rows = re.findall(r'<a href="([^"]+)">([^<]+)</a>\s*<span class="figure">([^<]+)</span>', body)
        cards[unescape(title)] = {unescape(label): (value, unescape(href)) for href, label, value in rows}
        run = re.search(r'<a href="([^"]+)">\s*Hitung ulang terakhir\s*<span class="run">(.*?)</span>', body, re.S)
        if run:
            cards[unescape(title)]["run"] = (" ".join(unescape(run.group(2)).split()), unescape(run.group(1)))
    return cards


def moved(enterprise, direction: str, *, days_ago: int = 1) -> GraduationEvent:
    event = GraduationEvent.objects.create(
        enterprise=enterprise, direction=direction, status="terkonfirmasi", to_class="kecil",
        rule_set=RuleSet.objects.get(is_active=True), reason="omzet uji",
    )
    GraduationEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return event


def graduated_support(programme, enterprise) -> Support:
    today = timezone.localdate()
    return Support.objects.create(programme=programme, enterprise=enterprise, kind="pelatihan", status="lulus",
                                  started_on=today - timedelta(days=90), ended_on=today)


def service_request(enterprise, *, due_in_days: int, status: str = "diajukan", **extra) -> ServiceRequest:
    today = timezone.localdate()
    return ServiceRequest.objects.create(
        enterprise=enterprise, service=Service.objects.get(code="konsultasi"),
        centre=Centre.objects.get(code="plut-sumut"), description="Butuh konsultasi.", status=status,
        submitted_on=today - timedelta(days=10), due_on=today + timedelta(days=due_in_days), **extra,
    )


@pytest.fixture
def province():
    """Two regencies' worth of work: Medan (12.71) has more of everything than Binjai (12.75)."""
    medan = [make_enterprise(f"Usaha Medan {i}", regency="12.71", district="12.71.01") for i in range(3)]
    binjai = [make_enterprise(f"Usaha Binjai {i}", regency="12.75", district="12.75.01") for i in range(2)]
    Enterprise.objects.filter(pk__in=[medan[0].pk, medan[1].pk, binjai[0].pk]).update(class_status="perlu_verifikasi")
    moved(medan[0], "naik")
    moved(medan[1], "naik")
    moved(binjai[0], "naik")
    moved(medan[2], "turun")
    moved(binjai[1], "naik", days_ago=45)  # before the 30 days
    moved(binjai[1], "tetap")
    company = make_company("PT Dashboard Peduli")
    running = make_programme(company, "Program Medan", regencies=("12.71",))
    make_programme(company, "Program Binjai", regencies=("12.75",))
    make_programme(company, "Program Lama", regencies=("12.71",), status="selesai")
    graduated_support(running, medan[0])
    graduated_support(running, medan[1])
    graduated_support(running, binjai[0])
    EnterpriseClaim.objects.create(user=make_user(), kind=ClaimKind.EXISTING, enterprise=medan[2])
    EnterpriseClaim.objects.create(user=make_user(), kind=ClaimKind.NEW, name="Usaha Baru Binjai", regency_id="12.75")
    EnterpriseClaim.objects.create(user=make_user(), kind=ClaimKind.EXISTING, enterprise=binjai[1], status="ditolak")
    service_request(medan[0], due_in_days=-2)  # overdue
    service_request(medan[1], due_in_days=5)
    service_request(binjai[0], due_in_days=-1)  # overdue
    service_request(binjai[1], due_in_days=-3, status="menunggu_kelengkapan", resume_status="diajukan",
                    waiting_since=timezone.localdate())  # paused: open, not overdue
    service_request(medan[2], due_in_days=-9, status="ditolak")  # closed
    older = JobRun.objects.create(kind="graduation", status="selesai", total=5, done=5)
    latest = JobRun.objects.create(kind="graduation", status="berjalan", total=200, done=50)
    JobRun.objects.create(kind="export", status="selesai")  # not a graduation run
    return {"latest_run": latest, "older_run": older}


def test_provincial_staff_see_every_card_with_the_provinces_counts(province):
    cards = dashboard(signed_in(make_staff()))

    assert list(cards) == ["Registri UMKM", "Naik kelas", "CSR", "PLUT"]
    assert cards["Registri UMKM"]["UMKM terdaftar"][0] == "5"
    assert cards["Registri UMKM"]["Kelas perlu verifikasi"][0] == "3"
    assert cards["Naik kelas"]["Naik kelas, 30 hari terakhir"][0] == "3"
    assert cards["Naik kelas"]["Turun kelas, 30 hari terakhir"][0] == "1"
    assert cards["CSR"]["Dukungan lulus, menunggu dialihkan"][0] == "3"
    assert cards["CSR"]["Program berjalan"][0] == "2"
    assert cards["PLUT"]["Klaim UMKM menunggu konfirmasi"][0] == "2"
    assert cards["PLUT"]["Permohonan terbuka"][0] == "4"
    assert cards["PLUT"]["Permohonan melewati tenggat"][0] == "2"


def test_the_latest_graduation_run_shows_its_status_and_progress_and_links_to_its_page(province):
    run = province["latest_run"]
    text, link = dashboard(signed_in(make_staff()))["Naik kelas"]["run"]

    assert text == "Berjalan · 25%"
    assert link == f"/admin/registry/jobrun/{run.pk}/change/"

    JobRun.objects.filter(pk=run.pk).update(
        status="selesai", done=200, finished_at=datetime(2026, 5, 4, 18, 30, tzinfo=UTC))
    text, _ = dashboard(signed_in(make_staff()))["Naik kelas"]["run"]
    assert text == "Selesai · 100% · selesai 5 Mei 2026 01.30 WIB"


def test_each_figure_links_to_the_list_that_shows_exactly_the_rows_it_counts(province):
    client = signed_in(make_staff())
    cards = dashboard(client)
    figures = {label: figure for card in cards.values() for label, figure in card.items() if label != "run"}

    for label, (value, link) in figures.items():
        response = client.get(link)
        assert response.status_code == 200, label
        if "cl" in response.context:  # an admin list (a refused filter would redirect with ?e=1)
            shown = response.context["cl"].result_count
        else:  # the PLUT queue and the claims page
            shown = response.context["page"].paginator.count
        assert str(shown) == value, label

    naik_link = figures["Naik kelas, 30 hari terakhir"][1]
    assert parse_qs(urlsplit(naik_link).query)["direction__exact"] == ["naik"]


def test_a_regency_office_sees_only_its_regencys_numbers(province):
    binjai_staff = make_staff("petugas_dinas_binjai")
    StaffRegion.objects.create(user=binjai_staff, regency_id="12.75")
    cards = dashboard(signed_in(binjai_staff))

    assert cards["Registri UMKM"]["UMKM terdaftar"][0] == "2"
    assert cards["Registri UMKM"]["Kelas perlu verifikasi"][0] == "1"
    assert cards["Naik kelas"]["Naik kelas, 30 hari terakhir"][0] == "1"
    assert cards["Naik kelas"]["Turun kelas, 30 hari terakhir"][0] == "0"
    assert cards["CSR"]["Dukungan lulus, menunggu dialihkan"][0] == "1"
    # Programmes serving Binjai: its own, and the Medan one that supports a Binjai enterprise.
    assert cards["CSR"]["Program berjalan"][0] == "2"
    assert cards["PLUT"]["Klaim UMKM menunggu konfirmasi"][0] == "1"
    assert cards["PLUT"]["Permohonan terbuka"][0] == "2"
    assert cards["PLUT"]["Permohonan melewati tenggat"][0] == "1"


def test_a_regency_office_sees_the_province_runs_and_its_own_but_not_another_regencys(province):
    binjai_staff = make_staff("petugas_dinas_binjai")
    StaffRegion.objects.create(user=binjai_staff, regency_id="12.75")
    medan_run = JobRun.objects.create(kind="graduation", scope="12.71", status="antre")

    assert dashboard(signed_in(binjai_staff))["Naik kelas"]["run"][1].endswith(f"/{province['latest_run'].pk}/change/")
    assert dashboard(signed_in(make_staff()))["Naik kelas"]["run"][1].endswith(f"/{medan_run.pk}/change/")


def test_staff_without_csr_and_plut_view_rights_see_no_such_card(province):
    user = make_user("petugas_registri", staff=True)
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="registry", codename__in=["view_enterprise", "view_graduationevent"]))
    page = signed_in(user).get(INDEX).content.decode()
    cards = dashboard(signed_in(user))

    assert list(cards) == ["Registri UMKM", "Naik kelas"]
    assert "run" not in cards["Naik kelas"]  # no view right on the runs either
    assert "/admin/csr/" not in page and "/layanan/" not in page


def test_the_app_pages_keep_the_plain_list_without_the_dashboard(province):
    page = signed_in(make_staff()).get("/admin/registry/").content.decode()
    assert '<section class="staff-dashboard"' not in page


def test_counts_stop_at_the_cap_and_read_the_indonesian_way(db):
    for i in range(3):
        make_enterprise(f"Usaha Hitung {i}")
    counts = capped_counts({"all": Enterprise.objects.all(), "none": Enterprise.objects.none(),
                            "one": Enterprise.objects.filter(name="Usaha Hitung 1")}, cap=2)

    assert counts == {"all": 3, "none": 0, "one": 1}
    assert count_label(counts["all"], cap=2) == "2+"
    assert count_label(2, cap=2) == "2"
    assert count_label(10_001) == "10.000+"
    assert count_label(10_000) == "10.000"
    assert count_label(1_166_918, estimated=True) == "±1.166.918"


def test_the_dashboard_costs_a_bounded_number_of_queries(province, django_assert_max_num_queries):
    client = signed_in(make_staff())
    client.get(INDEX)  # warm the session
    with django_assert_max_num_queries(12):
        assert client.get(INDEX).status_code == 200
