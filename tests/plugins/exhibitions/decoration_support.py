"""Helpers of the special-decoration tests: builders, a raw-space booth sold
to an exhibitor, the edition's rules, and drawings to upload."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from exhibitions_support import actor_of

from core.app import Kernel
from plugins.exhibitions.models import Builder, DecorationRule
from plugins.exhibitions.services import decoration


def store(kernel: Kernel) -> Any:
    from plugins.activity.storage import BlobStore

    return BlobStore.from_settings(kernel.settings)


def drawings(*names: str) -> list[tuple[str, Any]]:
    """Files to upload: a small PDF-like body per name."""
    return [(name, io.BytesIO(f"%PDF-1.4 {name}".encode())) for name in names or ("效果图.pdf",)]


def builder(kernel: Kernel, expo: dict[str, Any], name: str, **values: Any) -> int:
    with kernel.db.session() as db:
        made = Builder(org_id=expo["hq"].id, owner_id=expo["manager"].id, name=name, **values)
        db.add(made)
        db.flush()
        return int(made.id)


def rules(kernel: Kernel, expo: dict[str, Any], *, due: date | None = date(2027, 10, 17), late_fee: str = "2000",
          rate: str = "100", cap: str = "5000") -> None:
    with kernel.db.session() as db:
        db.add(DecorationRule(org_id=expo["hq"].id, owner_id=expo["manager"].id, edition_id=expo["edition"],
                              drawings_due_on=due, late_fee=Decimal(late_fee), deposit_rate=Decimal(rate),
                              deposit_cap=Decimal(cap)))


def call(kernel: Kernel, user: Any, fn: Any, *args: Any, **kw: Any) -> Any:
    """``fn(db, actor, *args)`` in a transaction of its own, as ``user``."""
    with kernel.db.session() as db:
        result = fn(db, actor_of(kernel, db, user), *args, **kw)
        db.flush()
        return result


def new_project(kernel: Kernel, user: Any, expo: dict[str, Any], booth_id: int, builder_id: int,
                **values: Any) -> int:
    made = call(kernel, user, decoration.create_project, {
        "edition_id": expo["edition"], "booth_id": booth_id, "builder_id": builder_id, "height": "4.5",
        **values})
    return int(made.id)
