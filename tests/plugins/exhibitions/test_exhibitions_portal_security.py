"""The portal's walls. An exhibitor logged in to the portal walks every
staff route of the application and reaches no staff page; another
exhibitor's orders, leads, documents, profile and booth answer 404 through
the portal; a portal form without its CSRF token is refused; the portal's
session cookie opens no staff page and a staff session opens no portal page."""

from __future__ import annotations

import re
from datetime import date

import portal_support
import pytest
from portal_support import portal_login
from services_support import on
from sqlalchemy import func, select

from core.web import PUBLIC, UNSAFE
from plugins.exhibitions.models import Lead, ServiceOrder, Visitor
from plugins.exhibitions.services.portal import PORTAL_COOKIE
from tests.security.web_support import web_routes

_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
#: what a staff route may answer a portal account: the staff login, "log in", "forbidden", "not found"
REFUSED = {303, 401, 403, 404}

#: the portal part's fixtures (portal_support.py)
exhibitors, portal = portal_support.exhibitors, portal_support.portal


def _url(path: str) -> str:
    return _PARAM.sub(lambda m: "1" if m.group(2) in ("int", "float") else "x", path)


def _staff_routes(kernel):
    """Every route of the application that is no public page (those need a staff login)."""
    return [r for r in web_routes(kernel, kernel.asgi()) if r.spec.permission != PUBLIC]


def test_an_exhibitor_reaches_no_staff_page_on_any_route(kernel, portal, exhibitors):
    portal_login(portal, "zhao@shouguang.example.cn")
    # the portal session cookie is sent on every path for this walk, not only the portal's
    portal.cookies.set(PORTAL_COOKIE, portal.cookies.get(PORTAL_COOKIE, path="/exhibitions/portal/"))
    routes = _staff_routes(kernel)
    assert len(routes) > 300, "the walk covers the whole application"
    reached = []
    for route in routes:
        url = _url(route.path)
        if route.method in UNSAFE:
            answer = portal.request(route.method, url, data={"csrf_token": portal.csrf()}, follow_redirects=False)
        else:
            answer = portal.get(url, follow_redirects=False)
        if answer.status_code not in REFUSED:
            reached.append((str(route), answer.status_code))
        elif answer.status_code == 303:
            assert answer.headers["location"].startswith("/login"), (str(route), answer.headers["location"])
    assert reached == []


def test_another_exhibitors_records_answer_404_through_the_portal(kernel, portal, expo, catalogue, exhibitors):
    with kernel.db.session() as db:
        visitor = Visitor(org_id=expo["hq"].id, edition_id=expo["edition"], name="王芳", company="中粮集团",
                          code="ABCDEFGHJK")
        db.add(visitor)
        db.flush()
        visitor_id = visitor.id
    # given the rival's order, lead and profile, made through the portal as the rival
    with on(date(2027, 10, 8)):
        portal_login(portal, "li@beidahuang.example.cn")
        form = portal.get(f"/exhibitions/portal/editions/{expo['edition']}/orders/new").text
        rows = {m.group(2): m.group(1) for m in re.finditer(r'name="line_(\d+)_service_id" value="(\d+)"', form)}
        hidden = {f"line_{n}_service_id": s for s, n in rows.items()}
        made = portal.submit(f"/exhibitions/portal/editions/{expo['edition']}/orders",
                             {**hidden, f"line_{rows[str(catalogue['power'])]}_quantity": "1"},
                             follow_redirects=False)
        assert made.status_code == 303
        assert portal.submit(f"/exhibitions/portal/editions/{expo['edition']}/leads",
                             {"code": "abcdefghjk"}).status_code == 200
        assert portal.post(f"/exhibitions/portal/editions/{expo['edition']}/profile",
                           data={"csrf_token": portal.csrf(), "company_name": "北大荒"},
                           files={"logo": ("l.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10, "image/png")},
                           follow_redirects=False).status_code == 303
        with kernel.db.session(write=False) as db:
            order = db.scalar(select(ServiceOrder))
            lead = db.scalar(select(Lead))
            from plugins.exhibitions.models import ExhibitorProfile

            profile = db.scalar(select(ExhibitorProfile))
        assert lead.customer_id == exhibitors["rival"] and lead.visitor_id == visitor_id
        # when the other exhibitor logs in on the same browser
        portal.submit("/exhibitions/portal/logout", {})
        portal_login(portal, "zhao@shouguang.example.cn")
        # then each of the rival's records is not found
        for path in (f"/exhibitions/portal/orders/{order.id}", f"/exhibitions/portal/leads/{lead.id}",
                     f"/exhibitions/portal/documents/{order.contract_id}/pdf",
                     f"/exhibitions/portal/profiles/{profile.id}/logo"):
            assert portal.get(path).status_code == 404, path
        assert portal.submit(f"/exhibitions/portal/leads/{lead.id}", {"rating": "cold"}).status_code == 404
        assert order.number not in portal.get("/exhibitions/portal/orders").text
        assert "王芳" not in portal.get("/exhibitions/portal/leads").text
        assert "王芳" not in portal.get(f"/exhibitions/portal/leads/export?edition={expo['edition']}").text
        listed = portal.get("/exhibitions/portal/documents").text + portal.get("/exhibitions/portal/invoices").text
        contract_number = _contract_number(kernel, order.contract_id)
        assert contract_number not in listed
        plan = portal.get(f"/exhibitions/portal/editions/{expo['edition']}/booth").text
        assert "北大荒" not in plan and f"#exh-booth-{exhibitors['theirs']} rect" not in plan
        # and the rival's own copy of the same visitor is a separate lead: scanning makes ours
        portal.submit(f"/exhibitions/portal/editions/{expo['edition']}/leads", {"code": "ABCDEFGHJK"})
        with kernel.db.session(write=False) as db:
            assert db.scalar(select(func.count()).select_from(Lead)) == 2
            assert db.scalar(select(Lead.rating).where(Lead.id == lead.id)) == ""


def _contract_number(kernel, contract_id):
    from plugins.sales.models import Contract

    with kernel.db.session(write=False) as db:
        return db.get(Contract, contract_id).number


@pytest.mark.parametrize("path, data", [
    ("/exhibitions/portal/editions/{edition}/leads", {"code": "ABCDEFGHJK"}),
    ("/exhibitions/portal/editions/{edition}/products", {"name": "伪造的展品"}),
    ("/exhibitions/portal/editions/{edition}/profile", {"company_name": "伪造"}),
    ("/exhibitions/portal/logout", {}),
])
def test_a_portal_post_without_its_csrf_token_is_refused(kernel, portal, expo, exhibitors, path, data):
    portal_login(portal, "zhao@shouguang.example.cn")
    url = path.format(edition=expo["edition"])
    assert portal.post(url, data=data).status_code == 403
    assert portal.post(url, data={**data, "csrf_token": "forged"}).status_code == 403
    from plugins.exhibitions.models import ExhibitorProduct, ExhibitorProfile

    with kernel.db.session(write=False) as db:
        for model in (Lead, ExhibitorProduct, ExhibitorProfile):
            assert db.scalar(select(func.count()).select_from(model)) == 0
    assert portal.get("/exhibitions/portal/").status_code == 200, "still logged in: the logout was refused too"


def test_a_login_form_without_its_csrf_token_is_refused(portal, exhibitors):
    answer = portal.post("/exhibitions/portal/login", data={"email": "zhao@shouguang.example.cn",
                                                            "password": "booth-and-leads-2027"})
    assert answer.status_code == 403 and PORTAL_COOKIE not in answer.cookies


def test_the_portal_cookie_opens_no_staff_page_and_a_staff_session_no_portal_page(
        kernel, client, portal, expo, exhibitors):
    # the portal's cookie is HttpOnly, SameSite=Lax, for the portal's paths only
    answer = portal_login(portal, "zhao@shouguang.example.cn")
    header = answer.headers["set-cookie"]
    assert f"{PORTAL_COOKIE}=" in header and "HttpOnly" in header and "SameSite=lax" in header.replace("Lax", "lax")
    assert "Path=/exhibitions/portal/" in header
    token = portal.cookies.get(PORTAL_COOKIE, path="/exhibitions/portal/")
    # a portal token sent as the staff session (or beside it, on a staff path) opens nothing of the staff
    for cookies in ({"suanpan_session": token}, {PORTAL_COOKIE: token}):
        client.cookies.clear()
        for name, value in cookies.items():
            client.cookies.set(name, value)
        page = client.get("/exhibitions/portal-accounts", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert client.get("/", follow_redirects=False).status_code == 303
    # a staff session opens no portal page: the portal sends the manager to its own login
    client.cookies.clear()
    client.login("expomanager")
    assert client.get("/exhibitions/portal-accounts").status_code == 200
    home = client.get("/exhibitions/portal/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"].startswith("/exhibitions/portal/login")
    assert client.get(f"/exhibitions/portal/editions/{expo['edition']}/booth",
                      follow_redirects=False).status_code == 303
    client.cookies.set(PORTAL_COOKIE, "forged-token", path="/exhibitions/portal/")
    assert client.get("/exhibitions/portal/", follow_redirects=False).status_code == 303


def test_the_portal_login_is_throttled_like_the_staff_login(kernel, portal, exhibitors):
    portal.get("/exhibitions/portal/login")
    answers = [portal.submit("/exhibitions/portal/login", {"email": "zhao@shouguang.example.cn",
                                                           "password": f"wrong-{n}"}).status_code
               for n in range(kernel.settings.login_max_failures + 1)]
    assert answers[0] == 401 and answers[-1] == 429
    locked = portal.submit("/exhibitions/portal/login", {"email": "zhao@shouguang.example.cn",
                                                         "password": "booth-and-leads-2027"})
    assert locked.status_code == 429, "locked out even with the right password"
