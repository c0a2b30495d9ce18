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


class Mailbox:
    """The e-mails a worker sent with Django's file backend (tests/e2e/settings.py), read as a person would."""

    def __init__(self, folder: Path):
        self.folder = folder

    def messages(self) -> list[str]:
        import email
        from email import policy

        out = []
        for path in sorted(self.folder.glob("*.log")):
            # One file per connection; messages in it are separated by a line of 79 dashes.
            for chunk in path.read_text(encoding="utf-8").split("-" * 79):
                if chunk.strip():
                    message = email.message_from_string(chunk.strip(), policy=policy.default)
                    body = message.get_body(("plain",))
                    out.append(f"To: {message['To']}\nSubject: {message['Subject']}\n\n"
                               f"{body.get_content() if body else ''}")
        return out

    def wait_for(self, *texts: str, to: str, timeout: float = 30.0) -> str:
        """The first e-mail to this address containing every text, waiting for the worker to send it."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            for message in self.messages():
                recipients = message.split("\n", 1)[0].removeprefix("To: ").split(", ")
                if to in recipients and all(text in message for text in texts):
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"no e-mail to {to} with {texts}; sent so far: {self.messages()}")
            time.sleep(0.2)


@pytest.fixture
def mail_worker(celery_workers, tmp_path, monkeypatch):
    """A real Celery worker whose e-mails are written to files; yields the Mailbox to read them."""
    from tests.celery_worker import queue_name

    folder = tmp_path / "mail"
    folder.mkdir()
    # The worker inherits this process's environment: the e2e settings with the file e-mail backend.
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "tests.e2e.settings")
    monkeypatch.setenv("E2E_CELERY_QUEUE", queue_name())
    monkeypatch.setenv("E2E_EMAIL_DIR", str(folder))
    celery_workers()
    return Mailbox(folder)
