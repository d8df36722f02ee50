"""A session ends for good: the cookie a browser held before logout, a
password change (by the user or an administrator) or a deactivation gets
nothing any more, on a page, an htmx fragment, the API (which takes the
session cookie too) and a form post; and logging in always starts a new
session, so a cookie planted before (fixation) never becomes the user's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from core.auth import CSRF_COOKIE, SESSION_COOKIE
from core.models import AuthSession, User
from tests.conftest import PASSWORD


@dataclass(frozen=True)
class Probe:
    what: str
    method: str
    url: str
    headers: dict[str, str]
    #: the status while the session lives (a post with an empty form: refused for its fields)
    live: int
    #: the status once it is over
    over: int


def _probes(kernel: Any) -> list[Probe]:
    """One request of each kind, on the first model a plugin lists."""
    mount, crud = next(iter(kernel.registry.cruds.values()))
    page = kernel.url_path_for(f"{mount}:{crud.noun}_list")
    create = kernel.url_path_for(f"{mount}:{crud.noun}_create")
    probes = [Probe("page", "GET", page, {}, 200, 303),
              Probe("htmx fragment", "GET", page, {"HX-Request": "true"}, 200, 401),
              Probe("form post", "POST", create, {}, 422, 303)]
    if "api" in kernel.enabled:
        probes.append(Probe("API list with the cookie", "GET", f"/api/v1/{mount}/{crud.noun}", {}, 200, 401))
    return probes


def _replay(client: Any, probe: Probe, cookies: dict[str, str]) -> Any:
    """``probe`` sent with exactly the captured cookies (and their CSRF token)."""
    headers = {**probe.headers, "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    data = {"csrf_token": cookies[CSRF_COOKIE]} if probe.method == "POST" else None
    return client.request(probe.method, probe.url, headers=headers, data=data, follow_redirects=False)


def _captured(browser: Any) -> dict[str, str]:
    return {SESSION_COOKIE: browser.cookies[SESSION_COOKIE], CSRF_COOKIE: browser.cookies[CSRF_COOKIE]}


def _logout(kernel, make, new_client, victim, browser) -> None:
    browser.submit("/logout", follow_redirects=False)


def _password_change(kernel, make, new_client, victim, browser) -> None:
    other = new_client()  # the user, on another computer
    other.login(victim.username)
    response = other.submit("/profile/password", {"current": PASSWORD, "new": "another-password-2",
                                                  "confirm": "another-password-2"}, follow_redirects=False)
    assert response.status_code == 303, response.text


def _password_reset(kernel, make, new_client, victim, browser) -> None:
    make.user(username="sec_boss")
    boss = new_client()
    boss.login("sec_boss")
    response = boss.submit(f"/admin/users/{victim.id}/password", {"password": "reset-password-3"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def _deactivation(kernel, make, new_client, victim, browser) -> None:
    make.user(username="sec_boss")
    boss = new_client()
    boss.login("sec_boss")
    with kernel.db.session(write=False) as db:
        version = db.get(User, victim.id).version
    response = boss.submit(f"/admin/users/{victim.id}", {
        "version": str(version), "username": victim.username, "display_name": victim.display_name,
        "org_id": str(victim.org_id), "active": ""}, follow_redirects=False)
    assert response.status_code == 303, response.text


ENDINGS: dict[str, Callable[..., None]] = {
    "logout": _logout, "password change": _password_change,
    "password reset by an administrator": _password_reset, "deactivation": _deactivation,
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_captured_session_cookie_gets_nothing_once_the_session_ended(ending, kernel, make, new_client):
    # given a user's browser, whose cookies someone captured
    victim = make.user(username="sec_victim")
    browser = new_client()
    browser.login("sec_victim")
    cookies = _captured(browser)
    probes = _probes(kernel)
    replayer = new_client()
    for probe in probes:
        assert _replay(replayer, probe, cookies).status_code == probe.live, probe.what
    mount, crud = next(iter(kernel.registry.cruds.values()))
    with kernel.db.session(write=False) as db:
        rows = db.scalar(select(func.count()).select_from(crud.model))
    # when the session ends
    ENDINGS[ending](kernel, make, new_client, victim, browser)
    # then the captured cookies get the login page, or 401, everywhere
    for probe in probes:
        response = _replay(replayer, probe, cookies)
        assert response.status_code == probe.over, (probe.what, response.status_code, response.text[:200])
        if probe.over == 303:
            assert response.headers["location"].startswith("/login?next=")
        if "HX-Request" in probe.headers:
            assert response.headers["HX-Redirect"].startswith("/login?next=")
        if probe.url.startswith("/api/"):
            assert response.headers["content-type"].startswith("application/problem+json")
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(crud.model)) == rows
        assert db.scalar(select(func.count()).select_from(AuthSession).where(
            AuthSession.user_id == victim.id, AuthSession.id == _digest(cookies[SESSION_COOKIE]))) == 0


def _digest(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def test_logging_in_over_a_planted_session_starts_a_new_one(kernel, make, new_client):
    # given an attacker's own session cookie, planted in the victim's browser
    make.user(username="sec_attacker", roles=("staff",))
    make.user(username="sec_victim")
    attacker = new_client()
    attacker.login("sec_attacker")
    planted = _captured(attacker)
    victim = new_client()
    victim.cookies.set(SESSION_COOKIE, planted[SESSION_COOKIE], domain="testserver.local")
    victim.cookies.set(CSRF_COOKIE, planted[CSRF_COOKIE], domain="testserver.local")
    # when the victim logs in
    response = victim.submit("/login", {"username": "sec_victim", "password": PASSWORD},
                             follow_redirects=False)
    assert response.status_code == 303
    # then the browser holds a new session id and a new CSRF token
    assert victim.cookies[SESSION_COOKIE] != planted[SESSION_COOKIE]
    assert victim.cookies[CSRF_COOKIE] != planted[CSRF_COOKIE]
    # and the planted one never becomes the victim's: it is over
    probe = _probes(kernel)[0]
    assert _replay(new_client(), probe, planted).status_code == 303
    assert new_client().get("/", headers={"Cookie": f"{SESSION_COOKIE}={victim.cookies[SESSION_COOKIE]}"},
                            follow_redirects=False).status_code == 200
