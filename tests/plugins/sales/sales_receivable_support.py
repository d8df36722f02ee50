"""Helpers of the receivables, ageing, delivery and return tests: payment
terms, a contract with its plan, receipts recorded as a user."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.app import Kernel
from plugins.sales.models import Contract, Instalment, PaymentTerm
from plugins.sales.services.receipts import record_receipt
from plugins.sales.services.receivables import generate_plan
from tests.plugins.sales.conftest import actor_of


def beijing(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock in Beijing on ``day``, as the kernel's clock gives it (UTC)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def payment_term(kernel: Kernel, org_id: int, parts: Sequence[tuple[str, int, str]], name: str = "分期") -> int:
    """Payment terms of ``(percent, days, basis)`` parts; its id."""
    with kernel.db.session() as db:
        term = PaymentTerm(org_id=org_id, name=name, instalments=[
            {"label": f"第{n}期", "percent": percent, "days": days, "basis": basis}
            for n, (percent, days, basis) in enumerate(parts, start=1)])
        db.add(term)
        db.flush()
        return term.id


def approve(kernel: Kernel, contract_id: int) -> list[tuple[str, Decimal, date]]:
    """Fire the approval hook as the contract workflow does; the plan made."""
    with kernel.db.session() as db:
        contract = db.get(Contract, contract_id)
        kernel.pm.hook.sales_contract_approved(session=db, actor=None, contract=contract)
    return plan_of(kernel, contract_id)


def plan_of(kernel: Kernel, contract_id: int) -> list[tuple[str, Decimal, date]]:
    with kernel.db.session(write=False) as db:
        return [(i.label, i.amount, i.due_on) for i in db.scalars(
            select(Instalment).where(Instalment.contract_id == contract_id).order_by(Instalment.sequence))]


def states_of(kernel: Kernel, contract_id: int) -> list[tuple[Decimal, str]]:
    with kernel.db.session(write=False) as db:
        return [(i.received, i.state) for i in db.scalars(
            select(Instalment).where(Instalment.contract_id == contract_id).order_by(Instalment.sequence))]


def received(kernel: Kernel, contract_id: int) -> Decimal:
    with kernel.db.session(write=False) as db:
        contract = db.get(Contract, contract_id)
        assert contract is not None
        return contract.received


def receive(kernel: Kernel, user: Any, contract_id: int, amount: str, **values: Any) -> Any:
    """Record a receipt as ``user``; the receipt (detached)."""
    with kernel.db.session() as db:
        receipt = record_receipt(db, actor_of(kernel, db, user), contract_id, {"amount": amount, **values})
        db.flush()
        db.expunge(receipt)
        return receipt


def contract_with_plan(kernel: Kernel, make_contract: Any, owner: Any, customer: int, total: str, **values: Any) -> int:
    """An approved contract of one line worth ``total`` with its plan (one instalment unless terms are given)."""
    contract_id = make_contract(owner, customer, [(None, "1", total, "0")], **values)
    with kernel.db.session() as db:
        contract = db.get(Contract, contract_id)
        generate_plan(db, contract)
    return contract_id
