"""The sales office's story, end to end through the services, on SQLite and
PostgreSQL: a salesperson quotes three lines at 12 % off, her manager (and
only he) approves, the quote becomes a contract on 30/60/10 payment terms,
the contract is approved, its plan generated, the customer pays in two
parts, and the ageing report and the month's commission come out exact to
the cent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from sqlalchemy import select

from core import Forbidden, NotFound, clock
from core.approvals import decide
from core.clock import FakeClock
from core.models import ApprovalTask
from plugins.sales.models import CommissionEntry, CommissionStatement, Contract, Instalment, PaymentTerm, Target
from plugins.sales.services import commissions, contracts, quotes
from plugins.sales.services.ageing import ageing
from plugins.sales.services.receipts import record_receipt
from tests.plugins.sales.conftest import actor_of

SIGNED = date(2026, 3, 2)


def at(day: date) -> FakeClock:
    """10 o'clock in Beijing on ``day``."""
    return FakeClock(datetime(day.year, day.month, day.day, 2, tzinfo=UTC))


def line(product: int, quantity: str, price: str, discount: str, tax: str = "13") -> dict[str, Any]:
    return {"product_id": product, "quantity": quantity, "unit_price": price, "discount": discount,
            "tax_rate": tax}


def approve_as(kernel: Any, user: Any, model: str, record_id: int) -> None:
    """``user`` approves their pending task on the record's approval request."""
    from core.models import ApprovalRequest

    with kernel.db.session() as db:
        task = db.scalar(select(ApprovalTask).join(ApprovalRequest, ApprovalRequest.id == ApprovalTask.request_id)
                         .where(ApprovalRequest.model == model, ApprovalRequest.record_id == record_id,
                                ApprovalTask.user_id == user.id, ApprovalTask.status == "pending"))
        assert task is not None, f"{user.username} has nothing to approve on {model} #{record_id}"
        decide(db, kernel.registry, actor_of(kernel, db, user), task.id, "approve", "同意")


def pending_approvers(kernel: Any, model: str, record_id: int) -> set[int]:
    from core.models import ApprovalRequest

    with kernel.db.session(write=False) as db:
        return set(db.scalars(select(ApprovalTask.user_id).join(
            ApprovalRequest, ApprovalRequest.id == ApprovalTask.request_id).where(
            ApprovalRequest.model == model, ApprovalRequest.record_id == record_id,
            ApprovalTask.status == "pending")))


@pytest.fixture
def office(kernel, team, products, new_customer) -> dict[str, Any]:
    """Payment terms 30/60/10, commission rules (hardware 5 %, 8 % from 100 %
    of target; every other product 3 %), rep1's March target of 100,000."""
    from plugins.catalog.models import Category

    director = team["director"]
    with kernel.db.session() as db:
        term = PaymentTerm(org_id=team["hq"].id, name="30/60/10", instalments=[
            {"label": "预付款", "percent": "30", "days": 0, "basis": "signed"},
            {"label": "到货款", "percent": "60", "days": 30, "basis": "signed"},
            {"label": "尾款", "percent": "10", "days": 60, "basis": "signed"}])
        db.add(term)
        db.add(Target(org_id=team["hq"].id, year=2026, month=3, user_id=team["rep1"].id, amount=D("100000.00")))
        db.flush()
        hardware = db.scalar(select(Category.id).where(Category.name == "硬件"))
        boss = actor_of(kernel, db, director)
        commissions.create_rule(db, boss, {"name": "硬件提成", "category_id": str(hardware), "rate": "5",
                                           "tier_1_from": "100", "tier_1_rate": "8", "active": "1"})
        commissions.create_rule(db, boss, {"name": "其他产品", "category_id": "", "rate": "3", "active": "1"})
        term_id = term.id
    customer = new_customer(team["rep1"], "北京星河科技有限公司", level="key")
    return {"term": term_id, "customer": customer}


def test_quote_to_commission_exact_to_the_cent(kernel, team, products, office):
    rep1, rep2, manager = team["rep1"], team["rep2"], team["manager"]
    with clock.use(at(date(2026, 2, 25))):
        # given rep1's quote: two servers at 12 % off, three licences at 5 % off, the installation
        with kernel.db.session() as db:
            quote = quotes.create_quote(db, actor_of(kernel, db, rep1), {
                "customer_id": office["customer"], "issued_on": date(2026, 2, 25), "title": "机房扩容",
                "valid_until": date(2026, 3, 27),
                "lines": [line(products["server"], "2", "48000.00", "12"),
                          line(products["license"], "3", "12800.00", "5"),
                          line(products["install"], "1", "3500.00", "0", tax="6")]})
            quote_id = quote.id
            # 84,480.00 + 36,480.00 + 3,500.00, VAT included
            assert (quote.total, quote.max_discount) == (D("124460.00"), D("12.00"))
            assert quote.subtotal + quote.tax_total == quote.total
            quotes.fire(db, actor_of(kernel, db, rep1), quote_id, "submit")
        # when she submits it, 12 % is above the 10 % a salesperson may give: her manager decides
        assert pending_approvers(kernel, "sales.quote", quote_id) == {manager.id}
        # and another salesperson can neither see nor approve it
        with kernel.db.session() as db, pytest.raises((NotFound, Forbidden)):
            quotes.fire(db, actor_of(kernel, db, rep2), quote_id, "approve")
        approve_as(kernel, manager, "sales.quote", quote_id)
        with kernel.db.session(write=False) as db:
            assert db.get(quotes.Quote, quote_id).state == "approved"

    with clock.use(at(SIGNED)):
        # when the quote becomes a contract on 30/60/10 terms, signed on 2 March
        with kernel.db.session() as db:
            contract = contracts.contract_from_quote(db, actor_of(kernel, db, rep1), quote_id)
            contracts.update_contract(db, actor_of(kernel, db, rep1), contract,
                                      {"payment_term_id": office["term"], "signed_on": SIGNED})
            contract_id = contract.id
            assert contract.total == D("124460.00") and contract.buyer_name == "北京星河科技有限公司"
            contracts.fire(db, actor_of(kernel, db, rep1), contract_id, "submit")
        approve_as(kernel, manager, "sales.contract", contract_id)
        with kernel.db.session() as db:
            contracts.fire(db, actor_of(kernel, db, rep1), contract_id, "sign")
            # then the approved contract has its plan, adding up to the total
            plan = [(i.amount, i.due_on) for i in db.scalars(
                select(Instalment).where(Instalment.contract_id == contract_id).order_by(Instalment.sequence))]
            assert plan == [(D("37338.00"), SIGNED), (D("74676.00"), SIGNED + timedelta(days=30)),
                            (D("12446.00"), SIGNED + timedelta(days=60))]
            assert db.get(Contract, contract_id).state == "signed"

    # when the customer pays 20,000.00 on 5 March and 30,000.00 on 20 March (recorded by the assistant)
    for day, amount in ((date(2026, 3, 5), "20000.00"), (date(2026, 3, 20), "30000.00")):
        with clock.use(at(day)), kernel.db.session() as db:
            record_receipt(db, actor_of(kernel, db, team["assistant"]), contract_id,
                           {"amount": amount, "received_on": day.isoformat(), "method": "transfer"})
    with kernel.db.session(write=False) as db:
        # then the first instalment is paid, the second partly
        assert [(i.received, i.state) for i in db.scalars(select(Instalment).where(
            Instalment.contract_id == contract_id).order_by(Instalment.sequence))] == [
            (D("37338.00"), "paid"), (D("12662.00"), "partial"), (D("0.00"), "open")]
        assert db.get(Contract, contract_id).received == D("50000.00")
        # and the ageing report of 15 May: 62,014.00 is 44 days overdue, 12,446.00 14 days
        report = ageing(db, actor_of(kernel, db, manager), date(2026, 5, 15))
        assert [(r.name, r.buckets, r.total) for r in report.rows] == [(
            "北京星河科技有限公司",
            {"current": D("0.00"), "d1_30": D("12446.00"), "d31_60": D("62014.00"), "d61_90": D("0.00"),
             "over_90": D("0.00")}, D("74460.00"))]
        # and rep2 sees nothing of it
        assert ageing(db, actor_of(kernel, db, rep2), date(2026, 5, 15)).rows == []

        # and March's commission: 124,460.00 signed of a 100,000.00 target reaches the 8 % tier
        # on hardware; each receipt is split over the lines by their totals, to the cent
        statement = db.scalar(select(CommissionStatement).where(CommissionStatement.owner_id == rep1.id,
                                                                CommissionStatement.month == date(2026, 3, 1)))
        assert statement is not None
        entries = sorted((e.base, e.rate, e.amount) for e in db.scalars(
            select(CommissionEntry).where(CommissionEntry.statement_id == statement.id)))
        assert entries == sorted([
            (D("13575.45"), D("8.00"), D("1086.04")), (D("5862.12"), D("8.00"), D("468.97")),
            (D("562.43"), D("3.00"), D("16.87")),
            (D("20363.17"), D("8.00"), D("1629.05")), (D("8793.19"), D("8.00"), D("703.46")),
            (D("843.64"), D("3.00"), D("25.31"))])
        assert (statement.base, statement.total) == (D("50000.00"), D("3929.70"))
