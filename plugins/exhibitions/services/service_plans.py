"""Pre-show service plans: for an edition's key exhibitors (top by what they
spent on services in the series' earlier editions), a task for their
account manager with the services they usually buy, their spend, open
complaints and the exhibitor manual's forms still due.
Idempotent: a customer who has the edition's plan task gets none again."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import Actor, get_for, scope
from plugins.exhibitions.models import Edition
from plugins.exhibitions.services.insights import Year, complaint_model, history

PLAN_SUBJECT = "展前服务计划 Pre-show service plan · {edition}"


def make(db: Session, actor: Actor, edition_id: Any, *, top: int = 10) -> list[Any]:
    """For the ``top`` exhibitors of the edition by what they spent on
    services in the series' earlier editions, a task for their account
    manager (the customer's owner, else the actor), due 30 days before the
    show: the services they usually buy, their open complaints, the due
    forms (when those parts are installed). Idempotent: a customer who has
    the edition's plan task gets none again. The new tasks."""
    from datetime import UTC, datetime, timedelta

    from plugins.activity.api import system_task
    from plugins.activity.models import Activity
    from plugins.crm.models import Customer

    actor.require("exhibitions.insights.plan")
    edition = get_for(db, actor, Edition, edition_id)
    hist = history(db, actor, edition.series_id)
    here = [c for c, years in hist.items() if years.get(edition.number, Year()).area > 0]
    spent = {c: sum((y.spend for n, y in hist[c].items() if n < edition.number), Decimal(0)) for c in here}
    keys = sorted((c for c in here if spent[c] > 0), key=lambda c: (-spent[c], c))[:top]
    subject = PLAN_SUBJECT.format(edition=edition.name)
    planned = set(db.scalars(select(Activity.record_id).where(
        Activity.record_model == "crm.customer", Activity.record_id.in_(keys), Activity.kind == "task",
        Activity.subject == subject[:200])))
    due = None
    if edition.opens_on is not None:
        day = edition.opens_on - timedelta(days=30)
        due = datetime(day.year, day.month, day.day, 1, tzinfo=UTC)
    made = []
    for c in keys:
        customer = db.scalar(select(Customer).where(Customer.id == c, scope(actor, Customer)))
        if customer is None or c in planned:
            continue
        content = plan_text(db, hist[c], edition, c)
        made.append(system_task(db, customer, assignee_id=customer.owner_id or actor.user_id, subject=subject,
                                content=content, due_at=due))
    return made


def plan_text(db: Session, years: dict[int, Year], edition: Edition, customer_id: int) -> str:
    """The plan: usual services (bought in how many earlier editions), spend, open complaints, due forms."""
    from plugins.exhibitions.models.choices import SERVICE_CATEGORIES

    before = {n: y for n, y in years.items() if n < edition.number}
    usual: dict[str, int] = defaultdict(int)
    for y in before.values():
        for category in y.services:
            usual[category] += 1
    lines = ["常购服务 Usual services:"]
    lines += [f"- {SERVICE_CATEGORIES.get(k, k)} × {n}"
              for k, n in sorted(usual.items(), key=lambda kv: -kv[1])]
    lines.append("历届服务消费 Spend on services: " + ", ".join(
        f"{n}: ¥{y.spend:,.0f}" for n, y in sorted(before.items())))
    complaints = complaint_model()
    if complaints is not None and hasattr(complaints, "state"):
        open_ = db.scalar(select(func.count()).select_from(complaints).where(
            complaints.customer_id == customer_id, complaints.state.in_(("open", "dispatched"))))
        lines.append(f"未结投诉 Open complaints: {int(open_ or 0)}")
    from plugins.exhibitions.services.manual import cells
    from plugins.sales.services.documents import today

    grid = cells(edition.id, None, today()).subquery()
    due = db.scalar(select(func.count()).select_from(grid).where(grid.c.customer_id == customer_id,
                                                                 grid.c.status != "done"))
    lines.append(f"待交表单 Forms due: {int(due or 0)}")
    return "\n".join(lines)
