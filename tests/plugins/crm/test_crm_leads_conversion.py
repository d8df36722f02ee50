"""Converting a lead (转化线索): customer, contact and opportunity in one
transaction; the duplicate prompt that shows a colleague's customer only
as "exists, owned by 李销售"; attaching to a customer one may see; the
attribution report."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.app import Kernel
from plugins.crm.models import Contact, Customer, Lead, Opportunity
from tests.plugins.crm.crm_leads_support import make_lead, make_pipeline


def _count(kernel: Kernel, model: Any) -> int:
    with kernel.db.session(write=False) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_converting_makes_customer_contact_and_opportunity_in_one_step(client: Any, kernel: Kernel,
                                                                      sales: dict[str, Any]) -> None:
    # given a lead from the spring fair, and the organisation's sales pipeline
    first_stage = make_pipeline(kernel, sales["hq"].id)
    lead_id = make_lead(kernel, sales["rep1"], name="周经理", company="苏州恒瑞精密机械有限公司",
                        position="采购经理", email="zhou@hengrui.cn", source="exhibition", campaign="2026春季展会")
    client.login("rep1")
    # when the salesperson opens the conversion page, it is prefilled from the lead
    page = client.get(f"/crm/leads/{lead_id}/convert")
    assert page.status_code == 200
    assert 'value="苏州恒瑞精密机械有限公司"' in page.text and 'value="周经理"' in page.text
    assert "未发现相似的客户或联系人" in page.text
    # and converts with an opportunity
    response = client.submit(f"/crm/leads/{lead_id}/convert", {
        "customer_name": "苏州恒瑞精密机械有限公司", "customer_kind": "company", "contact_name": "周经理",
        "position": "采购经理", "mobile": "13912345678", "email": "zhou@hengrui.cn", "with_opportunity": "1",
        "opportunity_name": "恒瑞 数控系统采购", "amount": "280,000", "expected_close_on": "2026-09-30"},
        follow_redirects=False)
    assert response.status_code == 303, response.text
    # then the customer, its main contact and the opportunity exist, attributed to the lead's source
    with kernel.db.session(write=False) as db:
        lead = db.get(Lead, lead_id)
        assert lead is not None and lead.state == "converted" and lead.converted_at is not None
        customer = db.get(Customer, lead.customer_id)
        contact = db.get(Contact, lead.contact_id)
        assert customer is not None and contact is not None
        assert (customer.name, customer.source, customer.owner_id) == ("苏州恒瑞精密机械有限公司", "exhibition",
                                                                        sales["rep1"].id)
        assert (contact.customer_id, contact.is_main, contact.position) == (customer.id, True, "采购经理")
        opportunity = db.scalar(select(Opportunity).where(Opportunity.lead_id == lead_id))
        assert opportunity is not None
        assert (opportunity.customer_id, opportunity.contact_id, opportunity.stage_id) == (
            customer.id, contact.id, first_stage)
        assert (opportunity.source, str(opportunity.amount)) == ("exhibition", "280000.00")
        # and the lead keeps its source and campaign, and is locked
        assert (lead.source, lead.campaign) == ("exhibition", "2026春季展会")
    assert response.headers["location"] == f"/crm/customers/{customer.id}"
    assert client.get(f"/crm/leads/{lead_id}/edit").status_code == 409


def test_a_failure_in_one_part_writes_nothing(client: Any, kernel: Kernel, sales: dict[str, Any]) -> None:
    # given a lead
    lead_id = make_lead(kernel, sales["rep1"], company="无锡小天鹅")
    before = (_count(kernel, Customer), _count(kernel, Contact), _count(kernel, Opportunity))
    client.login("rep1")
    # when the salesperson converts with an opportunity whose amount is negative (the last part written)
    response = client.submit(f"/crm/leads/{lead_id}/convert", {
        "customer_name": "无锡小天鹅", "customer_kind": "company", "contact_name": "王先生",
        "mobile": "13912345678", "with_opportunity": "1", "amount": "-5"})
    # then the page says why, and neither the customer nor the contact was written
    assert response.status_code == 422
    assert "金额不能为负数" in response.text
    assert (_count(kernel, Customer), _count(kernel, Contact), _count(kernel, Opportunity)) == before
    with kernel.db.session(write=False) as db:
        lead = db.get(Lead, lead_id)
        assert lead is not None and (lead.state, lead.customer_id) == ("new", None)
    # and a bad contact mobile is named, also without writing anything
    response = client.submit(f"/crm/leads/{lead_id}/convert", {
        "customer_name": "无锡小天鹅", "contact_name": "王先生", "mobile": "0510"})
    assert response.status_code == 422 and "11 位手机号" in response.text
    assert _count(kernel, Customer) == before[0]


def test_the_duplicate_prompt_shows_a_colleagues_customer_only_as_existing(client: Any, kernel: Kernel,
                                                                           new_customer: Any,
                                                                           sales: dict[str, Any]) -> None:
    # given 李销售 (rep2) owns 上海浦东发展银行, with a phone rep1 cannot see
    new_customer(sales["rep2"], "上海浦东发展银行股份有限公司", phone="021-61618888", address="中山东一路12号")
    lead_id = make_lead(kernel, sales["rep1"], name="陈先生", company="上海浦东发展银行")
    client.login("rep1")
    # when rep1 opens the conversion page
    page = client.get(f"/crm/leads/{lead_id}/convert").text
    # then it says the customer exists and is 李销售's, without its name, phone or address
    assert "已存在相同客户，归属 李销售。" in page
    assert "上海浦东发展银行股份有限公司" not in page and "021-61618888" not in page and "中山东一路" not in page
    assert 'name="attach_to"' not in page  # nothing to attach to
    # and converting into a new customer is refused, naming the owner
    response = client.submit(f"/crm/leads/{lead_id}/convert", {
        "customer_name": "上海浦东发展银行", "contact_name": "陈先生", "mobile": "13812345678",
        "confirm_new": "1"})
    assert response.status_code == 409 and "归属 李销售" in response.text
    # as is attaching to it by its id
    with kernel.db.session(write=False) as db:
        theirs = db.scalar(select(Customer.id).where(Customer.owner_id == sales["rep2"].id))
    response = client.submit(f"/crm/leads/{lead_id}/convert", {
        "attach_to": str(theirs), "contact_name": "陈先生", "mobile": "13812345678"})
    assert response.status_code == 422 and "只能将线索关联到您有权查看的客户" in response.text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_manager_attaches_the_lead_to_an_existing_customer(client: Any, kernel: Kernel, new_customer: Any,
                                                             sales: dict[str, Any]) -> None:
    # given rep2's customer, and the manager's lead of a similar name
    existing = new_customer(sales["rep2"], "北京京东世纪贸易有限公司")
    lead_id = make_lead(kernel, sales["manager"], name="刘女士", company="北京京东世纪贸易")
    client.login("manager")
    # the manager may read it: it is offered to attach to, with its name and owner
    page = client.get(f"/crm/leads/{lead_id}/convert").text
    assert "已有客户 北京京东世纪贸易有限公司" in page and f'value="{existing}"' in page
    # a new customer needs a confirmation when similar ones exist
    refused = client.submit(f"/crm/leads/{lead_id}/convert", {"customer_name": "北京京东世纪贸易",
                                                              "contact_name": "刘女士", "mobile": "13612345678"})
    assert refused.status_code == 422 and "存在相似客户" in refused.text
    # when they attach
    response = client.submit(f"/crm/leads/{lead_id}/convert", {
        "attach_to": str(existing), "customer_name": "北京京东世纪贸易", "contact_name": "刘女士",
        "mobile": "13612345678"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    # then the contact joins the existing customer (rep2's), and no customer was made
    with kernel.db.session(write=False) as db:
        lead = db.get(Lead, lead_id)
        assert lead is not None and lead.customer_id == existing
        contact = db.get(Contact, lead.contact_id)
        assert contact is not None and (contact.customer_id, contact.owner_id) == (existing, sales["rep2"].id)
        assert db.scalar(select(func.count()).select_from(Customer)) == 1


def test_the_source_report_follows_leads_to_won_deals(client: Any, kernel: Kernel, sales: dict[str, Any]) -> None:
    make_pipeline(kernel, sales["hq"].id)
    converted = make_lead(kernel, sales["rep1"], company="甲公司", source="web", campaign="官网")
    make_lead(kernel, sales["rep1"], name="乙", source="web", campaign="官网")
    make_lead(kernel, sales["rep1"], name="丙", source="referral")
    client.login("rep1")
    client.submit(f"/crm/leads/{converted}/convert", {"customer_name": "甲公司", "contact_name": "王先生",
                                                      "mobile": "13912345678", "with_opportunity": "1",
                                                      "amount": "50000"})
    with kernel.db.session() as db:
        opportunity = db.scalar(select(Opportunity).where(Opportunity.lead_id == converted))
        assert opportunity is not None
        opportunity.state = "won"
    page = client.get("/crm/leads/report").text
    assert "官网表单" in page and "转化率" in page
    from plugins.crm.services.leads import by_source
    from tests.plugins.crm.conftest import actor_of

    with kernel.db.session(write=False) as db:
        rows = {(r.source, r.campaign): r for r in by_source(db, actor_of(kernel, db, sales["rep1"]))}
    web = rows[("web", "官网")]
    assert (web.leads, web.converted, web.won, str(web.won_amount)) == (2, 1, 1, "50000.00")
    assert (rows[("referral", "")].leads, rows[("referral", "")].converted) == (1, 0)
