"""Steps the browser journeys share: another person's browser, the PLUT sign-in, waiting on the worker."""

from __future__ import annotations

import time

from tests.e2e.conftest import PASSWORD


def new_page(browser, base_url):
    """A second (third…) person in a browser context of their own, so each keeps their own session."""
    context = browser.new_context(base_url=base_url, locale="id-ID", timezone_id="Asia/Jakarta",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    return context, context.new_page()


def plut_sign_in(page, username: str) -> None:
    page.goto("/layanan/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    assert "/layanan/login/" not in page.url, page.locator("main").inner_text()


def reload_until(page, predicate, *, timeout: float = 40.0, what: str) -> None:
    """Reload the page as a person would until it shows what they wait for (the worker is asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; the page shows:\n{page.locator('main').inner_text()}")
        page.wait_for_timeout(500)
        page.reload()


def submit(page, button) -> None:
    """Click a form's button (or a link) and wait for the page it leads to, which may be the same URL again
    (a form shown with its errors): waiting only for the load state could read the old page."""
    with page.expect_navigation():
        button.click()
