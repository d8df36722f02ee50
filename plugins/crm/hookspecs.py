"""Hooks the CRM offers other plugins (documented, with their signatures, in
docs/plugins/crm.md). Implement them in your ``hooks.py`` and list ``crm``
in ``depends``, or mark the implementation ``@hookimpl(optionalhook=True)``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from core import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


# ------------------------------------------------------------------ customer value (area "value")


@hookspec
def crm_customer_revenue(session: Session, org_id: int, since: date) -> list[tuple[int, Decimal, int, date]]:
    """Return revenue of ``org_id``'s customers that is not a won opportunity
    (contracts, receipts): ``(customer id, amount, count, last date)`` per
    customer, the amount and count since ``since`` (a day in China's time),
    the last date of any time.

    Called by the job ``crm.compute_value`` once per organisation, in a read
    transaction; aggregate in SQL (``GROUP BY``): it runs over every customer.
    The answers of every plugin add to the won opportunities' recency,
    frequency and revenue. firstresult: no.
    """
