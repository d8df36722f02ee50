"""The issue's field-level example: hide customers' phone numbers from a
role, or show them masked (138****5678), on the CRM's own pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.admin import services
from core.app import Kernel
from core.models import Role
from plugins.crm.models import Contact


def _rule(kernel: Kernel, role_key: str, rules: dict[tuple[str, str], str]) -> None:
    with kernel.db.session() as db:
        role = db.scalar(select(Role).where(Role.key == role_key))
        assert role is not None
        services.set_field_rules(db, role, rules, kernel.registry)


def _customer_with_contact(client: Any, kernel: Kernel) -> tuple[int, int]:
    client.login("rep1")
    response = client.submit("/crm/customers", {"kind": "company", "name": "深圳华强电子有限公司",
                                                "phone": "0755-83216789"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    customer_id = int(response.headers["location"].rstrip("/").rsplit("/", 1)[-1])
    # the manager, who reads numbers in clear, adds the contact (a masked field is never written)
    client.cookies.clear()
    client.login("manager")
    response = client.submit("/crm/contacts", {"customer_id": str(customer_id), "name": "王采购",
                                               "mobile": "13812345678"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        contact_id = db.scalar(select(Contact.id).where(Contact.name == "王采购"))
    assert contact_id is not None
    client.cookies.clear()
    client.login("rep1")
    return customer_id, contact_id


def test_salespeople_read_mobiles_masked_and_cannot_overwrite_them(client: Any, kernel: Kernel,
                                                                    sales: dict[str, Any]) -> None:
    # given the salesperson role reads contacts' mobiles masked
    _rule(kernel, "crm.salesperson", {("crm.contact", "mobile"): "masked"})
    customer_id, contact_id = _customer_with_contact(client, kernel)
    # then the contact's page and the contact list show 138****5678, never the number
    detail = client.get(f"/crm/contacts/{contact_id}").text
    listing = client.get("/crm/contacts").text
    for page in (detail, listing):
        assert "138****5678" in page
        assert "13812345678" not in page
    # and posting a new number through the edit form changes nothing
    form = client.get(f"/crm/contacts/{contact_id}/edit").text
    assert "13812345678" not in form
    with kernel.db.session(write=False) as db:
        version = db.get(Contact, contact_id).version
    response = client.submit(f"/crm/contacts/{contact_id}", {
        "customer_id": str(customer_id), "name": "王采购", "mobile": "13900000000", "version": str(version),
    }, follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        assert db.get(Contact, contact_id).mobile == "13812345678"
    # while the manager, whose role has no rule, reads it in clear
    client.cookies.clear()
    client.login("manager")
    assert "13812345678" in client.get(f"/crm/contacts/{contact_id}").text


def test_a_hidden_phone_is_not_on_the_customer_page_at_all(client: Any, kernel: Kernel,
                                                           sales: dict[str, Any]) -> None:
    # given the salesperson role does not see customers' phone numbers
    _rule(kernel, "crm.salesperson", {("crm.customer", "phone"): "hidden"})
    customer_id, _ = _customer_with_contact(client, kernel)
    # then neither the number nor a masked form of it is on the customer's page
    page = client.get(f"/crm/customers/{customer_id}").text
    assert "0755-83216789" not in page and "83216789" not in page and "6789" not in page
