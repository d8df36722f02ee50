"""Currencies (installation-wide) and their exchange rates by date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import N_, AuditedMixin, Base, BigId, IdMixin, TimestampMixin


class Currency(IdMixin, TimestampMixin, AuditedMixin, Base):
    """A currency by its ISO 4217 code. ``places`` is how many decimals an
    amount in it may have (CNY 2, JPY 0): prices and totals are rounded to
    it and input with more decimals is refused. Exactly one currency is the
    base (``is_base``): rates say what one unit is worth in it."""

    __tablename__ = "catalog_currency"
    __label__ = N_("Currency")

    code: Mapped[str] = mapped_column(String(3), unique=True, info={"label": N_("Code")})
    name: Mapped[str] = mapped_column(String(50), info={"label": N_("Name")})
    name_en: Mapped[str] = mapped_column(String(50), default="", info={"label": N_("English name")})
    symbol: Mapped[str] = mapped_column(String(5), default="", info={"label": N_("Symbol")})
    places: Mapped[int] = mapped_column(Integer, default=2, info={"label": N_("Decimal places")})
    is_base: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": N_("Base currency")})
    active: Mapped[bool] = mapped_column(Boolean, default=True, info={"label": N_("Active")})


class ExchangeRate(IdMixin, TimestampMixin, AuditedMixin, Base):
    """One unit of ``currency_code`` is worth ``rate`` units of the base
    currency from ``valid_on`` until the next rate of that currency."""

    __tablename__ = "catalog_exchange_rate"
    __label__ = N_("Exchange rate")
    __table_args__ = (UniqueConstraint("currency_id", "valid_on"),)

    currency_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalog_currency.id", ondelete="CASCADE"),
                                             index=True, info={"label": N_("Currency")})
    valid_on: Mapped[date] = mapped_column(Date, info={"label": N_("Valid from")})
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8), info={"label": N_("Rate")})
