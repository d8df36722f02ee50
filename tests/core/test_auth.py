"""Logging in and out, sessions, throttling, CSRF, passwords and API tokens."""

from __future__ import annotations

from sqlalchemy import func, select

from core.auth import CSRF_COOKIE, SESSION_COOKIE
from core.models import AuthSession, User
from tests.conftest import PASSWORD


def test_login_starts_a_server_side_session_with_a_new_id(client, make, kernel):
    # given a user and a session cookie planted before login
    make.user(username="lina")
    client.cookies.set(SESSION_COOKIE, "planted", domain="testserver.local")
    # when the user logs in
    response = client.login("lina")
    # then a new session id is issued, stored hashed on the server, HttpOnly
    token = client.cookies[SESSION_COOKIE]
    assert token != "planted"
    assert "httponly" in response.headers["set-cookie"].lower()
    with kernel.db.session(write=False) as db:
        ids = list(db.scalars(select(AuthSession.id)))
    assert len(ids) == 1 and token not in ids  # only the hash is kept


def test_logout_ends_the_session_at_once(client, make):
    make.user(username="lina")
    client.login("lina")
    assert client.get("/", follow_redirects=False).status_code == 200
    client.submit("/logout", follow_redirects=False)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_wrong_password_and_unknown_user_get_the_same_answer(client, make):
    make.user(username="lina")
    wrong = client.submit("/login", {"username": "lina", "password": "nope-nope-nope"})
    unknown = client.submit("/login", {"username": "nobody", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert SESSION_COOKIE not in client.cookies


def test_repeated_failures_lock_the_account_for_a_while(client, make, new_client):
    # given five wrong passwords for one account
    make.user(username="lina")
    for _ in range(5):
        assert client.submit("/login", {"username": "lina", "password": "wrong-password"}).status_code == 401
    # then even the right password answers 429 for a while, from any address
    other = new_client()
    assert other.submit("/login", {"username": "lina", "password": PASSWORD}).status_code == 429
    assert SESSION_COOKIE not in other.cookies


def test_repeated_failures_from_one_address_lock_that_address(client, make):
    # given failures against five different accounts from the same address
    make.user(username="lina")
    for n in range(5):
        client.submit("/login", {"username": f"ghost{n}", "password": "wrong-password"})
    # then the address is refused, whichever account it tries
    assert client.submit("/login", {"username": "lina", "password": PASSWORD}).status_code == 429


def test_a_deactivated_user_is_logged_out_everywhere(client, make, admin, new_client):
    lina = make.user(username="lina", roles=("staff",))
    other = new_client()
    other.login("lina")
    assert other.get("/", follow_redirects=False).status_code == 200
    # when the administrator deactivates her
    page = client.get(f"/admin/users/{lina.id}/edit")
    assert page.status_code == 200
    response = client.submit(f"/admin/users/{lina.id}", {
        "version": "1", "username": "lina", "display_name": "李娜", "org_id": str(lina.org_id),
        "active": "",
    }, follow_redirects=False)
    assert response.status_code == 303, response.text
    # then her open session ends
    assert other.get("/", follow_redirects=False).status_code == 303


def test_unsafe_requests_without_the_csrf_token_are_refused(client, make, kernel):
    make.user(username="lina")
    client.login("lina")
    # a form post without the token, or with a token that differs from the cookie
    assert client.post("/profile/tokens", data={"name": "x"}).status_code == 403
    assert client.post("/profile/tokens", data={"name": "x", "csrf_token": "forged"}).status_code == 403
    # the header works for htmx requests
    ok = client.post("/profile/tokens", data={"name": "x"},
                     headers={"X-CSRF-Token": client.cookies[CSRF_COOKIE]})
    assert ok.status_code == 200
    with kernel.db.session(write=False) as db:
        from core.models import ApiToken

        assert db.scalar(select(func.count()).select_from(ApiToken)) == 1


def test_login_form_itself_needs_the_csrf_token(client, make):
    make.user(username="lina")
    response = client.post("/login", data={"username": "lina", "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_password_change_checks_the_current_password_and_ends_other_sessions(client, make, new_client):
    make.user(username="lina")
    client.login("lina")
    other = new_client()
    other.login("lina")
    # a wrong current password is reported on that field
    bad = client.submit("/profile/password", {"current": "wrong", "new": "a-new-password-1",
                                              "confirm": "a-new-password-1"})
    assert bad.status_code == 422
    assert 'id="f-current-err"' in bad.text
    # too short a new password is reported on its field
    short = client.submit("/profile/password", {"current": PASSWORD, "new": "short", "confirm": "short"})
    assert short.status_code == 422 and 'id="f-new-err"' in short.text
    # the right one changes it; this session stays, the other ends
    ok = client.submit("/profile/password", {"current": PASSWORD, "new": "a-new-password-1",
                                             "confirm": "a-new-password-1"}, follow_redirects=False)
    assert ok.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 200
    assert other.get("/", follow_redirects=False).status_code == 303
    fresh = new_client()
    fresh.login("lina", "a-new-password-1")


def test_api_token_authenticates_without_cookies_and_can_be_revoked(client, make, new_client, kernel):
    make.user(username="lina", roles=("staff",))
    client.login("lina")
    page = client.submit("/profile/tokens", {"name": "ERP sync"})
    token = page.text.split('id="core-new-token">')[1].split("<")[0]
    assert token.startswith("sp_")
    api = new_client()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    assert api.get("/admin/users", headers=headers).status_code == 200
    # a bearer request needs no CSRF token (no cookies are involved)
    with kernel.db.session(write=False) as db:
        from core.models import ApiToken

        token_id = db.scalar(select(ApiToken.id))
    client.submit(f"/profile/tokens/{token_id}/revoke")
    refused = api.get("/admin/users", headers=headers)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_passwords_are_stored_as_argon2id(kernel, make):
    user = make.user(username="lina")
    with kernel.db.session(write=False) as db:
        stored = db.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_login_never_redirects_off_the_site(client, make, new_client):
    make.user(username="lina")
    for target, expected in [("/admin/users", "/admin/users"), ("//evil.example/x", "/"),
                             ("/\\evil.example", "/"), ("https://evil.example", "/")]:
        browser = new_client()
        response = browser.submit("/login", {"username": "lina", "password": PASSWORD, "next": target},
                                  follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == expected, target
