"""Hooks the sales plugin offers other plugins (finance posts receipts to
its ledgers, exhibitions releases booths...). Documented, with their
signatures, in docs/plugins/sales.md. Implement them in your ``hooks.py``
and list ``sales`` in ``depends``, or mark the implementation
``@hookimpl(optionalhook=True)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor


@hookspec
def sales_contract_approved(session: Session, actor: Actor | None, contract: Any) -> None:
    """A contract (``plugins.sales.models.Contract``) was just approved: by
    the approval chain's last approver, or at once when no step applied.

    Called inside the approving transaction, after ``state`` moved to
    ``approved`` and ``approved_at`` was set; its lines and receivable plan
    are in the session. ``actor`` is who approved (``None`` from a job). An
    exception fails the approval; queue side effects outside the database
    with ``enqueue``. firstresult: no.
    """


@hookspec
def sales_receipt_recorded(session: Session, actor: Actor | None, receipt: Any, reversed: bool) -> None:
    """A receipt (``plugins.sales.models.Receipt``) was just recorded against
    a contract's instalments (``reversed`` False), or voided (True).

    Called inside the recording transaction after the receipt, its
    allocations to instalments and the contract's ``received`` are flushed.
    Commissions are computed here; the finance plugin will post it. An
    exception refuses the receipt. firstresult: no.
    """
