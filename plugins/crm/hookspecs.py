"""Hooks the CRM offers other plugins (documented, with their signatures, in
docs/plugins/crm.md). Implement them in your ``hooks.py`` and list ``crm``
in ``depends``, or mark the implementation ``@hookimpl(optionalhook=True)``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor, Panel


# ---------------------------------------------------------------- sales process (opportunities)


@hookspec
def crm_opportunity_closed(session: Session, actor: Actor | None, opportunity: Any, won: bool) -> None:
    """An opportunity was just closed: moved into a won stage (``won`` is
    True) or a lost one (False) from a stage of another kind.

    Called by ``plugins.crm.services.opportunities.move_stage`` (the kanban,
    the opportunity's form, the API, demo data), inside the mover's
    transaction, after the move is flushed: ``opportunity.state``,
    ``stage_id``, ``closed_at`` and, when lost, ``lost_reason`` and
    ``lost_to_id`` are already set. ``actor`` is who moved it (``None`` from
    a job). An exception fails the move; queue side effects outside the
    database with ``enqueue``. Reopening a deal fires nothing, and closing it
    again fires again. firstresult: no.
    """


# ------------------------------------------------------------------ the customer 360 view


@hookspec
def crm_customer_panels(session: Session, actor: Actor, customer: Any) -> list[Panel]:
    """Return panels for the customer 360 view (客户全貌) of ``customer``
    (a ``plugins.crm.models.Customer``): contracts, receivables, tickets,
    calls, exhibitions attended...

    Called once per view of the page, inside the request's transaction,
    after the CRM checked that ``actor`` may read the customer. Each panel
    is ``core.Panel(key, title, template, context={}, order=100)`` and gets
    a tab of its own, in ``order``; its template is rendered with the page's
    variables plus ``panel``. Return ``[]`` when you have nothing to show;
    check the actor's permissions and list only rows in their scope.
    firstresult: no.
    """


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
