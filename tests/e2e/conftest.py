"""Browser tests: Debian's chromium driven by Playwright against the application served by gunicorn on
127.0.0.1, with the real PostgreSQL (the pytest-django test database), Redis and, where a journey needs it,
a real Celery worker. They are skipped, with the reason shown, when chromium is not installed (`make test`
installs it as root; see sumut_umkm/devstack.py).

The fixtures here are named e2e_* and use Playwright's own API, so these tests run the same with or
without the pytest-playwright plugin (`-p no:playwright`).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.server import BASE_DIR, gunicorn
from tests.factories import make_staff

E2E_DIR = Path(__file__).resolve().parent
SCREENSHOTS = BASE_DIR / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
PASSWORD = "rahasia-uji-123"  # tests.factories.make_user's password


def chromium_missing_reason() -> str:
    if shutil.which("chromium"):
        return ""
    return os.environ.get("E2E_SKIP_REASON") or (
        "chromium tidak terpasang (apt-get install chromium; `make test` memasangnya bila dijalankan sebagai root)"
    )


def pytest_collection_modifyitems(config, items):
    reason = chromium_missing_reason()
    if not reason:
        return
    skip = pytest.mark.skip(reason=f"tes peramban tidak dijalankan: {reason}")
    for item in items:
        if Path(str(item.path)).is_relative_to(E2E_DIR):
            item.add_marker(skip)


@pytest.fixture(scope="package")
def e2e_media(tmp_path_factory):
    """Uploaded and generated files of the server and the worker (both started after this, both inherit it)."""
    folder = tmp_path_factory.mktemp("e2e-media")
    old = os.environ.get("DJANGO_MEDIA_ROOT")
    os.environ["DJANGO_MEDIA_ROOT"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("DJANGO_MEDIA_ROOT", None)
    else:
        os.environ["DJANGO_MEDIA_ROOT"] = old


@pytest.fixture(scope="package")
def e2e_server(django_db_setup, e2e_media, tmp_path_factory):
    """gunicorn (production settings, DEBUG off) on the test database; yields its base URL."""
    log = tmp_path_factory.mktemp("e2e-server") / "gunicorn.log"
    with gunicorn(log) as url:
        yield url


@pytest.fixture(scope="package")
def e2e_browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the tests' own ORM calls are still synchronous.
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    if old is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture
def e2e_context(e2e_browser, e2e_server):
    context = e2e_browser.new_context(
        base_url=e2e_server, locale="id-ID", timezone_id="Asia/Jakarta", accept_downloads=True,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture
def e2e_page(e2e_context):
    page = e2e_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


class Screenshots:
    """Numbered screenshots of one journey's key screens under var/screenshots/<journey>/."""

    def __init__(self, journey: str):
        self.folder = SCREENSHOTS / journey
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def screenshots(request):
    def for_journey(journey: str) -> Screenshots:
        return Screenshots(journey)

    return for_journey


@pytest.fixture
def staff_user():
    return make_staff("petugas_dinas")


def sign_in(page, username: str, password: str = PASSWORD, next_url: str = "/admin/") -> None:
    """Sign in through the admin's login form, as a person would, from a signed-out start."""
    page.goto(next_url)
    assert "/admin/login/" in page.url, f"expected the login page, got {page.url}"
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_load_state()
    assert "/admin/login/" not in page.url, f"sign-in failed: {page.locator('.errornote').all_inner_texts()}"
