"""A booth's status: hold, reserve, sell, vacate, block, unblock, move, and
the release of lapsed holds.

Every change goes through :func:`change` (or :func:`move`): the booth is
read under the actor's ``exhibitions.booth.sell`` scope, the move is checked
against its status, and the row is written at once with the ORM's version
check (``UPDATE … WHERE id = :id AND version = :seen``). Of two sellers who
read the same booth and both reserve it, the first write wins; the second
finds no row of that version (PostgreSQL re-reads it after the first
commits) and gets a :class:`~core.Conflict`. On SQLite the second does not
even get that far: its write transaction starts after the first one ends
(``BEGIN IMMEDIATE``), reads the booth reserved, and is refused by the
status check. Either way exactly one wins, and nothing of the loser is
written. The audit trail keeps every change (the model is audited).

The seller who holds, reserves or sells a booth becomes its owner
(``owner_id``): they are told when their hold lapses.

**The hook point "a booth came free".** Every status change reaches the
database through :func:`write_now` (:func:`change`, :func:`move`,
:func:`release_lapsed`, the contracts' release and termination): it is the
one place that sees a booth move from held, reserved, sold or blocked to
``available``. After the flush it hands those booths to :func:`freed`,
which offers each to the waitlist
(:func:`plugins.exhibitions.services.waitlist.offer_freed`) in the same
transaction: the release and the offer commit or roll back together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core import N_, Actor, Conflict, Forbidden, JobContext, NotFound, ValidationError, get_for, notify, utcnow
from plugins.crm.models import Customer
from plugins.exhibitions.models import Booth, Edition
from plugins.exhibitions.models.choices import BOOTH_STATES

#: action -> (the statuses it moves a booth from, the status it moves it to)
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "hold": (("available",), "held"),
    "reserve": (("available", "held"), "reserved"),
    "sell": (("available", "held", "reserved"), "sold"),
    "vacate": (("held", "reserved", "sold"), "available"),
    "block": (("available",), "blocked"),
    "unblock": (("blocked",), "available"),
}
#: the statuses an exhibitor is moved from to another booth (:func:`move`)
MOVABLE = ("held", "reserved", "sold")
#: the actions that name an exhibitor
WITH_CUSTOMER = frozenset({"hold", "reserve", "sell"})
TAKEN = N_("Booth {number} was changed by someone else meanwhile. Reload the plan and choose again.")
WRONG_STATUS = N_("Booth {number} is {status}: that cannot be done to it now.")
OTHER_CUSTOMER = N_("Booth {number} is kept for another exhibitor.")


@dataclass(frozen=True)
class Changed:
    booth: Booth
    before: str


def change(db: Session, actor: Actor, booth_id: int, action: str, *, customer_id: int | None = None,
           until: datetime | None = None, contract_id: int | None = None,
           version: int | None = None) -> Changed:
    """Apply ``action`` (a key of :data:`MOVES`) to a booth the actor may
    sell: 404 outside their scope; :class:`~core.Conflict` when its status
    does not allow it, when it is kept for another exhibitor, or when
    ``version`` (what the seller saw) is stale or someone wrote it first;
    :class:`~core.ValidationError` for a missing or unreadable exhibitor.
    ``until``: the end of a hold (default: the edition's ``hold_days``)."""
    if action not in MOVES:
        raise ValidationError({"action": N_("Choose one of the offered values.")})
    booth = get_for(db, actor, Booth, booth_id, "sell")
    if version is not None and booth.version != version:
        raise Conflict(TAKEN, number=booth.number)
    froms, to = MOVES[action]
    if booth.status not in froms:
        raise Conflict(WRONG_STATUS, number=booth.number, status=BOOTH_STATES[booth.status])
    before = booth.status
    if action in WITH_CUSTOMER:
        customer = exhibitor_id(db, actor, customer_id)
        if booth.customer_id is not None and booth.customer_id != customer:
            raise Conflict(OTHER_CUSTOMER, number=booth.number)
        # read before the booth changes: a query then would flush it early, outside write_now
        held_until = hold_end(db, booth, until) if action == "hold" else None
        booth.customer_id = customer
        booth.owner_id = actor.user_id
        booth.held_until = held_until
        if action == "sell":
            booth.contract_id = contract_id if contract_id is not None else booth.contract_id
    else:
        booth.customer_id = None
        booth.held_until = None
        booth.contract_id = None
    booth.status = to
    write_now(db, booth)
    return Changed(booth, before)


def move(db: Session, actor: Actor, booth_id: int, to_booth_id: int) -> Booth:
    """Move an exhibitor from one booth to an available one of the same
    edition, with its status, contract and hold; the old booth is free."""
    source = get_for(db, actor, Booth, booth_id, "sell")
    target = get_for(db, actor, Booth, to_booth_id, "sell")
    if source.status not in MOVABLE:
        raise Conflict(WRONG_STATUS, number=source.number, status=BOOTH_STATES[source.status])
    if target.status != "available":
        raise Conflict(WRONG_STATUS, number=target.number, status=BOOTH_STATES[target.status])
    if target.edition_id != source.edition_id:
        raise ValidationError({"to_booth_id": N_("Choose a booth of the same edition.")})
    for name in ("status", "customer_id", "contract_id", "held_until", "owner_id"):
        setattr(target, name, getattr(source, name))
    source.status, source.customer_id, source.contract_id, source.held_until = "available", None, None, None
    write_now(db, target, source)
    return target


def release_lapsed_holds(ctx: JobContext) -> None:
    """The job ``exhibitions.release_holds``: :func:`release_lapsed` now."""
    released = release_lapsed(ctx.session)
    if released:
        ctx.log(f"released {len(released)} lapsed holds")


def release_lapsed(db: Session) -> list[int]:
    """Every hold past its end becomes available again, and its seller is
    told; the booths' ids."""
    now = utcnow()
    lapsed = list(db.scalars(select(Booth).where(Booth.status == "held", Booth.held_until < now)
                             .order_by(Booth.id)))
    sellers = {b.id: b.owner_id for b in lapsed}
    for booth in lapsed:
        booth.status, booth.customer_id, booth.held_until = "available", None, None
    if lapsed:
        write_now(db, *lapsed)
    for booth in lapsed:
        seller = sellers[booth.id]
        if seller is not None:
            notify(db, user_ids=[seller], subject=N_("Your hold on booth {number} lapsed"),
                   body=N_("The booth is available again; hold it again if the exhibitor still wants it."),
                   params={"number": booth.number}, record=("exhibitions.booth", booth.id),
                   link=f"/exhibitions/booths/{booth.id}", category="reminder")
    return [b.id for b in lapsed]


def exhibitor_id(db: Session, actor: Actor, customer_id: int | None) -> int:
    """``customer_id`` when it names a customer the actor may read, else a
    ValidationError on ``customer_id`` (what every sale of a booth checks)."""
    if customer_id is None:
        raise ValidationError({"customer_id": N_("Choose the exhibitor.")})
    try:
        return get_for(db, actor, Customer, customer_id).id
    except (NotFound, Forbidden):  # the seller may not see that customer
        raise ValidationError({"customer_id": N_("Choose an exhibitor among the customers you may see.")}) \
            from None


def hold_end(db: Session, booth: Booth, until: datetime | None) -> datetime:
    """The end of a hold: ``until`` (in the future), else the edition's ``hold_days`` from now."""
    if until is not None:
        if until <= utcnow():
            raise ValidationError({"until": N_("A hold ends in the future.")})
        return until
    days = db.scalar(select(Edition.hold_days).where(Edition.id == booth.edition_id)) or 7
    return utcnow() + timedelta(days=int(days))


def write_now(db: Session, *booths: Booth) -> None:
    """Flush now: the version check decides the race here, not at commit.
    The number is read first: after a failed flush the session may not load
    an expired attribute any more (PostgreSQL). Booths this write makes
    available again go to :func:`freed` (the hook point above)."""
    number = booths[0].number
    came_free = [(b, _left(b)) for b in booths if _comes_free(b)]
    try:
        db.flush()
    except StaleDataError:
        raise Conflict(TAKEN, number=number) from None
    if came_free:
        freed(db, came_free)


def _comes_free(booth: Booth) -> bool:
    """Whether the pending write moves the booth from another status to available."""
    history = inspect(booth).attrs.status.history
    return booth.status == "available" and any(s != "available" for s in history.deleted or ())


def _left(booth: Booth) -> int | None:
    """The exhibitor the pending write takes the booth from."""
    gone = [c for c in inspect(booth).attrs.customer_id.history.deleted or () if c is not None]
    return int(gone[0]) if gone else None


def freed(db: Session, booths: list[tuple[Booth, int | None]]) -> None:
    """The hook point: ``booths`` (each with the exhibitor who left it, or
    None) just became available in this transaction. Each is offered to the
    first exhibitor waiting for its kind and size, other than the one who
    left it; idempotent (a booth no longer available, or nobody waiting,
    changes nothing)."""
    from plugins.exhibitions.services import waitlist  # waitlist imports this module

    for booth, left in booths:
        waitlist.offer_freed(db, booth, skip_customer=left)
