"""Staff pages of naik kelas: rule sets and their preview and activation, recompute runs with their progress,
the class history in the admin and on the enterprise page."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry import graduation, services
from registry.models import Enterprise, GraduationEvent, JobRun, JobStatus, RuleSet, YearlyReport
from registry.paginators import LargeTablePaginator
from sumut_umkm import roles
from tests.factories import make_enterprise, make_staff, make_user

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1
RULE_SETS = "/admin/registry/ruleset/"
JOBS = "/admin/registry/jobrun/"
EVENTS = "/admin/registry/graduationevent/"
LIMITS_V1 = {
    "omzet_micro_max": 2_000_000_000, "omzet_small_max": 15_000_000_000, "omzet_medium_max": 50_000_000_000,
    "capital_micro_max": 1_000_000_000, "capital_small_max": 5_000_000_000, "capital_medium_max": 10_000_000_000,
}


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.content.decode())


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def report(enterprise, year, omzet=None, capital=None):
    YearlyReport.objects.update_or_create(
        enterprise=enterprise, year=year, defaults={"omzet": omzet, "capital": capital}
    )


def recompute(*enterprises):
    graduation.recompute_enterprises(enterprise_ids=[e.pk for e in enterprises])


def v1() -> RuleSet:
    return RuleSet.objects.get(version=1)


def draft(**limits) -> RuleSet:
    """A new version through the admin's add form, as staff make one."""
    data = {"name": "Batas mikro Rp5 M (uji)", "legal_source": "Uji", "criterion": "Omzet, lalu modal.",
            **LIMITS_V1, **limits}
    response = client_for(make_staff()).post(f"{RULE_SETS}add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return RuleSet.objects.latest("version")


@pytest.fixture
def staff():
    return make_staff("petugas_naik_kelas")


@pytest.fixture
def staff_client(staff):
    return client_for(staff)


@pytest.fixture
def province():
    """Under v1: two small enterprises in Medan and one in Binjai that a micro limit of Rp5 M would make micro;
    a micro one and a medium one that stay where they are."""
    medan = [make_enterprise(f"Medan {n}", regency="12.71", district="12.71.01") for n in range(2)]
    binjai = make_enterprise("Binjai", regency="12.75", district="12.75.01")
    stays_micro = make_enterprise("Tetap mikro", regency="12.71", district="12.71.01")
    stays_medium = make_enterprise("Tetap menengah", regency="12.75", district="12.75.01")
    for enterprise, omzet in [(medan[0], 3_000_000_000), (medan[1], 4_500_000_000), (binjai, 4_000_000_000),
                              (stays_micro, 900_000_000), (stays_medium, 20_000_000_000)]:
        report(enterprise, LAST_YEAR, omzet=omzet)
    recompute(*medan, binjai, stays_micro, stays_medium)
    return {"medan": medan, "binjai": binjai, "stays_micro": stays_micro}


def snapshot():
    """Everything a preview must leave as it was."""
    return (
        list(Enterprise.objects.order_by("pk").values_list("size_class", "tier", "class_status", "class_reason",
                                                          "class_rule_set", "class_since")),
        GraduationEvent.objects.count(), JobRun.objects.count(),
        list(RuleSet.objects.order_by("pk").values_list("is_active", "activated_at")),
    )


# --- rule sets: list, read-only history, new versions -----------------------------------------------


def test_staff_read_the_rule_sets_with_thresholds_in_rupiah(staff_client):
    text = text_of(staff_client.get(RULE_SETS))

    assert "v1" in text and "Kriteria UMKM PP 7/2021" in text and "PP 7/2021 Pasal 35" in text
    assert "Rp2.000.000.000 / Rp15.000.000.000 / Rp50.000.000.000" in text
    assert "Rp1.000.000.000 / Rp5.000.000.000 / Rp10.000.000.000" in text


def test_a_version_that_is_or_was_active_is_read_only(staff_client):
    page = text_of(staff_client.get(f"{RULE_SETS}{v1().pk}/change/"))
    assert "Rp2.000.000.000" in page and 'name="omzet_micro_max"' not in page

    refused = staff_client.post(f"{RULE_SETS}{v1().pk}/change/", {"name": "Diubah", **LIMITS_V1})
    assert refused.status_code == 403
    assert staff_client.post(f"{RULE_SETS}{v1().pk}/delete/", {"post": "yes"}).status_code == 403
    assert v1().name == "Kriteria UMKM PP 7/2021"


def test_a_new_version_is_numbered_automatically_starts_inactive_and_stays_editable(staff_client):
    form = text_of(staff_client.get(f"{RULE_SETS}add/"))
    assert 'value="2000000000"' in form  # the active version's limits are the starting point

    new = draft(omzet_micro_max=5_000_000_000)

    assert (new.version, new.is_active, new.activated_at) == (2, False, None)
    assert v1().is_active
    page = text_of(staff_client.get(f"{RULE_SETS}{new.pk}/change/"))
    assert 'name="omzet_micro_max"' in page and "Pratinjau perubahan" in page and "Aktifkan" in page


def test_a_new_version_with_limits_out_of_order_is_refused_with_a_message(staff_client):
    data = {"name": "Salah", "legal_source": "Uji", "criterion": "Uji", **LIMITS_V1,
            "omzet_micro_max": 20_000_000_000}
    text = text_of(staff_client.post(f"{RULE_SETS}add/", data))

    assert "Batas kelas harus naik: mikro &lt; kecil &lt; menengah." in text
    assert RuleSet.objects.count() == 1


# --- preview -------------------------------------------------------------------------------------


def test_the_preview_counts_the_moves_per_regency_and_class_and_writes_nothing(staff_client, province):
    candidate = draft(omzet_micro_max=5_000_000_000)
    before = snapshot()

    response = staff_client.get(reverse("registry:ruleset-preview", args=[candidate.pk]))
    text = text_of(response)

    summary = response.context["summary"]
    assert (summary.total, summary.up, summary.down) == (3, 0, 3)
    assert [(m.label, m.count) for m in summary.transitions] == [("Kecil → Mikro", 3)]
    assert [(r.name, r.total) for r in summary.regencies] == [("Kota Binjai", 1), ("Kota Medan", 2)]
    assert "3 UMKM akan berpindah kelas: 0 naik, 3 turun" in text
    assert "Kota Binjai" in text and "Kota Medan" in text
    assert "Tidak ada dukungan CSR/TJSL aktif pada UMKM yang akan naik kelas." in text
    assert snapshot() == before


def test_the_preview_lists_the_active_csr_supports_whose_enterprise_would_move_up(staff_client, province):
    micro = province["stays_micro"]
    for key, ended_on in (("csr.support:1", None), ("csr.support:2", datetime.date(2020, 12, 31))):
        services.support_record_save(
            source="csr", source_key=key, enterprise_id=micro.pk, kind="pelatihan", provider="PT Perkebunan Uji",
            title=f"Program {key}", started_on=datetime.date(2020, 1, 1), ended_on=ended_on,
        )
    candidate = draft(omzet_micro_max=500_000_000)  # 900 jt becomes small

    response = staff_client.get(reverse("registry:ruleset-preview", args=[candidate.pk]))
    text = text_of(response)

    assert response.context["supports_total"] == 1
    [move] = response.context["supports"]
    assert (move.enterprise, move.from_class, move.to_class, move.title) == (
        "Tetap mikro", "mikro", "kecil", "Program csr.support:1")
    assert "PT Perkebunan Uji" in text and "1 dukungan aktif" in text


def test_the_preview_can_be_narrowed_to_one_regency(staff_client, province):
    candidate = draft(omzet_micro_max=5_000_000_000)

    response = staff_client.get(reverse("registry:ruleset-preview", args=[candidate.pk]), {"regency": "12.75"})

    assert [(r.name, r.total) for r in response.context["summary"].regencies] == [("Kota Binjai", 1)]
    assert "Perubahan di Kota Binjai" in text_of(response)


def test_a_preview_that_moves_nobody_says_so(staff_client, province):
    candidate = draft(name="Sama dengan v1")

    text = text_of(staff_client.get(reverse("registry:ruleset-preview", args=[candidate.pk])))

    assert "Tidak ada UMKM yang akan berpindah kelas." in text


# --- activation ----------------------------------------------------------------------------------


def test_activating_a_version_asks_first_and_changes_nothing_until_confirmed(staff_client):
    candidate = draft(omzet_micro_max=5_000_000_000)

    text = text_of(staff_client.get(reverse("registry:ruleset-activate", args=[candidate.pk])))

    assert "Ya, aktifkan dan hitung ulang" in text and 'method="post"' in text
    assert "Rp5.000.000.000" in text and "berubah" in text
    assert v1().is_active and JobRun.objects.count() == 0


def test_activating_a_version_starts_a_job_and_old_history_keeps_its_rule_set_and_reason(
    staff, staff_client, django_capture_on_commit_callbacks
):
    enterprise = make_enterprise("Kopi Sidikalang")
    report(enterprise, LAST_YEAR - 1, omzet=1_000_000_000)
    recompute(enterprise)
    report(enterprise, LAST_YEAR, omzet=3_000_000_000)
    recompute(enterprise)
    old = GraduationEvent.objects.get(enterprise=enterprise)
    old_reason, old_rule_set = old.reason, old.rule_set_id
    candidate = draft(omzet_micro_max=5_000_000_000)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("registry:ruleset-activate", args=[candidate.pk]))

    job = JobRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:registry_jobrun_change", args=[job.pk])
    assert (job.rule_set_id, job.started_by, job.scope, job.status) == (candidate.pk, staff, "", JobStatus.DONE)
    candidate.refresh_from_db()
    assert candidate.is_active and not v1().is_active
    old.refresh_from_db()
    assert (old.reason, old.rule_set_id) == (old_reason, old_rule_set)
    newest = GraduationEvent.objects.filter(enterprise=enterprise).latest("id")
    assert (newest.direction, newest.rule_set_id) == ("turun", candidate.pk)
    # The version that was active is now history: read-only, like the new active one.
    assert staff_client.post(f"{RULE_SETS}{v1().pk}/change/", {"name": "x", **LIMITS_V1}).status_code == 403


# --- who may start runs and activate --------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(lambda: make_user(staff=False), id="signed-in non-staff"),
        pytest.param(lambda: make_user(staff=True), id="staff without permissions"),
        pytest.param(lambda: make_user(role=roles.PLUT_CONSULTANT), id="PLUT consultant"),
    ],
)
def test_users_without_the_permission_cannot_start_runs_or_activate(who, django_capture_on_commit_callbacks):
    candidate = draft(omzet_micro_max=5_000_000_000)
    client = client_for(who())

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("registry:graduation-start"), {"regency": ""}).status_code == 403
        assert client.post(reverse("registry:ruleset-activate", args=[candidate.pk])).status_code == 403
        assert client.get(reverse("registry:ruleset-activate", args=[candidate.pk])).status_code == 403

    assert JobRun.objects.count() == 0
    assert v1().is_active and not RuleSet.objects.get(pk=candidate.pk).is_active


def test_signed_out_visitors_are_sent_to_the_login_page():
    candidate = draft()
    for url in (reverse("registry:graduation-start"), reverse("registry:ruleset-activate", args=[candidate.pk]),
                reverse("registry:ruleset-preview", args=[candidate.pk])):
        response = Client().post(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert JobRun.objects.count() == 0


def test_the_staff_role_holds_the_permission_to_start_runs(staff):
    assert staff.has_perms(["registry.add_jobrun", "registry.view_jobrun", "registry.change_ruleset",
                            "registry.view_graduationevent"])
    assert not staff.has_perm("registry.change_graduationevent")


# --- starting a run and following it --------------------------------------------------------------


def test_staff_start_a_recompute_for_one_regency_and_land_on_its_page(
    staff, staff_client, django_capture_on_commit_callbacks
):
    enterprise = make_enterprise(regency="12.71", district="12.71.01")
    report(enterprise, LAST_YEAR, omzet=3_000_000_000)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("registry:graduation-start"), {"regency": "12.71"})

    job = JobRun.objects.get()
    assert response["Location"] == reverse("admin:registry_jobrun_change", args=[job.pk])
    assert (job.scope, job.started_by, job.status, job.total, job.done) == ("12.71", staff, JobStatus.DONE, 1, 1)
    enterprise.refresh_from_db()
    assert enterprise.size_class == "kecil"
    text = text_of(staff_client.get(response["Location"]))
    assert "Kota Medan (12.71)" in text and "Selesai" in text and 'value="100"' in text


def test_an_unknown_regency_is_refused_with_a_message_and_starts_nothing(staff_client):
    response = staff_client.post(reverse("registry:graduation-start"), {"regency": "99.99"}, follow=True)

    assert "Kabupaten/kota 99.99 tidak dikenal." in text_of(response)
    assert JobRun.objects.count() == 0


def test_the_progress_json_reports_percent_and_counts_in_indonesian(staff_client):
    job = JobRun.objects.create(status=JobStatus.RUNNING, total=1_166_918, done=583_459, changed=1_234,
                                rule_set=v1(), started_at=timezone.now())

    response = staff_client.get(reverse("registry:jobrun-progress", args=[job.pk]))

    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    data = response.json()
    assert (data["status"], data["percent"], data["done"], data["total"], data["changed"]) == (
        "berjalan", 50, 583_459, 1_166_918, 1_234)
    assert (data["done_label"], data["total_label"], data["final"], data["error"]) == (
        "583.459", "1.166.918", False, "")


def test_the_progress_json_marks_a_finished_and_a_failed_run_final(staff_client):
    done = JobRun.objects.create(status=JobStatus.DONE, total=10, done=10, rule_set=v1(), finished_at=timezone.now())
    failed = JobRun.objects.create(status=JobStatus.FAILED, total=10, done=4, rule_set=v1(), error="12.71: galat uji")

    done_data = staff_client.get(reverse("registry:jobrun-progress", args=[done.pk])).json()
    failed_data = staff_client.get(reverse("registry:jobrun-progress", args=[failed.pk])).json()

    assert (done_data["percent"], done_data["final"]) == (100, True)
    assert done_data["finished_label"].endswith("WIB")
    assert (failed_data["percent"], failed_data["final"], failed_data["error"]) == (40, True, "12.71: galat uji")


def test_only_staff_who_may_see_runs_get_their_progress():
    job = JobRun.objects.create(status=JobStatus.RUNNING, total=10, done=5, rule_set=v1())
    url = reverse("registry:jobrun-progress", args=[job.pk])

    assert Client().get(url).status_code == 302
    assert client_for(make_user(staff=False)).get(url).status_code == 403
    assert client_for(make_user(staff=True)).get(url).status_code == 403
    assert client_for(make_staff()).get(reverse("registry:jobrun-progress", args=[job.pk + 1])).status_code == 404


def test_the_job_page_shows_a_progress_bar_that_the_script_keeps_up_to_date(staff_client):
    job = JobRun.objects.create(status=JobStatus.RUNNING, scope="12.75", total=2_000, done=500, changed=7,
                                rule_set=v1(), started_at=timezone.now())

    text = text_of(staff_client.get(reverse("admin:registry_jobrun_change", args=[job.pk])))

    assert re.search(r'<progress data-job="\d+" data-field="bar" max="100" value="25">', text)
    assert f'data-progress-url="{reverse("registry:jobrun-progress", args=[job.pk])}" data-final="0"' in text
    assert "500</span> / <span" in text and "2.000</span>" in text
    assert "Berjalan" in text and "Kota Binjai (12.75)" in text and "WIB" in text
    assert "Muat ulang halaman" in text  # without JavaScript
    assert "js/job_progress.js" in text


def test_the_run_list_shows_progress_and_the_start_button_only_to_those_who_may_start(staff_client):
    JobRun.objects.create(status=JobStatus.RUNNING, total=4, done=1, rule_set=v1())
    JobRun.objects.create(status=JobStatus.FAILED, total=4, done=2, rule_set=v1(), error="12.71: batas waktu")

    text = text_of(staff_client.get(JOBS))
    assert "Proses latar" in text and 'value="25"' in text and 'value="50"' in text
    assert "12.71: batas waktu" in text and "Seluruh provinsi" in text
    assert "Hitung ulang naik kelas" in text and reverse("registry:graduation-start") in text

    reader = make_user(staff=True)
    reader.user_permissions.add(Permission.objects.get(content_type__app_label="registry", codename="view_jobrun"))
    assert "Hitung ulang naik kelas" not in text_of(client_for(reader).get(JOBS))


def test_runs_cannot_be_added_changed_or_deleted_by_hand(staff_client):
    job = JobRun.objects.create(status=JobStatus.DONE, total=1, done=1, rule_set=v1())

    assert staff_client.get(f"{JOBS}add/").status_code == 403
    assert staff_client.post(f"{JOBS}{job.pk}/change/", {"status": "antre"}).status_code == 403
    assert staff_client.post(f"{JOBS}{job.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_run_list_needs_the_same_queries_for_few_and_many_runs(staff_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(JOBS).status_code == 200
        return len(captured)

    JobRun.objects.create(status=JobStatus.DONE, total=1, done=1, rule_set=v1(), scope="12.71",
                          started_by=make_staff())
    few = queries()
    JobRun.objects.bulk_create(
        JobRun(status=JobStatus.DONE, total=1, done=1, rule_set=v1(), scope="12.75", started_by=make_staff())
        for _ in range(30)
    )
    assert queries() == few


# --- the class history -----------------------------------------------------------------------------


@pytest.fixture
def graduated():
    """Micro in the year before last, small last year (naik), then its figures corrected down (turun)."""
    enterprise = make_enterprise("Tenun Ulos Toba")
    report(enterprise, LAST_YEAR - 1, omzet=1_800_000_000)
    recompute(enterprise)
    report(enterprise, LAST_YEAR, omzet=2_400_000_000)
    recompute(enterprise)
    report(enterprise, LAST_YEAR, omzet=1_900_000_000)
    recompute(enterprise)
    enterprise.refresh_from_db()
    return enterprise


def test_the_enterprise_page_shows_the_current_class_and_its_history_with_reasons(staff_client, graduated):
    text = text_of(staff_client.get(graduated.get_absolute_url()))
    section = text[text.index('id="riwayat-kelas"'):text.index('id="pembinaan"')]

    assert "Mikro" in section and "Terkonfirmasi" in section
    assert "2 dari 12: mikro, memiliki NIB" in section
    assert graduated.class_reason in section and "v1 Kriteria UMKM PP 7/2021" in section
    naik, turun = (GraduationEvent.objects.get(enterprise=graduated, direction=d) for d in ("naik", "turun"))
    assert f"Omzet {LAST_YEAR} Rp2,4 M melebihi batas mikro Rp2 M" in naik.reason
    # Newest first: the correction (turun) above the move up (naik).
    assert 0 < section.index(turun.reason) < section.index(naik.reason)
    assert "Mikro &rarr; Kecil" in section and "Kecil &rarr; Mikro" in section
    assert "WIB" in section and "Belum ada data." not in section


def test_a_class_that_needs_review_is_clearly_marked_on_the_enterprise_page(staff_client):
    enterprise = make_enterprise()
    report(enterprise, LAST_YEAR - 1, omzet=1_000_000_000)
    recompute(enterprise)
    report(enterprise, LAST_YEAR, omzet=20_000_000_000)
    recompute(enterprise)

    text = text_of(staff_client.get(enterprise.get_absolute_url()))

    assert re.search(r'class="badge class-status badge-warn">&#9888; Perlu verifikasi</span>', text)
    assert "melompat lebih dari satu kelas" in text


def test_the_enterprise_page_caps_the_history_and_keeps_its_queries_bounded(staff_client, graduated):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            staff_client.get(graduated.get_absolute_url())
        return len(captured)

    few = queries()
    GraduationEvent.objects.bulk_create(
        GraduationEvent(enterprise=graduated, from_class="mikro", to_class="kecil", from_tier=2, to_tier=5,
                        direction="naik", status="sementara", rule_set=v1(), reason=f"Baris uji {n}")
        for n in range(60)
    )
    response = staff_client.get(graduated.get_absolute_url())

    assert len(response.context["events"]) == 50
    assert "Ditampilkan 50 perubahan terbaru." in text_of(response)
    assert queries() == few <= 13  # with the CSR and PLUT panels (one query each, and the PLUT role)


def test_the_history_admin_lists_changes_with_rupiah_and_filters_by_direction(staff_client, graduated):
    text = text_of(staff_client.get(EVENTS))
    assert "Tenun Ulos Toba" in text and "Rp2.400.000.000" in text and "Rp1.900.000.000" in text
    assert "Mikro → Kecil" in text and "v1" in text and "WIB" in text

    response = staff_client.get(EVENTS, {"direction__exact": "turun"})
    assert [event.direction for event in response.context["cl"].result_list] == ["turun"]
    assert isinstance(response.context["cl"].paginator, LargeTablePaginator)

    by_enterprise = staff_client.get(EVENTS, {"enterprise__id__exact": graduated.pk})
    assert len(by_enterprise.context["cl"].result_list) == 2


def test_the_history_admin_refuses_add_change_and_delete_even_for_a_superuser(staff_client, graduated):
    event = GraduationEvent.objects.filter(enterprise=graduated).first()
    superuser = client_for(make_user(is_superuser=True, staff=True))

    for client in (staff_client, superuser):
        assert client.get(f"{EVENTS}add/").status_code == 403
        assert client.post(f"{EVENTS}{event.pk}/change/", {"reason": "diubah"}).status_code == 403
        assert client.post(f"{EVENTS}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    page = text_of(staff_client.get(f"{EVENTS}{event.pk}/change/"))
    assert event.reason in page and 'type="submit" value="Simpan"' not in page
    assert GraduationEvent.objects.filter(pk=event.pk, reason=event.reason).exists()


def test_the_history_admin_needs_the_same_queries_for_few_and_many_rows(staff_client, graduated):
    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(EVENTS).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    few = queries()
    GraduationEvent.objects.bulk_create(
        GraduationEvent(enterprise=make_enterprise(), from_class="mikro", to_class="kecil", direction="naik",
                        status="sementara", rule_set=v1(), reason="uji")
        for _ in range(60)
    )
    many = queries()
    assert len(many) == len(few)
    assert not [sql for sql in many if "COUNT(" in sql.upper() and "LIMIT" not in sql.upper()
                and "registry_graduationevent" in sql]


# --- the enterprise list -----------------------------------------------------------------------------


def test_the_enterprise_list_filters_by_class_status_and_disagreeing_criteria_and_shows_the_tier(staff_client):
    review = make_enterprise("Lompat Kelas")
    report(review, LAST_YEAR - 1, omzet=1_000_000_000)
    recompute(review)
    report(review, LAST_YEAR, omzet=20_000_000_000)
    disagree = make_enterprise("Modal Besar Omzet Kecil")
    report(disagree, LAST_YEAR, omzet=500_000_000, capital=3_000_000_000)
    plain = make_enterprise("Biasa")
    report(plain, LAST_YEAR, omzet=500_000_000)
    recompute(review, disagree, plain)

    def listed(params):
        response = staff_client.get("/admin/registry/enterprise/", params)
        assert response.status_code == 200
        return sorted(e.name for e in response.context["cl"].result_list)

    assert listed({"class_status": "perlu_verifikasi"}) == ["Lompat Kelas"]
    assert listed({"criteria_disagree": "1"}) == ["Modal Besar Omzet Kecil"]
    assert listed({"class_status": "sementara"}) == ["Biasa", "Modal Besar Omzet Kecil"]
    text = text_of(staff_client.get("/admin/registry/enterprise/"))
    assert "Tingkat" in text and 'title="mikro, memiliki NIB">2</span>' in text
