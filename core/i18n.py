"""Translations (gettext catalogs read with Babel) and locale-aware formatting.

Source strings are English and marked with ``_()`` in code and templates, or
``N_()`` where the translation happens later (labels declared as data). Each
plugin ships ``locale/<locale>/LC_MESSAGES/messages.po``; the kernel merges
the catalogs of the enabled plugins into one table per locale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.messages.pofile import read_po

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
LOCALE_NAMES = {"zh_CN": "简体中文", "en": "English"}


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


@dataclass
class Catalogs:
    """Merged message tables, one per locale."""

    locales: tuple[str, ...]
    default: str
    tables: dict[str, dict[str, str | tuple[str, ...]]] = field(default_factory=dict)

    def load_dir(self, locale_dir: Path) -> None:
        for loc in self.locales:
            po = locale_dir / loc / "LC_MESSAGES" / "messages.po"
            if po.is_file():
                stat = po.stat()
                self.tables.setdefault(loc, {}).update(_messages(po, loc, stat.st_mtime_ns, stat.st_size))

    def translator(self, locale: str) -> Translator:
        return Translator(locale, self.tables.get(locale, {}))

    def negotiate(self, wanted: Iterable[str | None]) -> str:
        for item in wanted:
            if not item:
                continue
            norm = item.replace("-", "_")
            if norm in self.locales:
                return norm
            lang = norm.split("_")[0].lower()
            for loc in self.locales:
                if loc.split("_")[0].lower() == lang:
                    return loc
        return self.default


@lru_cache(maxsize=256)
def _messages(po: Path, locale: str, _mtime_ns: int,
              _size: int) -> tuple[tuple[str, str | tuple[str, ...]], ...]:
    """The translated messages of one catalog file (fuzzy ones left out),
    read once per process while the file stays as it is: parsing every
    plugin's catalog is most of what starting a kernel costs."""
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    found: list[tuple[str, str | tuple[str, ...]]] = []
    for msg in catalog:
        if not msg.id or not msg.string or msg.fuzzy:
            continue
        key = msg.id if isinstance(msg.id, str) else msg.id[0]  # a plural: (singular, plural)
        if isinstance(msg.string, str):
            found.append((key, msg.string))
        elif all(msg.string):
            found.append((key, tuple(msg.string)))
    return tuple(found)


class Translator:
    """Per-request gettext functions and formatters for one locale."""

    def __init__(self, locale: str, table: dict[str, str | tuple[str, ...]]) -> None:
        self.locale = locale
        self._table = table
        self._babel = Locale.parse(locale)

    def gettext(self, message: str, /, **params: object) -> str:
        found = self._table.get(message)
        text = found if isinstance(found, str) else message
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        found = self._table.get(singular)
        if isinstance(found, tuple):
            idx = self._babel.plural_form(n)
            text = found[min(_plural_index(idx), len(found) - 1)]
        else:
            text = singular if n == 1 else plural
        return text.format(n=n, **params)

    def date(self, value: date | datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(DEFAULT_TZ).date()
        return dates.format_date(value, format=fmt, locale=self._babel)

    def datetime(self, value: datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return ""
        return dates.format_datetime(value, format=fmt, tzinfo=DEFAULT_TZ, locale=self._babel)

    def number(self, value: int | float | Decimal | None) -> str:
        return "" if value is None else numbers.format_decimal(value, locale=self._babel)

    def money(self, value: Decimal | None, currency: str = "CNY") -> str:
        if value is None:
            return ""
        return numbers.format_currency(value, currency, locale=self._babel)


def _plural_index(form: str) -> int:
    return {"zero": 0, "one": 0, "two": 1, "few": 1, "many": 1, "other": 1}.get(form, 1)
