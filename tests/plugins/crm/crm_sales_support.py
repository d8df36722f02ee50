"""Helpers of the sales-process tests: opportunities made and moved through
the CRM's own services, stages looked up by name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from core.app import Kernel
from core.clock import FakeClock, use
from core.models import User
from core.permissions import Actor, load_actor
from plugins.crm.models import Competitor, Pipeline, Stage
from plugins.crm.services.opportunities import create_opportunity, ensure_pipelines, move_stage

STANDARD = "标准产品销售"


def actor_of(kernel: Kernel, db: Any, user: User) -> Actor:
    """The actor ``user`` is in a request (as conftest's ``actor_of``)."""
    return load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))


def stage_id(kernel: Kernel, org_id: int, name: str, pipeline: str = STANDARD) -> int:
    """The id of stage ``name`` of ``pipeline`` (the defaults are made on first use)."""
    with kernel.db.session() as db:
        ensure_pipelines(db, org_id)
        found = db.scalar(select(Stage.id).join(Pipeline, Pipeline.id == Stage.pipeline_id).where(
            Pipeline.org_id == org_id, Pipeline.name == pipeline, Stage.name == name))
        assert found is not None, (pipeline, name)
        return int(found)


def pipeline_id(kernel: Kernel, org_id: int, name: str = STANDARD) -> int:
    with kernel.db.session() as db:
        ensure_pipelines(db, org_id)
        found = db.scalar(select(Pipeline.id).where(Pipeline.org_id == org_id, Pipeline.name == name))
        assert found is not None
        return int(found)


@pytest.fixture
def clock() -> Any:
    """The kernel's clock, standing still at 2026-03-02 09:00 (China) until moved."""
    fake = FakeClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    with use(fake):
        yield fake


@pytest.fixture
def new_opportunity(kernel: Kernel) -> Callable[..., int]:
    """``new_opportunity(owner, customer_id, name, stage="初步接洽", **values)``: an
    opportunity created by ``owner`` in the standard pipeline; returns its id."""

    def make(owner: User, customer_id: int, name: str, stage: str = "初步接洽", **values: Any) -> int:
        pid = pipeline_id(kernel, owner.org_id)
        sid = stage_id(kernel, owner.org_id, stage)
        with kernel.db.session() as db:
            opportunity = create_opportunity(db, actor_of(kernel, db, owner), {
                "name": name, "customer_id": customer_id, "pipeline_id": pid, "stage_id": sid, **values})
            db.flush()
            return opportunity.id

    return make


@pytest.fixture
def move(kernel: Kernel) -> Callable[..., None]:
    """``move(user, opportunity_id, stage_name, **options)`` through move_stage."""

    def move_(user: User, opportunity_id: int, stage: str, pipeline: str = STANDARD, **options: Any) -> None:
        sid = stage_id(kernel, user.org_id, stage, pipeline)
        with kernel.db.session() as db:
            move_stage(db, actor_of(kernel, db, user), opportunity_id, sid, **options)

    return move_


@pytest.fixture
def new_competitor(kernel: Kernel) -> Callable[..., int]:
    def make(org_id: int, name: str, threat_level: str = "medium") -> int:
        with kernel.db.session() as db:
            competitor = Competitor(org_id=org_id, name=name, threat_level=threat_level)
            db.add(competitor)
            db.flush()
            return competitor.id

    return make
