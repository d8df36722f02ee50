"""Customers and contacts through the pages: who sees what, the letter
index initial, contacts following their customer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.app import Kernel
from plugins.crm.models import Contact, Customer, OwnershipLog


def test_a_new_customer_belongs_to_its_creator_and_gets_its_letter(client: Any, kernel: Kernel,
                                                                   sales: dict[str, Any]) -> None:
    # given a salesperson
    client.login("rep1")
    # when they create 重庆钢铁 through the form
    response = client.submit("/crm/customers", {"kind": "company", "name": "重庆钢铁股份有限公司",
                                                "level": "normal"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    # then it is theirs, in their department, indexed under C (重庆 reads chóngqìng), and logged
    with kernel.db.session(write=False) as db:
        customer = db.scalar(select(Customer).where(Customer.name == "重庆钢铁股份有限公司"))
        assert customer is not None
        assert (customer.owner_id, customer.department_id) == (sales["rep1"].id, sales["one"].id)
        assert customer.initial == "C"
        assert customer.owned_since is not None
        log = db.scalars(select(OwnershipLog.action).where(OwnershipLog.customer_id == customer.id)).all()
        assert log == ["create"]


def test_salespeople_see_only_their_customers_and_managers_their_departments(
        client: Any, new_customer: Any, sales: dict[str, Any]) -> None:
    # given customers of three salespeople in two departments
    mine = new_customer(sales["rep1"], "北京百度网讯科技有限公司")
    colleague = new_customer(sales["rep2"], "上海浦东发展银行")
    other_dept = new_customer(sales["rep3"], "广州白云山医药")
    # then a salesperson sees their own only, and another's answers 404
    client.login("rep1")
    page = client.get("/crm/customers").text
    assert "北京百度网讯科技有限公司" in page and "上海浦东发展银行" not in page
    assert client.get(f"/crm/customers/{colleague}").status_code == 404
    # and the manager of 销售一部 sees the department's, not 销售二部's
    client.cookies.clear()
    client.login("manager")
    page = client.get("/crm/customers").text
    assert "北京百度网讯科技有限公司" in page and "上海浦东发展银行" in page
    assert "广州白云山医药" not in page
    assert client.get(f"/crm/customers/{other_dept}").status_code == 404
    assert client.get(f"/crm/customers/{mine}").status_code == 200


def test_a_contact_takes_its_customers_owner(client: Any, kernel: Kernel, new_customer: Any,
                                             sales: dict[str, Any]) -> None:
    customer = new_customer(sales["rep1"], "杭州阿里巴巴")
    # when the manager adds a contact to rep1's customer
    client.login("manager")
    response = client.submit("/crm/contacts", {"customer_id": str(customer), "name": "马经理",
                                               "mobile": "13812345678"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    # then the contact is rep1's, like its customer
    with kernel.db.session(write=False) as db:
        contact = db.scalar(select(Contact).where(Contact.name == "马经理"))
        assert contact is not None and contact.owner_id == sales["rep1"].id
