"""Every URL is either declared public here or refuses an anonymous visitor (login redirect, 401 or 403).

A new page or endpoint that forgets its guard fails this test before it can ship.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

pytestmark = pytest.mark.django_db

# URL names a signed-out visitor may open, and why.
PUBLIC = {
    "home",  # the front door: links to the three sign-in pages, nothing else
    "health",  # load-balancer probe; says only "ok"/"error"
    "set_language",  # language switch
    "admin:login",
    "admin:logout",
    "api-schema",  # the OpenAPI description is public; the data behind it is not
    "api-docs",
    "registry-api:api-root",  # DRF router index: lists endpoint URLs only
    "csr:login",  # company portal sign-in
    "plut:catalogue",  # the PLUT service catalogue, as PLUT publishes it
    "plut:signup",  # MSME owners create their account here
    "plut:login",  # MSME portal sign-in (rate limited by django-axes)
    # "Forgot password" of both portals: ask for a link, "sent" page (the same whether or not the address
    # exists), the link's set-new-password page (token-checked), and its "done" page.
    "csr:password-reset",
    "csr:password-reset-done",
    "csr:password-reset-confirm",
    "csr:password-reset-complete",
    "plut:password-reset",
    "plut:password-reset-done",
    "plut:password-reset-confirm",
    "plut:password-reset-complete",
}


def _sample(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        route = re.sub(r"<int:[^>]+>", "1", route)
        return re.sub(r"<(?:[^:>]+:)?[^>]+>", "x", route)
    assert isinstance(pattern, RegexPattern)
    regex = str(pattern.regex.pattern).lstrip("^").rstrip("$").replace("\\Z", "").replace("\\.", ".")
    regex = re.sub(r"\(\?P<[^>]+>([a-z_]+)(\|[^)]*)?\)", r"\1", regex)  # first alternative of a choice
    regex = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", regex)
    return regex.replace("/?", "/")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + _sample(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield name, "/" + prefix + _sample(entry.pattern)


ALL_URLS = sorted({(name or "", url) for name, url in _walk(get_resolver().url_patterns)})


def test_the_walk_finds_the_pages_it_must_guard():
    names = {name for name, _ in ALL_URLS}
    assert {"admin:index", "registry:enterprise-detail"} <= names
    assert any(name.startswith("registry-api:enterprise") for name in names)


@pytest.mark.parametrize(("name", "url"), [u for u in ALL_URLS if u[0] not in PUBLIC], ids=lambda v: str(v))
def test_a_signed_out_visitor_is_refused(client, name, url):
    response = client.get(url)
    if response.status_code in (301, 302):
        assert "login" in response["Location"], f"{url} redirects to {response['Location']}"
    else:
        assert response.status_code in (401, 403), f"{name} {url} answered {response.status_code}"
