"""Amounts as a Chinese cheque writes them (大写金额: 壹仟贰佰叁拾肆元伍角整)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
#: the place of each digit within a group of four
PLACES = ((1000, "仟"), (100, "佰"), (10, "拾"), (1, ""))
#: the unit of each group of four digits, from the lowest
GROUPS = ("", "万", "亿", "万亿")


def _group(n: int) -> str:
    """0 < n < 10,000 in capital digits; inner zeros read once (壹仟零贰)."""
    out, zero = "", False
    for place, unit in PLACES:
        digit = n // place % 10
        if digit == 0:
            zero = zero or bool(out)
            continue
        if zero:
            out, zero = out + "零", False
        out += DIGITS[digit] + unit
    return out


def _yuan(n: int) -> str:
    """A whole number of yuan in capital digits ("" for 0)."""
    groups = []
    while n:
        groups.append(n % 10_000)
        n //= 10_000
    if len(groups) > len(GROUPS):
        raise ValueError("amount too large to write in words")
    out, gap = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            gap = gap or bool(out)
            continue
        if out and (gap or group < 1000):
            out += "零"
        out, gap = out + _group(group) + GROUPS[index], False
    return out


def rmb_upper(amount: Decimal | int | str) -> str:
    """``Decimal("100010.05")`` -> ``壹拾万零壹拾元零伍分``; ``0`` -> ``零元整``."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    sign, value = ("负" if value < 0 else ""), abs(value)
    cents = int(value * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    words = _yuan(yuan) + "元" if yuan else ""
    if not jiao and not fen:
        return sign + (words or "零元") + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif words:
        words += "零"
    words += DIGITS[fen] + "分" if fen else "整"
    return sign + words
