"""A failure shows nothing of itself: with a failure injected into the
handler of every route of the Starlette table, and with a database error
(a bad statement, a constraint broken at commit), every answer is a generic
page (zh_CN and en) carrying the request's id, or problem details with it
for the API; never a traceback, an exception's text or SQL. The server's
log holds the traceback under the same id.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select, text

from core.app import Kernel
from core.models import User
from core.web import REQUEST_ID_HEADER, Ctx, Routes
from tests.conftest import Client
from tests.security.web_support import Seeded, fill, path_candidates, web_routes

SECRET = "secret-boom"
LEAKS = (SECRET, "Traceback", 'File "', "SELECT", "core_user", "IntegrityError", "sqlalchemy")
FLAVOURS = {
    "page": {},
    "htmx fragment": {"HX-Request": "true"},
    "API (JSON)": {"Accept": "application/json"},
}


def _boom(ctx: Ctx) -> Any:
    raise RuntimeError(f"{SECRET}: SELECT password_hash FROM core_user WHERE id = 1")


def _bad_statement(ctx: Ctx) -> Any:
    ctx.db.execute(text(f"SELECT no_such_column FROM core_user /* {SECRET} */"))


def _broken_at_commit(ctx: Ctx) -> Any:
    taken = ctx.db.scalar(select(User.username).limit(1))
    ctx.db.add(User(username=taken, display_name=SECRET, org_id=ctx.user.org_id))  # unique: fails at commit
    return ctx.render("error.html", status=200, message="ok", extra={})


def _failing(base: Kernel, settings: Any, handler: Any, only: str | None = None) -> Kernel:
    """Another kernel on the same database whose routes (or the one named
    ``only``) call ``handler``: new route tables, the plugins' own untouched."""
    kernel = Kernel(settings)
    for mount, table in kernel.routes.items():
        kernel.routes[mount] = Routes(prefix=table.prefix, specs=[
            replace(s, handler=handler) if only in (None, f"{mount}:{s.name}") else s for s in table.specs])
    return kernel


def _request_id(response: Any) -> str:
    found = response.headers.get(REQUEST_ID_HEADER, "")
    assert re.fullmatch(r"[0-9a-f]{16}", found), response.headers
    return found


def _problems(response: Any, flavour: str, generic: str) -> list[str]:
    """What is wrong with a server error's answer (empty when it is right)."""
    problems = []
    request_id = response.headers.get(REQUEST_ID_HEADER, "")
    if response.status_code != 500:
        problems.append(f"answered {response.status_code}")
    if not re.fullmatch(r"[0-9a-f]{16}", request_id):
        problems.append("no request id header")
    if flavour.startswith("API"):
        if not response.headers["content-type"].startswith("application/problem+json"):
            problems.append(f"content type {response.headers['content-type']}")
        elif response.json().get("request_id") != request_id or response.json().get("title") != generic:
            problems.append(f"problem details {response.json()}")
    elif generic not in response.text or request_id not in response.text:
        problems.append("no generic message with the request id")
    problems += [f"shows {leak!r}" for leak in LEAKS if leak in response.text]
    return problems


@pytest.fixture
def admin_browser(kernel, make, client) -> Any:
    """``admin_browser(failing_kernel)``: an administrator's browser on it,
    with the session it logged in with through the working kernel (sessions
    live in the database, which both share)."""
    make.user(username="sec_admin", name="安全管理员")
    client.login("sec_admin")
    opened: list[Client] = []

    def open_(other: Kernel) -> Client:
        browser = Client(other.asgi(), base_url="http://testserver", raise_server_exceptions=False)
        browser.__enter__()
        opened.append(browser)
        for cookie in client.cookies.jar:
            browser.cookies.set(cookie.name, cookie.value or "", domain=cookie.domain)
        return browser

    yield open_
    for client in opened:
        client.__exit__(None, None, None)


def test_a_failure_in_any_route_shows_a_generic_page_with_the_request_id(
        kernel, base_settings, admin_browser, caplog):
    # the handler fails before it reads anything: the path's values need only match its pattern
    nothing = Seeded(org_id=0, owner_id=0, department_id=0)
    failing = _failing(kernel, base_settings, _boom)
    try:
        client = admin_browser(failing)
        generic = failing.catalogs.translator("zh_CN").gettext(
            "Something went wrong on our side. It has been logged.")
        routes = web_routes(failing, client.app)
        caplog.set_level(logging.ERROR, logger="suanpan")
        failures, ids = [], []
        for n, route in enumerate(routes):
            flavour = list(FLAVOURS)[n % len(FLAVOURS)]  # each kind of answer on a third of the routes
            url = fill(route, path_candidates(failing, route, nothing)[0])
            data = {"csrf_token": client.csrf()} if route.method != "GET" else None
            response = client.request(route.method, url, data=data, headers=FLAVOURS[flavour],
                                      follow_redirects=False)
            failures += [f"{route} ({flavour}): {p}" for p in _problems(response, flavour, generic)]
            ids.append(response.headers.get(REQUEST_ID_HEADER, ""))
        assert not failures, f"{len(failures)} wrong answers:\n" + "\n".join(failures[:30])
        assert len(set(ids)) == len(routes) == len(caplog.records)  # one id each, each logged
        for request_id, record in zip(ids, caplog.records, strict=True):
            assert request_id in record.getMessage() and record.exc_info is not None
            assert SECRET in logging.Formatter().formatException(record.exc_info)
    finally:
        failing.db.dispose()


@pytest.mark.parametrize("failure", [_bad_statement, _broken_at_commit], ids=["bad statement", "at commit"])
def test_a_database_error_shows_a_generic_page_and_changes_nothing(
        failure, kernel, make, base_settings, admin_browser, caplog):
    mount, crud = next(iter(kernel.registry.cruds.values()))
    name = f"{mount}:{crud.noun}_list"
    failing = _failing(kernel, base_settings, failure, only=name)
    try:
        client = admin_browser(failing)
        url = failing.url_path_for(name)
        with kernel.db.session(write=False) as db:
            users = db.scalar(select(func.count()).select_from(User))
        caplog.set_level(logging.ERROR, logger="suanpan")
        translator = failing.catalogs.translator("zh_CN")
        generic = translator.gettext("Something went wrong on our side. It has been logged.")
        for flavour, headers in FLAVOURS.items():
            response = client.get(url, headers=headers)
            assert not _problems(response, flavour, generic), (flavour, response.text[:300])
            assert _request_id(response) in caplog.records[-1].getMessage()
        # the API's own path answers problem details too, and in English for an English reader
        client.cookies.set("suanpan_locale", "en")
        english = client.get(url, headers={"Accept-Language": "en"})
        assert "Something went wrong on our side. It has been logged." in english.text
        assert f"Quote the request id {_request_id(english)} to your administrator." in english.text
        with kernel.db.session(write=False) as db:
            assert db.scalar(select(func.count()).select_from(User)) == users
    finally:
        failing.db.dispose()
