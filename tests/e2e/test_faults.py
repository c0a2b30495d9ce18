"""Faults a person meets through the real server: the database refusing a write (the NIB unique constraint,
hit by a concurrent writer after the form's own check passed), and the same form submitted twice by a double
click. What the person sees is checked, and what the database holds afterwards."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from rest_framework.authtoken.models import Token

from registry.models import Enterprise, JobRun
from tests.celery_worker import database_url
from tests.e2e.conftest import sign_in
from tests.factories import make_enterprise

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TAKEN_NIB = "9120000007777"
NIB_TAKEN_MESSAGE = "NIB ini sudah dipakai oleh UMKM lain."


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def lock_waiters(conn) -> list[tuple]:
    """Server sessions of the test database waiting on a row or index lock (our blocker holds one)."""
    return conn.execute(
        "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND wait_event_type = 'Lock'"
    ).fetchall()


@pytest.fixture
def rival():
    """Another enterprise, whose NIB a concurrent writer sets to TAKEN_NIB in a transaction not yet committed:
    the application's duplicate check cannot see it, so only the database's unique index refuses the write."""
    other = make_enterprise("Warung Saingan Tebing", nib=None)
    conn = psycopg.connect(database_url())
    conn.execute("UPDATE registry_enterprise SET nib = %s WHERE id = %s", [TAKEN_NIB, other.pk])
    with psycopg.connect(database_url(), autocommit=True) as watcher:
        yield conn, watcher
    conn.close()


def test_a_nib_taken_meanwhile_shows_the_admin_form_again_with_the_message_on_the_nib_field(
    e2e_page, staff_user, rival, screenshots
):
    page, shot, (blocker, watcher) = e2e_page, screenshots("fault-nib-admin"), rival
    enterprise = make_enterprise("Kedai Kopi Tebing Tinggi", nib=None)
    sign_in(page, staff_user.username, next_url=f"/admin/registry/enterprise/{enterprise.pk}/change/")
    page.locator("#id_name").fill("Kedai Kopi Tebing Tinggi Baru")
    page.locator("#id_nib").fill(TAKEN_NIB)
    page.locator("input[name=_save]").click(no_wait_after=True)
    # The server's UPDATE waits on the rival's uncommitted NIB; commit it, and the unique index refuses ours.
    wait_for(lambda: lock_waiters(watcher), what="the server's write to wait on the rival's NIB")
    blocker.commit()
    page.wait_for_load_state()
    wait_for(lambda: page.locator("body").inner_text().strip(), what="a page")
    shot(page, "after save")

    # Nothing half-saved: neither the new name nor the NIB.
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.nib) == ("Kedai Kopi Tebing Tinggi", None)
    assert "Server Error" not in page.content()
    nib_row = page.locator(".form-row.field-nib")
    assert NIB_TAKEN_MESSAGE in nib_row.locator(".errorlist").inner_text()


def test_a_nib_taken_meanwhile_is_a_400_naming_the_nib_field_in_the_api_and_nothing_is_saved(
    e2e_server, staff_user, rival
):
    blocker, watcher = rival
    enterprise = make_enterprise("Kedai Kopi Sipirok", nib=None)
    token = Token.objects.create(user=staff_user).key
    request = urllib.request.Request(
        f"{e2e_server}/api/v1/enterprises/{enterprise.pk}/", method="PATCH",
        data=json.dumps({"name": "Kedai Kopi Sipirok Baru", "nib": TAKEN_NIB}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept-Language": "id"},
    )
    answer = {}

    def send():
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer.update(status=response.status, body=response.read())
        except urllib.error.HTTPError as exc:
            answer.update(status=exc.code, body=exc.read())

    thread = threading.Thread(target=send)
    thread.start()
    wait_for(lambda: lock_waiters(watcher), what="the server's write to wait on the rival's NIB")
    blocker.commit()
    thread.join(timeout=30)

    assert answer["status"] == 400, answer
    assert json.loads(answer["body"]) == {"nib": [NIB_TAKEN_MESSAGE]}
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.nib) == ("Kedai Kopi Sipirok", None)


def double_click_submit(page, button) -> int:
    """Double-click a submit button as an impatient person does; returns how many POSTs the browser sent.

    The job table is locked meanwhile, so that the first request cannot finish before the second arrives (as on
    a busy server): the result does not depend on timing. Released when both wait, or after 3 s (a guard that
    turns the second request away before it writes never waits)."""
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    with psycopg.connect(database_url()) as blocker, psycopg.connect(database_url(), autocommit=True) as watcher:
        blocker.execute("LOCK TABLE registry_jobrun IN SHARE ROW EXCLUSIVE MODE")
        # Two clicks 80 ms apart, from the page itself: Playwright's dblclick fires both in one task (Chromium
        # then sends one request), and its click() waits for the first navigation.
        button.evaluate("b => { b.click(); setTimeout(() => b.click(), 80); }")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and len(lock_waiters(watcher)) < 2:
            page.wait_for_timeout(50)
        blocker.rollback()
    page.wait_for_timeout(1500)  # the server finishes both requests; Playwright delivers the request events
    page.wait_for_load_state()
    return len(posts)


def test_a_double_click_on_hitung_ulang_starts_one_recompute(e2e_page, staff_user, celery_workers):
    page = e2e_page
    sign_in(page, staff_user.username, next_url="/admin/registry/jobrun/")
    posts = double_click_submit(page, page.get_by_role("button", name="Hitung ulang naik kelas"))
    assert posts == 2  # the browser really sent the form twice
    assert "Penghitungan ulang naik kelas dimulai" in page.locator(".messagelist").inner_text()
    assert JobRun.objects.filter(kind="graduation").count() == 1


def test_a_double_click_on_mulai_impor_starts_one_import(e2e_page, staff_user, celery_workers, tmp_path):
    page = e2e_page
    data = tmp_path / "umkm_ganda.csv"
    data.write_text("nama_usaha,kode_wilayah\nWarung Klik Ganda,12.71\n", encoding="utf-8")
    sign_in(page, staff_user.username, next_url="/registri/impor/")
    page.locator("input[type=file][name=file]").set_input_files(str(data))
    page.get_by_role("button", name="Unggah dan periksa kolom").click()
    page.wait_for_load_state()
    posts = double_click_submit(page, page.get_by_role("button", name="Mulai impor"))
    assert posts == 2
    assert "Impor dimulai" in page.locator(".messagelist").inner_text()
    assert JobRun.objects.filter(kind="import").count() == 1
    assert not Enterprise.objects.filter(name="Warung Klik Ganda").exists()  # no worker: nothing imported yet
