"""Amounts in a currency: how many decimals it has, rounding half up
(四舍五入), conversion at the rate of a date."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, ValidationError
from plugins.catalog.models import Currency, ExchangeRate


def places_of(db: Session, currency_code: str) -> int:
    """How many decimals an amount in ``currency_code`` has (2 when the
    catalog does not know the currency)."""
    places = db.scalar(select(Currency.places).where(Currency.code == currency_code))
    return 2 if places is None else int(places)


def rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def base_currency(db: Session) -> str:
    """The code of the base currency (CNY when none is marked)."""
    return db.scalar(select(Currency.code).where(Currency.is_base.is_(True))) or "CNY"


def rate_on(db: Session, currency_code: str, on: date) -> Decimal | None:
    """What one unit of ``currency_code`` is worth in the base currency on
    ``on``: its latest rate valid then (1 for the base currency itself)."""
    if currency_code == base_currency(db):
        return Decimal(1)
    return db.scalar(
        select(ExchangeRate.rate).join(Currency, Currency.id == ExchangeRate.currency_id)
        .where(Currency.code == currency_code, ExchangeRate.valid_on <= on)
        .order_by(ExchangeRate.valid_on.desc()).limit(1))


def convert(db: Session, amount: Decimal, source: str, target: str, on: date, *,
            field: str = "currency_code") -> Decimal:
    """``amount`` in ``source`` as ``target`` at the rates of ``on``, rounded to
    ``target``'s places. ValidationError on ``field`` when a rate is missing."""
    if source == target:
        return rounded(amount, places_of(db, target))
    from_rate, to_rate = rate_on(db, source, on), rate_on(db, target, on)
    if from_rate is None or to_rate is None:
        raise ValidationError({field: N_("There is no exchange rate for this currency on that date.")})
    return rounded(amount * from_rate / to_rate, places_of(db, target))
