"""Contracts as salespeople, their manager and the sales assistant live
them: made directly with the buyer's particulars copied from the CRM
customer, approved by the rep's manager above 200,000, stamped and heard by
other plugins once approved, locked from then on (page, API and service
refuse edits and write nothing), amended into a new revision, reminded of
their renewal once, shown on the customer's 360 view, exported to Excel,
and their payment terms kept by the director."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from sales_support import actor_of
from sqlalchemy import func, select

from core import Conflict, ValidationError, hookimpl
from core.app import Kernel
from core.approvals import decide
from core.models import ApprovalTask
from plugins.activity.models import InboxItem
from plugins.sales.models import Contract, ContractLine, PaymentTerm
from plugins.sales.services import contracts as services
from plugins.sales.services import payment_terms as terms
from plugins.sales.services.documents import today

USCC = "91110000710935440D"


def line(product: int | None, quantity: str, price: str, discount: str = "0", tax: str = "13",
         description: str = "") -> dict[str, Any]:
    return {"product_id": product, "description": description or f"产品 {product}", "quantity": quantity,
            "unit_price": price, "discount": discount, "tax_rate": tax}


def make_contract(kernel: Kernel, user: Any, customer: int, lines: list[dict[str, Any]], **values: Any) -> int:
    with kernel.db.session() as db:
        return services.create_contract(db, actor_of(kernel, db, user),
                                        {"customer_id": customer, "lines": lines, **values}).id


def fire(kernel: Kernel, user: Any, contract_id: int, name: str) -> str:
    with kernel.db.session() as db:
        return services.fire(db, actor_of(kernel, db, user), contract_id, name).state


def get(kernel: Kernel, contract_id: int) -> Contract:
    with kernel.db.session(write=False) as db:
        found = db.get(Contract, contract_id)
        assert found is not None
        db.expunge(found)
        return found


def lines_of(kernel: Kernel, contract_id: int) -> list[tuple[str, Decimal, Decimal]]:
    with kernel.db.session(write=False) as db:
        return [(x.description, x.quantity, x.total) for x in db.scalars(
            select(ContractLine).where(ContractLine.contract_id == contract_id).order_by(ContractLine.sequence))]


class Approvals:
    """A throwaway listener of sales_contract_approved."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bool, int | None]] = []

    @hookimpl
    def sales_contract_approved(self, session: Any, actor: Any, contract: Any) -> None:
        self.calls.append((contract.number, contract.state, contract.approved_at is not None,
                           actor.user_id if actor else None))


def big_customer(kernel: Kernel, team: dict[str, Any], new_customer: Any) -> int:
    from plugins.crm.models import Customer
    from plugins.crm.services.customers import create_contact

    customer = new_customer(team["rep1"], "中国移动通信集团有限公司", uscc=USCC, province="北京市",
                            city="北京市", district="西城区", address="金融大街29号")
    with kernel.db.session() as db:
        create_contact(db, actor_of(kernel, db, team["rep1"]), db.get(Customer, customer),  # type: ignore[arg-type]
                       {"name": "王主任", "mobile": "13800138000", "is_main": True})
    return customer


# ------------------------------------------------------------------ making contracts


def test_a_contract_copies_the_buyer_from_the_customer_and_checks_its_dates(
        kernel: Kernel, team: dict[str, Any], new_customer: Any, products: dict[str, int]) -> None:
    customer = big_customer(kernel, team, new_customer)
    contract_id = make_contract(kernel, team["rep1"], customer, [
        line(products["server"], "4", "48000", "8"), line(products["install"], "4", "3500", tax="6")],
        signed_on="2026-03-02", start_on="2026-03-02", end_on="2027-03-01", delivery_terms="送货上门")
    contract = get(kernel, contract_id)
    assert re.fullmatch(r"HT-\d{4}-00001", contract.number)
    assert (contract.buyer_name, contract.buyer_address, contract.buyer_tax_no) == (
        "中国移动通信集团有限公司", "北京市西城区金融大街29号", USCC)
    assert (contract.buyer_representative, contract.buyer_phone) == ("王主任", "13800138000")
    # 4 × 48,000 × 92 % = 176,640.00 and 14,000.00: 190,640.00
    assert (contract.total, contract.max_discount, contract.state) == (Decimal("190640.00"), Decimal("8"), "draft")
    # an end before the start, unknown payment terms and a year-long reminder are refused, nothing written
    before = (db_count(kernel, Contract), db_count(kernel, ContractLine))
    with kernel.db.session() as db:
        try:
            services.create_contract(db, actor_of(kernel, db, team["rep1"]), {
                "customer_id": customer, "start_on": "2026-05-01", "end_on": "2026-04-30", "payment_term_id": 999,
                "renewal_notice_days": "400", "lines": [line(products["server"], "1", "48000")]})
            raise AssertionError("accepted")
        except ValidationError as exc:
            assert set(exc.errors) == {"end_on", "payment_term_id", "renewal_notice_days"}
    assert (db_count(kernel, Contract), db_count(kernel, ContractLine)) == before


def db_count(kernel: Kernel, model: Any) -> int:
    with kernel.db.session(write=False) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_the_contract_form_saves_and_shows_a_contract(client: Any, kernel: Kernel, team: dict[str, Any],
                                                      new_customer: Any, products: dict[str, int]) -> None:
    customer = big_customer(kernel, team, new_customer)
    client.login("rep1")
    assert client.get("/sales/contracts/new").status_code == 200
    response = client.submit("/sales/contracts", {
        "kind": "order", "customer_id": str(customer), "currency_code": "CNY", "tax_included": "1",
        "signed_on": "2026-03-02", "renewal_notice_days": "30",
        "line_product_id[]": [str(products["license"])], "line_source[]": [str(products["license"])],
        "line_description[]": ["软件许可"], "line_unit[]": ["套"], "line_quantity[]": ["5"],
        "line_unit_price[]": ["12800"], "line_list_price[]": ["12800"], "line_discount[]": ["0"],
        "line_tax_rate[]": ["13"]}, follow_redirects=False)
    assert response.status_code == 303, response.text
    contract = db_only(kernel)
    assert (contract.kind, contract.total, contract.buyer_name) == ("order", Decimal("64000.00"),
                                                                    "中国移动通信集团有限公司")
    page = client.get(f"/sales/contracts/{contract.id}").text
    assert "64,000.00" in page and "软件许可" in page and 'id="panel-printing-print"' in page
    listed = client.get("/sales/contracts?from=2026-03-01&to=2026-03-31").text
    assert contract.number in listed and "64,000.00" in listed
    assert contract.number not in client.get("/sales/contracts?from=2026-04-01").text


def db_only(kernel: Kernel) -> Contract:
    with kernel.db.session(write=False) as db:
        found = db.scalars(select(Contract)).one()
        db.expunge(found)
        return found


# ------------------------------------------------------------------ approval and locking


def test_a_contract_above_200000_needs_the_manager_and_approval_is_heard(
        kernel: Kernel, team: dict[str, Any], new_customer: Any, products: dict[str, int]) -> None:
    heard = Approvals()
    kernel.pm.register(heard, name="test-sales-approvals")
    try:
        customer = big_customer(kernel, team, new_customer)
        big = make_contract(kernel, team["rep1"], customer, [line(products["server"], "5", "48000")])
        small = make_contract(kernel, team["rep1"], customer, [line(products["server"], "1", "48000", "5")])
        # the small one (5 %, 45,600.00) is approved at once, stamped and heard
        assert fire(kernel, team["rep1"], small, "submit") == "approved"
        assert get(kernel, small).approved_at is not None
        assert heard.calls == [(get(kernel, small).number, "approved", True, team["rep1"].id)]
        # the big one (240,000.00) waits for the manager
        assert fire(kernel, team["rep1"], big, "submit") == "pending"
        assert get(kernel, big).approved_at is None
        with kernel.db.session(write=False) as db:
            task = db.scalars(select(ApprovalTask).where(ApprovalTask.model == "sales.contract",
                                                         ApprovalTask.record_id == big)).one()
            assert task.user_id == team["manager"].id
        with kernel.db.session() as db:
            decide(db, kernel.registry, actor_of(kernel, db, team["manager"]), task.id, "approve")
        assert get(kernel, big).state == "approved" and get(kernel, big).approved_at is not None
        assert heard.calls[1] == (get(kernel, big).number, "approved", True, team["manager"].id)
    finally:
        kernel.pm.unregister(heard)


def test_an_approved_contract_is_locked_on_the_page_the_api_and_the_service(
        client: Any, kernel: Kernel, team: dict[str, Any], new_customer: Any, products: dict[str, int]) -> None:
    customer = big_customer(kernel, team, new_customer)
    contract_id = make_contract(kernel, team["rep1"], customer, [line(products["server"], "1", "48000")],
                                title="原合同")
    fire(kernel, team["rep1"], contract_id, "submit")
    before = get(kernel, contract_id)
    assert before.state == "approved"
    # the service refuses
    with kernel.db.session() as db:
        try:
            services.update_contract(db, actor_of(kernel, db, team["rep1"]), db.get(Contract, contract_id),  # type: ignore[arg-type]
                                     {"title": "改过的"})
            raise AssertionError("edited")
        except Conflict:
            pass
    client.login("rep1")
    page = client.get(f"/sales/contracts/{contract_id}").text
    assert 'id="sales-contract-locked"' in page and f"/sales/contracts/{contract_id}/edit" not in page
    edit = client.get(f"/sales/contracts/{contract_id}/edit")
    assert edit.status_code == 409 and "不能再修改" in edit.text
    update = client.submit(f"/sales/contracts/{contract_id}", {
        "version": str(before.version), "kind": "contract", "customer_id": str(customer), "currency_code": "CNY",
        "title": "改过的", "line_description[]": ["x"], "line_quantity[]": ["1"], "line_unit_price[]": ["1"]})
    assert update.status_code == 409
    api = {"X-CSRF-Token": client.csrf(), "Accept": "application/json"}
    patch = client.patch(f"/api/v1/sales/contract/{contract_id}", json={"title": "改过的"},
                         headers={**api, "If-Match": f'"{before.version}"'})
    assert patch.status_code == 409, patch.text
    after = get(kernel, contract_id)
    assert (after.title, after.version, after.total) == ("原合同", before.version, before.total)
    assert lines_of(kernel, contract_id) == [(f"产品 {products['server']}", Decimal("1.000"), Decimal("48000.00"))]


def test_an_amendment_keeps_the_old_contract_and_copies_its_lines(
        client: Any, kernel: Kernel, team: dict[str, Any], new_customer: Any, products: dict[str, int]) -> None:
    customer = big_customer(kernel, team, new_customer)
    contract_id = make_contract(kernel, team["rep1"], customer, [line(products["server"], "1", "48000"),
                                                                 line(products["install"], "1", "3500", tax="6")])
    fire(kernel, team["rep1"], contract_id, "submit")
    fire(kernel, team["rep1"], contract_id, "sign")
    client.login("rep1")
    response = client.submit(f"/sales/contracts/{contract_id}/amend", follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        new = db.scalar(select(Contract).where(Contract.amends_id == contract_id))
        assert new is not None
        new_id, number = new.id, new.number
        assert (new.state, new.revision, new.approved_at, new.total) == ("draft", 2, None, Decimal("51500.00"))
    old = get(kernel, contract_id)
    assert (old.state, old.revision, old.number) == ("amended", 1, number)
    assert len(lines_of(kernel, new_id)) == 2 and len(lines_of(kernel, contract_id)) == 2
    # the amendment is edited; the old contract's lines stay as signed
    with kernel.db.session() as db:
        services.update_contract(db, actor_of(kernel, db, team["rep1"]), db.get(Contract, new_id),  # type: ignore[arg-type]
                                 {"lines": [line(products["server"], "2", "48000")]})
    assert get(kernel, new_id).total == Decimal("96000.00") and get(kernel, contract_id).total == Decimal("51500.00")
    # a draft is not amended
    with kernel.db.session() as db:
        try:
            services.amend_contract(db, actor_of(kernel, db, team["rep1"]), new_id)
            raise AssertionError("amended a draft")
        except Conflict:
            pass


def test_other_salespeople_do_not_see_a_contract(client: Any, kernel: Kernel, team: dict[str, Any],
                                                 new_customer: Any, products: dict[str, int]) -> None:
    customer = big_customer(kernel, team, new_customer)
    contract_id = make_contract(kernel, team["rep1"], customer, [line(products["server"], "1", "48000")])
    client.login("rep3")
    assert client.get(f"/sales/contracts/{contract_id}").status_code == 404
    assert client.get(f"/api/v1/sales/contract/{contract_id}",
                      headers={"Accept": "application/json"}).status_code == 404
    assert client.submit(f"/sales/contracts/{contract_id}/amend").status_code == 404


# ------------------------------------------------------------------ renewal, 360 view, export


def test_the_owner_is_reminded_once_of_a_contract_ending_soon(kernel: Kernel, team: dict[str, Any],
                                                              new_customer: Any, products: dict[str, int]) -> None:
    customer = big_customer(kernel, team, new_customer)
    soon = make_contract(kernel, team["rep1"], customer, [line(None, "1", "100", description="维保")],
                         start_on=today() - timedelta(days=300), end_on=today() + timedelta(days=20),
                         renewal_notice_days="30")
    later = make_contract(kernel, team["rep1"], customer, [line(None, "1", "100", description="维保")],
                          start_on=today(), end_on=today() + timedelta(days=90), renewal_notice_days="30")
    for contract in (soon, later):
        fire(kernel, team["rep1"], contract, "submit")
        fire(kernel, team["rep1"], contract, "sign")
    with kernel.db.session() as db:
        assert services.remind_due(db) == [soon]
    with kernel.db.session() as db:
        assert services.remind_due(db) == []
    assert get(kernel, soon).renewal_reminded_at is not None and get(kernel, later).renewal_reminded_at is None
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count(InboxItem.id)).where(
            InboxItem.user_id == team["rep1"].id, InboxItem.link == f"/sales/contracts/{soon}")) == 1


def test_the_customer_360_view_shows_the_readers_quotes_and_contracts(
        client: Any, kernel: Kernel, team: dict[str, Any], new_customer: Any, products: dict[str, int]) -> None:
    customer = big_customer(kernel, team, new_customer)
    contract_id = make_contract(kernel, team["rep1"], customer, [line(products["server"], "1", "48000")])
    client.login("rep1")
    page = client.get(f"/crm/customers/{customer}").text
    assert 'id="panel-sales-documents"' in page and get(kernel, contract_id).number in page
    assert "48,000.00" in page


def test_the_contract_list_exports_to_excel_with_numbers_as_numbers(
        client: Any, kernel: Kernel, team: dict[str, Any], new_customer: Any, products: dict[str, int]) -> None:
    customer = big_customer(kernel, team, new_customer)
    contract_id = make_contract(kernel, team["rep1"], customer, [line(products["server"], "2", "48000", "5"),
                                                                 line(products["install"], "1", "3500", tax="6")])
    client.login("rep1")
    assert client.get("/sales/contracts/export.xlsx").status_code == 403  # a salesperson may not export
    client.cookies.clear()
    client.login("manager")
    response = client.get("/sales/contracts/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    contracts, lines = book.worksheets
    rows = list(contracts.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][0] == get(kernel, contract_id).number
    assert rows[0][12] == 94700 and isinstance(rows[0][12], (int, float))
    line_rows = list(lines.iter_rows(min_row=2, values_only=True))
    assert [(r[3], r[5], r[11]) for r in line_rows] == [(f"产品 {products['server']}", 2, 91200),
                                                       (f"产品 {products['install']}", 1, 3500)]


# ------------------------------------------------------------------ payment terms


def test_payment_terms_add_up_to_100_and_a_bad_row_is_named(client: Any, kernel: Kernel,
                                                            team: dict[str, Any]) -> None:
    client.login("director")
    assert client.get("/sales/payment-terms/new").status_code == 200
    rows = {"instalment_label[]": ["预付款", "发货款", "尾款"], "instalment_percent[]": ["30", "60", "20"],
            "instalment_days[]": ["0", "30", "abc"], "instalment_basis[]": ["signed", "signed", "end"]}
    response = client.submit("/sales/payment-terms", {"name": "3-6-1", "active": "1", **rows})
    assert response.status_code == 422 and "第 3 行" in response.text
    assert db_count(kernel, PaymentTerm) == 0
    rows["instalment_days[]"] = ["0", "30", "90"]
    response = client.submit("/sales/payment-terms", {"name": "3-6-1", "active": "1", **rows})
    assert response.status_code == 422 and db_count(kernel, PaymentTerm) == 0
    rows["instalment_percent[]"] = ["30", "60", "10"]
    response = client.submit("/sales/payment-terms", {"name": "3-6-1", "active": "1", **rows},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        term = db.scalars(select(PaymentTerm)).one()
        assert [(i["label"], i["percent"], i["days"]) for i in term.instalments] == [
            ("预付款", "30", 0), ("发货款", "60", 30), ("尾款", "10", 90)]
    # a salesperson reads them (a contract picks one) but may not change them
    client.cookies.clear()
    client.login("rep1")
    assert client.get(f"/sales/payment-terms/{term.id}/edit").status_code == 403
    with kernel.db.session() as db:
        try:
            terms.create_term(db, actor_of(kernel, db, team["director"]), {"name": "x", "instalments": [
                {"label": "全款", "percent": "100.001", "days": "0"}]})
            raise AssertionError("accepted")
        except ValidationError as exc:
            assert set(exc.errors) == {"instalment_1"}


def test_a_contract_takes_its_payment_terms_text_from_the_chosen_terms(
        kernel: Kernel, team: dict[str, Any], new_customer: Any) -> None:
    with kernel.db.session() as db:
        term = terms.create_term(db, actor_of(kernel, db, team["director"]), {"name": "3-7", "instalments": [
            {"label": "预付款", "percent": "30", "days": "0"}, {"label": "验收款", "percent": "70", "days": "30",
                                                                  "basis": "end"}]})
        term_id = term.id
    customer = big_customer(kernel, team, new_customer)
    contract_id = make_contract(kernel, team["rep1"], customer, [line(None, "1", "100", description="x")],
                                payment_term_id=term_id, start_on=date(2026, 3, 1), end_on=date(2026, 6, 30))
    assert get(kernel, contract_id).payment_terms == "预付款：签约后 0 天付 30%；验收款：结束后 30 天付 70%"


def test_a_change_of_the_instalments_shows_in_the_history(kernel: Kernel, team: dict[str, Any], make: Any) -> None:
    # a JSON list column changed: its history shows old and new lists (no name lookup of a list)
    from core import audit_trail

    director = team["director"]
    with kernel.db.session() as db:
        term = terms.create_term(db, actor_of(kernel, db, director), {"name": "5-5", "instalments": [
            {"label": "预付款", "percent": "50", "days": "0"}, {"label": "尾款", "percent": "50", "days": "30"}]})
        term_id = term.id
    with kernel.db.session() as db:
        term = db.get(PaymentTerm, term_id)
        terms.update_term(db, actor_of(kernel, db, director), term, {"name": "全款", "instalments": [
            {"label": "全款", "percent": "100", "days": "0"}]})
    auditor = make.user(org=team["hq"], username="auditor")  # an administrator reads the trail
    with kernel.db.session(write=False) as db:
        term = db.scalars(select(PaymentTerm)).one()
        history = audit_trail(db, actor_of(kernel, db, auditor), term)
    changed = [c for entry in history for c in entry.changes if c.field == "instalments"]
    assert changed, history
    assert [i["label"] for i in changed[0].new] == ["全款"]
    assert [i["label"] for i in changed[0].old] == ["预付款", "尾款"]
