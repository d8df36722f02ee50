"""Tags of an organisation's customers: made on the fly from names typed on
the customer form or in an import, shown as coloured chips, filtered by,
put on and taken off many customers at once."""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from core import N_, ValidationError
from plugins.crm.models import Customer, CustomerTag, Tag

#: Tabler colours a new tag gets, by its name
COLOURS = ("blue", "azure", "indigo", "purple", "pink", "red", "orange", "yellow", "lime", "green", "teal",
           "cyan")
_SEPARATORS = re.compile(r"[,，、;；|\n]+")
#: the most tags one customer carries
MAX_TAGS = 20


def parse(raw: Any) -> list[str]:
    """Tag names from what a form or a file gives: a list, or text separated
    by commas (also ``，``, ``、``, ``;``, ``|``), trimmed, without repeats."""
    if raw is None:
        return []
    parts = raw if isinstance(raw, list) else _SEPARATORS.split(str(raw))
    names: list[str] = []
    for part in parts:
        name = str(part).strip()[:40]
        if name and name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise ValidationError({"tags": N_("At most 20 tags per customer.")})
    return names


def colour_of(name: str) -> str:
    return COLOURS[zlib.crc32(name.encode()) % len(COLOURS)]


def org_tags(db: Session, org_id: int) -> list[Tag]:
    return list(db.scalars(select(Tag).where(Tag.org_id == org_id).order_by(Tag.name)))


def ensure(db: Session, org_id: int, names: Iterable[str]) -> list[Tag]:
    """The organisation's tags of these names, made when missing, in order."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    found = {t.name: t for t in db.scalars(select(Tag).where(Tag.org_id == org_id, Tag.name.in_(wanted)))}
    for name in wanted:
        if name not in found:
            found[name] = tag = Tag(org_id=org_id, name=name, color=colour_of(name))
            db.add(tag)
    db.flush()
    return [found[name] for name in wanted]


def set_tags(db: Session, customer: Customer, names: Sequence[str]) -> None:
    """The customer carries exactly the tags ``names``."""
    tags = ensure(db, customer.org_id, names)
    db.execute(delete(CustomerTag).where(CustomerTag.customer_id == customer.id))
    if tags:
        db.execute(insert(CustomerTag), [{"customer_id": customer.id, "tag_id": t.id} for t in tags])


def tag_rows(db: Session, org_id: int, tagged: Sequence[tuple[int, list[str]]]) -> None:
    """New customers (``(id, names)``) get their tags (an import, demo data)."""
    tags = {t.name: t.id for t in ensure(db, org_id, [n for _, names in tagged for n in names])}
    rows = [{"customer_id": cid, "tag_id": tags[n]} for cid, names in tagged for n in names]
    for start in range(0, len(rows), 5000):
        db.execute(insert(CustomerTag), rows[start:start + 5000])


def tag_many(db: Session, org_id: int, customer_ids: Sequence[int], tag_ids: Sequence[int]) -> int:
    """Put the tags on the customers (those already carried are kept);
    returns how many tags were added."""
    valid = set(db.scalars(select(Tag.id).where(Tag.org_id == org_id, Tag.id.in_(tag_ids))))
    if len(valid) != len(set(tag_ids)):
        raise ValidationError({"tag_ids": N_("Choose tags of your organisation.")})
    have = set(db.execute(select(CustomerTag.customer_id, CustomerTag.tag_id).where(
        CustomerTag.customer_id.in_(customer_ids), CustomerTag.tag_id.in_(valid))))
    rows = [{"customer_id": c, "tag_id": t} for c in customer_ids for t in sorted(valid) if (c, t) not in have]
    if rows:
        db.execute(insert(CustomerTag), rows)
    return len(rows)


def untag_many(db: Session, customer_ids: Sequence[int], tag_ids: Sequence[int]) -> int:
    result = db.execute(delete(CustomerTag).where(CustomerTag.customer_id.in_(customer_ids),
                                                  CustomerTag.tag_id.in_(tag_ids)))
    return int(getattr(result, "rowcount", 0) or 0)


def tags_of(db: Session, customer_ids: Iterable[int]) -> dict[int, list[Tag]]:
    """Each customer's tags by name, in one query."""
    ids = list(set(customer_ids))
    out: dict[int, list[Tag]] = defaultdict(list)
    if not ids:
        return out
    stmt = (select(CustomerTag.customer_id, Tag).join(Tag, Tag.id == CustomerTag.tag_id)
            .where(CustomerTag.customer_id.in_(ids)).order_by(Tag.name))
    for customer_id, tag in db.execute(stmt):
        out[customer_id].append(tag)
    return out
