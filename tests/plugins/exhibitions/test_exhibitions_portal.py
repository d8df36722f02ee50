"""The exhibitor portal as an exhibitor lives it: the organiser adds an
account for the exhibitor's staff member and invites them (a real SMTP
server gets the mail), the link sets the password once, the login opens the
portal in the account's language, the home shows the editions, booths and
what is due, the booth is highlighted on the plan with no other exhibitor
named, the directory profile and products are saved (a logo that is no
image refused), and services are ordered (a sold-out unit-day refused)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import portal_support
from portal_support import PORTAL_PASSWORD, portal_login
from services_support import on
from sqlalchemy import func, select

from core.jobs import Worker
from plugins.exhibitions.models import ExhibitorProduct, ExhibitorProfile, PortalAccount, ServiceOrder
from plugins.sales.models import Contract

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

#: the portal part's fixtures (portal_support.py)
exhibitors, portal = portal_support.exhibitors, portal_support.portal


def save_email_settings(client, port):
    return client.submit("/activity/notifications/channels/email", {
        "enabled": "on", "host": "127.0.0.1", "port": str(port), "security": "none", "username": "",
        "password": "", "from_address": "expo@organiser.example.cn", "from_name": "农博会组委会"},
        follow_redirects=False)


def test_an_invited_exhibitor_sets_a_password_once_and_logs_in(kernel, client, new_client, make, admin, expo,
                                                                 new_customer, smtp):
    port, server = smtp
    kernel.settings = replace(kernel.settings, extra={**kernel.settings.extra, "base_url": "https://expo.example.cn/"})
    assert save_email_settings(client, port).status_code == 303
    farm = new_customer(expo["seller1"], "山东寿光蔬菜产业集团")
    staff = new_client()
    staff.login("expomanager")
    # given an account the manager adds for the exhibitor's staff member
    bad = staff.submit("/exhibitions/portal-accounts", {"customer_id": str(farm), "email": "not-an-address",
                                                         "name": "赵经理", "locale": "zh_CN"})
    assert bad.status_code == 422 and "请输入有效的邮箱地址。" in bad.text
    made = staff.submit("/exhibitions/portal-accounts", {"customer_id": str(farm), "email": "Zhao@Shouguang.example.cn",
                                                          "name": "赵经理", "locale": "zh_CN"}, follow_redirects=False)
    assert made.status_code == 303
    with kernel.db.session(write=False) as db:
        account = db.scalar(select(PortalAccount))
        assert account.email == "zhao@shouguang.example.cn" and account.customer_id == farm
        assert account.password_hash == "" and account.org_id == expo["hq"].id
    # when the manager invites them and the outbox runs
    assert staff.submit(f"/exhibitions/portal-accounts/{account.id}/invite", {},
                        follow_redirects=False).status_code == 303
    assert server.messages == []
    Worker(kernel, "test-worker").run_pending()
    # then one mail in Chinese carries a one-time link to set the password
    [(to, mail)] = server.messages
    assert to == ["zhao@shouguang.example.cn"] and mail["Subject"] == "您的展商门户账号"
    text = mail.get_body(("plain",)).get_content()
    link = re.search(r"https://expo\.example\.cn(/exhibitions/portal/password/\S+)", text).group(1)
    with kernel.db.session(write=False) as db:
        stored = db.get(PortalAccount, account.id)
        assert stored.invite_hash and stored.invite_hash not in text, "only the token's hash is kept"

    exhibitor = new_client()
    page = exhibitor.get(link)
    assert page.status_code == 200 and "设置密码" in page.text
    short = exhibitor.submit(link, {"password": "short", "repeated": "short"})
    assert short.status_code == 422 and "至少" in short.text
    done = exhibitor.submit(link, {"password": PORTAL_PASSWORD, "repeated": PORTAL_PASSWORD}, follow_redirects=False)
    assert done.status_code == 303
    assert exhibitor.get(link).status_code == 404, "the link works once"
    # a wrong password is refused, the right one opens the portal
    wrong = exhibitor.submit("/exhibitions/portal/login", {"email": "zhao@shouguang.example.cn", "password": "nope"})
    assert wrong.status_code == 401 and "电子邮件或密码不正确。" in wrong.text
    portal_login(exhibitor, "zhao@shouguang.example.cn")
    home = exhibitor.get("/exhibitions/portal/")
    assert home.status_code == 200 and "展商门户" in home.text and "山东寿光蔬菜产业集团" in home.text
    assert 'id="exh-portal-header"' in home.text and "sp-sidebar" not in home.text, "the portal's layout, no staff menu"
    cookie = exhibitor.cookies.get("suanpan_portal", path="/exhibitions/portal/")
    assert cookie, "the portal's own cookie, only for the portal's paths"

    # disabling the account ends its session at once
    assert staff.submit(f"/exhibitions/portal-accounts/{account.id}/active", {"active": "0"},
                        follow_redirects=False).status_code == 303
    gone = exhibitor.get("/exhibitions/portal/", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/exhibitions/portal/login")


def test_the_home_shows_editions_booths_and_the_booth_on_the_plan_without_other_names(
        kernel, portal, expo, exhibitors):
    portal_login(portal, "zhao@shouguang.example.cn")
    home = portal.get("/exhibitions/portal/")
    assert home.status_code == 200
    assert "第二十五届中国国际农业博览会" in home.text and "A101" in home.text and "A102" not in home.text
    plan = portal.get(f"/exhibitions/portal/editions/{expo['edition']}/booth")
    assert plan.status_code == 200
    assert f'id="exh-booth-{exhibitors["mine"]}"' in plan.text and f'id="exh-booth-{exhibitors["theirs"]}"' in plan.text
    assert "寿光蔬菜" in plan.text, "the exhibitor's own name on its booth"
    assert "北大荒" not in plan.text, "no other exhibitor is named"
    assert f"#exh-booth-{exhibitors['mine']} rect" in plan.text
    assert f"#exh-booth-{exhibitors['theirs']} rect" not in plan.text


def test_an_edition_the_exhibitor_is_not_in_answers_404(kernel, portal, expo, exhibitors):
    from plugins.exhibitions.models import Edition

    with kernel.db.session() as db:
        other = Edition(org_id=expo["hq"].id, owner_id=expo["manager"].id, series_id=expo["series"], number=26,
                        name="第二十六届中国国际农业博览会", state="selling")
        db.add(other)
        db.flush()
        other_id = other.id
    portal_login(portal, "zhao@shouguang.example.cn")
    for path in (f"/exhibitions/portal/editions/{other_id}/booth", f"/exhibitions/portal/editions/{other_id}/profile",
                 f"/exhibitions/portal/editions/{other_id}/orders/new"):
        assert portal.get(path).status_code == 404, path


def test_the_profile_and_products_are_saved_and_a_logo_that_is_no_image_refused(kernel, portal, expo, exhibitors):
    portal_login(portal, "zhao@shouguang.example.cn")
    url = f"/exhibitions/portal/editions/{expo['edition']}/profile"
    assert portal.get(url).status_code == 200
    fake = portal.post(url, data={"csrf_token": portal.csrf(), "company_name": "寿光蔬菜集团",
                                  "website": "https://shouguang.example.cn/"},
                       files={"logo": ("logo.png", b"<svg onload=alert(1)>", "image/png")})
    assert fake.status_code == 422 and "PNG" in fake.text
    big = portal.post(url, data={"csrf_token": portal.csrf(), "company_name": "寿光蔬菜集团"},
                      files={"logo": ("logo.png", PNG + b"\x00" * 600_000, "image/png")})
    assert big.status_code in (413, 422)
    ok = portal.post(url, data={"csrf_token": portal.csrf(), "company_name": "寿光蔬菜集团",
                                "company_name_en": "Shouguang Vegetables", "intro": "蔬菜种苗", "intro_en": "Seedlings",
                                "website": "https://shouguang.example.cn/"},
                     files={"logo": ("logo.png", PNG, "image/png")}, follow_redirects=False)
    assert ok.status_code == 303
    portal.submit(f"/exhibitions/portal/editions/{expo['edition']}/products",
                  {"name": "樱桃番茄", "name_en": "Cherry tomato", "description": "温室种植"})
    with kernel.db.session(write=False) as db:
        profile = db.scalar(select(ExhibitorProfile))
        assert profile.company_name_en == "Shouguang Vegetables" and profile.customer_id == exhibitors["farm"]
        assert profile.logo_type == "image/png"
        assert db.scalar(select(ExhibitorProduct.name)) == "樱桃番茄"
    logo = portal.get(f"/exhibitions/portal/profiles/{profile.id}/logo")
    assert logo.status_code == 200 and logo.content == PNG and logo.headers["content-type"] == "image/png"
    page = portal.get(url)
    assert "樱桃番茄" in page.text and "Shouguang Vegetables" in page.text


def test_the_exhibitor_orders_services_and_a_sold_out_day_is_refused(kernel, portal, expo, catalogue, exhibitors):
    with on(date(2027, 10, 8)):
        portal_login(portal, "zhao@shouguang.example.cn")
        form = portal.get(f"/exhibitions/portal/editions/{expo['edition']}/orders/new")
        assert form.status_code == 200 and "会议室 A" in form.text and "标准价" in form.text
        rows = {m.group(2): m.group(1) for m in re.finditer(
            r'name="line_(\d+)_service_id" value="(\d+)"', form.text)}
        room, power, deco = rows[str(catalogue["room"])], rows[str(catalogue["power"])], rows[str(catalogue["deco"])]
        hidden = {f"line_{n}_service_id": service for service, n in rows.items()}
        bad = portal.submit(f"/exhibitions/portal/editions/{expo['edition']}/orders",
                            {**hidden, f"line_{room}_quantity": "1"})
        assert bad.status_code == 422 and "请填写使用日期。" in bad.text
        made = portal.submit(f"/exhibitions/portal/editions/{expo['edition']}/orders", {**hidden,
            f"line_{room}_quantity": "2", f"line_{room}_starts_on": "2027-11-20",
            f"line_{power}_quantity": "1", f"line_{deco}_take": "1", "note": "展台用电"}, follow_redirects=False)
        assert made.status_code == 303, made.text
        page = portal.get(made.headers["location"])
        assert page.status_code == 200 and "已确认" in page.text
        with kernel.db.session(write=False) as db:
            order = db.scalar(select(ServiceOrder))
            assert order.channel == "portal" and order.state == "confirmed" and order.customer_id == exhibitors["farm"]
            # 2 rooms × 3,500 + power 800 + 18 m² × 30
            assert order.total == 7000 + 800 + 540
            contract = db.get(Contract, order.contract_id)
            assert contract.customer_id == exhibitors["farm"] and contract.state in ("pending", "approved")
        # the room's two units of that day are taken: another exhibitor's order is refused, nothing written
        rival = portal.__class__(portal.app, base_url="http://testserver")
        with rival:
            portal_login(rival, "li@beidahuang.example.cn")
            refused = rival.submit(f"/exhibitions/portal/editions/{expo['edition']}/orders", {**hidden,
                f"line_{room}_quantity": "1", f"line_{room}_starts_on": "2027-11-20"})
            assert refused.status_code == 409 and "会议室 A在 2027-11-20 已订满。" in refused.text
            with kernel.db.session(write=False) as db:
                assert db.scalar(select(func.count()).select_from(ServiceOrder)) == 1
            listed = rival.get("/exhibitions/portal/orders")
            assert listed.status_code == 200 and order.number not in listed.text


def test_staff_read_the_exhibitors_profile_on_the_customer_page(kernel, client, new_client, portal, expo,
                                                                 exhibitors):
    portal_login(portal, "zhao@shouguang.example.cn")
    portal.submit(f"/exhibitions/portal/editions/{expo['edition']}/profile",
                  {"company_name": "寿光蔬菜集团", "company_name_en": "Shouguang Vegetables", "intro": "蔬菜种苗"})
    portal.submit(f"/exhibitions/portal/editions/{expo['edition']}/products", {"name": "樱桃番茄"})
    client.login("expomanager")
    page = client.get(f"/crm/customers/{exhibitors['farm']}")
    assert page.status_code == 200 and 'id="exhibitions-portal-panel"' in page.text
    assert "Shouguang Vegetables" in page.text and "樱桃番茄" in page.text and "zhao@shouguang.example.cn" in page.text
    # a seller who may read the customer but not the portal's records sees no panel
    seller = new_client()
    seller.login("seller1")
    other = seller.get(f"/crm/customers/{exhibitors['farm']}")
    assert other.status_code == 200 and 'id="exhibitions-portal-panel"' not in other.text
    # nor do the staff pages of portal accounts open to them
    assert seller.get("/exhibitions/portal-accounts").status_code == 403


def test_an_english_account_gets_the_portal_in_english(kernel, portal, expo, exhibitors):
    from portal_support import account_for

    account_for(kernel, expo["manager"], exhibitors["farm"], "emma@shouguang.example.com", "Emma Li", locale="en")
    portal_login(portal, "emma@shouguang.example.com")
    home = portal.get("/exhibitions/portal/", headers={"Accept-Language": "zh-CN"})
    assert home.status_code == 200 and 'lang="en"' in home.text
    assert "Exhibitor portal" in home.text and "Your exhibitions" in home.text and "展商门户" not in home.text
    assert "25th China International Agricultural Expo" in home.text
    # the exhibitor switches the portal to Chinese: the account keeps it
    switched = portal.submit("/exhibitions/portal/locale", {"locale": "zh_CN", "next": "/exhibitions/portal/orders"},
                             follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/exhibitions/portal/orders"
    assert "服务订单" in portal.get("/exhibitions/portal/orders").text
    assert portal.submit("/exhibitions/portal/locale", {"locale": "fr"}).status_code == 422


def test_an_invitation_expires_after_seven_days(kernel, client, expo, exhibitors):
    from datetime import timedelta

    from exhibitions_support import actor_of

    from core import clock, utcnow
    from core.clock import FakeClock
    from plugins.exhibitions.services import portal as services

    sent = []
    with kernel.db.session() as db:
        link = services.invite(db, actor_of(kernel, db, expo["manager"]), exhibitors["rival_account"],
                               link_base="/exhibitions/portal/password", sender=lambda a, url: sent.append(url))
    assert sent == [link] and client.get(link).status_code == 200
    with clock.use(FakeClock(utcnow() + timedelta(days=7, minutes=1))):
        assert client.get(link).status_code == 404
        assert client.submit(link, {"password": "a-new-password-1", "repeated": "a-new-password-1"}).status_code == 404
