"""Show series and their editions: the checks of an edition (its phases in
order, its number unique in the series, a series and venue of the actor's
organisation) and the next edition made from one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import N_, Actor, Forbidden, NotFound, ValidationError, get_for
from plugins.exhibitions.models import Edition, ShowSeries, Venue

#: the phases in the order they must come
PHASES = ("move_in_on", "opens_on", "closes_on", "move_out_on")
CN_DIGITS = "零一二三四五六七八九"


def create_series(db: Session, actor: Actor, values: Mapping[str, Any]) -> ShowSeries:
    if not str(values.get("name") or "").strip():
        raise ValidationError({"name": N_("This field is required.")})
    series = ShowSeries(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                        **values)
    db.add(series)
    return series


def update_series(db: Session, actor: Actor, series: ShowSeries, values: Mapping[str, Any]) -> None:
    if "name" in values and not str(values["name"] or "").strip():
        raise ValidationError({"name": N_("This field is required.")})
    for key, value in values.items():
        setattr(series, key, value)


def create_edition(db: Session, actor: Actor, values: Mapping[str, Any]) -> Edition:
    """An edition of a series of the actor's organisation; without a
    number, the series' next one."""
    series = _series(db, actor, values.get("series_id"))
    merged = dict(values)
    if merged.get("number") is None:  # left empty: the series' next number
        merged["number"] = (db.scalar(select(func.max(Edition.number)).where(Edition.series_id == series.id))
                            or 0) + 1
    _check(db, actor, series.id, merged, None)
    edition = Edition(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id,
                      **{**merged, "series_id": series.id})
    db.add(edition)
    return edition


def update_edition(db: Session, actor: Actor, edition: Edition, values: Mapping[str, Any]) -> None:
    series_id = edition.series_id
    if "series_id" in values and values["series_id"] != edition.series_id:
        series_id = _series(db, actor, values["series_id"]).id
    merged = {**{n: getattr(edition, n) for n in (*PHASES, "number", "venue_id", "name")}, **values}
    _check(db, actor, series_id, merged, edition.id)
    for key, value in values.items():
        setattr(edition, key, value)


def next_edition(db: Session, actor: Actor, edition_id: int) -> Edition:
    """Edition N+1 made from this one: its dates one year later, the same
    venue, hours, organisers, targets and selling terms; ``previous_id`` is
    this one. Refused (naming ``number``) when the series has it already."""
    actor.require("exhibitions.edition.create")
    old = get_for(db, actor, Edition, edition_id)
    series = get_for(db, actor, ShowSeries, old.series_id)
    number = old.number + 1
    if _number_taken(db, series.id, number, None):
        raise ValidationError({"number": N_("The series has an edition of this number already.")})
    new = Edition(
        org_id=old.org_id, owner_id=actor.user_id, department_id=actor.department_id, series_id=series.id,
        number=number, name=_next_name(old.name, old.number, series.name), name_en=_next_name_en(old, series),
        theme="", industry=old.industry, venue_id=old.venue_id, previous_id=old.id,
        **{p: _year_later(getattr(old, p)) for p in PHASES},
        hours=old.hours, organiser=old.organiser, co_organisers=old.co_organisers, target_area=old.target_area,
        target_revenue=old.target_revenue, currency_code=old.currency_code, hold_days=old.hold_days,
        deposit_days=old.deposit_days, deposit_percent=old.deposit_percent, balance_days=old.balance_days,
        penalties=[{**p, "until": _year_later_text(p.get("until"))} for p in (old.penalties or [])],
        state="planning", description=old.description,
    )
    db.add(new)
    db.flush()
    return new


def chinese_number(n: int) -> str:
    """1..999 in Chinese numerals (二十五, 一百零三)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" + CN_DIGITS[rest] if rest < 10 else
                                 ("一" + chinese_number(rest) if rest < 20 else chinese_number(rest)))
    return CN_DIGITS[n // 100] + "百" + tail


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _next_name(name: str, number: int, series_name: str) -> str:
    for old, new in ((f"第{chinese_number(number)}届", f"第{chinese_number(number + 1)}届"),
                     (f"第{number}届", f"第{number + 1}届")):
        if old in name:
            return name.replace(old, new, 1)
    return f"第{chinese_number(number + 1)}届{series_name}"


def _next_name_en(old: Edition, series: ShowSeries) -> str:
    if old.name_en.startswith(ordinal(old.number)):
        return ordinal(old.number + 1) + old.name_en[len(ordinal(old.number)):]
    return f"{ordinal(old.number + 1)} {series.name_en}".strip() if series.name_en else ""


def _year_later(day: date | None) -> date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _year_later_text(text: Any) -> Any:
    try:
        return _year_later(date.fromisoformat(str(text))).isoformat()  # type: ignore[union-attr]
    except ValueError:
        return text


def _check(db: Session, actor: Actor, series_id: int, values: Mapping[str, Any],
           edition_id: int | None) -> None:
    errors: dict[str, str] = {}
    if not str(values.get("name") or "").strip():
        errors["name"] = N_("This field is required.")
    number = values.get("number")
    if number is None:
        errors["number"] = N_("This field is required.")
    elif number < 1:
        errors["number"] = N_("An edition's number is 1 or more.")
    elif _number_taken(db, series_id, number, edition_id):
        errors["number"] = N_("The series has an edition of this number already.")
    given: list[tuple[str, date]] = [(p, values[p]) for p in PHASES if values.get(p) is not None]
    for (_, before), (name, after) in zip(given, given[1:], strict=False):
        if after < before:
            errors.setdefault(name, N_("The phases run in order: move-in, opening, closing, move-out."))
    if values.get("opens_on") is not None and values.get("closes_on") is None:
        errors.setdefault("closes_on", N_("Give the closing day with the opening day."))
    for name in ("target_area", "target_revenue", "deposit_percent", "hold_days", "deposit_days",
                 "balance_days"):
        if values.get(name) is not None and values[name] < 0:
            errors[name] = N_("Enter a number of zero or more.")
    if values.get("deposit_percent") is not None and values["deposit_percent"] > 100:
        errors["deposit_percent"] = N_("A percentage is at most 100.")
    venue_id = values.get("venue_id")
    if venue_id not in (None, ""):
        try:
            venue = get_for(db, actor, Venue, venue_id)
            if venue.org_id != actor.org_id:
                raise NotFound()
        except (NotFound, Forbidden):
            errors["venue_id"] = N_("Choose a venue of your organisation.")
    if errors:
        raise ValidationError(errors)


def _number_taken(db: Session, series_id: int, number: int, edition_id: int | None) -> bool:
    stmt = select(func.count(Edition.id)).where(Edition.series_id == series_id, Edition.number == number)
    if edition_id is not None:
        stmt = stmt.where(Edition.id != edition_id)
    return bool(db.scalar(stmt))


def _series(db: Session, actor: Actor, series_id: Any) -> ShowSeries:
    if series_id in (None, ""):
        raise ValidationError({"series_id": N_("Choose the show series.")})
    try:
        series = get_for(db, actor, ShowSeries, series_id)
    except (NotFound, Forbidden):
        raise ValidationError({"series_id": N_("Choose a show series of your organisation.")}) from None
    if series.org_id != actor.org_id:
        raise ValidationError({"series_id": N_("Choose a show series of your organisation.")})
    return series


def ident(raw: Any) -> int | None:
    """A record id as a form or query gives it: None unless it is digits
    that fit a 64-bit integer (what SQLite and PostgreSQL store)."""
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and len(text) <= 18 else None
