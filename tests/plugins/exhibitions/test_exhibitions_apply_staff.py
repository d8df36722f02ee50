"""Staff handling of applications: matching to CRM customers (a colleague's
customer shows only "exists · owner"), linking, making a new customer,
approving (the deal and opportunity at "approved") and rejecting with a
reason; another organisation gets 404."""

from __future__ import annotations

from typing import Any

from apply_support import application
from sqlalchemy import select

from core.app import Kernel
from core.models import AuditLog
from plugins.crm.models import Contact, Customer, Opportunity, Stage
from plugins.exhibitions.models import Application, EditionDeal


def _get(kernel: Kernel, app_id: int) -> Application:
    with kernel.db.session(write=False) as db:
        row = db.get(Application, app_id)
        assert row is not None
        db.expunge(row)
        return row


def test_matching_shows_own_customers_and_only_the_owner_of_others(client: Any, kernel: Kernel,
                                                                   expo: dict[str, Any], new_customer: Any) -> None:
    mine = new_customer(expo["seller1"], "北京绿源农业科技有限公司")
    new_customer(expo["seller2"], "山东寿光蔬菜产业集团有限公司")
    green = application(kernel, expo, company="北京绿源农业科技有限公司")
    veg = application(kernel, expo, company="山东寿光蔬菜产业集团有限公司")
    client.login("seller1")
    page = client.get(f"/exhibitions/applications/{green}")
    assert page.status_code == 200 and f'href="/crm/customers/{mine}"' in page.text
    assert "exhibitions-application-matches" in page.text
    page = client.get(f"/exhibitions/applications/{veg}")
    # the colleague's customer: "已存在 · 负责人 林招展", no link, no name of it beyond what was typed
    assert "已存在" in page.text and "林招展" in page.text
    assert "/crm/customers/" not in page.text.split("exhibitions-application-matches")[1].split("</ul>")[0]
    # and no new customer can be made from it
    refused = client.submit(f"/exhibitions/applications/{veg}/customer", {"confirm_new": "1"})
    assert refused.status_code == 409 and "林招展" in refused.text
    assert _get(kernel, veg).customer_id is None
    # linking to a customer one may not see is refused, naming the field
    other = client.submit(f"/exhibitions/applications/{veg}/link", {"customer_id": str(mine + 1)})
    assert other.status_code == 422 and 'data-field="customer_id"' in other.text
    # linking one's own works
    ok = client.submit(f"/exhibitions/applications/{green}/link", {"customer_id": str(mine)},
                       follow_redirects=False)
    assert ok.status_code == 303 and _get(kernel, green).customer_id == mine


def test_a_new_customer_and_main_contact_from_an_application(client: Any, kernel: Kernel,
                                                             expo: dict[str, Any]) -> None:
    app_id = application(kernel, expo, company="云南普洱茶业有限公司", company_en="Yunnan Puer Tea",
                         contact_name="李茶香", mobile="13708712345", email="li@puer.cn", categories=["food"])
    client.login("seller1")
    made = client.submit(f"/exhibitions/applications/{app_id}/customer", {}, follow_redirects=False)
    assert made.status_code == 303, made.text
    row = _get(kernel, app_id)
    with kernel.db.session(write=False) as db:
        customer = db.get(Customer, row.customer_id)
        assert customer is not None and customer.name == "云南普洱茶业有限公司"
        assert (customer.name_en, customer.industry, customer.owner_id) == ("Yunnan Puer Tea", "food",
                                                                            expo["seller1"].id)
        [contact] = db.scalars(select(Contact).where(Contact.customer_id == customer.id)).all()
        assert (contact.name, contact.mobile, contact.is_main) == ("李茶香", "13708712345", True)


def test_approve_needs_a_customer_and_makes_the_deal_at_approved(client: Any, kernel: Kernel,
                                                                 expo: dict[str, Any], new_customer: Any) -> None:
    farm = new_customer(expo["seller1"], "北京绿源农业科技有限公司")
    app_id = application(kernel, expo)
    client.login("seller1")
    refused = client.submit(f"/exhibitions/applications/{app_id}/approve", {})
    assert refused.status_code == 422 and "请先将申请关联到客户。" in refused.text
    assert _get(kernel, app_id).state == "submitted"
    client.submit(f"/exhibitions/applications/{app_id}/link", {"customer_id": str(farm)})
    ok = client.submit(f"/exhibitions/applications/{app_id}/approve", {}, follow_redirects=False)
    assert ok.status_code == 303
    row = _get(kernel, app_id)
    assert row.state == "approved" and row.opportunity_id is not None
    with kernel.db.session(write=False) as db:
        deal = db.scalar(select(EditionDeal).where(EditionDeal.opportunity_id == row.opportunity_id))
        assert deal is not None and deal.edition_id == expo["edition"] and str(deal.area) == "18.00"
        opportunity = db.get(Opportunity, row.opportunity_id)
        assert opportunity is not None and opportunity.customer_id == farm
        assert db.get(Stage, opportunity.stage_id).name_en == "Approved"  # type: ignore[union-attr]
        # audited
        logged = db.scalars(select(AuditLog).where(AuditLog.model == "exhibitions.application",
                                                   AuditLog.record_id == app_id)).all()
        assert any((log.changes or {}).get("state") == ["submitted", "approved"]
                   and log.user_id == expo["seller1"].id for log in logged)
    # an approved application cannot be approved again nor rejected
    again = client.submit(f"/exhibitions/applications/{app_id}/reject", {"reason": "重复"})
    assert again.status_code == 409


def test_reject_needs_a_reason(client: Any, kernel: Kernel, expo: dict[str, Any]) -> None:
    app_id = application(kernel, expo)
    client.login("seller2")
    refused = client.submit(f"/exhibitions/applications/{app_id}/reject", {"reason": "  "})
    assert refused.status_code == 422 and "请填写原因。" in refused.text
    assert _get(kernel, app_id).state == "submitted"
    ok = client.submit(f"/exhibitions/applications/{app_id}/reject", {"reason": "展品与展会主题不符"},
                       follow_redirects=False)
    assert ok.status_code == 303
    row = _get(kernel, app_id)
    assert (row.state, row.reason) == ("rejected", "展品与展会主题不符")
    page = client.get(f"/exhibitions/applications/{app_id}")
    assert "展品与展会主题不符" in page.text and "exhibitions-application-decide" not in page.text


def test_the_list_filters_and_counts(client: Any, kernel: Kernel, expo: dict[str, Any]) -> None:
    application(kernel, expo, company="甲公司", area_wanted=9, construction="shell")
    application(kernel, expo, company="乙公司", area_wanted=72, construction="raw")
    application(kernel, expo, company="丙公司", area_wanted=36, construction="raw", state="rejected", reason="x")
    client.login("seller1")
    url = f"/exhibitions/editions/{expo['edition']}/applications"
    page = client.get(url)
    assert page.status_code == 200 and all(n in page.text for n in ("甲公司", "乙公司", "丙公司"))
    assert 'data-state="submitted">2<' in page.text and 'data-state="rejected">1<' in page.text
    raw = client.get(url + "?construction=raw&state=submitted")
    assert "乙公司" in raw.text and "甲公司" not in raw.text and "丙公司" not in raw.text
    big = client.get(url + "?min_area=30&max_area=50")
    assert "丙公司" in big.text and "乙公司" not in big.text and "甲公司" not in big.text
    assert client.get("/exhibitions/applications").status_code == 200


def test_another_org_gets_404(client: Any, kernel: Kernel, expo: dict[str, Any]) -> None:
    app_id = application(kernel, expo)
    client.login("outsider")
    assert client.get(f"/exhibitions/applications/{app_id}").status_code == 404
    assert client.submit(f"/exhibitions/applications/{app_id}/reject", {"reason": "x"}).status_code == 404
    for name in ("applications", "waitlist", "points"):
        assert client.get(f"/exhibitions/editions/{expo['edition']}/{name}").status_code == 404
    assert _get(kernel, app_id).state == "submitted"
