"""Helpers of the "value" area's tests (segments, value scores, SFA):
won deals, follow-ups and tags made straight in the database, the worker,
and a fake clock that the kernel and the CRM both read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.app import Kernel
from core.jobs import Worker
from plugins.crm.models import Customer, CustomerTag, FollowUp, Opportunity, Pipeline, Stage, Tag

CHINA = ZoneInfo("Asia/Shanghai")


def at_noon(day: date) -> datetime:
    """Noon in China on ``day``, as an aware UTC datetime (a FakeClock start)."""
    return datetime.combine(day, datetime.min.time().replace(hour=12), CHINA).astimezone(UTC)


def won_deal(kernel: Kernel, customer_id: int, amount: str, closed: datetime) -> int:
    """A won opportunity of the customer (its owner's), closed at ``closed``."""
    with kernel.db.session() as db:
        customer = db.get(Customer, customer_id)
        assert customer is not None
        pipeline = db.scalar(select(Pipeline).where(Pipeline.org_id == customer.org_id))
        if pipeline is None:
            pipeline = Pipeline(org_id=customer.org_id, name="标准产品销售")
            db.add(pipeline)
            db.flush()
            db.add(Stage(pipeline_id=pipeline.id, name="赢单", kind="won", probability=100))
            db.flush()
        stage = db.scalar(select(Stage).where(Stage.pipeline_id == pipeline.id, Stage.kind == "won"))
        assert stage is not None
        deal = Opportunity(org_id=customer.org_id, owner_id=customer.owner_id, department_id=customer.department_id,
                           name="赢单商机", customer_id=customer_id, pipeline_id=pipeline.id, stage_id=stage.id,
                           state="won", amount=Decimal(amount), closed_at=closed)
        db.add(deal)
        db.flush()
        return deal.id


def followup(kernel: Kernel, customer_id: int, *, minutes: int = 0, cost: str = "0",
             at: datetime | None = None) -> None:
    with kernel.db.session() as db:
        customer = db.get(Customer, customer_id)
        assert customer is not None
        when = at or datetime.now(UTC)
        db.add(FollowUp(org_id=customer.org_id, owner_id=customer.owner_id, department_id=customer.department_id,
                        customer_id=customer_id, kind="visit", happened_at=when, content="拜访",
                        duration_minutes=minutes, cost=Decimal(cost)))
        customer.last_followup_at = max(customer.last_followup_at or when, when)


def tag(kernel: Kernel, org_id: int, name: str, *customer_ids: int) -> int:
    with kernel.db.session() as db:
        t = Tag(org_id=org_id, name=name)
        db.add(t)
        db.flush()
        db.add_all([CustomerTag(customer_id=c, tag_id=t.id) for c in customer_ids])
        return t.id


def set_fields(kernel: Kernel, customer_id: int, **values: Any) -> None:
    with kernel.db.session() as db:
        customer = db.get(Customer, customer_id)
        assert customer is not None
        for key, value in values.items():
            setattr(customer, key, value)


def run_jobs(kernel: Kernel) -> int:
    """Run every job due now (and those they queue), as a worker would."""
    total = 0
    while ran := Worker(kernel, "test-worker").run_pending():
        total += ran
    return total


def days_ago(n: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=n)


def actor_of(kernel: Kernel, db: Any, user: Any) -> Any:
    """The actor ``user`` is in a request (as the CRM conftest's ``actor_of``;
    importable by name, where ``conftest`` would be ambiguous)."""
    from core.models import User
    from core.permissions import load_actor

    return load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))
