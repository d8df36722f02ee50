"""Values as a print writes them, in its language: ``zh_CN``, ``en``, or
``both`` (Chinese and English side by side)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel import dates, numbers

from plugins.printing.amounts import rmb_upper

LANGS = ("zh_CN", "en", "both")
TZ = dates.get_timezone("Asia/Shanghai")


class Masked(str):
    """A value masked for the reader (field rule "masked"): the format
    filters print it as it is instead of reading it as a number or a date."""

    __slots__ = ()


def babel_locale(lang: str) -> str:
    """Numbers and dates of a bilingual print follow Chinese usage."""
    return "en" if lang == "en" else "zh_CN"


def money(value: Decimal | int | None, lang: str, currency: str = "CNY") -> str:
    """``¥1,234.50``; empty for no value."""
    return "" if value is None else numbers.format_currency(value, currency, locale=babel_locale(lang))


def number(value: Decimal | int | float | None, lang: str) -> str:
    return "" if value is None else numbers.format_decimal(value, locale=babel_locale(lang))


def when(value: date | datetime | str | None, lang: str, fmt: str = "medium") -> str:
    """A date in the print's language (a time counts by its day in China's
    time zone); a bilingual print writes ``2026-03-02``."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(TZ).date()
    if lang == "both":
        return value.isoformat()
    return dates.format_date(value, fmt, locale=babel_locale(lang))


def moment(value: datetime | str | None, lang: str, fmt: str = "medium") -> str:
    """A date and time in China's time zone; a bilingual print writes ``2026-03-02 14:30``."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if lang == "both":
        return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    return dates.format_datetime(value, fmt, tzinfo=TZ, locale=babel_locale(lang))


def upper(value: Decimal | int | str | None) -> str:
    """The amount in Chinese capital digits (``壹仟贰佰叁拾肆元伍角整``)."""
    return "" if value is None or value == "" else rmb_upper(value)


class Speaker:
    """The ``_()`` of a print. ``both`` writes the Chinese and the English
    side by side (``合同编号 Contract No.``), once when they are the same."""

    def __init__(self, translator: Callable[[str], Any], lang: str) -> None:
        self.lang = lang
        self._zh = translator("zh_CN")
        self._en = translator("en")

    def __call__(self, message: str, **params: Any) -> str:
        return " ".join(self.texts(message, **params))

    def texts(self, message: str, **params: Any) -> list[str]:
        """The message in each language of the print: two for a bilingual
        print (one when both read the same), else one."""
        if self.lang == "en":
            return [str(self._en.gettext(message, **params))]
        zh = str(self._zh.gettext(message, **params))
        if self.lang == "zh_CN":
            return [zh]
        en = str(self._en.gettext(message, **params))
        return [zh] if zh == en else [zh, en]

    def pair(self, zh: str, en: str) -> str:
        """Words typed in both languages (a custom field's label), as the print's language wants them."""
        if self.lang == "en":
            return en or zh
        if self.lang == "zh_CN" or not en or en == zh:
            return zh or en
        return f"{zh} {en}"

    @property
    def locale(self) -> str:
        """The locale of the words of a one-language print; ``zh_CN`` for a bilingual one."""
        return babel_locale(self.lang)
