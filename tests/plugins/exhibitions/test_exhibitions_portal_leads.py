"""Lead retrieval and the exhibitor's money: the exhibitor's staff scan
visitors' badges at the booth (a scanner types the code), rate and note
each lead and export them for Excel; the invoices page shows what is due
and paid, and the documents page downloads the PDF of its own sales order."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import portal_support
from portal_support import portal_login
from services_support import on
from sqlalchemy import select

from plugins.exhibitions.models import Edition, Lead, ServiceOrder, Visitor
from plugins.exhibitions.services import leads

#: the portal part's fixtures (portal_support.py)
exhibitors, portal = portal_support.exhibitors, portal_support.portal


def _visitors(kernel, expo):
    with kernel.db.session() as db:
        other = Edition(org_id=expo["hq"].id, owner_id=expo["manager"].id, series_id=expo["series"], number=24,
                        name="第二十四届中国国际农业博览会", state="closed")
        db.add(other)
        db.flush()
        rows = [Visitor(org_id=expo["hq"].id, edition_id=expo["edition"], name="王芳", company="中粮集团",
                        title="采购经理", mobile="13900000001", email="wang@cofco.example.cn", code="QWERTYUPAS"),
                Visitor(org_id=expo["hq"].id, edition_id=expo["edition"], name="Tom Lee", company="=HYPERLINK(1)",
                        code="ZXCVBNMKLJ"),
                Visitor(org_id=expo["hq"].id, edition_id=other.id, name="去年的观众", code="HGFDSAPOIU")]
        db.add_all(rows)
        db.flush()
        return [v.id for v in rows]


def test_the_exhibitors_staff_scan_rate_and_export_leads(kernel, portal, expo, exhibitors):
    wang, tom, _last_year = _visitors(kernel, expo)
    portal_login(portal, "zhao@shouguang.example.cn")
    scan = f"/exhibitions/portal/editions/{expo['edition']}/leads"
    # a scanner types the code (in any case) and Enter: a new lead
    first = portal.submit(scan, {"code": " qwertyupas "})
    assert first.status_code == 200 and "新线索：王芳" in first.text
    again = portal.submit(scan, {"code": "QWERTYUPAS"})
    assert again.status_code == 200 and "已是您的线索：王芳" in again.text
    unknown = portal.submit(scan, {"code": "NOSUCHCODE"})
    assert unknown.status_code == 422 and "本届展会没有此票号的观众。" in unknown.text
    elsewhere = portal.submit(scan, {"code": "HGFDSAPOIU"})
    assert elsewhere.status_code == 422, "a visitor of another edition is no lead of this one"
    portal.submit(scan, {"code": "ZXCVBNMKLJ"})
    with kernel.db.session(write=False) as db:
        made = {v: (c, a) for v, c, a in db.execute(select(Lead.visitor_id, Lead.customer_id, Lead.scanned_by_id))}
    assert made == {wang: (exhibitors["farm"], exhibitors["farm_account"]),
                    tom: (exhibitors["farm"], exhibitors["farm_account"])}
    lead_id = _lead(kernel, wang)
    # rated and noted
    bad = portal.submit(f"/exhibitions/portal/leads/{lead_id}", {"rating": "boiling", "note": "x"})
    assert bad.status_code == 422 and "请选择热、温或冷。" in bad.text
    rated = portal.submit(f"/exhibitions/portal/leads/{lead_id}", {"rating": "hot", "note": "要报价：8 台播种机"},
                          follow_redirects=False)
    assert rated.status_code == 303
    listed = portal.get(f"/exhibitions/portal/leads?edition={expo['edition']}")
    assert "要报价：8 台播种机" in listed.text and "热" in listed.text
    hot = portal.get(f"/exhibitions/portal/leads?edition={expo['edition']}&rating=hot")
    assert "王芳" in hot.text and "Tom Lee" not in hot.text
    # exported for Excel: UTF-8 with a BOM, a Chinese header, no formula a spreadsheet would run
    export = portal.get(f"/exhibitions/portal/leads/export?edition={expo['edition']}")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert export.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(export.content[3:].decode("utf-8"))))
    assert rows[0][:3] == ["扫描时间", "名称", "企业"]
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name["王芳"][2:8] == ["中粮集团", "采购经理", "13900000001", "wang@cofco.example.cn", "热", "要报价：8 台播种机"]
    assert by_name["Tom Lee"][2] == "'=HYPERLINK(1)"


def _lead(kernel, visitor_id):
    with kernel.db.session(write=False) as db:
        return db.scalar(select(Lead.id).where(Lead.visitor_id == visitor_id))


def test_two_scanners_of_one_exhibitor_make_one_lead(kernel, expo, exhibitors):
    from exhibitions_support import race

    wang, *_ = _visitors(kernel, expo)

    def attempt(_i):
        with kernel.db.session() as db:
            from plugins.exhibitions.models import PortalAccount

            account = db.get(PortalAccount, exhibitors["farm_account"])
            edition = db.get(Edition, expo["edition"])
            return leads.scan(db, account, edition, "QWERTYUPAS")[1]

    results = race(attempt, 4)
    assert all(isinstance(r, bool) for r in results), results
    with kernel.db.session(write=False) as db:
        assert list(db.scalars(select(Lead.visitor_id))) == [wang]


def test_the_exhibitor_sees_what_is_due_and_downloads_its_own_documents(kernel, portal, expo, catalogue,
                                                                         exhibitors):
    with on(date(2027, 10, 8)):
        portal_login(portal, "zhao@shouguang.example.cn")
        form = portal.get(f"/exhibitions/portal/editions/{expo['edition']}/orders/new").text
        rows = {m.group(2): m.group(1) for m in re.finditer(r'name="line_(\d+)_service_id" value="(\d+)"', form)}
        hidden = {f"line_{n}_service_id": s for s, n in rows.items()}
        assert portal.submit(f"/exhibitions/portal/editions/{expo['edition']}/orders",
                             {**hidden, f"line_{rows[str(catalogue['power'])]}_quantity": "2"},
                             follow_redirects=False).status_code == 303
        with kernel.db.session(write=False) as db:
            order = db.scalar(select(ServiceOrder))
            from plugins.sales.models import Contract

            number = db.get(Contract, order.contract_id).number
        invoices = portal.get("/exhibitions/portal/invoices")
        assert invoices.status_code == 200 and number in invoices.text and "¥1,600.00" in invoices.text
        home = portal.get("/exhibitions/portal/")
        assert 'id="exh-portal-open"' in home.text
        documents = portal.get("/exhibitions/portal/documents")
        assert number in documents.text
        pdf = portal.get(f"/exhibitions/portal/documents/{order.contract_id}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert "attachment" in pdf.headers["content-disposition"]


def test_the_demo_has_two_portal_accounts_a_profile_and_leads(kernel, client):
    from core.setup import load_demo
    from plugins.exhibitions.models import ExhibitorProduct, ExhibitorProfile, PortalAccount

    assert load_demo(kernel, "demo-password-演示")
    with kernel.db.session(write=False) as db:
        accounts = {a.email: a for a in db.scalars(select(PortalAccount))}
        assert set(accounts) == {"zhao@exhibitor.example.cn", "emma@exhibitor.example.com"}
        zhao = accounts["zhao@exhibitor.example.cn"]
        assert accounts["emma@exhibitor.example.com"].customer_id != zhao.customer_id
        profile = db.scalar(select(ExhibitorProfile))
        assert profile.customer_id == zhao.customer_id and profile.company_name
        assert len(list(db.scalars(select(ExhibitorProduct)))) == 2
        assert {lead.customer_id for lead in db.scalars(select(Lead))} == {zhao.customer_id}
    # the demo users' password opens the portal
    portal_login(client, "zhao@exhibitor.example.cn", "demo-password-演示")
    home = client.get("/exhibitions/portal/")
    assert home.status_code == 200 and "第二十五届中国国际农业博览会" in home.text
    leads_page = client.get("/exhibitions/portal/leads")
    assert leads_page.text.count("/exhibitions/portal/leads/") >= 5
