"""Line and document amounts, in Decimal, rounded half up (四舍五入) to the
currency's places, line by line: the one place sales documents are summed.

With tax-included prices (含税价, ``tax_included``, the default on Chinese
documents) a line's total is ``quantity × price × (1 − discount)``, rounded,
and its tax is taken out of it: ``amount = total / (1 + rate)``, rounded,
``tax = total − amount``. With prices before tax the amount is rounded first
and the tax added. The document's totals are the sums of its lines, so the
printed lines always add up to the printed total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from core import N_, ValidationError
from plugins.catalog.services.money import places_of, rounded

__all__ = ["LineAmounts", "Totals", "apply", "clean_lines", "line_amounts", "places_of", "rounded", "sum_up"]

HUNDRED = Decimal(100)
#: the largest amount a Numeric(18, 2) column holds, with room for sums
MAX_AMOUNT = Decimal("1e14")
MAX_QUANTITY = Decimal("1e12")
MAX_LINES = 500


@dataclass(frozen=True)
class LineAmounts:
    """What one line comes to: ``amount`` without tax, ``tax``, ``total`` with
    it, and ``discount`` the money the discount took off."""

    amount: Decimal
    tax: Decimal
    total: Decimal
    discount: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    max_discount: Decimal


def line_amounts(quantity: Decimal, unit_price: Decimal, discount: Decimal, tax_rate: Decimal, *,
                 places: int, tax_included: bool = True) -> LineAmounts:
    """The amounts of one line (see the module's doc for the rounding)."""
    before = rounded(quantity * unit_price, places)
    after = rounded(quantity * unit_price * (HUNDRED - discount) / HUNDRED, places)
    rate = tax_rate / HUNDRED
    if tax_included:
        amount = rounded(after / (1 + rate), places)
        return LineAmounts(amount=amount, tax=after - amount, total=after, discount=before - after)
    tax = rounded(after * rate, places)
    return LineAmounts(amount=after, tax=tax, total=after + tax, discount=before - after)


def apply(document: Any, lines: Sequence[Any], *, places: int) -> Totals:
    """Set the amounts of ``lines`` (quote or contract lines) and the totals
    of ``document`` from their quantities, prices, discounts and rates."""
    found = []
    for line in lines:
        amounts = line_amounts(line.quantity, line.unit_price, line.discount, line.tax_rate, places=places,
                               tax_included=document.tax_included)
        line.amount, line.tax, line.total = amounts.amount, amounts.tax, amounts.total
        found.append((amounts, line.discount))
    totals = sum_up(found)
    document.subtotal, document.discount_total = totals.subtotal, totals.discount_total
    document.tax_total, document.total = totals.tax_total, totals.total
    document.max_discount = totals.max_discount
    return totals


def sum_up(lines: Iterable[tuple[LineAmounts, Decimal]]) -> Totals:
    subtotal = discount = tax = total = largest = Decimal(0)
    for amounts, rate in lines:
        subtotal += amounts.amount
        discount += amounts.discount
        tax += amounts.tax
        total += amounts.total
        largest = max(largest, rate)
    return Totals(subtotal, discount, tax, total, largest)


# ---------------------------------------------------------------- input


def clean_lines(rows: Sequence[Mapping[str, Any]], *, places: int) -> list[dict[str, Any]]:
    """Lines from a form or an API body, checked; ValidationError names each
    bad field as ``line_<n>_<field>`` (n from 1, as the form shows them) and
    nothing is kept. A row with neither product nor description is dropped.

    Each row: ``product_id`` (optional), ``description``, ``unit``,
    ``quantity`` (> 0, at most 3 decimals), ``unit_price`` (≥ 0, at most the
    currency's places), ``discount`` (0–100 %), ``tax_rate`` (0–100 %),
    ``list_price`` (optional, for the record of the discount given)."""
    errors: dict[str, str] = {}
    lines: list[dict[str, Any]] = []
    if len(rows) > MAX_LINES:
        raise ValidationError({"lines": N_("A document holds at most 500 lines.")})
    for n, row in enumerate(rows, start=1):
        product = row.get("product_id") or None
        description = str(row.get("description") or "").strip()
        if product is None and not description:
            continue
        line: dict[str, Any] = {"product_id": _int(product, f"line_{n}_product_id", errors),
                                "description": description[:500], "unit": str(row.get("unit") or "")[:50]}
        line["quantity"] = _number(row.get("quantity"), f"line_{n}_quantity", errors, places=3,
                                   low=Decimal(0), low_open=True, high=MAX_QUANTITY,
                                   message=N_("Enter a quantity above 0 with at most 3 decimals."))
        line["unit_price"] = _number(row.get("unit_price"), f"line_{n}_unit_price", errors, places=places,
                                     low=Decimal(0), high=MAX_AMOUNT, message=_price_message(places))
        line["list_price"] = _number(row.get("list_price") or "0", f"line_{n}_list_price", errors,
                                     places=places, low=Decimal(0), high=MAX_AMOUNT,
                                     message=_price_message(places))
        line["discount"] = _number(row.get("discount") or "0", f"line_{n}_discount", errors, places=2,
                                   low=Decimal(0), high=HUNDRED,
                                   message=N_("A discount is between 0 and 100 %, with at most 2 decimals."))
        line["tax_rate"] = _number(row.get("tax_rate") if row.get("tax_rate") not in (None, "") else "13",
                                   f"line_{n}_tax_rate", errors, places=2, low=Decimal(0), high=HUNDRED,
                                   message=N_("A tax rate is between 0 and 100 %, with at most 2 decimals."))
        line["sequence"] = n * 10
        lines.append(line)
    if not lines and not errors:
        errors["lines"] = N_("Add at least one line.")
    if errors:
        raise ValidationError(errors)
    return lines


def _price_message(places: int) -> str:
    if places == 0:
        return N_("Enter a price of at least 0 without decimals: the currency has none.")
    return N_("Enter a price of at least 0 with at most 2 decimals.") if places == 2 else \
        N_("Enter a price of at least 0 with no more decimals than the currency allows.")


def _number(raw: Any, key: str, errors: dict[str, str], *, places: int, low: Decimal, high: Decimal,
            message: str, low_open: bool = False) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", "")) if raw not in (None, "") else None
    except InvalidOperation:
        value = None
    if (value is None or not value.is_finite() or value < low or (low_open and value == low) or value > high
            or _places(value) > places):
        errors[key] = message
        return Decimal(0)
    return value


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _int(raw: Any, key: str, errors: dict[str, str]) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        errors[key] = N_("Choose a product from the list.")
        return None
