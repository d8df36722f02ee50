"""Text as the index stores it and as a query is compared with it.

Both sides go through the same functions: full-width forms become
half-width and everything lower case (NFKC), Chinese gets its pinyin (full
spelling without spaces, and initials), phone numbers become their national
digits (``+86 138-0013-8000`` -> ``13800138000``; a landline keeps its area
code), e-mail addresses lower case and document codes upper case.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pypinyin loads its dictionaries on import (≈0.3 s): only when first needed
    pass

_SPACE = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: how pypinyin takes a text apart: each Chinese character, and each run of anything else
_PIECES = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\u3400-\u9fff\uf900-\ufaff]+")
_PHONE_CHARS = re.compile(r"[\d\s+\-().]+")
_LATIN = re.compile(r"[a-z0-9\s'.\-]+")
_ALNUM = re.compile(r"[^0-9a-z]")


def fold(value: str) -> str:
    """NFKC (full-width to half-width), lower case, runs of spaces as one."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", value).lower()).strip()


def _pypinyin() -> ModuleType:
    """pypinyin, imported when first needed: it loads its dictionaries on import (≈0.3 s)."""
    import pypinyin

    return pypinyin


def pinyin(value: str) -> tuple[str, str]:
    """The full spelling (no spaces) and the initials of a text's Chinese.

    Other characters pass through (letters and digits only, lower case), so
    ``ABC科技`` spells ``abckeji`` with initials ``abckj``. Text without
    Chinese spells as its letters and digits (``New York`` is ``newyork``)
    and has no initials: a long Latin query looks in the spellings only.
    """
    value = fold(value)
    if not _HAN.search(value):
        return _ALNUM.sub("", value), ""
    py = _pypinyin()
    full = "".join(_ALNUM.sub("", s) for s in py.lazy_pinyin(value, errors="default"))
    initials = "".join(_ALNUM.sub("", s) for s in py.lazy_pinyin(value, style=py.Style.FIRST_LETTER,
                                                                 errors="default"))
    return full, initials


#: at most this many spellings of a title with characters of several readings
SPELLINGS = 8


def spellings(value: str) -> list[tuple[str, str]]:
    """Every spelling of ``value`` (full, initials), the usual one first.

    A character with more than one reading (行 xing/hang, 重 zhong/chong)
    gets each reading pypinyin knows (``heteronym=True``), so that the
    spelling a user types finds it whichever they meant; words pypinyin
    knows as phrases keep the phrase's reading. At most :data:`SPELLINGS`
    combinations: a title with many such characters keeps the first ones.
    """
    usual = pinyin(value)
    folded = fold(value)
    if not _HAN.search(folded):
        return [usual]
    pieces = _PIECES.findall(folded)
    py = _pypinyin()
    readings = py.pinyin(folded, style=py.Style.NORMAL, heteronym=True, errors="default")
    if len(readings) != len(pieces):  # not one reading list per character: keep the usual one
        return [usual]
    per_piece = [[(_ALNUM.sub("", r), _ALNUM.sub("", r)[:1] if _HAN.match(piece) else _ALNUM.sub("", r))
                  for r in dict.fromkeys(rs)] for piece, rs in zip(pieces, readings, strict=True)]
    found = [usual]
    for combo in itertools.product(*per_piece):
        spelled = ("".join(full for full, _ in combo), "".join(ini for _, ini in combo))
        if spelled not in found:
            found.append(spelled)
        if len(found) >= SPELLINGS:
            break
    return found


def phone(value: str) -> str:
    """The national number as digits: no +86 or 0086, no separators."""
    raw = unicodedata.normalize("NFKC", value).strip()
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+") or digits.startswith("00"):
        digits = digits.lstrip("0")
        if digits.startswith("86"):
            digits = digits[2:]
    elif digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        digits = digits[2:]  # 86 before a mobile number, without the plus
    return digits


def code(value: str) -> str:
    return fold(value).upper().replace(" ", "")


#: how much of the title and its initials the short-query grams cover
GRAM_SPAN = 16


def grams(*values: str) -> str:
    """Every one- and two-character piece of the values' first characters,
    each between spaces (`` 北 京 北京 ``), so that a query of one or two
    characters becomes a three- or four-character substring (`` 北京 ``)
    that a trigram index can look up."""
    seen: dict[str, None] = {}
    for value in values:
        head = value[:GRAM_SPAN]
        for i, char in enumerate(head):
            for piece in (char, head[i:i + 2]):
                if " " not in piece and "\n" not in piece:
                    seen.setdefault(piece, None)
    return f" {' '.join(seen)} " if seen else ""


def joined(values: Iterable[str]) -> str:
    """Values of one column, one per line (no query crosses a line)."""
    return "\n".join(v for v in values if v)


# ------------------------------------------------------------------ queries


@dataclass(frozen=True)
class Query:
    """A query taken apart: what to look for in which column.

    ``patterns`` maps index columns to the normalised substring to find
    there (any one of them matching is a hit); a short query looks only in
    ``grams``.
    """

    text: str
    kind: str  # phone | email | pinyin | latin | chinese | empty
    patterns: dict[str, str]

    @property
    def short(self) -> bool:
        return set(self.patterns) == {"grams"}


#: the shortest substring a trigram index can look up
TRIGRAM = 3
#: letters from which a Latin query is taken for pinyin (or Latin words squeezed)
SPELLED = 6


def parse(q: str) -> Query:
    """Detect what the query is: digits (a phone or a code), an e-mail
    address, six letters or more (a spelling: pinyin, initials or Latin
    words), other Latin (a substring anywhere) or Chinese."""
    text = fold(q)[:100]
    if not text:
        return Query("", "empty", {})
    if "@" in text:
        kind, patterns = "email", {"emails": text, "blob": text}
    elif _PHONE_CHARS.fullmatch(text) and any(c.isdigit() for c in text):
        bare = text.replace(" ", "")
        kind, patterns = "phone", {"phones": phone(text), "codes": bare.upper(), "blob": bare}
    elif _LATIN.fullmatch(text):
        squeezed = _ALNUM.sub("", text)
        if squeezed.isalpha() and len(squeezed) >= SPELLED:
            # a spelling: the pinyin column holds Latin text squeezed too, and
            # the other columns' common trigrams would only slow it down
            kind, patterns = "pinyin", {"pinyin": squeezed, "initials": squeezed}
        else:
            kind, patterns = "latin", {"blob": text, "pinyin": squeezed, "initials": squeezed,
                                       "codes": code(text), "emails": text}
    else:
        kind, patterns = "chinese", {"blob": text}
    long = {col: p for col, p in patterns.items() if len(p) >= TRIGRAM}
    if long:
        return Query(text, kind, long)
    # one or two characters: the pieces of titles and initials (see grams)
    return Query(text, kind, {"grams": f" {text.replace(' ', '')} "})
