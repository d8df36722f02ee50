"""The customer 360 view (客户全貌): profile under the field rules,
contacts (main first, added and changed inline), the relationship trees
drawn as SVG, and panels from other plugins through the CRM's own hook
``crm_customer_panels``; a contact's page with its reporting line."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import select

from core import Panel, hookimpl
from core.app import Kernel
from core.models import FieldRule, Role
from core.plugins import Manifest
from plugins.crm.models import Contact, Customer
from plugins.crm.services.customers import create_contact, update_customer
from tests.plugins.crm.conftest import actor_of


def add_contacts(kernel: Kernel, owner: Any, customer_id: int) -> dict[str, int]:
    """张总 (main, decision maker), 王经理 reporting to him (influencer), 赵工 reporting to 王经理."""
    with kernel.db.session() as db:
        actor = actor_of(kernel, db, owner)
        customer = db.get(Customer, customer_id)
        assert customer is not None
        boss = create_contact(db, actor, customer, {"name": "张总", "position": "总经理", "is_main": True,
                                                    "decision_role": "decision_maker", "mobile": "13800138000"})
        db.flush()
        buyer = create_contact(db, actor, customer, {"name": "王经理", "position": "采购经理",
                                                     "decision_role": "influencer", "reports_to_id": boss.id})
        db.flush()
        engineer = create_contact(db, actor, customer, {"name": "赵工", "position": "工程师", "decision_role": "user",
                                                        "reports_to_id": buyer.id})
        db.flush()
        return {"boss": boss.id, "buyer": buyer.id, "engineer": engineer.id}


def test_the_360_page_shows_profile_contacts_and_relationship_trees(client: Any, kernel: Kernel,
                                                                    new_customer: Any,
                                                                    sales: dict[str, Any]) -> None:
    # given a group, its subsidiary with three contacts, and the subsidiary's own subsidiary
    group = new_customer(sales["rep1"], "美的集团股份有限公司", city="佛山市", province="广东省")
    customer = new_customer(sales["rep1"], "美的暖通设备有限公司", city="佛山市", province="广东省",
                            phone="0757-26338888", tags="重点跟进")
    child = new_customer(sales["rep1"], "美的楼宇科技有限公司")
    with kernel.db.session() as db:
        actor = actor_of(kernel, db, sales["rep1"])
        update_customer(db, actor, db.get(Customer, customer), {"parent_id": group})  # type: ignore[arg-type]
        update_customer(db, actor, db.get(Customer, child), {"parent_id": customer})  # type: ignore[arg-type]
    add_contacts(kernel, sales["rep1"], customer)
    client.login("rep1")
    # when the owner opens the customer
    page = client.get(f"/crm/customers/{customer}").text
    # then the header names it with its tag, the profile its phone, the contacts list the main one first
    assert "美的暖通设备有限公司" in page and ">重点跟进</span>" in page
    assert "0757-26338888" in re.search(r'id="crm-customer-profile">(.*?)</dl>', page, re.S).group(1)  # type: ignore[union-attr]
    contacts = re.findall(r'class="fw-bold">([^<]+)</a>', page)
    assert contacts[0] == "张总" and set(contacts) == {"张总", "王经理", "赵工"}
    # and the relationship tab draws both trees as SVG, with the Chinese names in them
    companies = re.search(r'id="crm-company-tree">(.*?)</div>', page, re.S).group(1)  # type: ignore[union-attr]
    assert companies.count("<svg") == 1
    for name in ("美的集团股份有限公司", "美的暖通设备有限公司", "美的楼宇科技有限公司"):
        assert f"<title>{name}" in companies
    people = re.search(r'id="crm-contact-tree">(.*?)</div>', page, re.S).group(1)  # type: ignore[union-attr]
    assert ">张总</text>" in people and ">王经理</text>" in people and ">赵工</text>" in people
    assert "决策者" in people or "Decision maker" in people
    # the parent company is a link: the owner may read it
    assert f'href="/crm/customers/{group}"' in companies


def test_a_parent_company_the_reader_may_not_see_is_drawn_without_its_name(client: Any, kernel: Kernel,
                                                                           new_customer: Any,
                                                                           sales: dict[str, Any]) -> None:
    group = new_customer(sales["rep3"], "华为技术有限公司")
    customer = new_customer(sales["rep1"], "华为终端销售代理有限公司")
    with kernel.db.session() as db:
        db.get(Customer, customer).parent_id = group  # type: ignore[union-attr]
    client.login("rep1")
    page = client.get(f"/crm/customers/{customer}").text
    companies = re.search(r'id="crm-company-tree">(.*?)</div>', page, re.S).group(1)  # type: ignore[union-attr]
    assert "华为技术有限公司" not in page and f"/crm/customers/{group}" not in page
    assert "<svg" in companies


def test_a_hidden_field_stays_hidden_on_the_360_page(client: Any, kernel: Kernel, new_customer: Any,
                                                     sales: dict[str, Any]) -> None:
    customer = new_customer(sales["rep1"], "联想（北京）有限公司", phone="010-58868888")
    add_contacts(kernel, sales["rep1"], customer)
    with kernel.db.session() as db:
        role = db.scalar(select(Role.id).where(Role.key == "crm.salesperson"))
        db.add(FieldRule(role_id=role, model="crm.customer", field="phone", mode="hidden"))
        db.add(FieldRule(role_id=role, model="crm.contact", field="mobile", mode="hidden"))
    client.login("rep1")
    page = client.get(f"/crm/customers/{customer}").text
    assert "58868888" not in page and "13800138000" not in page
    assert "联想（北京）有限公司" in page


def test_contacts_are_added_and_changed_inline(client: Any, kernel: Kernel, new_customer: Any,
                                               sales: dict[str, Any]) -> None:
    customer = new_customer(sales["rep1"], "格力电器股份有限公司")
    ids = add_contacts(kernel, sales["rep1"], customer)
    client.login("rep1")
    # adding a contact answers with the contacts section, the new one in it, the phone normalised
    section = client.submit(f"/crm/customers/{customer}/contacts", {
        "name": "陈秘书", "position": "总经理秘书", "mobile": "+86 139 1234 5678", "decision_role": "gatekeeper",
        "reports_to_id": str(ids["boss"])}, headers={"HX-Request": "true"}).text
    assert section.startswith('\n<div id="crm-customer-contacts">') or 'id="crm-customer-contacts"' in section
    assert ">陈秘书</a>" in section
    with kernel.db.session(write=False) as db:
        added = db.scalar(select(Contact).where(Contact.name == "陈秘书"))
        assert added is not None and added.mobile == "13912345678" and added.owner_id == sales["rep1"].id
        version = db.scalar(select(Contact.version).where(Contact.id == ids["buyer"]))
    # a bad phone is said in the section, nothing written
    section = client.submit(f"/crm/customers/{customer}/contacts", {"name": "坏号码", "mobile": "12"}).text
    assert "is-invalid" in section and "坏号码" in section
    # editing a row inline makes 王经理 the main contact
    assert 'id="crm-contact-edit-' in client.get(f"/crm/contacts/{ids['buyer']}/row").text
    section = client.submit(f"/crm/contacts/{ids['buyer']}/row", {
        "name": "王经理", "position": "采购总监", "is_main": "1", "decision_role": "decision_maker",
        "version": str(version)}).text
    assert re.findall(r'class="fw-bold">([^<]+)</a>', section)[0] == "王经理"
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Contact.name).where(Contact.customer_id == customer,
                                                    Contact.is_main.is_(True))) == "王经理"
    # someone else's contacts cannot be changed inline
    client.cookies.clear()
    client.login("rep3")
    assert client.get(f"/crm/contacts/{ids['buyer']}/row").status_code == 404


def test_a_contact_page_shows_the_customer_and_reporting_line(client: Any, kernel: Kernel, new_customer: Any,
                                                              sales: dict[str, Any]) -> None:
    customer = new_customer(sales["rep1"], "海康威视数字技术股份有限公司")
    ids = add_contacts(kernel, sales["rep1"], customer)
    client.login("rep1")
    page = client.get(f"/crm/contacts/{ids['buyer']}").text
    line = re.search(r'id="crm-contact-line">(.*?)</ol>', page, re.S).group(1)  # type: ignore[union-attr]
    assert "海康威视数字技术股份有限公司" in line
    assert line.index("张总") < line.index("<strong>王经理</strong>") < line.index("赵工")


# ----------------------------------------------------------------- crm_customer_panels


@pytest.fixture
def contracts_plugin(kernel: Kernel, base_settings: Any, tmp_path: Path,
                     monkeypatch: pytest.MonkeyPatch) -> Iterator[Kernel]:
    """A kernel with a throwaway plugin adding a 合同 panel to every customer's 360 view."""
    seen: list[tuple[str, str]] = []

    def crm_customer_panels(session: Any, actor: Any, customer: Any) -> list[Panel]:
        seen.append((actor.username, customer.name))
        return [Panel("contracts-list", "Contracts", "contracts/_panel.html", {"total": "¥1,280,000"}, order=20)]

    (tmp_path / "templates" / "contracts").mkdir(parents=True)
    (tmp_path / "templates" / "contracts" / "_panel.html").write_text(
        '<p class="contracts-total">合同总额 {{ panel.context.total }} · {{ record.name }}</p>', encoding="utf-8")
    module = ModuleType("suanpan_test_contracts")
    module.__path__ = []  # type: ignore[attr-defined]
    module.crm_customer_panels = hookimpl(crm_customer_panels)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "suanpan_test_contracts", module)
    manifest = Manifest(name="contracts", module="suanpan_test_contracts", path=tmp_path, depends=("crm",))
    started = Kernel(base_settings, extra_plugins=[(manifest, module)])
    assert "contracts" in started.enabled, started.errors
    started.seen = seen  # type: ignore[attr-defined]
    yield started
    started.db.dispose()


def test_other_plugins_add_tabs_through_crm_customer_panels(contracts_plugin: Kernel, new_customer: Any,
                                                            sales: dict[str, Any], client: Any) -> None:
    customer = new_customer(sales["rep1"], "比亚迪股份有限公司")
    with type(client)(contracts_plugin.asgi(), base_url="http://testserver") as browser:
        browser.login("rep1")
        page = browser.get(f"/crm/customers/{customer}").text
        # the plugin's panel is a tab of the 360 view, its template given the page and the panel
        assert 'href="#crm-tab-contracts-list"' in page
        assert "合同总额 ¥1,280,000 · 比亚迪股份有限公司" in page
        # and it is asked only for customers the reader may read
        assert browser.get(f"/crm/customers/{customer + 999}").status_code == 404
    assert contracts_plugin.seen == [("rep1", "比亚迪股份有限公司")]  # type: ignore[attr-defined]


def test_a_stale_inline_contact_save_shows_the_conflict_in_the_row(client: Any, kernel: Kernel, new_customer: Any,
                                                                    sales: dict[str, Any]) -> None:
    customer = new_customer(sales["rep1"], "美的集团股份有限公司")
    ids = add_contacts(kernel, sales["rep1"], customer)
    with kernel.db.session(write=False) as db:
        opened = db.scalar(select(Contact.version).where(Contact.id == ids["buyer"]))
    client.login("rep1")
    # given someone else saves the contact after the row was opened
    first = client.submit(f"/crm/contacts/{ids['buyer']}/row", {"name": "王经理", "position": "采购总监",
                                                                "version": str(opened)})
    assert first.status_code == 200
    # when the row is saved with the version it was opened at (as htmx sends it)
    section = client.submit(f"/crm/contacts/{ids['buyer']}/row", {"name": "王经理", "position": "采购部长",
                                                                  "version": str(opened)},
                            headers={"HX-Request": "true"})
    # then the answer is the section (htmx swaps it), the row still open with the panel
    assert section.status_code == 200
    assert 'id="kit-conflict"' in section.text and 'id="crm-contact-edit-' in section.text
    assert "采购部长" in section.text and "采购总监" in section.text  # what they typed, what is saved
    with kernel.db.session(write=False) as db:
        saved = db.get(Contact, ids["buyer"])
        assert saved.position == "采购总监" and saved.version == opened + 1
    # and the panel's form carries the current version: applying again writes theirs
    current = re.search(r'name="version" value="(\d+)"', section.text)
    assert current is not None and int(current.group(1)) == opened + 1
    again = client.submit(f"/crm/contacts/{ids['buyer']}/row", {"name": "王经理", "position": "采购部长",
                                                                "version": current.group(1)})
    assert 'id="kit-conflict"' not in again.text
    with kernel.db.session(write=False) as db:
        assert db.get(Contact, ids["buyer"]).position == "采购部长"
