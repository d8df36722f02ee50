"""Venues, their spaces and zones, and bookings of a space.

A booking holds a space from ``starts_on`` to ``ends_on`` (both included).
Two bookings of one space that are not released never share a day:
:func:`book` (and a change of a booking's days) locks the space's row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite runs one write transaction
at a time already) and only then looks for a clash, so of any number of
people booking the same days at once exactly one succeeds; the others get
a :class:`Clash` naming ``starts_on``, the clashing booking and its days.

A hold lapses after ``hold_until``: the job ``exhibitions.release_space_holds``
releases it and tells the booking's owner.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import N_, Actor, Forbidden, JobContext, NotFound, ValidationError, get_for, notify, scope, utcnow
from plugins.exhibitions.models import Edition, Space, SpaceBooking, Venue, Zone
from plugins.exhibitions.models.choices import BOOKING_PURPOSES

CHINA = ZoneInfo("Asia/Shanghai")
CLASH = N_("The space is booked already from {starts} to {ends}: {title}.")


def today() -> date:
    """Today in China."""
    return utcnow().astimezone(CHINA).date()


class Clash(ValidationError):
    """A booking that would share a day with another: names ``starts_on``;
    ``message`` is a message id, ``params`` fill it."""

    def __init__(self, other: SpaceBooking) -> None:
        self.message = CLASH
        self.params = {"title": other.title or f"#{other.id}", "starts": other.starts_on.isoformat(),
                       "ends": other.ends_on.isoformat()}
        super().__init__({"starts_on": CLASH, "space_id": N_("Choose another space, or other days.")})


def field_errors(errors: Mapping[str, str], exc: ValidationError, gettext: Any) -> dict[str, str]:
    """Translated field errors of ``exc`` (a clash with its parameters)."""
    params = exc.params if isinstance(exc, Clash) else {}
    return {name: gettext(message, **params) if name == "starts_on" and params else gettext(message)
            for name, message in errors.items()}


# ----------------------------------------------------------------- venues, spaces, zones


def create_venue(db: Session, actor: Actor, values: Mapping[str, Any]) -> Venue:
    """A venue of the actor's organisation."""
    _required(values, "name")
    venue = Venue(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id, **values)
    db.add(venue)
    return venue


def update_venue(db: Session, actor: Actor, venue: Venue, values: Mapping[str, Any]) -> None:
    if "name" in values:
        _required(values, "name")
    for key, value in values.items():
        setattr(venue, key, value)


def create_space(db: Session, actor: Actor, values: Mapping[str, Any]) -> Space:
    """A hall, meeting room or outdoor area of a venue the actor may see, in
    the actor's organisation; its code unique in the venue."""
    venue = _venue(db, actor, values.get("venue_id"))
    _required(values, "code", "name")
    _check_space(db, venue.id, str(values["code"]), None)
    _not_negative(values, "area", "capacity", "ceiling_height", "floor_load")
    space = Space(org_id=venue.org_id, **{**values, "venue_id": venue.id})
    db.add(space)
    return space


def update_space(db: Session, actor: Actor, space: Space, values: Mapping[str, Any]) -> None:
    if "venue_id" in values and values["venue_id"] != space.venue_id:
        space.venue_id = _venue(db, actor, values["venue_id"]).id
    _required(values, *(k for k in ("code", "name") if k in values))
    _check_space(db, space.venue_id, str(values.get("code", space.code)), space.id)
    _not_negative(values, "area", "capacity", "ceiling_height", "floor_load")
    for key, value in values.items():
        if key != "venue_id":
            setattr(space, key, value)


def create_zone(db: Session, actor: Actor, values: Mapping[str, Any]) -> Zone:
    """A zone of a hall the actor may see; its code unique in the hall."""
    space = _space(db, actor, values.get("space_id"))
    _required(values, "code", "name")
    _check_zone(db, space.id, str(values["code"]), None)
    zone = Zone(org_id=space.org_id, **{**values, "space_id": space.id})
    db.add(zone)
    return zone


def update_zone(db: Session, actor: Actor, zone: Zone, values: Mapping[str, Any]) -> None:
    if "space_id" in values and values["space_id"] != zone.space_id:
        zone.space_id = _space(db, actor, values["space_id"]).id
    _required(values, *(k for k in ("code", "name") if k in values))
    _check_zone(db, zone.space_id, str(values.get("code", zone.code)), zone.id)
    for key, value in values.items():
        if key != "space_id":
            setattr(zone, key, value)


def venue_spaces(db: Session, actor: Actor, venue_id: int) -> list[Space]:
    """The spaces of a venue the actor may read, halls first."""
    return list(db.scalars(select(Space).where(Space.venue_id == venue_id, scope(actor, Space))
                           .order_by(Space.kind != "hall", Space.sequence, Space.code)))


def space_zones(db: Session, actor: Actor, space_id: int) -> list[Zone]:
    return list(db.scalars(select(Zone).where(Zone.space_id == space_id, scope(actor, Zone))
                           .order_by(Zone.code)))


def _venue(db: Session, actor: Actor, venue_id: Any) -> Venue:
    if venue_id in (None, ""):
        raise ValidationError({"venue_id": N_("Choose the venue.")})
    try:
        venue = get_for(db, actor, Venue, venue_id)
    except (NotFound, Forbidden):
        raise ValidationError({"venue_id": N_("Choose a venue of your organisation.")}) from None
    if venue.org_id != actor.org_id:
        raise ValidationError({"venue_id": N_("Choose a venue of your organisation.")})
    return venue


def _space(db: Session, actor: Actor, space_id: Any, name: str = "space_id") -> Space:
    if space_id in (None, ""):
        raise ValidationError({name: N_("Choose the hall or space.")})
    try:
        space = get_for(db, actor, Space, space_id)
    except (NotFound, Forbidden):
        raise ValidationError({name: N_("Choose a hall or space of your organisation.")}) from None
    if space.org_id != actor.org_id:
        raise ValidationError({name: N_("Choose a hall or space of your organisation.")})
    return space


def _check_space(db: Session, venue_id: int, code: str, space_id: int | None) -> None:
    stmt = select(func.count(Space.id)).where(Space.venue_id == venue_id, Space.code == code.strip())
    if space_id is not None:
        stmt = stmt.where(Space.id != space_id)
    if db.scalar(stmt):
        raise ValidationError({"code": N_("The venue has a space of this code already.")})


def _check_zone(db: Session, space_id: int, code: str, zone_id: int | None) -> None:
    stmt = select(func.count(Zone.id)).where(Zone.space_id == space_id, Zone.code == code.strip())
    if zone_id is not None:
        stmt = stmt.where(Zone.id != zone_id)
    if db.scalar(stmt):
        raise ValidationError({"code": N_("The hall has a zone of this code already.")})


def _required(values: Mapping[str, Any], *names: str) -> None:
    missing = {n: N_("This field is required.") for n in names if not str(values.get(n) or "").strip()}
    if missing:
        raise ValidationError(missing)


def _not_negative(values: Mapping[str, Any], *names: str) -> None:
    bad = {n: N_("Enter a number of zero or more.") for n in names
           if values.get(n) is not None and values[n] < 0}
    if bad:
        raise ValidationError(bad)


# ----------------------------------------------------------------- bookings

BOOKABLE_STATES = ("hold", "confirmed")


def book(db: Session, actor: Actor, space_id: int, starts_on: date | None, ends_on: date | None, *,
         edition_id: int | None = None, purpose: str = "show", state: str = "hold",
         hold_until: date | None = None, title: str = "", note: str = "") -> SpaceBooking:
    """Book a space of the actor's organisation from ``starts_on`` to
    ``ends_on``: a hold (lapsing after ``hold_until``) or a confirmed
    booking. :class:`Clash` when a booking of the space that is not released
    shares a day with it; ValidationError naming any other bad field."""
    actor.require("exhibitions.space_booking.create")
    space = _space(db, actor, space_id)
    _check_days(starts_on, ends_on)
    assert starts_on is not None and ends_on is not None
    if purpose not in BOOKING_PURPOSES:
        raise ValidationError({"purpose": N_("Choose one of the offered values.")})
    if state not in BOOKABLE_STATES:
        raise ValidationError({"state": N_("A new booking is on hold or confirmed.")})
    if state == "hold" and hold_until is not None and hold_until < today():
        raise ValidationError({"hold_until": N_("A hold ends today or later.")})
    edition = _edition(db, actor, edition_id) if edition_id else None
    if not title.strip():
        title = edition.name if edition is not None else ""
    _lock_and_check(db, space.id, starts_on, ends_on, None)
    booking = SpaceBooking(org_id=space.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                           space_id=space.id, edition_id=edition.id if edition else None, purpose=purpose,
                           title=title.strip(), starts_on=starts_on, ends_on=ends_on, state=state,
                           hold_until=hold_until if state == "hold" else None, note=note)
    db.add(booking)
    db.flush()
    return booking


def create_booking(db: Session, actor: Actor, values: Mapping[str, Any]) -> SpaceBooking:
    """:func:`book` from the booking form's values."""
    return book(db, actor, values.get("space_id"), values.get("starts_on"), values.get("ends_on"),  # type: ignore[arg-type]
                edition_id=values.get("edition_id"), purpose=values.get("purpose") or "show",
                state=values.get("state") or "hold", hold_until=values.get("hold_until"),
                title=values.get("title") or "", note=values.get("note") or "")


def update_booking(db: Session, actor: Actor, booking: SpaceBooking, values: Mapping[str, Any]) -> None:
    """Change a booking; new days or another space are checked (and locked)
    as a new booking is. A released booking stays released."""
    if booking.state == "released":
        raise ValidationError({"state": N_("A released booking cannot be changed; book the space again.")})
    merged = {"space_id": booking.space_id, "starts_on": booking.starts_on, "ends_on": booking.ends_on,
              **values}
    space = _space(db, actor, merged["space_id"]) if merged["space_id"] != booking.space_id \
        else db.get(Space, booking.space_id)
    assert space is not None
    _check_days(merged["starts_on"], merged["ends_on"])
    if values.get("state") not in (None, *BOOKABLE_STATES):
        raise ValidationError({"state": N_("Release a booking with its button.")})
    if values.get("edition_id") not in (None, "", booking.edition_id):
        _edition(db, actor, values["edition_id"])
    _lock_and_check(db, space.id, merged["starts_on"], merged["ends_on"], booking.id)
    for key, value in values.items():
        setattr(booking, key, value)
    if booking.state != "hold":
        booking.hold_until = None
    db.flush()


def confirm(db: Session, actor: Actor, booking_id: int) -> SpaceBooking:
    """A hold becomes a confirmed booking."""
    booking = get_for(db, actor, SpaceBooking, booking_id, "update")
    if booking.state != "hold":
        raise ValidationError({"state": N_("Only a hold can be confirmed.")})
    booking.state, booking.hold_until = "confirmed", None
    db.flush()
    return booking


def release(db: Session, actor: Actor, booking_id: int) -> SpaceBooking:
    """A hold or a confirmed booking is released: its days are free again."""
    booking = get_for(db, actor, SpaceBooking, booking_id, "update")
    if booking.state == "released":
        raise ValidationError({"state": N_("The booking is released already.")})
    booking.state, booking.hold_until = "released", None
    db.flush()
    return booking


def book_edition(db: Session, actor: Actor, edition_id: int, space_ids: Sequence[int] | None = None, *,
                 state: str = "hold", hold_until: date | None = None) -> list[SpaceBooking]:
    """Book the halls of an edition (``space_ids``, default: every active
    hall of its venue) for its days in one go: move-in, show days and
    move-out, one booking each. All or nothing: a clash books none."""
    edition = get_for(db, actor, Edition, edition_id)
    if edition.venue_id is None:
        raise ValidationError({"venue_id": N_("Give the edition its venue first.")})
    periods = edition_periods(edition)
    if not periods:
        raise ValidationError({"opens_on": N_("Give the edition its dates first.")})
    if space_ids is None:
        halls = [s for s in venue_spaces(db, actor, edition.venue_id) if s.kind == "hall" and s.active]
    else:
        halls = [_space(db, actor, i) for i in space_ids]
        if any(h.venue_id != edition.venue_id for h in halls):
            raise ValidationError({"space_id": N_("Choose halls of the edition's venue.")})
    if not halls:
        raise ValidationError({"space_id": N_("The venue has no hall to book.")})
    made: list[SpaceBooking] = []
    with db.begin_nested():
        for hall in halls:
            for purpose, starts, ends in periods:
                made.append(book(db, actor, hall.id, starts, ends, edition_id=edition.id, purpose=purpose,
                                 state=state, hold_until=hold_until, title=edition.name))
    return made


def edition_periods(edition: Edition) -> list[tuple[str, date, date]]:
    """(purpose, first day, last day) of an edition's move-in, show days and
    move-out, those it has; empty without its open days."""
    if edition.opens_on is None or edition.closes_on is None:
        return []
    out: list[tuple[str, date, date]] = []
    if edition.move_in_on is not None and edition.move_in_on < edition.opens_on:
        out.append(("move_in", edition.move_in_on, edition.opens_on - timedelta(days=1)))
    out.append(("show", edition.opens_on, edition.closes_on))
    if edition.move_out_on is not None and edition.move_out_on > edition.closes_on:
        out.append(("move_out", edition.closes_on + timedelta(days=1), edition.move_out_on))
    return out


def edition_bookings(db: Session, actor: Actor, edition_id: int) -> list[SpaceBooking]:
    return list(db.scalars(select(SpaceBooking).where(SpaceBooking.edition_id == edition_id,
                                                      scope(actor, SpaceBooking))
                           .order_by(SpaceBooking.space_id, SpaceBooking.starts_on)))


def space_bookings(db: Session, actor: Actor, space_id: int, *, limit: int = 50) -> list[SpaceBooking]:
    return list(db.scalars(select(SpaceBooking).where(SpaceBooking.space_id == space_id,
                                                      SpaceBooking.state != "released",
                                                      scope(actor, SpaceBooking))
                           .order_by(SpaceBooking.starts_on.desc()).limit(limit)))


def _check_days(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is None:
        raise ValidationError({"starts_on": N_("Give the first day.")})
    if ends_on is None:
        raise ValidationError({"ends_on": N_("Give the last day.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": N_("The last day is on or after the first.")})


def _lock_and_check(db: Session, space_id: int, starts_on: date, ends_on: date, booking_id: int | None) -> None:
    """Lock the space's row (PostgreSQL; SQLite serialises writers), then
    refuse when a booking of it that is not released shares a day."""
    db.execute(select(Space.id).where(Space.id == space_id).with_for_update())
    stmt = select(SpaceBooking).where(SpaceBooking.space_id == space_id, SpaceBooking.state != "released",
                                      SpaceBooking.starts_on <= ends_on, SpaceBooking.ends_on >= starts_on)
    if booking_id is not None:
        stmt = stmt.where(SpaceBooking.id != booking_id)
    other = db.scalars(stmt.order_by(SpaceBooking.starts_on).limit(1)).first()
    if other is not None:
        raise Clash(other)


def _edition(db: Session, actor: Actor, edition_id: Any) -> Edition:
    try:
        edition = get_for(db, actor, Edition, edition_id)
    except (NotFound, Forbidden):
        raise ValidationError({"edition_id": N_("Choose an edition of your organisation.")}) from None
    if edition.org_id != actor.org_id:
        raise ValidationError({"edition_id": N_("Choose an edition of your organisation.")})
    return edition


# ----------------------------------------------------------------- lapsed holds


def release_space_holds(ctx: JobContext) -> None:
    """The job ``exhibitions.release_space_holds``: :func:`release_lapsed` now."""
    released = release_lapsed(ctx.session)
    if released:
        ctx.log(f"released {len(released)} lapsed space holds")


def release_lapsed(db: Session, on: date | None = None) -> list[int]:
    """Every hold past its ``hold_until`` is released and its owner told;
    the bookings' ids."""
    day = on or today()
    lapsed = list(db.scalars(select(SpaceBooking).where(SpaceBooking.state == "hold",
                                                        SpaceBooking.hold_until < day)
                             .order_by(SpaceBooking.id)))
    for booking in lapsed:
        booking.state = "released"
        db.flush()
        if booking.owner_id is not None:
            space = db.get(Space, booking.space_id)
            notify(db, user_ids=[booking.owner_id],
                   subject=N_("Your hold on {space} from {starts} lapsed"),
                   body=N_("The days are free again; book the space again if you still need it."),
                   params={"space": space.name if space else "", "starts": booking.starts_on.isoformat()},
                   record=("exhibitions.space_booking", booking.id),
                   link=f"/exhibitions/bookings/{booking.id}", category="reminder")
    return [b.id for b in lapsed]


# ----------------------------------------------------------------- the month calendar


@dataclass
class Bar:
    """A booking's bar in a row of the month: columns ``first``..``last`` (1-based)."""

    booking: SpaceBooking
    first: int
    last: int


@dataclass
class Row:
    space: Space
    bars: list[Bar] = field(default_factory=list)


@dataclass
class Month:
    venue: Venue | None
    venues: list[Venue]
    first: date
    days: list[date]
    rows: list[Row]
    today: date
    #: the fields the reader may not read in clear
    hidden_venue: set[str] = field(default_factory=set)
    hidden_space: set[str] = field(default_factory=set)
    hidden_booking: set[str] = field(default_factory=set)

    @property
    def previous(self) -> str:
        return (self.first - timedelta(days=1)).strftime("%Y-%m")

    @property
    def next(self) -> str:
        return (self.days[-1] + timedelta(days=1)).strftime("%Y-%m")


def month_of(text: str | None) -> date | None:
    """The first day of a month given as ``YYYY-MM``; None when unreadable."""
    if not text:
        return today().replace(day=1)
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


def month_calendar(db: Session, actor: Actor, venue_id: int | None, first: date) -> Month:
    """The month from ``first`` across a venue's spaces (the actor's first
    venue when none is named): rows of spaces, each with its bookings that
    are not released as bars."""
    venues = list(db.scalars(select(Venue).where(scope(actor, Venue)).order_by(Venue.id)))
    venue = next((v for v in venues if v.id == venue_id), None) if venue_id else (venues[0] if venues else None)
    if venue_id and venue is None:
        raise NotFound()
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    days = [first + timedelta(days=i) for i in range(last.day)]
    rows: list[Row] = []
    if venue is not None:
        rows = [Row(s) for s in venue_spaces(db, actor, venue.id) if s.active]
        by_space = {r.space.id: r for r in rows}
        if by_space:
            found = db.scalars(select(SpaceBooking).where(
                SpaceBooking.space_id.in_(by_space), SpaceBooking.state != "released",
                SpaceBooking.starts_on <= last, SpaceBooking.ends_on >= first, scope(actor, SpaceBooking))
                .order_by(SpaceBooking.starts_on))
            for b in found:
                by_space[b.space_id].bars.append(
                    Bar(b, max(b.starts_on, first).day, min(b.ends_on, last).day))
    return Month(venue, venues, first, days, rows, today(), *(
        set(actor.hidden_fields(m)) | set(actor.masked_fields(m)) for m in (Venue, Space, SpaceBooking)))
