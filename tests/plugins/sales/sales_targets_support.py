"""Helpers of the targets and commissions tests: receipts written straight
to the tables (the receivables services are built elsewhere), recorded
through the plugin's own ``sales_receipt_recorded`` hook as the
receivables service will call it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

from core.app import Kernel
from core.models import User
from core.permissions import Actor, load_actor
from plugins.sales.models import Contract, Receipt

_numbers = count(1)


def actor_of(kernel: Kernel, db: Any, user: User) -> Actor:
    """The actor ``user`` is in a request (as the sales conftest's)."""
    return load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))


def record_receipt(kernel: Kernel, contract_id: int, amount: str, received_on: date, *,
                   kind: str = "receipt", currency: str = "CNY", hook: bool = True) -> int:
    """A receipt (or, negative, a refund) on a contract, and the hook called
    in the same transaction as the receivables service will; its id."""
    with kernel.db.session() as db:
        contract = db.get(Contract, contract_id)
        receipt = Receipt(org_id=contract.org_id, owner_id=contract.owner_id, department_id=contract.department_id,
                          number=f"SK-TEST-{next(_numbers):05}", kind=kind, contract_id=contract.id,
                          customer_id=contract.customer_id, amount=Decimal(amount), currency_code=currency,
                          received_on=received_on)
        db.add(receipt)
        db.flush()
        if hook:
            kernel.pm.hook.sales_receipt_recorded(session=db, actor=None, receipt=receipt, reversed=False)
        return receipt.id


def void_receipt(kernel: Kernel, receipt_id: int) -> None:
    from core import utcnow

    with kernel.db.session() as db:
        receipt = db.get(Receipt, receipt_id)
        receipt.voided_at = utcnow()
        db.flush()
        kernel.pm.hook.sales_receipt_recorded(session=db, actor=None, receipt=receipt, reversed=True)


def set_target(kernel: Kernel, user: User, year: int, month: int, amount: str) -> None:
    from plugins.sales.models import Target

    with kernel.db.session() as db:
        db.add(Target(org_id=user.org_id, year=year, month=month, user_id=user.id, amount=Decimal(amount)))


def set_basis(kernel: Kernel, org_id: int, basis: str) -> None:
    from plugins.sales.services.settings import settings_of

    with kernel.db.session() as db:
        settings_of(db, org_id).target_basis = basis


def row_of(grid: Any, key: int) -> Any:
    return next(r for r in grid.rows if r.key == key)
