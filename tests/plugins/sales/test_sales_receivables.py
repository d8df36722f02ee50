"""Receivable plans and receipts (回款计划与收款): the plan generated on
approval from the payment terms, exact to the cent; the plan editor; partial
receipts allocated oldest due first; overpayment refused with nothing
written; voiding; the hook on each receipt; reminders before due and the
escalation of overdue instalments, each sent once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sales_receivable_support import (
    approve,
    beijing,
    contract_with_plan,
    payment_term,
    plan_of,
    receive,
    received,
    states_of,
)
from sqlalchemy import func, select

from core import Forbidden, NotFound, ValidationError, clock, enqueue, hookimpl
from core.app import Kernel
from core.clock import FakeClock
from core.jobs import Worker
from plugins.activity.models import InboxItem
from plugins.sales.models import Instalment, Receipt, ReceiptAllocation, SalesSettings
from plugins.sales.services.receipts import void_receipt
from plugins.sales.services.receivables import Refused, save_plan
from tests.plugins.sales.conftest import actor_of

SIGNED = date(2026, 3, 2)


@pytest.fixture
def now() -> Iterator[FakeClock]:
    fake = FakeClock(beijing(date(2026, 3, 10)))
    with clock.use(fake):
        yield fake


class Recorder:
    """A throwaway plugin that hears every receipt."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, Decimal, bool]] = []

    @hookimpl
    def sales_receipt_recorded(self, session: Any, actor: Any, receipt: Any, reversed: bool) -> None:
        self.heard.append((receipt.kind, receipt.amount, reversed))


@pytest.fixture
def recorder(kernel: Kernel) -> Iterator[Recorder]:
    found = Recorder()
    kernel.pm.register(found, name="test-sales-recorder")
    yield found
    kernel.pm.unregister(name="test-sales-recorder")


# ------------------------------------------------------------------ the plan


def test_approval_makes_the_plan_from_the_terms_exact_to_the_cent(kernel, team, new_customer, make_contract, now):
    # given terms of 30 % on signing, 60 % 30 days after the start, 10 % 90 days after the end
    term = payment_term(kernel, team["hq"].id, [("30", 0, "signed"), ("60", 30, "start"), ("10", 90, "end")])
    customer = new_customer(team["rep1"], "北京星河科技有限公司")
    contract = make_contract(team["rep1"], customer, [(None, "1", "94700.01", "0")], payment_term_id=term,
                             start_on=date(2026, 4, 1), end_on=date(2026, 12, 31))
    # when it is approved
    plan = approve(kernel, contract)
    # then three instalments: 28,410.00 and 56,820.01 rounded, the last the remainder 9,470.00
    assert plan == [("第1期", Decimal("28410.00"), SIGNED), ("第2期", Decimal("56820.01"), date(2026, 5, 1)),
                    ("第3期", Decimal("9470.00"), date(2027, 3, 31))]
    assert sum(amount for _, amount, _ in plan) == Decimal("94700.01")
    # and they copy the contract's owner, department, customer and currency (for scope and the ageing)
    with kernel.db.session(write=False) as db:
        first = db.scalars(select(Instalment).where(Instalment.contract_id == contract)).first()
        assert (first.owner_id, first.department_id, first.customer_id, first.currency_code, first.state) == (
            team["rep1"].id, team["one"].id, customer, "CNY", "open")
    # and approving again makes no second plan
    assert len(approve(kernel, contract)) == 3


def test_the_last_instalment_takes_the_remainder_of_rounding(kernel, team, new_customer, make_contract, now):
    term = payment_term(kernel, team["hq"].id, [("50", 0, "signed"), ("50", 10, "signed")])
    customer = new_customer(team["rep1"], "上海小额贸易有限公司")
    contract = make_contract(team["rep1"], customer, [(None, "1", "0.05", "0")], payment_term_id=term)
    # 50 % of 0.05 is 0.025: rounded half up to 0.03, so the last is 0.02
    assert [a for _, a, _ in approve(kernel, contract)] == [Decimal("0.03"), Decimal("0.02")]


def test_without_terms_one_instalment_of_the_total_due_on_signing_or_today(kernel, team, new_customer,
                                                                         make_contract, now):
    customer = new_customer(team["rep1"], "广州单期有限公司")
    signed = make_contract(team["rep1"], customer, [(None, "2", "1000.00", "0")])
    unsigned = make_contract(team["rep1"], customer, [(None, "1", "500.00", "0")], signed_on=None)
    assert approve(kernel, signed) == [("", Decimal("2000.00"), SIGNED)]
    assert approve(kernel, unsigned) == [("", Decimal("500.00"), date(2026, 3, 10))]


def test_the_plan_editor_keeps_the_plan_adding_up_to_the_total(kernel, team, new_customer, make_contract, now):
    customer = new_customer(team["rep1"], "深圳改期有限公司")
    contract = contract_with_plan(kernel, make_contract, team["rep1"], customer, "10000.00")
    with kernel.db.session() as db:
        manager = actor_of(kernel, db, team["manager"])
        # rows that add up to 9,999.99: the last row is named, with both figures
        with pytest.raises(Refused) as refused:
            save_plan(db, manager, contract, [
                {"label": "首付", "percent": "30", "due_on": "2026-03-15"},
                {"label": "尾款", "amount": "6999.99", "due_on": "2026-06-30"}])
        assert list(refused.value.errors) == ["row_2_amount"]
        assert refused.value.params == {"given": "9,999.99", "total": "10,000.00"}
        # a bad percentage and a missing date name their rows
        with pytest.raises(ValidationError) as invalid:
            save_plan(db, manager, contract, [{"percent": "130", "due_on": "2026-03-15"},
                                              {"amount": "7000", "due_on": ""}])
        assert set(invalid.value.errors) == {"row_1_percent", "row_1_amount", "row_2_due_on"}
    assert plan_of(kernel, contract) == [("", Decimal("10000.00"), SIGNED)]
    # when the rows add up: 30 % and the rest
    with kernel.db.session() as db:
        save_plan(db, actor_of(kernel, db, team["manager"]), contract, [
            {"label": "首付", "percent": "30", "due_on": "2026-03-15"},
            {"label": "尾款", "amount": "7000.00", "due_on": "2026-06-30"}])
    assert plan_of(kernel, contract) == [("首付", Decimal("3000.00"), date(2026, 3, 15)),
                                         ("尾款", Decimal("7000.00"), date(2026, 6, 30))]


def test_an_instalment_that_received_money_is_neither_removed_nor_cut_below_it(kernel, team, new_customer,
                                                                                make_contract, now):
    customer = new_customer(team["rep1"], "杭州已收有限公司")
    contract = contract_with_plan(kernel, make_contract, team["rep1"], customer, "10000.00")
    receive(kernel, team["assistant"], contract, "4000.00")
    with kernel.db.session() as db:
        manager = actor_of(kernel, db, team["manager"])
        kept = db.scalar(select(Instalment.id).where(Instalment.contract_id == contract))
        with pytest.raises(ValidationError) as removed:
            save_plan(db, manager, contract, [{"amount": "10000.00", "due_on": "2026-04-01"}])
        assert removed.value.errors == {"plan": "An instalment that has received money cannot be removed."}
        with pytest.raises(ValidationError) as cut:
            save_plan(db, manager, contract, [{"id": str(kept), "amount": "3000.00", "due_on": "2026-03-02"},
                                              {"amount": "7000.00", "due_on": "2026-04-01"}])
        assert list(cut.value.errors) == ["row_1_amount"]
        # split into the 4,000 received (now paid) and 6,000 still open
        save_plan(db, manager, contract, [{"id": str(kept), "amount": "4000.00", "due_on": "2026-03-02"},
                                          {"amount": "6000.00", "due_on": "2026-04-01"}])
    assert states_of(kernel, contract) == [(Decimal("4000.00"), "paid"), (Decimal("0.00"), "open")]


def test_a_salesperson_cannot_edit_the_plan_and_another_team_cannot_see_it(kernel, team, new_customer,
                                                                           make_contract, now):
    customer = new_customer(team["rep1"], "南京范围有限公司")
    contract = contract_with_plan(kernel, make_contract, team["rep1"], customer, "10000.00")
    with kernel.db.session() as db:
        with pytest.raises(Forbidden):
            save_plan(db, actor_of(kernel, db, team["rep1"]), contract, [{"amount": "10000", "due_on": "2026-04-01"}])
        with pytest.raises(NotFound):  # another team's manager does not see it at all
            save_plan(db, actor_of(kernel, db, team["rep3"]), contract, [{"amount": "10000", "due_on": "2026-04-01"}])
    with pytest.raises(Forbidden):  # a salesperson follows the money up but does not record it
        receive(kernel, team["rep1"], contract, "100.00")


# ------------------------------------------------------------------ receipts


def test_partial_receipts_are_allocated_oldest_due_first(kernel, team, new_customer, make_contract, now, recorder):
    term = payment_term(kernel, team["hq"].id, [("30", 0, "signed"), ("60", 30, "signed"), ("10", 60, "signed")])
    customer = new_customer(team["rep1"], "北京分期付款有限公司")
    contract = make_contract(team["rep1"], customer, [(None, "1", "94700.01", "0")], payment_term_id=term)
    approve(kernel, contract)
    # a first receipt of 20,000.00 pays part of the first instalment
    first = receive(kernel, team["assistant"], contract, "20000.00", method="transfer", reference="BANK-001",
                    payer="北京分期付款有限公司")
    assert first.number == f"SK-{date.today().year if False else 2026}-00001"
    assert states_of(kernel, contract) == [(Decimal("20000.00"), "partial"), (Decimal("0.00"), "open"),
                                           (Decimal("0.00"), "open")]
    # a second of 30,000.00 finishes the first (8,410.00) and pays 21,590.00 of the second
    receive(kernel, team["assistant"], contract, "30000.00")
    assert states_of(kernel, contract) == [(Decimal("28410.00"), "paid"), (Decimal("21590.00"), "partial"),
                                           (Decimal("0.00"), "open")]
    assert received(kernel, contract) == Decimal("50000.00")
    with kernel.db.session(write=False) as db:
        second = db.scalar(select(Receipt).where(Receipt.number == "SK-2026-00002"))
        parts = db.scalars(select(ReceiptAllocation.amount).where(ReceiptAllocation.receipt_id == second.id)
                           .order_by(ReceiptAllocation.id)).all()
        assert parts == [Decimal("8410.00"), Decimal("21590.00")]
    # and the hook heard each receipt
    assert recorder.heard == [("receipt", Decimal("20000.00"), False), ("receipt", Decimal("30000.00"), False)]


def test_a_receipt_naming_an_instalment_pays_only_that_one(kernel, team, new_customer, make_contract, now):
    term = payment_term(kernel, team["hq"].id, [("50", 0, "signed"), ("50", 30, "signed")])
    customer = new_customer(team["rep1"], "天津指定分期有限公司")
    contract = make_contract(team["rep1"], customer, [(None, "1", "1000.00", "0")], payment_term_id=term)
    approve(kernel, contract)
    with kernel.db.session(write=False) as db:
        second = db.scalars(select(Instalment.id).where(Instalment.contract_id == contract)
                            .order_by(Instalment.sequence)).all()[1]
    receive(kernel, team["assistant"], contract, "300.00", instalment_id=str(second))
    assert states_of(kernel, contract) == [(Decimal("0.00"), "open"), (Decimal("300.00"), "partial")]
    with pytest.raises(Refused) as refused:
        receive(kernel, team["assistant"], contract, "200.01", instalment_id=str(second))
    assert refused.value.errors == {"amount": "More than is due: {outstanding} is outstanding."}
    assert refused.value.params == {"outstanding": "200.00"}


def test_overpayment_is_refused_on_the_amount_and_nothing_is_written(kernel, team, new_customer, make_contract,
                                                                     now, recorder):
    customer = new_customer(team["rep1"], "重庆多付有限公司")
    contract = contract_with_plan(kernel, make_contract, team["rep1"], customer, "94700.01")
    receive(kernel, team["assistant"], contract, "90000.00")
    # when 4,700.02 is recorded against 4,700.01 outstanding
    with pytest.raises(Refused) as refused:
        receive(kernel, team["assistant"], contract, "4700.02")
    # then the error is on the amount, naming what is outstanding
    assert list(refused.value.errors) == ["amount"]
    assert refused.value.params == {"outstanding": "4,700.01"}
    # and nothing was written: no receipt, no allocation, no number taken, the contract unchanged
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Receipt)) == 1
        assert db.scalar(select(func.count()).select_from(ReceiptAllocation)) == 1
    assert received(kernel, contract) == Decimal("90000.00")
    assert len(recorder.heard) == 1
    # the exact outstanding amount is accepted and pays the plan off
    assert receive(kernel, team["assistant"], contract, "4700.01").number == "SK-2026-00002"
    assert states_of(kernel, contract) == [(Decimal("94700.01"), "paid")]


@pytest.mark.parametrize("amount", ["0", "-5", "12.345", "abc", "", "1e20"])
def test_bad_amounts_are_refused_on_the_amount(kernel, team, new_customer, make_contract, now, amount):
    customer = new_customer(team["rep1"], "成都金额有限公司")
    contract = contract_with_plan(kernel, make_contract, team["rep1"], customer, "1000.00")
    with pytest.raises(ValidationError) as invalid:
        receive(kernel, team["assistant"], contract, amount)
    assert list(invalid.value.errors) == ["amount"]


def test_a_receipt_dated_in_the_future_or_on_a_draft_contract_is_refused(kernel, team, new_customer,
                                                                          make_contract, now):
    from core import Conflict

    customer = new_customer(team["rep1"], "武汉日期有限公司")
    contract = contract_with_plan(kernel, make_contract, team["rep1"], customer, "1000.00")
    with pytest.raises(ValidationError) as invalid:
        receive(kernel, team["assistant"], contract, "10.00", received_on="2026-03-11")
    assert list(invalid.value.errors) == ["received_on"]
    draft = make_contract(team["rep1"], customer, [(None, "1", "100.00", "0")], state="draft")
    with pytest.raises(Conflict):
        receive(kernel, team["assistant"], draft, "10.00")


def test_voiding_a_receipt_gives_its_allocations_back(kernel, team, new_customer, make_contract, now, recorder):
    term = payment_term(kernel, team["hq"].id, [("50", 0, "signed"), ("50", 30, "signed")])
    customer = new_customer(team["rep1"], "西安作废有限公司")
    contract = make_contract(team["rep1"], customer, [(None, "1", "1000.00", "0")], payment_term_id=term)
    approve(kernel, contract)
    receipt = receive(kernel, team["assistant"], contract, "700.00")
    with kernel.db.session() as db, pytest.raises(Forbidden):  # the assistant records receipts, never voids
        void_receipt(db, actor_of(kernel, db, team["assistant"]), receipt.id)
    with kernel.db.session() as db:
        void_receipt(db, actor_of(kernel, db, team["director"]), receipt.id)
    assert states_of(kernel, contract) == [(Decimal("0.00"), "open"), (Decimal("0.00"), "open")]
    assert received(kernel, contract) == Decimal("0.00")
    assert recorder.heard == [("receipt", Decimal("700.00"), False), ("receipt", Decimal("700.00"), True)]


def test_recording_a_receipt_through_the_contract_page(client, kernel, team, new_customer, make_contract, now):
    customer = new_customer(team["rep1"], "苏州页面有限公司")
    contract = contract_with_plan(kernel, make_contract, team["rep1"], customer, "5000.00")
    client.login("assistant")
    page = client.get(f"/sales/contracts/{contract}/receivables")
    assert page.status_code == 200 and "sales-receipt-form" in page.text
    too_much = client.submit(f"/sales/contracts/{contract}/receipts", {"amount": "5000.01", "method": "transfer"})
    assert too_much.status_code == 422 and "5,000.00" in too_much.text
    done = client.submit(f"/sales/contracts/{contract}/receipts", {"amount": "1200.50", "method": "cash"},
                         follow_redirects=False)
    assert done.status_code == 303
    assert received(kernel, contract) == Decimal("1200.50")
    assert "SK-2026-00001" in client.get("/sales/receipts").text
    # the salesperson reads the page without the form; another team's salesperson gets a 404
    client.login("rep1")
    mine = client.get(f"/sales/contracts/{contract}/receivables")
    assert mine.status_code == 200 and "SK-2026-00001" in mine.text and "sales-receipt-form" not in mine.text
    client.login("rep3")
    assert client.get(f"/sales/contracts/{contract}/receivables").status_code == 404


# ------------------------------------------------------------------ reminders and escalation


def _run(kernel: Kernel, now: FakeClock, day: date) -> None:
    now.current = beijing(day, 8)
    with kernel.db.session() as db:
        enqueue(db, "sales.receivable_reminders")
    Worker(kernel, "w1").run_pending()


def _inbox(kernel: Kernel, user: Any) -> list[str]:
    with kernel.db.session(write=False) as db:
        return [i.params.get("number", "") + ":" + i.subject.split(" ")[0] for i in db.scalars(
            select(InboxItem).where(InboxItem.user_id == user.id).order_by(InboxItem.id))]


def test_the_owner_is_reminded_once_and_the_manager_hears_of_overdue_once(kernel, team, new_customer,
                                                                          make_contract, now):
    # given a contract of rep1 (whose manager heads 销售一部) due on 20 March
    customer = new_customer(team["rep1"], "青岛提醒有限公司")
    contract = contract_with_plan(kernel, make_contract, team["rep1"], customer, "8000.00",
                                  signed_on=date(2026, 3, 20), number="HT-REMIND-1")
    assert kernel.registry.jobs["sales.receivable_reminders"].schedule == "0 8 * * *"
    # 12 March: 8 days ahead, outside the 7 days: nothing
    _run(kernel, now, date(2026, 3, 12))
    assert _inbox(kernel, team["rep1"]) == []
    # 13 March: 7 days ahead: rep1 is reminded, once however often the job runs
    _run(kernel, now, date(2026, 3, 13))
    _run(kernel, now, date(2026, 3, 14))
    assert _inbox(kernel, team["rep1"]) == ["HT-REMIND-1:Instalment"]
    # 4 April: 15 days overdue: the manager hears of it, once
    _run(kernel, now, date(2026, 4, 3))
    assert _inbox(kernel, team["manager"]) == []
    _run(kernel, now, date(2026, 4, 4))
    _run(kernel, now, date(2026, 4, 5))
    assert _inbox(kernel, team["manager"]) == ["HT-REMIND-1:Overdue:"]
    assert _inbox(kernel, team["rep1"]) == ["HT-REMIND-1:Instalment"]
    with kernel.db.session(write=False) as db:
        inst = db.scalar(select(Instalment).where(Instalment.contract_id == contract))
        assert inst.reminded_at is not None and inst.escalated_at is not None


def test_the_organisation_settings_move_the_reminder_days_and_a_paid_instalment_is_left_alone(
        kernel, team, new_customer, make_contract, now):
    with kernel.db.session() as db:
        db.add(SalesSettings(org_id=team["hq"].id, remind_days=3, escalate_days=1))
    customer = new_customer(team["rep1"], "大连设置有限公司")
    contract_with_plan(kernel, make_contract, team["rep1"], customer, "100.00", signed_on=date(2026, 3, 20),
                       number="HT-SET-1")
    paid = contract_with_plan(kernel, make_contract, team["rep1"], customer, "100.00", signed_on=date(2026, 3, 20),
                              number="HT-PAID-1")
    receive(kernel, team["assistant"], paid, "100.00")
    _run(kernel, now, date(2026, 3, 16))
    assert _inbox(kernel, team["rep1"]) == []
    _run(kernel, now, date(2026, 3, 17))
    assert _inbox(kernel, team["rep1"]) == ["HT-SET-1:Instalment"]
    _run(kernel, now, date(2026, 3, 21))
    assert _inbox(kernel, team["manager"]) == ["HT-SET-1:Overdue:"]


def test_the_plan_editor_page_names_the_row_and_saves_a_plan_that_adds_up(client, kernel, team, new_customer,
                                                                         make_contract, now):
    customer = new_customer(team["rep1"], "厦门编辑有限公司")
    contract = contract_with_plan(kernel, make_contract, team["rep1"], customer, "10000.00")
    client.login("manager")
    editor = client.get(f"/sales/contracts/{contract}/plan")
    assert editor.status_code == 200 and "sales-plan-form" in editor.text
    wrong = client.submit(f"/sales/contracts/{contract}/plan", {
        "id[]": ["", ""], "label[]": ["首付", "尾款"], "percent[]": ["40", ""], "amount[]": ["", "5000.00"],
        "due_on[]": ["2026-03-20", "2026-09-30"]})
    assert wrong.status_code == 422 and "9,000.00" in wrong.text and "10,000.00" in wrong.text
    assert plan_of(kernel, contract) == [("", Decimal("10000.00"), SIGNED)]
    saved = client.submit(f"/sales/contracts/{contract}/plan", {
        "id[]": ["", ""], "label[]": ["首付", "尾款"], "percent[]": ["40", ""], "amount[]": ["", "6000.00"],
        "due_on[]": ["2026-03-20", "2026-09-30"]}, follow_redirects=False)
    assert saved.status_code == 303
    assert plan_of(kernel, contract) == [("首付", Decimal("4000.00"), date(2026, 3, 20)),
                                         ("尾款", Decimal("6000.00"), date(2026, 9, 30))]
    # a salesperson reads the plan but may not open the editor
    client.login("rep1")
    assert client.get(f"/sales/contracts/{contract}/plan").status_code == 403


def test_a_currency_without_decimals_takes_whole_amounts_only(kernel, team, new_customer, products, make_contract,
                                                              now):
    customer = new_customer(team["rep1"], "东京商事株式会社")
    contract = contract_with_plan(kernel, make_contract, team["rep1"], customer, "120000", currency_code="JPY")
    with pytest.raises(ValidationError) as invalid:
        receive(kernel, team["assistant"], contract, "100.50")
    assert invalid.value.errors == {"amount": "Enter an amount above 0 without decimals: the currency has none."}
    receive(kernel, team["assistant"], contract, "100000")
    assert states_of(kernel, contract) == [(Decimal("100000.00"), "partial")]
