"""The public web form: a visitor's submission becomes a lead; bots fill
the honeypot and store nothing; a flood is answered 429; bad input is
named on the form. And the leads' pages: states, disqualifying with a
reason, the API, who sees ownerless leads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.app import Kernel
from plugins.crm.models import Lead
from tests.plugins.crm.crm_leads_support import leads_of_form, make_lead, make_webform


def test_a_visitor_submits_the_public_form_and_a_lead_arrives(client: Any, kernel: Kernel,
                                                              sales: dict[str, Any]) -> None:
    # given a web form of the campaign "2026春季展会", assigned to rep1
    form_id, key = make_webform(kernel, sales["director"], assign_to_id=sales["rep1"].id)
    # when an anonymous visitor opens it (in Chinese, from the browser's language) and sends it
    page = client.get(f"/crm/f/{key}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert page.status_code == 200 and "申请产品演示" in page.text and "您的姓名" in page.text
    response = client.submit(f"/crm/f/{key}", {"name": "张伟", "company": "杭州海康", "mobile": "139 1234 5678",
                                               "email": "", "message": "想了解价格", "website": ""})
    # then they see the thank-you message, and the lead is rep1's, from the web, with the campaign
    assert response.status_code == 200, response.text
    assert "提交成功，我们会在一个工作日内联系您。" in response.text
    [lead] = leads_of_form(kernel, form_id)
    assert (lead.name, lead.company, lead.mobile) == ("张伟", "杭州海康", "13912345678")
    assert (lead.source, lead.campaign, lead.owner_id) == ("web", "2026春季展会", sales["rep1"].id)
    assert lead.department_id == sales["one"].id and lead.state == "new"
    # and the address is kept only as a keyed hash
    assert len(lead.ip_hash) == 64 and "testclient" not in lead.ip_hash
    # and rep1 sees it in their leads
    client.login("rep1")
    assert "张伟" in client.get("/crm/leads").text


def test_the_form_speaks_english_when_asked(client: Any, kernel: Kernel, sales: dict[str, Any]) -> None:
    _, key = make_webform(kernel, sales["director"])
    page = client.get(f"/crm/f/{key}?lang=en")
    assert "Your name" in page.text and 'lang="en"' in page.text
    # an unknown or switched-off form is not found
    assert client.get("/crm/f/nope").status_code == 404


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_stored(client: Any, kernel: Kernel,
                                                                      sales: dict[str, Any]) -> None:
    form_id, key = make_webform(kernel, sales["director"])
    client.get(f"/crm/f/{key}")
    response = client.submit(f"/crm/f/{key}", {"name": "Buy now", "mobile": "13912345678",
                                               "website": "http://spam.example"})
    assert response.status_code == 200 and "提交成功" in response.text
    assert leads_of_form(kernel, form_id) == []


def test_more_submissions_than_the_hourly_limit_get_429(client: Any, kernel: Kernel,
                                                        sales: dict[str, Any]) -> None:
    # given a form that takes 3 submissions per address and hour
    form_id, key = make_webform(kernel, sales["director"], rate_limit=3)
    client.get(f"/crm/f/{key}")
    for n in range(3):
        ok = client.submit(f"/crm/f/{key}", {"name": f"访客{n}", "mobile": f"1391234567{n}"})
        assert ok.status_code == 200, ok.text
    # when the same address sends a fourth
    response = client.submit(f"/crm/f/{key}", {"name": "访客4", "mobile": "13912345674"})
    # then it is refused with a friendly page, and no fourth lead exists
    assert response.status_code == 429
    assert "请稍后再试" in response.text
    assert len(leads_of_form(kernel, form_id)) == 3


def test_bad_input_is_named_on_the_form_and_nothing_stored(client: Any, kernel: Kernel,
                                                            sales: dict[str, Any]) -> None:
    form_id, key = make_webform(kernel, sales["director"])
    client.get(f"/crm/f/{key}")
    # no name, a mobile that is no Chinese mobile number
    response = client.submit(f"/crm/f/{key}", {"name": "", "mobile": "12345", "message": "你好"})
    assert response.status_code == 422
    assert "请填写姓名" in response.text and "11 位手机号" in response.text
    assert 'id="crm-wf-name-err"' in response.text and 'id="crm-wf-mobile-err"' in response.text
    assert "你好" in response.text  # what was typed stays
    # a name without any way to reach the person
    response = client.submit(f"/crm/f/{key}", {"name": "刘女士"})
    assert response.status_code == 422 and "请留下手机号或电子邮箱" in response.text
    # a bad e-mail address
    response = client.submit(f"/crm/f/{key}", {"name": "刘女士", "email": "liu@"})
    assert response.status_code == 422 and 'id="crm-wf-email-err"' in response.text
    assert leads_of_form(kernel, form_id) == []


def test_a_lead_without_owner_is_seen_by_the_director_not_by_salespeople(client: Any, kernel: Kernel,
                                                                          sales: dict[str, Any]) -> None:
    # given a form assigned to nobody, and a submission
    form_id, key = make_webform(kernel, sales["director"])
    client.get(f"/crm/f/{key}")
    client.submit(f"/crm/f/{key}", {"name": "无主线索", "email": "a@b.cn"})
    [lead] = leads_of_form(kernel, form_id)
    assert lead.owner_id is None
    # then a salesperson does not see it; the director does, and assigns it to rep2
    client.login("rep1")
    assert "无主线索" not in client.get("/crm/leads").text
    client.cookies.clear()
    client.login("director")
    assert "无主线索" in client.get("/crm/leads").text
    response = client.submit(f"/crm/leads/{lead.id}/assign", {"owner_id": str(sales["rep2"].id)},
                             follow_redirects=False)
    assert response.status_code == 303
    with kernel.db.session(write=False) as db:
        assigned = db.get(Lead, lead.id)
        assert assigned is not None and assigned.owner_id == sales["rep2"].id
        assert assigned.department_id == sales["one"].id


def test_disqualifying_a_lead_needs_a_reason(client: Any, kernel: Kernel, sales: dict[str, Any]) -> None:
    lead_id = make_lead(kernel, sales["rep1"])
    client.login("rep1")
    # without a reason: refused with the reason asked for, and the lead stays new
    refused = client.submit(f"/workflow/crm.lead/{lead_id}/disqualify", {"comment": "",
                                                                          "next": f"/crm/leads/{lead_id}"})
    assert "请填写线索无效的原因。" in refused.text
    with kernel.db.session(write=False) as db:
        still = db.get(Lead, lead_id)
        assert still is not None and still.state == "new"
    # with one: disqualified, and the reason is kept
    client.submit(f"/workflow/crm.lead/{lead_id}/disqualify", {"comment": "空号，无法联系",
                                                               "next": f"/crm/leads/{lead_id}"})
    with kernel.db.session(write=False) as db:
        lead = db.get(Lead, lead_id)
        assert lead is not None and (lead.state, lead.disqualify_reason) == ("disqualified", "空号，无法联系")


def test_leads_are_reachable_through_the_api_under_the_same_scope(client: Any, kernel: Kernel,
                                                                  sales: dict[str, Any]) -> None:
    make_lead(kernel, sales["rep1"], name="接口线索甲")
    make_lead(kernel, sales["rep2"], name="接口线索乙")
    client.login("rep1")
    listed = client.get("/api/v1/crm/lead", headers={"Accept": "application/json"})
    assert listed.status_code == 200, listed.text
    names = [item["name"] for item in listed.json()["items"]]
    assert names == ["接口线索甲"]
    created = client.post("/api/v1/crm/lead", json={"name": "接口新建", "mobile": "13700001111", "source": "api"},
                          headers={"X-CSRF-Token": client.csrf()})
    assert created.status_code == 201, created.text
    bad = client.post("/api/v1/crm/lead", json={"name": "接口新建", "mobile": "12"},
                      headers={"X-CSRF-Token": client.csrf()})
    assert bad.status_code == 422 and "mobile" in bad.text
    with kernel.db.session(write=False) as db:
        lead = db.scalar(select(Lead).where(Lead.name == "接口新建"))
        assert lead is not None and (lead.owner_id, lead.source) == (sales["rep1"].id, "api")


def test_a_manager_imports_leads_from_a_spreadsheet(client: Any, kernel: Kernel, sales: dict[str, Any]) -> None:
    import csv
    import io

    from core.jobs import Worker

    buf = io.StringIO()
    csv.writer(buf).writerows([["姓名", "公司", "手机", "活动"],
                               ["赵六", "宁波舟山港", "138 0000 1111", "秋季展会"],
                               ["钱七", "温州正泰", "13800002222", "秋季展会"]])
    client.login("manager")
    uploaded = client.submit("/dataio/crm.lead/import", {"mode": "insert", "match_key": ""},
                             files={"file": ("leads.csv", buf.getvalue().encode(), "text/csv")},
                             follow_redirects=False)
    assert uploaded.status_code == 303, uploaded.text
    batch_id = int(uploaded.headers["location"].rsplit("/", 1)[1])
    checked = client.submit(f"/dataio/batches/{batch_id}/check", {
        "map_name": "姓名", "map_company": "公司", "map_mobile": "手机", "map_campaign": "活动"})
    assert checked.status_code == 200, checked.text
    client.submit(f"/dataio/batches/{batch_id}/commit", follow_redirects=False)
    Worker(kernel, "test").run_pending()
    with kernel.db.session(write=False) as db:
        rows = db.execute(select(Lead.name, Lead.mobile, Lead.source, Lead.campaign, Lead.owner_id)
                          .order_by(Lead.id)).all()
    assert [tuple(r) for r in rows] == [("赵六", "13800001111", "import", "秋季展会", sales["manager"].id),
                                        ("钱七", "13800002222", "import", "秋季展会", sales["manager"].id)]
