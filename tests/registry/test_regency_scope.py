"""A regency office's staff (Dinas Koperasi kab/kota) see and change only their own regency's enterprises."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from registry import services
from registry.models import Enterprise, StaffRegion
from tests.factories import make_enterprise, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprises():
    medan = make_enterprise("Bolu Meranti Medan", regency="12.71", district="12.71.01")
    binjai = make_enterprise("Rambutan Binjai", regency="12.75", district="12.75.01")
    services.yearly_report_save(enterprise=binjai, year=2025, omzet=100_000_000)
    return {"medan": medan, "binjai": binjai}


@pytest.fixture
def medan_staff():
    user = make_staff("petugas_dinas_medan")
    StaffRegion.objects.create(user=user, regency_id="12.71")
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_regency_staff_list_only_their_regency_in_the_admin(medan_staff, enterprises):
    page = client_for(medan_staff).get(reverse("admin:registry_enterprise_changelist")).content.decode()
    assert "Bolu Meranti Medan" in page and "Rambutan Binjai" not in page


def test_another_regencys_enterprise_is_not_found_on_every_page_and_endpoint(medan_staff, enterprises):
    binjai = enterprises["binjai"]
    client = client_for(medan_staff)
    report = binjai.yearly_reports.get()
    for url in (
        reverse("registry:enterprise-detail", args=[binjai.pk]),
        reverse("admin:registry_enterprise_change", args=[binjai.pk]),
        reverse("admin:registry_yearlyreport_change", args=[report.pk]),
        reverse("admin:registry_owner_change", args=[binjai.owner_id]) if binjai.owner_id else None,
    ):
        if url:
            response = client.get(url)
            assert response.status_code in (302, 404), url
            assert "Rambutan Binjai" not in response.content.decode()

    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=medan_staff).key}")
    assert api.get(f"/api/v1/enterprises/{binjai.pk}/").status_code == 404
    assert api.get(f"/api/v1/enterprises/{binjai.pk}/graduation-history/").status_code == 404
    assert api.patch(f"/api/v1/enterprises/{binjai.pk}/", {"name": "Diubah"}, content_type="application/json"
                     ).status_code == 404
    listed = [row["name"] for row in api.get("/api/v1/enterprises/").json()["results"]]
    assert listed == ["Bolu Meranti Medan"]
    assert Enterprise.objects.get(pk=binjai.pk).name == "Rambutan Binjai"


def test_regency_staff_cannot_record_an_enterprise_in_another_regency_through_the_api(medan_staff):
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=medan_staff).key}")
    response = api.post("/api/v1/enterprises/", {"name": "Salah wilayah", "regency": "12.75"},
                        content_type="application/json")
    assert response.status_code == 400
    assert "wilayah kerja" in response.content.decode()
    assert not Enterprise.objects.filter(name="Salah wilayah").exists()


def test_an_export_by_regency_staff_holds_only_their_regency_even_when_they_filter_another(medan_staff, enterprises):
    client = client_for(medan_staff)
    own = client.get(reverse("registry:enterprise-export", args=["csv"]))
    names = [row["nama_usaha"] for row in csv.DictReader(io.StringIO(b"".join(own.streaming_content).decode()))]
    assert names == ["Bolu Meranti Medan"]
    other = client.get(reverse("registry:enterprise-export", args=["csv"]), {"regency": "12.75"})
    rows = list(csv.DictReader(io.StringIO(b"".join(other.streaming_content).decode())))
    assert rows == []


def test_provincial_staff_still_see_every_regency(enterprises):
    page = client_for(make_staff("petugas_provinsi")).get(reverse("admin:registry_enterprise_changelist"))
    text = page.content.decode()
    assert "Bolu Meranti Medan" in text and "Rambutan Binjai" in text



def test_regency_staff_see_only_their_regencys_plut_requests_and_their_regency_in_the_roadmap(medan_staff):
    from plut.models import Centre, Service, ServiceRequest
    from plut.services import request_submit

    centre, service = Centre.objects.get(code="plut-sumut"), Service.objects.get(code="konsultasi")
    provincial = make_staff("petugas_plut_provinsi")
    for name, regency in (("Kopi Medan", "12.71"), ("Dodol Binjai", "12.75")):
        enterprise = make_enterprise(name, regency=regency, district=f"{regency}.01")
        request_submit(user=provincial, enterprise=enterprise, service=service, centre=centre, description="Uji")

    seen = ServiceRequest.objects.for_user(medan_staff).values_list("enterprise__name", flat=True)
    assert list(seen) == ["Kopi Medan"]
    assert ServiceRequest.objects.for_user(provincial).count() == 2
    queue = client_for(medan_staff).get("/layanan/antrean/").content.decode()
    assert "Kopi Medan" in queue and "Dodol Binjai" not in queue
    roadmap = client_for(medan_staff).get("/peta-jalan/")
    assert roadmap.status_code == 200 and [row.code for row in roadmap.context["matrix"].rows] == ["12.71"]


# --- province-wide actions belong to the provincial office ---------------------------------------------------


def candidate_rule_set():
    from registry.models import RuleSet

    active = RuleSet.objects.get(is_active=True)
    return services.rule_set_create(
        name="Batas mikro Rp5 M (uji)", legal_source="Uji", criterion="Omzet, lalu modal.",
        **{name: getattr(active, name) for name in services.RULE_SET_FIELDS} | {"omzet_micro_max": 5_000_000_000},
    )


def test_regency_staff_cannot_activate_a_rule_set(medan_staff, django_capture_on_commit_callbacks):
    from registry.models import JobRun, RuleSet

    candidate = candidate_rule_set()
    client = client_for(medan_staff)
    assert medan_staff.has_perm("registry.change_ruleset")  # the right alone is not enough

    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(reverse("registry:ruleset-activate", args=[candidate.pk])).status_code == 403
        assert client.post(reverse("registry:ruleset-activate", args=[candidate.pk])).status_code == 403
    preview = client.get(reverse("registry:ruleset-preview", args=[candidate.pk]))
    assert preview.status_code == 200 and not preview.context["can_activate"]
    admin_page = client.get(f"/admin/registry/ruleset/{candidate.pk}/change/")
    assert admin_page.context["has_change_permission"] is False
    assert reverse("registry:ruleset-activate", args=[candidate.pk]) not in admin_page.content.decode()

    assert not RuleSet.objects.get(pk=candidate.pk).is_active
    assert JobRun.objects.count() == 0


def test_provincial_staff_still_activate_a_rule_set(django_capture_on_commit_callbacks):
    from registry.models import RuleSet

    candidate = candidate_rule_set()
    client = client_for(make_staff())
    activate = reverse("registry:ruleset-activate", args=[candidate.pk])
    assert activate in client.get(f"/admin/registry/ruleset/{candidate.pk}/change/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(activate)
    assert response.status_code == 302
    assert RuleSet.objects.get(pk=candidate.pk).is_active


def test_regency_staff_cannot_start_a_provincial_or_another_regencys_recompute(medan_staff):
    from registry.models import JobRun

    client = client_for(medan_staff)
    start = reverse("registry:graduation-start")
    assert client.post(start, {"regency": ""}).status_code == 403
    assert client.post(start, {"regency": "12.75"}).status_code == 403
    assert JobRun.objects.count() == 0
    # The runs page offers them their own regency only, not the province.
    runs = client.get(reverse("admin:registry_jobrun_changelist"))
    assert runs.context["can_start"] is True
    assert list(runs.context["regencies"]) == [("12.71", "Kota Medan")]
    assert "Seluruh provinsi" not in runs.content.decode()

    response = client.post(start, {"regency": "12.71"})
    assert response.status_code == 302
    assert JobRun.objects.get().scope == "12.71"


# --- the district filter of the enterprise list ------------------------------------------------------------


def district_filter(response):
    return next(spec for spec in response.context["cl"].filter_specs if spec.parameter_name == "district")


def test_without_a_regency_the_district_filter_asks_to_choose_one_instead_of_listing_455_districts(enterprises):
    response = client_for(make_staff()).get(reverse("admin:registry_enterprise_changelist"))
    page = response.content.decode()

    assert district_filter(response).lookup_choices == []
    assert "Pilih kabupaten/kota dahulu" in page
    assert "district=12.71.01" not in page


def test_a_district_in_the_url_still_filters_and_lists_the_districts_of_its_regency(enterprises):
    make_enterprise("Lontong Medan Baru", regency="12.71", district="12.71.02")
    response = client_for(make_staff()).get(reverse("admin:registry_enterprise_changelist"), {"district": "12.71.01"})

    assert sorted(e.name for e in response.context["cl"].result_list) == ["Bolu Meranti Medan"]
    offered = {code for code, _name in district_filter(response).lookup_choices}
    assert "12.71.01" in offered and all(code.startswith("12.71.") for code in offered)


def test_regency_staff_are_offered_the_districts_of_their_own_regency(medan_staff, enterprises):
    response = client_for(medan_staff).get(reverse("admin:registry_enterprise_changelist"))
    offered = {code for code, _name in district_filter(response).lookup_choices}
    assert offered and all(code.startswith("12.71.") for code in offered)
