"""Forged requests change nothing: every state-changing route of the
Starlette table (POST, PUT, PATCH, DELETE; pages, fragments, the API with a
session cookie, the public forms) refuses a missing token, a wrong token and
a request another site sent, even with a valid token (OWASP: with a cookie
session, refuse cross-site unsafe requests: Fetch Metadata, else Origin).
Each answers 403, and no row of any table changes.

An API request with a bearer token carries no cookie another site could
make a browser send: it needs no CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from core.app import Kernel
from tests.security.web_support import (
    Site,
    changed_tables,
    checksums,
    fill,
    open_site,
    path_candidates,
    unsafe_routes,
)

# one worker seeds the module's database once
pytestmark = pytest.mark.xdist_group("security-web-csrf")

EXPIRED = "The form expired or was sent from another site. Reload the page and try again."
ELSEWHERE = "This request was sent from another site and was refused."
EVIL = "https://evil.example"
#: what a form of any route might carry (the checks must refuse before reading it)
BODY = {"name": "伪造", "title": "伪造", "version": "1", "active": "1", "password": "forged-password-1"}


@pytest.fixture(scope="module")
def site(base_settings, password_hash) -> Iterator[Site]:
    opened = open_site(base_settings, password_hash)
    yield opened
    opened.close()


def _forgeries(token: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(what, the refusal expected, request options): each a way another site
    (or a stale page) could send a state-changing request."""
    valid = {"data": {**BODY, "csrf_token": token}}
    return [
        ("no token", EXPIRED, {"data": BODY}),
        ("a wrong token", EXPIRED, {"data": {**BODY, "csrf_token": "forged"}, "headers": {"X-CSRF-Token": "forged"}}),
        ("another site (Fetch Metadata), with the valid token", ELSEWHERE,
         {**valid, "headers": {"Sec-Fetch-Site": "cross-site", "Origin": EVIL, "X-CSRF-Token": token}}),
    ]


def _more_senders(token: str) -> list[tuple[str, dict[str, Any]]]:
    """Other senders that count as another site (checked on one route)."""
    valid = {"data": {**BODY, "csrf_token": token}}
    return [
        ("another origin (Origin only: an older browser)", {**valid, "headers": {"Origin": EVIL}}),
        ("another host of the same site", {**valid, "headers": {
            "Sec-Fetch-Site": "same-site", "Origin": "https://intranet.testserver"}}),
        ("a sandboxed page (Origin: null)", {**valid, "headers": {"Origin": "null"}}),
        ("another site, the page hiding its origin", {**valid, "headers": {"Sec-Fetch-Site": "cross-site"}}),
        ("a page of another port", {**valid, "headers": {"Origin": "http://testserver:8080"}}),
    ]


def test_every_state_changing_route_refuses_forged_requests_and_changes_nothing(site):
    client = site.browser("sec_admin")
    zh = site.kernel.catalogs.translator("zh_CN")
    routes = unsafe_routes(site.routes)
    assert {r.method for r in routes} >= {"POST", "PATCH", "DELETE"}
    before = checksums(site.kernel)
    failures = []
    for route in routes:
        url = fill(route, path_candidates(site.kernel, route, site.seeded)[0])
        for what, refusal, options in _forgeries(client.csrf()):
            response = client.request(route.method, url, follow_redirects=False, **options)
            if response.status_code != 403 or zh.gettext(refusal) not in response.text:
                failures.append(f"{route} {url}, {what}: {response.status_code} {response.text[:80]!r}")
    assert not failures, f"{len(failures)} accepted:\n" + "\n".join(failures[:40])
    assert changed_tables(before, checksums(site.kernel)) == []
    # the forgeries did not end the session either: the next real request goes through
    assert client.get("/", follow_redirects=False).status_code == 200


def test_other_senders_count_as_another_site(site):
    """Ways a browser says a request came from elsewhere, each on one route
    (the check is the kernel's, before any route's own code)."""
    client = site.browser("sec_admin")
    refusal = site.kernel.catalogs.translator("zh_CN").gettext(ELSEWHERE)
    before = checksums(site.kernel)
    for what, options in _more_senders(client.csrf()):
        response = client.post("/locale", follow_redirects=False, **options)
        assert response.status_code == 403 and refusal in response.text, what
    assert changed_tables(before, checksums(site.kernel)) == []


def test_the_same_request_from_this_site_goes_through(site):
    """The refusals above come from the checks: with the token, from a page of
    this site (or a client that sends no Origin), the request is served."""
    client = site.browser("sec_admin")
    token = client.csrf()
    for headers in ({"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
                    {"Origin": "http://testserver"}, {}, {"Sec-Fetch-Site": "none"}):
        response = client.post("/locale", data={"locale": "zh_CN", "csrf_token": token},
                               headers=headers, follow_redirects=False)
        assert response.status_code == 303, (headers, response.text[:200])


def test_a_trusted_origin_may_send_forms(base_settings, site):
    """A proxy that rewrites the Host header, or a portal on another host of
    the same domain: ``trusted_origins`` names the origins allowed."""
    kernel = Kernel(replace(base_settings, trusted_origins=("https://erp.example.com",)))
    try:
        browser = Site(kernel, kernel.asgi(), [], site.seeded, site.admin, site.seller, site.make)
        client = browser.browser("sec_admin")
        options = {"data": {"locale": "en", "csrf_token": client.csrf()}, "follow_redirects": False}
        trusted = {"Sec-Fetch-Site": "same-site", "Origin": "https://erp.example.com"}
        assert client.post("/locale", headers=trusted, **options).status_code == 303
        assert client.post("/locale", headers={"Origin": "https://erp.example.com"}, **options).status_code == 303
        other = {"Sec-Fetch-Site": "same-site", "Origin": "https://else.example.com"}
        assert client.post("/locale", headers=other, **options).status_code == 403
    finally:
        browser.close()


def test_a_bearer_token_needs_no_csrf_token_and_sends_no_cookie(site):
    """The API with a bearer token: no CSRF token, and the cross-site check
    does not apply (no cookie is involved); its input is still checked."""
    from core.auth import create_api_token
    from core.models import User

    if "api" not in site.kernel.enabled:
        pytest.fail("the api plugin is off: nothing to check")
    with site.kernel.db.session() as db:
        plain = create_api_token(db, db.get(User, site.admin.id), "csrf test")[1]
    mount, crud = next(iter(site.kernel.registry.cruds.values()))
    api = site.browser(Authorization=f"Bearer {plain}")
    before = checksums(site.kernel, exclude={"core_api_token"})
    response = api.post(f"/api/v1/{mount}/{crud.noun}", json={"no_such_field": 1},
                        headers={"Sec-Fetch-Site": "cross-site", "Origin": EVIL})
    assert response.status_code == 422, response.text  # refused for its input, not for CSRF
    assert changed_tables(before, checksums(site.kernel, exclude={"core_api_token"})) == []
