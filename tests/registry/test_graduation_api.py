"""REST API of naik kelas: an enterprise's class history, the recompute jobs, and the computed fields."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from registry import graduation, services
from registry.models import Enterprise, JobRun, RuleSet, YearlyReport
from sumut_umkm import roles
from tests.factories import make_enterprise, make_staff, make_user

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1
ENTERPRISES = "/api/v1/enterprises/"
JOB_RUNS = "/api/v1/job-runs/"


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(make_staff())
    return client


def as_role(role: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user(role=role))
    return client


def recompute(enterprise: Enterprise, year: int, omzet: int, rule_set_id: int | None = None) -> None:
    YearlyReport.objects.update_or_create(enterprise=enterprise, year=year, defaults={"omzet": omzet})
    graduation.recompute_enterprises(enterprise_ids=[enterprise.pk], rule_set_id=rule_set_id)


def history_url(enterprise: Enterprise) -> str:
    return f"{ENTERPRISES}{enterprise.pk}/graduation-history/"


def run_job(regency: str = "") -> JobRun:
    """A recompute job run to the end in this process, through the services the worker calls."""
    job = services.graduation_start(regency=regency, enqueue=False)
    for code in services.graduation_run(job=job):
        services.graduation_chunk(job_id=job.pk, regency=code)
    job.refresh_from_db()
    return job


# --- graduation history ---------------------------------------------------------------------------


def test_the_history_of_an_enterprise_lists_its_moves_newest_first_with_inputs_and_rule_set_version(api):
    enterprise = make_enterprise(nib=None)
    recompute(enterprise, LAST_YEAR - 2, 1_500_000_000)  # the starting point: no history row
    recompute(enterprise, LAST_YEAR - 1, 2_400_000_000)  # up to kecil
    recompute(enterprise, LAST_YEAR, 1_900_000_000)  # back to mikro
    other = make_enterprise()
    recompute(other, LAST_YEAR - 1, 1_000_000_000)
    recompute(other, LAST_YEAR, 3_000_000_000)

    response = api.get(history_url(enterprise))

    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [(row["direction"], row["before"], row["after"]) for row in rows] == [
        ("turun", {"size_class": "kecil", "tier": 4}, {"size_class": "mikro", "tier": 1}),
        ("naik", {"size_class": "mikro", "tier": 1}, {"size_class": "kecil", "tier": 4}),
    ]
    moved_up = rows[1]
    assert (moved_up["year"], moved_up["omzet"], moved_up["basis"]) == (LAST_YEAR - 1, 2_400_000_000, "omzet")
    assert moved_up["reason"].startswith(f"Omzet {LAST_YEAR - 1} Rp2,4 M melebihi batas mikro Rp2 M")
    assert moved_up["class_status"] == "sementara"
    assert moved_up["rule_set_version"] == 1
    assert "count" not in response.json()


def test_history_rows_keep_the_rule_set_version_they_were_computed_under(api):
    enterprise = make_enterprise()
    recompute(enterprise, LAST_YEAR - 1, 1_000_000_000)
    recompute(enterprise, LAST_YEAR, 3_000_000_000)
    wider = services.rule_set_create(
        name="Uji batas baru", legal_source="Uji", criterion="Uji",
        omzet_micro_max=5_000_000_000, omzet_small_max=15_000_000_000, omzet_medium_max=50_000_000_000,
        capital_micro_max=1_000_000_000, capital_small_max=5_000_000_000, capital_medium_max=10_000_000_000,
    )
    services.rule_set_activate(rule_set=wider)
    graduation.recompute_enterprises(enterprise_ids=[enterprise.pk], rule_set_id=wider.pk)

    rows = api.get(history_url(enterprise)).json()["results"]

    assert [(row["after"]["size_class"], row["rule_set_version"]) for row in rows] == [
        ("mikro", wider.version), ("kecil", 1),
    ]


def test_the_history_is_cursor_paged(api):
    enterprise = make_enterprise()
    for offset, omzet in enumerate([1_000_000_000, 3_000_000_000, 1_000_000_000, 3_000_000_000, 1_000_000_000]):
        recompute(enterprise, LAST_YEAR - 4 + offset, omzet)
    seen, url, pages = [], history_url(enterprise) + "?page_size=2", 0
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 2
    assert len(seen) == 4
    assert seen == sorted(seen, reverse=True)


def test_the_history_page_costs_a_few_queries_however_long_it_is(api, django_assert_max_num_queries):
    enterprise = make_enterprise()
    for offset in range(6):
        recompute(enterprise, LAST_YEAR - 5 + offset, 3_000_000_000 if offset % 2 else 1_000_000_000)
    # permission look-ups (2) + the regency scope (1) + the enterprise (1) + the page with its rule sets (1)
    with django_assert_max_num_queries(5):
        response = api.get(history_url(enterprise))
    assert len(response.json()["results"]) == 5


def test_the_history_of_an_unknown_enterprise_is_a_404_in_indonesian(api):
    response = api.get(f"{ENTERPRISES}999999999/graduation-history/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Data tidak ditemukan."


def test_the_history_is_for_staff_who_may_read_enterprises():
    enterprise = make_enterprise()
    assert APIClient().get(history_url(enterprise)).status_code == 401
    assert as_role(roles.MSME_OWNER).get(history_url(enterprise)).status_code == 403
    assert as_role(roles.PLUT_CONSULTANT).get(history_url(enterprise)).status_code == 403  # no registry rights
    assert as_role(roles.STAFF).get(history_url(enterprise)).status_code == 200


# --- job runs -------------------------------------------------------------------------------------


def test_job_runs_are_listed_newest_first_with_their_progress(api):
    medan = make_enterprise(regency="12.71", district="12.71.01")
    YearlyReport.objects.create(enterprise=medan, year=LAST_YEAR, omzet=3_000_000_000)
    finished = run_job(regency="12.71")
    queued = services.graduation_start(enqueue=False)

    response = api.get(JOB_RUNS)

    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [queued.pk, finished.pk]
    done = rows[1]
    assert (done["status"], done["status_label"], done["scope"]) == ("selesai", "Selesai", "12.71")
    assert (done["total"], done["done"], done["changed"], done["percent"]) == (1, 1, 1, 100)
    assert (done["chunks_total"], done["chunks_done"]) == (1, 1)
    assert done["rule_set_version"] == RuleSet.objects.get(is_active=True).version
    assert done["started_at"] and done["finished_at"] and done["error"] == ""
    assert (rows[0]["status"], rows[0]["percent"], rows[0]["started_at"]) == ("antre", 0, None)


def test_one_job_run_shows_its_error_when_it_failed(api):
    job = services.graduation_start(enqueue=False)
    services.graduation_run(job=job)
    services.graduation_fail(job_id=job.pk, error="12.71: OperationalError('server closed the connection')")

    body = api.get(f"{JOB_RUNS}{job.pk}/").json()

    assert (body["id"], body["status"], body["scope"]) == (job.pk, "gagal", "")
    assert "server closed the connection" in body["error"]
    assert body["finished_at"]


def test_job_runs_are_read_only_in_the_api_even_for_a_superuser():
    job = services.graduation_start(enqueue=False)
    client = APIClient()
    client.force_authenticate(make_user(staff=True, is_superuser=True))
    response = client.post(JOB_RUNS, {"scope": "12.71"}, format="json")
    assert response.status_code == 405
    assert response.json()["detail"] == "Metode POST tidak tersedia di alamat ini."
    assert client.patch(f"{JOB_RUNS}{job.pk}/", {"status": "selesai"}, format="json").status_code == 405
    assert client.delete(f"{JOB_RUNS}{job.pk}/").status_code == 405
    assert list(JobRun.objects.values_list("pk", "status")) == [(job.pk, "antre")]


def test_job_runs_are_for_staff_only():
    assert APIClient().get(JOB_RUNS).status_code == 401
    assert as_role(roles.MSME_OWNER).get(JOB_RUNS).status_code == 403
    # a PLUT consultant reads enterprises, not the office's background jobs
    assert as_role(roles.PLUT_CONSULTANT).get(JOB_RUNS).status_code == 403


def test_an_unknown_job_run_is_a_404(api):
    assert api.get(f"{JOB_RUNS}999999/").status_code == 404


# --- computed fields on the enterprise ------------------------------------------------------------


def test_an_enterprise_shows_its_computed_class_fields(api):
    enterprise = make_enterprise(nib=None)
    YearlyReport.objects.create(enterprise=enterprise, year=LAST_YEAR, omzet=500_000_000, capital=3_000_000_000)
    graduation.recompute_enterprises(enterprise_ids=[enterprise.pk])

    detail = api.get(f"{ENTERPRISES}{enterprise.pk}/").json()
    listed = api.get(ENTERPRISES).json()["results"][0]

    for body in (detail, listed):
        assert (body["size_class"], body["tier"], body["formal_step"]) == ("mikro", 1, 0)
        assert body["class_status"] == "sementara"
        assert body["criteria_disagree"] is True
        assert body["class_reason"].startswith(f"Omzet {LAST_YEAR} Rp500 jt tidak melebihi batas mikro Rp2 M")
        assert body["class_since"]


def test_the_computed_class_fields_cannot_be_written_through_the_api(api):
    enterprise = make_enterprise()
    YearlyReport.objects.create(enterprise=enterprise, year=LAST_YEAR, omzet=500_000_000)
    graduation.recompute_enterprises(enterprise_ids=[enterprise.pk])

    response = api.patch(
        f"{ENTERPRISES}{enterprise.pk}/",
        {"name": "Nama Baru", "size_class": "besar", "tier": 12, "class_status": "terkonfirmasi",
         "criteria_disagree": True, "class_reason": "diubah"},
        format="json",
    )

    assert response.status_code == 200, response.content
    enterprise.refresh_from_db()
    assert enterprise.name == "Nama Baru"
    assert (enterprise.size_class, enterprise.tier, enterprise.class_status) == ("mikro", 2, "sementara")
    assert enterprise.criteria_disagree is False and enterprise.class_reason != "diubah"


def test_the_openapi_schema_documents_the_history_and_the_job_runs(tmp_path):
    path = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    schema = yaml.safe_load(path.read_text())
    history = schema["paths"]["/api/v1/enterprises/{id}/graduation-history/"]
    assert set(history) == {"get"}
    assert "cursor" in {p["name"] for p in history["get"]["parameters"]}
    assert set(schema["paths"]["/api/v1/job-runs/"]) == {"get"}
    assert set(schema["paths"]["/api/v1/job-runs/{id}/"]) == {"get"}
    job_run = schema["components"]["schemas"]["JobRun"]["properties"]
    assert {"status", "scope", "total", "done", "changed", "percent", "started_at", "finished_at", "error",
            "rule_set_version"} <= set(job_run)
    enterprise = schema["components"]["schemas"]["Enterprise"]["properties"]
    for name in ("tier", "formal_step", "class_status", "class_reason", "class_since", "criteria_disagree"):
        assert enterprise[name]["readOnly"] is True
