"""Currencies, their exchange rates by date, and units of measure: kept for
the whole installation by whoever holds ``catalog.currency.update`` /
``catalog.unit.update``. Exactly one currency is the base."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import N_, Actor, NotFound, ValidationError, get_for
from plugins.catalog.models import Currency, ExchangeRate, Unit
from plugins.catalog.services.products import has_places


def create_currency(db: Session, actor: Actor, values: dict[str, Any]) -> Currency:
    values = _currency_values(db, None, values)
    currency = Currency(**values)
    db.add(currency)
    db.flush()
    _one_base(db, currency)
    return currency


def update_currency(db: Session, actor: Actor, currency: Currency, values: Mapping[str, Any]) -> None:
    checked = _currency_values(db, currency, dict(values))
    if currency.is_base and checked.get("is_base") is False:
        raise ValidationError({"is_base": N_("Make another currency the base instead: one must be.")})
    for key in values:
        setattr(currency, key, checked[key])
    db.flush()
    _one_base(db, currency)


def _currency_values(db: Session, currency: Currency | None, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if "code" in values:
        values["code"] = code = str(values["code"] or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            errors["code"] = N_("A currency code is its three ISO 4217 letters, such as CNY.")
        else:
            stmt = select(Currency.id).where(Currency.code == code)
            if currency is not None:
                stmt = stmt.where(Currency.id != currency.id)
            if db.scalar(stmt):
                errors["code"] = N_("This currency exists already.")
    if "name" in values and not str(values["name"] or "").strip():
        errors["name"] = N_("Give the currency a name.")
    if "places" in values:
        if values["places"] is None:
            values["places"] = 2
        if not 0 <= values["places"] <= 4:
            errors["places"] = N_("A currency has 0 to 4 decimal places.")
    if values.get("is_base") and values.get("active") is False:
        errors["active"] = N_("The base currency stays active.")
    if errors:
        raise ValidationError(errors)
    return values


def _one_base(db: Session, currency: Currency) -> None:
    """Setting a currency as the base takes the mark off the others; the
    first currency is the base when none is."""
    if currency.is_base:
        db.execute(update(Currency).where(Currency.id != currency.id, Currency.is_base.is_(True))
                   .values(is_base=False).execution_options(synchronize_session="fetch"))
    elif not db.scalar(select(func.count(Currency.id)).where(Currency.is_base.is_(True))):
        currency.is_base = True


def rates_of(db: Session, currency_id: int) -> list[ExchangeRate]:
    """The currency's rates, the latest first."""
    return list(db.scalars(select(ExchangeRate).where(ExchangeRate.currency_id == currency_id)
                           .order_by(ExchangeRate.valid_on.desc())))


def save_rate(db: Session, actor: Actor, currency_id: int, valid_on: object, rate: object,
              rate_id: int | None = None) -> ExchangeRate:
    """Add a rate of the currency from ``valid_on`` (or change ``rate_id``):
    above 0, at most 8 decimals, one per date; never for the base currency."""
    currency = get_for(db, actor, Currency, currency_id, "update")
    errors: dict[str, str] = {}
    day = _date(valid_on)
    if day is None:
        errors["valid_on"] = N_("Give the date from which the rate holds (YYYY-MM-DD).")
    value = _decimal(rate)
    if value is None or value <= 0 or value >= Decimal(10) ** 10:
        errors["rate"] = N_("A rate is a number above 0.")
    elif not has_places(value, 8):
        errors["rate"] = N_("A rate has at most 8 decimals.")
    if currency.is_base:
        errors["rate"] = N_("The base currency has no exchange rate: it is worth 1.")
    record = None
    if rate_id is not None:
        record = db.scalar(select(ExchangeRate).where(ExchangeRate.id == rate_id,
                                                      ExchangeRate.currency_id == currency.id))
        if record is None:
            raise NotFound()
    if day is not None:
        stmt = select(ExchangeRate.id).where(ExchangeRate.currency_id == currency.id,
                                             ExchangeRate.valid_on == day)
        if record is not None:
            stmt = stmt.where(ExchangeRate.id != record.id)
        if db.scalar(stmt):
            errors["valid_on"] = N_("The currency has a rate from that date already: change that one.")
    if errors:
        raise ValidationError(errors)
    assert day is not None and value is not None
    if record is None:
        record = ExchangeRate(currency_id=currency.id, valid_on=day, rate=value)
        db.add(record)
    else:
        record.valid_on, record.rate = day, value
    db.flush()
    return record


def delete_rate(db: Session, actor: Actor, currency_id: int, rate_id: int) -> None:
    currency = get_for(db, actor, Currency, currency_id, "update")
    record = db.scalar(select(ExchangeRate).where(ExchangeRate.id == rate_id,
                                                  ExchangeRate.currency_id == currency.id))
    if record is None:
        raise NotFound()
    db.delete(record)


def create_unit(db: Session, actor: Actor, values: dict[str, Any]) -> Unit:
    values = _unit_values(db, None, values)
    unit = Unit(**values)
    db.add(unit)
    return unit


def update_unit(db: Session, actor: Actor, unit: Unit, values: Mapping[str, Any]) -> None:
    checked = _unit_values(db, unit, dict(values))
    for key in values:
        setattr(unit, key, checked[key])


def _unit_values(db: Session, unit: Unit | None, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if "code" in values:
        values["code"] = code = str(values["code"] or "").strip()
        stmt = select(Unit.id).where(Unit.code == code)
        if unit is not None:
            stmt = stmt.where(Unit.id != unit.id)
        if not code:
            errors["code"] = N_("Give the unit a code.")
        elif db.scalar(stmt):
            errors["code"] = N_("Another unit has this code.")
    if "name" in values and not str(values["name"] or "").strip():
        errors["name"] = N_("Give the unit a name.")
    if "places" in values:
        if values["places"] is None:
            values["places"] = 0
        if not 0 <= values["places"] <= 6:
            errors["places"] = N_("A unit has 0 to 6 decimal places.")
    if errors:
        raise ValidationError(errors)
    return values


def _date(raw: object) -> date | None:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None


def _decimal(raw: object) -> Decimal | None:
    try:
        value = Decimal(str(raw if raw is not None else "").replace(",", "").strip())
    except ArithmeticError:
        return None
    return value if value.is_finite() else None
