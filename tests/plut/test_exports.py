"""Exports of the service requests list (CSV, XLSX): the admin list's rows under the same filters, scoped like
the list (a consultant their assigned requests, a regency office its regency's), large ones as the registry's
export job, scoped again in the worker."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from plut import services
from plut.models import RequestStatus, Service
from registry import exports
from registry import services as registry_services
from registry.models import JobRun, JobStatus, StaffRegion
from tests.export_files import client_for, content_of, csv_rows, xlsx_rows
from tests.factories import make_enterprise, make_staff
from tests.plut.conftest import make_msme, submit

pytestmark = pytest.mark.django_db

LIST = "/admin/plut/servicerequest/"
HEADER = [
    "ID permohonan", "Layanan", "PLUT", "ID UMKM", "Nama usaha", "NIB", "Kabupaten/kota", "Status", "Konsultan",
    "Tanggal diajukan", "Tenggat", "Mulai dikerjakan", "Ditutup", "Jadwal (WIB)", "Penilaian",
]


def export_url(fmt: str) -> str:
    return reverse("registry:dataset-export", args=["plut.servicerequest", fmt])


def ids(rows) -> list[int]:
    return sorted(int(row["ID permohonan"]) for row in rows)


@pytest.fixture
def queue(desk):
    """Four requests: two of Medan assigned to one consultant each, one accepted, one of Binjai."""
    binjai_owner, binjai = make_msme(make_enterprise("Rambutan Binjai", regency="12.75", district="12.75.01"),
                                     username="pemilik_binjai")
    mine = submit(desk)
    theirs = submit(desk, owner=desk.other_owner, enterprise=desk.other_enterprise)
    accepted = submit(desk, description="Butuh bantuan NIB.")
    far = submit(desk, owner=binjai_owner, enterprise=binjai)
    for request, consultant in ((mine, desk.consultant), (theirs, desk.other_consultant)):
        services.request_transition(request=request, user=desk.staff, to=RequestStatus.ACCEPTED)
        services.request_transition(request=request, user=desk.staff, to=RequestStatus.ASSIGNED,
                                    consultant=consultant)
    services.request_transition(request=accepted, user=desk.staff, to=RequestStatus.ACCEPTED)
    desk.consultant.user.first_name, desk.consultant.user.last_name = "Rina", "Sitepu"
    desk.consultant.user.save()
    return {"mine": mine, "theirs": theirs, "accepted": accepted, "far": far}


@pytest.mark.parametrize("params", [
    {}, {"status__exact": "ditugaskan"}, {"status__exact": "diajukan"}, {"status__exact": "selesai"},
    {"centre__id__exact": "CENTRE"}, {"service__id__exact": "SERVICE"},
    {"service__id__exact": "SERVICE", "status__exact": "diterima"},
], ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "unfiltered")
def test_the_export_holds_exactly_the_requests_the_filtered_admin_list_shows(desk, queue, params):
    params = {k: {"CENTRE": str(desk.centre.pk), "SERVICE": str(desk.service.pk)}.get(v, v) for k, v in params.items()}
    client = client_for(desk.staff)
    listed = client.get(LIST, params)
    assert listed.status_code == 200 and "e" not in listed.wsgi_request.GET  # the admin accepted the filters
    shown = sorted(r.pk for r in listed.context["cl"].result_list)

    assert ids(csv_rows(content_of(client.get(export_url("csv"), params)))) == shown
    assert ids(xlsx_rows(content_of(client.get(export_url("xlsx"), params)))[1]) == shown


def test_the_list_has_export_buttons_that_keep_its_filters(desk, queue):
    text = client_for(desk.staff).get(LIST, {"status__exact": "ditugaskan"}).content.decode()

    for fmt in ("csv", "xlsx"):
        link = re.search(rf'href="({re.escape(export_url(fmt))}[^"]*)"', text).group(1).replace("&amp;", "&")
        assert "status__exact=ditugaskan" in link.split("?", 1)[1].split("&")


def test_csv_and_xlsx_open_with_indonesian_headers_labels_and_the_consultants_name(desk, queue):
    client = client_for(desk.staff)
    csv_data = content_of(client.get(export_url("csv")))
    header, from_xlsx = xlsx_rows(content_of(client.get(export_url("xlsx"))))

    assert next(csv.reader(io.StringIO(csv_data.decode()))) == HEADER and header == HEADER
    mine = {int(row["ID permohonan"]): row for row in csv_rows(csv_data)}[queue["mine"].pk]
    assert (mine["Status"], mine["Konsultan"], mine["Layanan"]) == (
        "Ditugaskan ke konsultan", "Rina Sitepu", Service.objects.get(pk=desk.service.pk).name)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", mine["Tanggal diajukan"])
    theirs = {row["ID permohonan"]: row for row in from_xlsx}[queue["theirs"].pk]
    assert theirs["Konsultan"] == "konsultan_b"  # no name given: the username
    accepted = {row["ID permohonan"]: row for row in from_xlsx}[queue["accepted"].pk]
    assert accepted["Konsultan"] is None and accepted["Status"] == "Diterima"


def test_a_consultant_exports_only_the_requests_assigned_to_them(desk, queue):
    exported = csv_rows(content_of(client_for(desk.consultant.user).get(export_url("csv"))))

    assert ids(exported) == [queue["mine"].pk]


def test_a_regency_office_exports_only_its_regencys_requests(desk, queue):
    binjai_staff = make_staff("petugas_dinas_binjai")
    StaffRegion.objects.create(user=binjai_staff, regency_id="12.75")

    exported = csv_rows(content_of(client_for(binjai_staff).get(export_url("csv"))))

    assert ids(exported) == [queue["far"].pk]
    assert {row["Kabupaten/kota"] for row in exported} == {"Kota Binjai"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_large_export_runs_as_a_job_whose_file_holds_the_filtered_rows(
    desk, queue, media, monkeypatch, fmt, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "INLINE_MAX", 1)
    client = client_for(desk.staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{export_url(fmt)}?status__exact=ditugaskan")

    job = JobRun.objects.get(kind="export")
    assert response["Location"] == reverse("admin:registry_jobrun_change", args=[job.pk])
    assert (job.status, job.done, job.params["dataset"]) == (JobStatus.DONE, 2, "plut.servicerequest")
    data = content_of(client.get(reverse("registry:export-download", args=[job.pk])))
    rows = csv_rows(data) if fmt == "csv" else xlsx_rows(data)[1]
    assert ids(rows) == sorted([queue["mine"].pk, queue["theirs"].pk])


def test_the_worker_scopes_a_regency_offices_job_by_its_regency(desk, queue, media,
                                                                 django_capture_on_commit_callbacks):
    medan_staff = make_staff("petugas_dinas_medan")
    StaffRegion.objects.create(user=medan_staff, regency_id="12.71")

    with django_capture_on_commit_callbacks(execute=True):
        job = registry_services.export_start(filters={}, fmt="csv", user=medan_staff, dataset="plut.servicerequest")
    job.refresh_from_db()

    assert job.status == JobStatus.DONE and job.scope == "12.71"
    assert ids(csv_rows(job.result_file.read())) == sorted(
        [queue["mine"].pk, queue["theirs"].pk, queue["accepted"].pk])


def test_a_wrong_filter_or_dataset_starts_no_job(desk):
    with pytest.raises(registry_services.ValidationError) as error:
        registry_services.export_start(filters={"centre": "999999"}, fmt="csv", user=desk.staff,
                                       dataset="plut.servicerequest")
    assert "centre" in error.value.message_dict
    with pytest.raises(registry_services.ValidationError) as error:
        registry_services.export_start(filters={}, fmt="csv", user=desk.staff, dataset="plut.tidak_ada")
    assert "dataset" in error.value.message_dict
    assert not JobRun.objects.exists()
