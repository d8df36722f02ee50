"""Rebooking for the next edition: offers, acceptance, expiry.

:func:`make_offers` gives each exhibitor of an edition N (each booth of N
sold or reserved to a customer, under the actor's scope) an offer for the
next edition of the series (number N+1): the booth of the same number
when N+1's plans have it and it is free (available, or already kept for
that exhibitor), else none, for staff to choose a better one
(:func:`choose_booth`). The offer is open in a priority window
(``valid_from`` to ``valid_until``); its deposit is N+1's
``deposit_percent`` of the booth's price. Running it again adds only the
offers still missing (one per booth of N: a unique key).

An offer holds nothing: the booth stays on sale until the exhibitor
accepts. :func:`accept` (in the window) makes the booth contract through
the contracts service (``contracts.contract_booths``), which reserves the
booth through the booth service with its version check: of two who take
the same booth at once, exactly one wins, the other gets a Conflict and
nothing of theirs is written. The deposit is due by that contract: its
payment terms name it, and its approval makes the deposit instalment
(receivable). A declined or expired offer (:func:`expire_offers`, the daily
job) changes no booth: it held none.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, JobContext, NotFound, ValidationError, get_for, scope, utcnow
from plugins.catalog.services.money import places_of, rounded
from plugins.exhibitions.models import Booth, Edition, RebookingOffer
from plugins.exhibitions.models.choices import OFFER_STATES
from plugins.sales.services.documents import today

HUNDRED = Decimal(100)
#: booths of N that get an offer
EXHIBITED = ("reserved", "sold")
NOT_OPEN = N_("This offer is {state}: it cannot be changed now.")
OUTSIDE_WINDOW = N_("The offer's priority window is {start} to {end}.")


def next_edition(db: Session, edition: Edition) -> Edition | None:
    """The next edition of the same series (number + 1), if there is one."""
    return db.scalar(select(Edition).where(Edition.series_id == edition.series_id,
                                           Edition.number == edition.number + 1, Edition.deleted_at.is_(None)))


def _date(raw: Any, name: str, errors: dict[str, str]) -> date | None:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw or "").strip())
    except ValueError:
        errors[name] = N_("Enter a date (YYYY-MM-DD).")
        return None


def window(values: Mapping[str, Any]) -> tuple[date, date]:
    """The priority window from a form, or a ValidationError naming the field."""
    errors: dict[str, str] = {}
    start = _date(values.get("valid_from"), "valid_from", errors)
    end = _date(values.get("valid_until"), "valid_until", errors)
    if start and end and end < start:
        errors["valid_until"] = N_("The window ends on or after the day it starts.")
    if errors or start is None or end is None:
        raise ValidationError(errors)
    return start, end


def deposit_of(db: Session, edition: Edition, booth: Booth | None) -> Decimal:
    if booth is None:
        return Decimal(0)
    amount = Decimal(booth.price or 0) * Decimal(edition.deposit_percent) / HUNDRED
    return rounded(amount, places_of(db, edition.currency_code))


def make_offers(db: Session, actor: Actor, edition_id: Any, values: Mapping[str, Any]) -> list[RebookingOffer]:
    """The missing offers of the edition's exhibitors for the next edition; the new ones."""
    edition = get_for(db, actor, Edition, edition_id)
    following = next_edition(db, edition)
    if following is None:
        raise ValidationError({"edition_id": N_("This series has no next edition yet: create it first.")})
    start, end = window(values)
    offered = set(db.scalars(select(RebookingOffer.from_booth_id).where(
        RebookingOffer.next_edition_id == following.id)))
    mine = list(db.scalars(select(Booth).where(
        Booth.edition_id == edition.id, Booth.status.in_(EXHIBITED), Booth.customer_id.is_not(None),
        scope(actor, Booth)).order_by(Booth.number)))
    there = {b.number: b for b in db.scalars(select(Booth).where(Booth.edition_id == following.id))}
    made = []
    for booth in mine:
        if booth.id in offered or booth.customer_id is None:
            continue
        same = there.get(booth.number)
        free = same is not None and (same.status == "available" or (
            same.status in ("held", "reserved") and same.customer_id == booth.customer_id))
        target = same if free else None
        offer = RebookingOffer(org_id=following.org_id, owner_id=actor.user_id, edition_id=edition.id,
                               next_edition_id=following.id, customer_id=booth.customer_id,
                               from_booth_id=booth.id, booth_id=target.id if target else None, valid_from=start,
                               valid_until=end, deposit=deposit_of(db, following, target), state="open")
        db.add(offer)
        made.append(offer)
    db.flush()
    return made


def _open(db: Session, actor: Actor, offer_id: Any, action: str = "update") -> RebookingOffer:
    offer = get_for(db, actor, RebookingOffer, offer_id, action)
    if offer.state != "open":
        raise Conflict(NOT_OPEN, state=OFFER_STATES[offer.state])
    return offer


def choose_booth(db: Session, actor: Actor, offer_id: Any, booth_id: Any) -> RebookingOffer:
    """Staff offer another (better) booth of the next edition: it must be available."""
    offer = _open(db, actor, offer_id)
    try:
        booth = get_for(db, actor, Booth, booth_id)
    except NotFound:
        raise ValidationError({"booth_id": N_("Choose a booth of the next edition.")}) from None
    if booth.edition_id != offer.next_edition_id:
        raise ValidationError({"booth_id": N_("Choose a booth of the next edition.")})
    if booth.status != "available":
        raise ValidationError({"booth_id": N_("Choose a booth that is available.")})
    following = db.get(Edition, offer.next_edition_id)
    assert following is not None
    offer.booth_id, offer.deposit = booth.id, deposit_of(db, following, booth)
    db.flush()
    return offer


def accept(db: Session, actor: Actor, offer_id: Any) -> RebookingOffer:
    """The exhibitor takes the offer: in the window, the booth is reserved
    for them and their booth contract drafted (the deposit due by it)."""
    from plugins.exhibitions.services import contracts

    offer = _open(db, actor, offer_id, "accept")
    day = today()
    if not offer.valid_from <= day <= offer.valid_until:
        raise Conflict(OUTSIDE_WINDOW, start=offer.valid_from.isoformat(), end=offer.valid_until.isoformat())
    if offer.booth_id is None:
        raise ValidationError({"booth_id": N_("Choose the booth to offer first.")})
    contract = contracts.contract_booths(db, actor, [offer.booth_id], offer.customer_id)
    offer.state, offer.decided_at, offer.contract_id = "accepted", utcnow(), contract.id
    db.flush()
    return offer


def decline(db: Session, actor: Actor, offer_id: Any, note: str = "") -> RebookingOffer:
    """The exhibitor does not come back (this time): nothing else changes."""
    offer = _open(db, actor, offer_id)
    offer.state, offer.decided_at = "declined", utcnow()
    offer.note = (note or "").strip()[:1000] or offer.note
    db.flush()
    return offer


def expire(db: Session, on: date | None = None) -> int:
    """Open offers whose window ended before ``on`` (today) expire; how many."""
    day = on or today()
    result = db.execute(update(RebookingOffer).where(RebookingOffer.state == "open",
                                                     RebookingOffer.valid_until < day)
                        .values(state="expired", decided_at=utcnow(), version=RebookingOffer.version + 1)
                        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def expire_offers(ctx: JobContext) -> None:
    """The job ``exhibitions.expire_rebooking_offers`` (daily)."""
    count = expire(ctx.session)
    if count:
        ctx.log(f"{count} rebooking offers expired")


def offers(db: Session, actor: Actor, edition_id: int) -> list[RebookingOffer]:
    """The offers made to the edition's exhibitors, under the actor's scope."""
    return list(db.scalars(select(RebookingOffer).where(RebookingOffer.edition_id == edition_id,
                                                        scope(actor, RebookingOffer))
                           .order_by(RebookingOffer.id)))


def rebooking_rate(db: Session, actor: Actor, edition_id: int) -> tuple[int, int]:
    """(offers accepted, offers decided or open) of the edition, in SQL."""
    from sqlalchemy import case, func

    row = db.execute(select(func.count(), func.coalesce(func.sum(case((RebookingOffer.state == "accepted", 1),
                                                                      else_=0)), 0))
                     .where(RebookingOffer.edition_id == edition_id, scope(actor, RebookingOffer))).one()
    return int(row[1]), int(row[0])
