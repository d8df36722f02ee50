"""The waitlist of an edition: exhibitors waiting for a kind of booth
(construction, and booth type when they name one) that is sold out.

The list is ordered by the exhibitors' priority points
(:mod:`plugins.exhibitions.services.points`), then by the day they were put
on it. When a booth of that kind is available again, :func:`offer_next`
offers it to the first waiting exhibitor: the booth is held for them
(:func:`plugins.exhibitions.services.booths.change`, "hold"), the entry
moves to ``offered`` with the booth, and the seller who put them on the
list (and the customer's owner) is told. The waitlist page has a button for
it. A booth that comes free (a hold lapsed, a booth vacated, unblocked or
released, a booth contract terminated) is offered automatically:
:func:`plugins.exhibitions.services.booths.write_now` hands it to
:func:`offer_freed` in the releasing transaction.

An exhibitor is offered a booth of their kind and size (:func:`fits`): its
construction, its booth type unless they take any, and at least the m²
they want but no more than :data:`SIZE_SLACK` times it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, ValidationError, get_for, notify, scope
from plugins.crm.models import Customer
from plugins.exhibitions.models import Application, Booth, Edition, WaitlistEntry
from plugins.exhibitions.models.choices import BOOTH_STATES, BOOTH_TYPES, CONSTRUCTIONS, WAITLIST_STATES
from plugins.exhibitions.services import booths as booth_services
from plugins.exhibitions.services import points as point_services

#: an exhibitor is offered booths of up to this many times the m² they want
SIZE_SLACK = Decimal(2)


@dataclass(frozen=True)
class Placed:
    """An entry with its rank among the waiting, and its points."""

    entry: WaitlistEntry
    rank: int | None
    points: point_services.Points


def available_of_kind(db: Session, edition_id: int, construction: str, booth_type: str = "") -> int:
    """How many booths of the kind are available in the edition."""
    query = select(Booth.id).where(Booth.edition_id == edition_id, Booth.status == "available",
                                   Booth.construction == construction)
    if booth_type:
        query = query.where(Booth.booth_type == booth_type)
    return len(db.scalars(query).all())


def add(db: Session, actor: Actor, edition_id: int, values: dict[str, Any]) -> WaitlistEntry:
    """Put an exhibitor (a customer the actor may read) on the edition's
    waitlist for a kind of booth; refused while one of that kind is
    available (sell it instead) and when they already wait for it."""
    actor.require("exhibitions.waitlist_entry.create")
    edition = get_for(db, actor, Edition, edition_id, "read")
    errors: dict[str, str] = {}
    try:
        cid = int(str(values.get("customer_id") or ""))
    except ValueError:
        cid = 0
    if not cid or db.scalar(select(Customer.id).where(Customer.id == cid, Customer.org_id == edition.org_id,
                                                      scope(actor, Customer, "read"))) is None:
        errors["customer_id"] = N_("Choose an exhibitor among the customers you may see.")
    construction = str(values.get("construction") or "shell")
    if construction not in CONSTRUCTIONS:
        errors["construction"] = N_("Choose one of the offered values.")
    booth_type = str(values.get("booth_type") or "")
    if booth_type and booth_type not in BOOTH_TYPES:
        errors["booth_type"] = N_("Choose one of the offered values.")
    try:
        area = Decimal(str(values.get("area_wanted") or "9").strip())
        if not area.is_finite() or area <= 0 or area > Decimal("100000"):
            raise InvalidOperation
    except InvalidOperation:
        errors["area_wanted"] = N_("Give the area in m², a number above 0.")
        area = Decimal(0)
    note = str(values.get("note") or "").strip()
    if len(note) > 2000:
        errors["note"] = N_("This is too long.")
    if errors:
        raise ValidationError(errors)
    if available_of_kind(db, edition.id, construction, booth_type):
        raise ValidationError({"construction": N_("Booths of this kind are still available: sell one "
                                                  "instead.")})
    if db.scalar(select(WaitlistEntry.id).where(
            WaitlistEntry.edition_id == edition.id, WaitlistEntry.customer_id == cid,
            WaitlistEntry.construction == construction, WaitlistEntry.booth_type == booth_type,
            WaitlistEntry.state.in_(("waiting", "offered")))) is not None:
        raise ValidationError({"customer_id": N_("This exhibitor is on the waitlist for this kind already.")})
    entry = WaitlistEntry(org_id=edition.org_id, owner_id=actor.user_id, edition_id=edition.id, customer_id=cid,
                          construction=construction, booth_type=booth_type,
                          area_wanted=area.quantize(Decimal("0.01")), state="waiting", note=note)
    db.add(entry)
    db.flush()
    return entry


def add_from_application(db: Session, actor: Actor, application_id: int) -> WaitlistEntry:
    """The application's exhibitor on the waitlist for the kind they asked for."""
    application = get_for(db, actor, Application, application_id, "read")
    if application.customer_id is None:
        raise ValidationError({"customer_id": N_("Link the application to a customer first.")})
    return add(db, actor, application.edition_id, {
        "customer_id": application.customer_id, "construction": application.construction,
        "booth_type": application.booth_type, "area_wanted": application.area_wanted,
        "note": application.company})


def ordered(db: Session, actor: Actor, edition_id: int, *, states: tuple[str, ...] = ("waiting",),
            construction: str = "", booth_type: str | None = None) -> list[Placed]:
    """The entries the reader may see, waiting ones by priority points (most
    first), then by the day they were put on the list, then id; the rank
    counts every waiting entry of the same kind."""
    edition = get_for(db, actor, Edition, edition_id, "read")
    query = select(WaitlistEntry).where(WaitlistEntry.edition_id == edition.id,
                                        WaitlistEntry.state.in_(states))
    if construction:
        query = query.where(WaitlistEntry.construction == construction)
    if booth_type is not None:
        query = query.where(WaitlistEntry.booth_type.in_((booth_type, "")))
    entries = list(db.scalars(query))
    scores = point_services.points_of(db, edition, sorted({e.customer_id for e in entries}))
    entries.sort(key=lambda e: (e.state != "waiting", -scores[e.customer_id].total, e.created_at, e.id))
    visible = set(db.scalars(select(WaitlistEntry.id).where(
        WaitlistEntry.id.in_([e.id for e in entries]), scope(actor, WaitlistEntry, "read")))) \
        if entries else set()
    ranks: dict[int, int] = {}
    by_kind: dict[tuple[str, str], int] = {}
    for e in entries:
        if e.state == "waiting":
            kind = (e.construction, e.booth_type)
            by_kind[kind] = by_kind.get(kind, 0) + 1
            ranks[e.id] = by_kind[kind]
    return [Placed(e, ranks.get(e.id), scores[e.customer_id]) for e in entries if e.id in visible]


def fits(entry: WaitlistEntry, booth: Booth) -> bool:
    """Whether the booth is of the kind and size the entry waits for."""
    return (entry.construction == booth.construction and entry.booth_type in ("", booth.booth_type)
            and entry.area_wanted <= booth.area <= entry.area_wanted * SIZE_SLACK)


def offer_next(db: Session, actor: Actor, booth: Booth | int) -> WaitlistEntry | None:
    """Offer an available booth to the first waiting exhibitor of its kind
    and size (:func:`fits`): the booth is held for them, the entry becomes
    ``offered``, its seller and the customer's owner are told. None when
    nobody waits for it. The actor needs ``exhibitions.booth.sell`` on the
    booth and to see the exhibitor."""
    booth_id = booth if isinstance(booth, int) else booth.id
    row = get_for(db, actor, Booth, booth_id, "sell")
    if row.status != "available":
        raise Conflict(booth_services.WRONG_STATUS, number=row.number,
                       status=BOOTH_STATES[row.status])
    waiting = [e for e in ordered_all(db, row.edition_id) if fits(e, row)]
    if not waiting:
        return None
    entry = waiting[0]
    booth_services.change(db, actor, row.id, "hold", customer_id=entry.customer_id)
    return _offered(db, entry, row, actor.user_id)


def offer_freed(db: Session, booth: Booth, *, skip_customer: int | None = None) -> WaitlistEntry | None:
    """A booth just came free (:func:`plugins.exhibitions.services.booths.freed`):
    hold it for the first exhibitor waiting for its kind and size, other
    than ``skip_customer`` (who just left it), for the edition's
    ``hold_days``. The organisation's waitlist decides, not the releasing
    user's scope (a lapsed hold has no user at all): this is the one place
    a booth is held without a seller's ``sell`` right, only for the first
    waiting entry, and the change is in the booth's audit trail. The
    booth's owner becomes the seller who put the exhibitor on the list (they
    are told when the hold lapses). None, changing nothing, when the booth
    is not available or nobody waits for it."""
    if booth.status != "available":
        return None
    waiting = [e for e in ordered_all(db, booth.edition_id)
               if fits(e, booth) and e.customer_id != skip_customer]
    if not waiting:
        return None
    entry = waiting[0]
    held_until = booth_services.hold_end(db, booth, None)  # read before the booth changes
    booth.status, booth.customer_id, booth.owner_id, booth.held_until = (
        "held", entry.customer_id, entry.owner_id, held_until)
    booth_services.write_now(db, booth)
    return _offered(db, entry, booth, None)


def _offered(db: Session, entry: WaitlistEntry, booth: Booth, actor_id: int | None) -> WaitlistEntry:
    """The entry is ``offered`` the booth (held for them); its seller and the customer's owner are told."""
    entry.state, entry.booth_id = "offered", booth.id
    db.flush()
    owner = db.scalar(select(Customer.owner_id).where(Customer.id == entry.customer_id))
    notify(db, user_ids=sorted({u for u in (entry.owner_id, owner) if u}), actor_id=actor_id,
           subject=N_("Booth {number} is held for a waiting exhibitor"),
           body=N_("The booth came free and is held for the first exhibitor on the waitlist: offer it to them "
                   "before the hold lapses."),
           params={"number": booth.number}, link=f"/exhibitions/waitlist/{entry.id}", category="system",
           record=("exhibitions.waitlist_entry", entry.id))
    return entry


def ordered_all(db: Session, edition_id: int) -> list[WaitlistEntry]:
    """Every waiting entry of the edition in offering order (no reader's scope:
    the order is the organisation's)."""
    edition = db.get(Edition, edition_id)
    if edition is None:
        return []
    entries = list(db.scalars(select(WaitlistEntry).where(WaitlistEntry.edition_id == edition_id,
                                                          WaitlistEntry.state == "waiting")))
    scores = point_services.points_of(db, edition, sorted({e.customer_id for e in entries}))
    entries.sort(key=lambda e: (-scores[e.customer_id].total, e.created_at, e.id))
    return entries


def offer_available(db: Session, actor: Actor, edition_id: int) -> list[WaitlistEntry]:
    """The waitlist page's button: each available booth of the edition the
    actor may sell is offered to the first exhibitor waiting for its kind."""
    edition = get_for(db, actor, Edition, edition_id, "read")
    offered: list[WaitlistEntry] = []
    free = list(db.scalars(select(Booth).where(Booth.edition_id == edition.id, Booth.status == "available",
                                               scope(actor, Booth, "sell")).order_by(Booth.number)))
    for booth in free:
        if not ordered_all(db, edition.id):
            break
        entry = offer_next(db, actor, booth)
        if entry is not None:
            offered.append(entry)
    return offered


def set_state(db: Session, actor: Actor, entry_id: int, state: str) -> WaitlistEntry:
    """Mark an entry placed (the exhibitor took the booth) or dropped."""
    entry = get_for(db, actor, WaitlistEntry, entry_id, "update")
    if state not in ("placed", "dropped") or state not in WAITLIST_STATES:
        raise ValidationError({"state": N_("Choose one of the offered values.")})
    if entry.state not in ("waiting", "offered") or (state == "placed" and entry.state != "offered"):
        raise Conflict(N_("This waitlist entry cannot be changed so now."))
    entry.state = state
    db.flush()
    return entry
