"""Webhook events of records written many at once (core.create_many)."""

from __future__ import annotations

from sqlalchemy import select

from core import create_many
from core.models import User
from core.permissions import load_actor
from plugins.api.models import Delivery, Webhook


def test_records_created_many_at_once_are_posted_to_their_orgs_webhooks_only(kernel, make):
    from suanpan_notes.models import Note

    root = make.user(username="root")
    other = make.user(org=make.org("分公司"), username="other")
    with kernel.db.session() as db:
        db.add(Webhook(org_id=root.org_id, owner_id=root.id, name="ERP", url="http://10.1.2.3/hook",
                       secret="s3cret", events="notes.note.created", active=True))
    for user, titles in ((root, ["甲", "乙"]), (other, ["丙"])):
        with kernel.db.session() as db:
            actor = load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))
            db.info["actor"] = actor
            ids = create_many(db, actor, Note, [{"title": t} for t in titles])
    with kernel.db.session(write=False) as db:
        deliveries = list(db.scalars(select(Delivery).order_by(Delivery.id)))
    assert [(d.event, d.payload["record"]["title"]) for d in deliveries] == [
        ("notes.note.created", "甲"), ("notes.note.created", "乙")]
    assert ids[0] not in {d.payload["id"] for d in deliveries}
