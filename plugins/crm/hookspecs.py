"""Hooks the CRM offers other plugins (documented, with their signatures, in
docs/plugins/crm.md). Each area of the CRM adds its hooks under its own
banner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor, Panel


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
