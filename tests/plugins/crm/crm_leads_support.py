"""Helpers of the leads, follow-up and care tests (imported by those modules)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.app import Kernel
from core.models import User
from plugins.crm.models import Lead, Pipeline, Stage
from plugins.crm.services import webforms
from tests.plugins.crm.conftest import actor_of


def make_webform(kernel: Kernel, admin: User, **values: Any) -> tuple[int, str]:
    """A web form made by ``admin`` (a director); returns (id, key)."""
    with kernel.db.session() as db:
        form = webforms.create_webform(db, actor_of(kernel, db, admin), {
            "name": "官网咨询", "title": "申请产品演示", "thanks": "提交成功，我们会在一个工作日内联系您。",
            "campaign": "2026春季展会", "assign_to_id": None, "rate_limit": 5, "active": True, **values})
        return form.id, form.key


def make_lead(kernel: Kernel, owner: User, **values: Any) -> int:
    from plugins.crm.services.leads import create_lead

    with kernel.db.session() as db:
        lead = create_lead(db, actor_of(kernel, db, owner), {"name": "王先生", "mobile": "13912345678", **values})
        return lead.id


def make_pipeline(kernel: Kernel, org_id: int) -> int:
    """A default pipeline with two open stages and won/lost; returns the first stage's id."""
    with kernel.db.session() as db:
        pipeline = Pipeline(org_id=org_id, name="标准产品销售", is_default=True)
        db.add(pipeline)
        db.flush()
        first = Stage(pipeline_id=pipeline.id, name="初步接洽", sequence=10, probability=10)
        db.add_all([first, Stage(pipeline_id=pipeline.id, name="方案报价", sequence=20, probability=40),
                    Stage(pipeline_id=pipeline.id, name="赢单", sequence=90, probability=100, kind="won"),
                    Stage(pipeline_id=pipeline.id, name="输单", sequence=99, probability=0, kind="lost")])
        db.flush()
        return first.id


def leads_of_form(kernel: Kernel, form_id: int) -> list[Lead]:
    with kernel.db.session(write=False) as db:
        return list(db.scalars(select(Lead).where(Lead.webform_id == form_id).order_by(Lead.id)))
