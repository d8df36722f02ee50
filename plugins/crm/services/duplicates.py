"""The duplicate prompt of the customer form: who already has a customer
like the one being typed, through the dataio plugin's match keys.

What a salesperson learns about a customer they may not read is exactly
what :func:`plugins.dataio.duplicates.candidates` gives: that it exists,
under which rule, and its owner's name; the text shown is the value *they
typed* that matched (never the stored name of a similar one), and for an
unowned customer that it sits in a public pool, so they may claim it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import Actor
from plugins.crm.models import Customer, Pool
from plugins.dataio.duplicates import Candidate, candidates

#: the fields of the customer form the prompt compares
FIELDS = ("name", "uscc", "phone", "email")
#: at most this many candidates are shown
SHOWN = 5


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    #: what to call the record: its name when readable, else what the user typed
    label: str
    #: the pool it sits in (None: owned, or readable)
    pool: str | None

    @property
    def readable(self) -> bool:
        return self.candidate.readable


def customer_candidates(db: Session, actor: Actor, values: Mapping[str, Any], *,
                        exclude: int | None = None) -> list[Match]:
    typed = {f: str(values.get(f) or "").strip()[:200] for f in FIELDS}
    found = candidates(db, actor, Customer, {f: v for f, v in typed.items() if v}, exclude=exclude)[:SHOWN]
    unowned = [c.record_id for c in found if not c.readable and c.owner_id is None]
    pools: dict[int, str] = {}
    if unowned:
        stmt = (select(Customer.id, Pool.name).join(Pool, Pool.id == Customer.pool_id)
                .where(Customer.id.in_(unowned)))
        pools = {cid: name for cid, name in db.execute(stmt)}
    return [Match(c, c.title if c.readable else (typed[c.field] if c.exact else ""), pools.get(c.record_id))
            for c in found]
