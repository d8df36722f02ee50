"""Visitors and the gates: registering a visitor with a ticket code, and
admitting them at a gate by that code.

A scan (:func:`scan`) on an open day of the edition (``opens_on`` to
``closes_on``, in China's time) admits the visitor: the day's admission
row, one per visitor and day, is inserted; the unique (visitor, day)
decides when two gates scan one ticket at once, and the later scan counts
as coming back in. Coming back in the same day is allowed unless the
edition says otherwise (``Edition.reentry``), when it is refused. An
unknown code, a ticket of another edition, or a day the show is not open
is refused too; nothing is written for a refused scan. The gate's hall
(the edition's :class:`VisitorGate` of that name) is the admission's hall:
the day's first scan counts the visitor in that hall.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import N_, Actor, ValidationError, get_for, utcnow
from plugins.exhibitions.models import Admission, Edition, Visitor, VisitorGate
from plugins.exhibitions.models.choices import VISITOR_KINDS
from plugins.sales.services.documents import CHINA

#: a ticket code: 10 characters without the ones read wrongly off a badge (0/O, 1/I/L)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
FIELDS = ("name", "company", "title", "mobile", "email", "kind", "delegation", "qualified")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """A visitor's fields, checked: a name, a mobile or an e-mail to send the
    ticket to, a known kind. Every bad field named in one ValidationError."""
    data = {k: values[k] for k in FIELDS if k in values}
    for key in ("name", "company", "title", "mobile", "email", "delegation"):
        data[key] = str(data.get(key) or "").strip()
    errors: dict[str, str] = {}
    if not data["name"]:
        errors["name"] = N_("Give the visitor's name.")
    if not data["mobile"] and not data["email"]:
        errors["mobile"] = N_("Give a mobile number or an e-mail address to send the ticket to.")
    if data["email"] and ("@" not in data["email"] or " " in data["email"]):
        errors["email"] = N_("Enter a valid e-mail address.")
    data["kind"] = data.get("kind") or "visitor"
    if data["kind"] not in VISITOR_KINDS:
        errors["kind"] = N_("Choose the kind of visitor.")
    data["qualified"] = bool(data.get("qualified"))
    if errors:
        raise ValidationError(errors)
    return data


def register(db: Session, actor: Actor, values: Mapping[str, Any]) -> Visitor:
    """A visitor of an edition the actor may read, with a new ticket code
    (one no visitor has: a code drawn twice is drawn again)."""
    actor.require("exhibitions.visitor.create")
    edition = get_for(db, actor, Edition, values.get("edition_id"))
    data = clean(values)
    code = new_code()
    while db.scalar(select(Visitor.id).where(Visitor.code == code)) is not None:  # 31^10 codes: rare
        code = new_code()
    visitor = Visitor(org_id=edition.org_id, owner_id=actor.user_id, edition_id=edition.id, code=code,
                      ticket_token=secrets.token_urlsafe(24), **data)
    db.add(visitor)
    db.flush()
    return visitor


def update_visitor(db: Session, actor: Actor, visitor: Visitor, values: Mapping[str, Any]) -> None:
    get_for(db, actor, Visitor, visitor.id, "update")
    merged = {**{k: getattr(visitor, k) for k in FIELDS}, **{k: values[k] for k in FIELDS if k in values}}
    for key, value in clean(merged).items():
        setattr(visitor, key, value)


@dataclass(frozen=True)
class Scan:
    """What a scan did (``result``: a key of SCAN_RESULTS), the visitor when
    the code is known, and their scans that day."""

    result: str
    visitor: Visitor | None = None
    scans: int = 0

    @property
    def admitted(self) -> bool:
        return self.result in ("entered", "reentered")


def show_day(at: datetime) -> date:
    return at.astimezone(CHINA).date()


def scan(db: Session, actor: Actor, edition_id: int, code: str, *, gate: str = "",
         at: datetime | None = None) -> Scan:
    """Admit the visitor of ``code`` at ``gate`` (see the module's text)."""
    actor.require("exhibitions.visitor.admit")
    edition = get_for(db, actor, Edition, edition_id)
    moment = at or utcnow()
    day = show_day(moment)
    visitor = db.scalar(select(Visitor).where(Visitor.code == code.strip().upper(),
                                              Visitor.edition_id == edition.id))
    if visitor is None:
        return Scan("unknown")
    if edition.opens_on is None or not edition.opens_on <= day <= (edition.closes_on or edition.opens_on):
        return Scan("closed", visitor)
    hall = db.scalar(select(VisitorGate.space_id).where(
        VisitorGate.edition_id == edition.id, VisitorGate.name == gate.strip()[:40])) if gate else None
    try:
        with db.begin_nested():
            db.add(Admission(org_id=edition.org_id, edition_id=edition.id, visitor_id=visitor.id, day=day,
                             gate=gate[:40],
                             hall_id=hall, first_at=moment, last_at=moment, scans=1))
            db.flush()
        return Scan("entered", visitor, 1)
    except IntegrityError:
        pass  # in already today, by this gate or another one at the same moment
    if not edition.reentry:
        seen = db.scalar(select(Admission.scans).where(Admission.visitor_id == visitor.id,
                                                       Admission.day == day))
        return Scan("refused", visitor, int(seen or 0))
    scans = db.scalar(update(Admission).where(Admission.visitor_id == visitor.id, Admission.day == day)
                      .values(scans=Admission.scans + 1, last_at=moment).returning(Admission.scans))
    return Scan("reentered", visitor, int(scans or 0))


def day_counts(db: Session, actor: Actor, edition_id: int) -> list[tuple[date, int, int]]:
    """Per open day: visitors admitted and scans, from the admissions (one
    query; the edition read under the actor's scope)."""
    edition = get_for(db, actor, Edition, edition_id)
    return [(day, int(visitors), int(scans or 0)) for day, visitors, scans in db.execute(
        select(Admission.day, func.count(), func.sum(Admission.scans)).where(Admission.edition_id == edition.id)
        .group_by(Admission.day).order_by(Admission.day))]
