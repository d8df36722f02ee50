"""The registration and badges parts' demo: the 25th edition's settings,
questions and gates, staff badges of the first exhibitors, and the 24th
edition's visitors at the gates (its dashboard has days, halls and hours)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.app import Kernel
from core.setup import load_demo
from plugins.exhibitions.models import (
    Admission,
    Edition,
    ExhibitorBadge,
    VisitorGate,
    VisitorQuestion,
    VisitorSetup,
)
from plugins.exhibitions.services import badges, visitor_counts
from plugins.exhibitions.services.registration import setup_of

PASSWORD = "demo-password-演示"


def test_the_demo_registers_visitors_and_badges(kernel: Kernel, client: Any) -> None:
    assert load_demo(kernel, PASSWORD)
    with kernel.db.session(write=False) as db:
        editions = {e.number: e for e in db.scalars(select(Edition))}
        current, past = editions[25], editions[24]
        setup = db.scalar(select(VisitorSetup).where(VisitorSetup.edition_id == current.id))
        assert setup is not None and setup.qualify_roles == ["decides", "recommends"]
        assert db.scalar(select(func.count()).select_from(VisitorQuestion)) == 3
        assert db.scalar(select(func.count()).select_from(VisitorGate).where(
            VisitorGate.edition_id == current.id)) == 4
        for customer, area in badges.exhibitors(db, current.id)[:2]:
            named = len(badges.badges_of(db, current.id, customer))
            assert named == min(6, badges.quota_of(setup_of(db, current), area)) and named > 0
        assert db.scalar(select(func.count()).select_from(ExhibitorBadge)) > 0
        assert db.scalar(select(func.count()).select_from(Admission).where(Admission.edition_id == past.id)) > 150
        from core.actors import load_actor
        from core.models import User

        boss = db.scalar(select(User).where(User.id == past.owner_id))
        actor = load_actor(db, boss, all_codes=set(kernel.registry.permissions))
        board = visitor_counts.dashboard(db, actor, past.id, past.opens_on)
    assert len(board.halls) == 2 and board.reentries > 0 and sum(board.by_hour.values()) == board.day_total > 50
