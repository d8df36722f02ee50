"""Document numbering: gap-free, unique sequences per document type, per
organisation and (by default) per year, e.g. ``HT-2026-000123``.

:func:`next_number` takes the number inside the transaction that creates the
document, with one atomic ``UPDATE … RETURNING``: a concurrent creator waits
for the row until this transaction ends, and a transaction that rolls back
gives its number back. No gaps, no duplicates.
"""

from __future__ import annotations

import string
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import ValidationError
from core.i18n import DEFAULT_TZ, N_
from core.models import Org, Sequence, SequencePattern
from core.registry import Registry, SequenceDecl

FIELDS = {"seq", "year", "yy", "month", "org"}
_SAMPLE = {"seq": 123, "year": 2026, "yy": 26, "month": 7, "org": "HQ"}


def check_pattern(pattern: str) -> str | None:
    """What is wrong with a pattern, or None. It must contain ``{seq}``."""
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
    except ValueError as exc:
        return f"pattern {pattern!r} is malformed ({exc})"
    unknown = names - FIELDS
    if unknown:
        return f"pattern {pattern!r} has unknown fields {sorted(unknown)}"
    if "seq" not in names:
        return f"pattern {pattern!r} has no {{seq}}"
    try:
        pattern.format(**_SAMPLE)
    except (ValueError, TypeError) as exc:
        return f"pattern {pattern!r} cannot be formatted ({exc})"
    if len(pattern.format(**_SAMPLE)) > 60:
        return f"pattern {pattern!r} makes numbers longer than 60 characters"
    return None


def pattern_for(db: Session, decl: SequenceDecl, org_id: int) -> str:
    custom = db.scalar(select(SequencePattern.pattern).where(
        SequencePattern.org_id == org_id, SequencePattern.key == decl.key))
    return custom or decl.pattern


def next_number(
    db: Session, registry: Registry, key: str, org_id: int, *, at: datetime | None = None
) -> str:
    """Take the next number of sequence ``key`` in ``org_id``, in ``db``'s transaction."""
    decl = registry.sequences[key]
    local = (at or utcnow()).astimezone(DEFAULT_TZ)
    period = local.year if decl.yearly else 0
    where = (Sequence.org_id == org_id, Sequence.key == key, Sequence.period == period)
    value = _take(db, where)
    if value is None:
        try:
            with db.begin_nested():  # the first number of a period: create the row
                db.add(Sequence(org_id=org_id, key=key, period=period, next_value=1))
        except IntegrityError:
            pass  # a concurrent transaction created it first; take from its row
        value = _take(db, where)
        assert value is not None, "the sequence row exists now"
    org_code = db.scalar(select(Org.code).where(Org.id == org_id)) or ""
    return pattern_for(db, decl, org_id).format(
        seq=value, year=local.year, yy=local.year % 100, month=local.month, org=org_code)


def _take(db: Session, where: tuple[object, ...]) -> int | None:
    taken = db.scalar(
        update(Sequence).where(*where).values(next_value=Sequence.next_value + 1)  # type: ignore[arg-type]
        .returning(Sequence.next_value)
        .execution_options(synchronize_session=False)
    )
    return None if taken is None else int(taken) - 1


def set_pattern(db: Session, registry: Registry, key: str, org_id: int, pattern: str) -> None:
    """An administrator's pattern for ``key`` in one organisation ("" restores the default)."""
    if key not in registry.sequences:
        raise ValidationError({"key": N_("Unknown sequence.")})
    row = db.scalar(select(SequencePattern).where(
        SequencePattern.org_id == org_id, SequencePattern.key == key))
    if not pattern.strip():
        if row is not None:
            db.delete(row)
        return
    if check_pattern(pattern.strip()):
        raise ValidationError({"pattern": N_(
            "Use {seq} once, optionally with {year}, {yy}, {month} and {org}, e.g. HT-{year}-{seq:06}.")})
    if row is None:
        db.add(SequencePattern(org_id=org_id, key=key, pattern=pattern.strip()))
    else:
        row.pattern = pattern.strip()
