"""Factories for the search tests: notes (the example plugin's, declared
through ``register_search``) and a reader's view of the index."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.app import Kernel
from core.models import User
from core.permissions import load_actor
from plugins.search.query import search


@pytest.fixture
def note(kernel: Kernel, make: Any) -> Any:
    """``note(title, body="", org=None)``: a note committed at once; its id."""
    from suanpan_notes.models import Note

    def make_note(title: str, body: str = "", *, org: Any = None) -> int:
        org = org or make.hq()
        with kernel.db.session() as db:
            record = Note(org_id=org.id, title=title, body=body)
            db.add(record)
            db.flush()
            return record.id

    return make_note


@pytest.fixture
def find(kernel: Kernel) -> Any:
    """``find(user, q)``: {model key: [titles]} of what ``user`` finds."""

    def find_(user: User, q: str, **kw: Any) -> dict[str, list[str]]:
        with kernel.db.session(write=False) as db:
            fresh = db.scalar(select(User).where(User.id == user.id))
            assert fresh is not None
            actor = load_actor(db, fresh, all_codes=set(kernel.registry.permissions))
            groups = search(db, kernel.registry, actor, q, **kw)
            return {g.model: [h.title for h in g.hits] for g in groups}

    return find_
