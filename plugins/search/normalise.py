"""Text as the index stores it and as a query is compared with it.

Both sides go through the same functions: full-width forms become
half-width and everything lower case (NFKC), Chinese gets its pinyin (full
spelling without spaces, and initials), phone numbers become their national
digits (``+86 138-0013-8000`` -> ``13800138000``; a landline keeps its area
code), e-mail addresses lower case and document codes upper case.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

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


# ------------------------------------------------------------------ pinyin
#
# pypinyin's converter costs ≈70 µs a call (a segmenter generator, deep
# copies, a style function per reading) and indexing a record made seven.
# So its dictionaries are read here instead, with its segmentation re-stated
# and each phrase's and character's spellings kept once found: the same
# results as its converter (tests/plugins/search/test_pinyin_fast.py
# compares them), ≈5 µs for a company name's pinyin(), 5-15 µs for its
# spellings(). pypinyin's style function still makes each toned reading
# toneless, once per reading: NFD and dropping the marks would differ for
# ê (欸 reads ê̄, which pypinyin leaves as ê, so it spells nothing).

#: a spelling: the full pinyin (no spaces) and the initials
_Spelled = tuple[str, str]
#: a piece of a text (a phrase, a character or a run of other characters):
#: its usual spelling and, when it spells otherwise too, its choices of
#: spellings in order, one per character, adjacent single choices joined
#: (``()`` when the usual spelling is its only one)
_Piece = tuple[str, str, tuple[tuple[_Spelled, ...], ...]]

#: splits a text into runs of other characters (even places) and of Chinese (odd places)
_HAN_RUNS = re.compile(r"([\u3400-\u9fff\uf900-\ufaff]+)")
#: where pypinyin's idea of a Chinese character (``RE_HANS``) and ``_HAN``
#: differ (〇, Yijing symbols, private use, the planes beyond the first):
#: such a text goes through pypinyin itself, quirks included
_RARE = re.compile(r"[\u3007\u4dc0-\u4dff\ue000-\uf8ff\U00020000-\U0003ffff]")


class _Dictionary:
    """pypinyin's character and phrase dictionaries, and every piece spelled so far.

    The dictionaries are the JSON files its converter reads, read here from
    its package directory without importing pypinyin: its modules keep each
    phrase's readings as lists of lists (and a copy of each dictionary), some
    57 MB in every worker, where a string per phrase takes 23 MB. A phrase
    loaded into pypinyin at run time (``load_phrases_dict``) is not seen.
    Pieces are phrases of the dictionary or single characters, so the cache
    cannot outgrow it (≈90,000 entries).
    """

    def __init__(self) -> None:
        data = _pypinyin_data()
        #: phrase -> each character's toned readings: ``"zhāo,cháo;yáng"`` (朝阳)
        self.phrases = _read_phrases((data / "phrases_dict.json").read_text(encoding="utf-8"))
        #: code point -> its toned readings, comma-separated
        self.chars = {int(point): readings for point, readings
                      in json.loads((data / "pinyin_dict.json").read_text(encoding="utf-8")).items()}
        #: every beginning of two characters or more of a phrase: True if it is a phrase too
        self.starts: dict[str, bool] = dict.fromkeys(
            [w[:k] for w in self.phrases for k in range(2, len(w))], False)
        self.starts.update(dict.fromkeys(self.phrases, True))
        self.known: dict[str, _Piece] = {}
        self.styled: dict[str, tuple[str, str]] = {}

    def pieces(self, folded: str) -> list[_Piece]:
        """The pieces of a folded text, cut as pypinyin cuts it."""
        pieces: list[_Piece] = []
        known, starts = self.known, self.starts
        for place, han in enumerate(_HAN_RUNS.split(folded)):
            if not place % 2:  # other characters: their letters and digits
                letters = han if han.isascii() and han.isalnum() else _ALNUM.sub("", han)
                if letters:
                    pieces.append((letters, letters, ()))
                continue
            # pypinyin's segmenter (pypinyin.seg.mmseg), re-stated because its
            # generator alone costs ≈10 µs a name: the longest phrase that
            # begins here, else one character
            i, n = 0, len(han)
            while i < n:
                phrase = starts.get(han[i:i + 2])
                if phrase is None:  # no phrase begins with these two characters
                    pieces.append(known.get(han[i]) or self.spell(han[i]))
                    i += 1
                    continue
                end = i + 2 if phrase else i + 1
                for j in range(i + 3, n + 1):
                    phrase = starts.get(han[i:j])
                    if phrase is None:
                        break
                    if phrase:
                        end = j
                else:
                    if end == i + 1 and han[i] not in self.phrases:
                        # its end case: when the rest of the run only begins a
                        # phrase (纳米二氧化 of 纳米二氧化硅), it goes character by
                        # character, whatever phrase it holds (纳米, 氧化). A plain
                        # longest match cuts such runs otherwise: 91 of 21,600 runs
                        # made to hold cut phrases, none of the test's company names
                        pieces += [known.get(c) or self.spell(c) for c in han[i:]]
                        break
                word = han[i:end]
                pieces.append(known.get(word) or self.spell(word))
                i = end
        return pieces

    def spell(self, word: str) -> _Piece:
        """A phrase's or a character's spellings as pypinyin gives them, remembered."""
        phrase = self.phrases.get(word)
        if phrase is None:
            listed = self.chars.get(ord(word))
            toned = [listed.split(",") if listed else [word]]  # unknown: passes through
        else:
            toned = [readings.split(",") for readings in phrase.split(";")]
        full, initials, choices = [], [], []
        for readings in toned:  # each character's
            styled = [self.style(r) for r in readings]
            full.append(_ALNUM.sub("", styled[0][0]))  # lazy_pinyin: the first reading
            initials.append(_ALNUM.sub("", styled[0][1]))
            # pinyin(heteronym=True): each distinct non-empty toneless reading
            normals = [n for n in dict.fromkeys(n for n, _ in styled) if n] or [""]
            choices.append(tuple(dict.fromkeys((_ALNUM.sub("", n), _ALNUM.sub("", n)[:1])
                                               for n in normals)))
        usual = ("".join(full), "".join(initials))
        joined = tuple(_join_choices([("", "", tuple(choices))]))  # as the choices of one piece
        piece = (*usual, () if joined == ((usual,),) else joined)
        self.known[word] = piece
        return piece

    def style(self, reading: str) -> tuple[str, str]:
        """A toned reading in pypinyin's NORMAL and FIRST_LETTER styles (ü as v)."""
        styled = self.styled.get(reading)
        if styled is None:
            normal = reading.translate(_TONELESS)
            styled = self.styled[reading] = (normal, normal[:1])
        return styled


@functools.cache
def _dictionary() -> _Dictionary:
    return _Dictionary()


#: pypinyin's NORMAL style: the tone marks gone, ü as v (ê stays ê: 欸 spells nothing)
_TONELESS = str.maketrans({
    **dict.fromkeys("āáǎà", "a"), **dict.fromkeys("ēéěè", "e"), **dict.fromkeys("īíǐì", "i"),
    **dict.fromkeys("ōóǒò", "o"), **dict.fromkeys("ūúǔù", "u"), **dict.fromkeys("üǖǘǚǜ", "v"),
    **dict.fromkeys("ńňǹ", "n"), "ḿ": "m", **dict.fromkeys("ếề", "ê"),
    **dict.fromkeys("\u0300\u0304\u030c", None),  # the combining marks of m̀, m̄, ê̄, ê̌
})

#: a phrase of phrases_dict.json and its readings: ``"朝阳": [["zhāo", "cháo"], ["yáng"]]``
_PHRASE = re.compile(r'"([^"\\]+)"\s*:\s*\[((?:\s*\[[^\[\]]*\]\s*,?)*)\s*\]')
_READINGS = re.compile(r"\[([^\[\]]*)\]")
_QUOTED = re.compile(r'"([^"]*)"')


def _pypinyin_data() -> Path:
    """pypinyin's package directory, found without importing it."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pypinyin")
    return Path(next(iter(spec.submodule_search_locations)))


def _read_phrases(text: str) -> dict[str, str]:
    """phrases_dict.json as one string a phrase (``"zhāo,cháo;yáng"``).

    Read by pattern, not by ``json``: decoding it whole makes its half a
    million small lists at once (33 MB), which the worker would keep as
    free space. A file the pattern does not read in full (escapes, another
    layout) is decoded after all.
    """
    keys = len(re.findall(r'"\s*:', text))
    if "\\" not in text:
        phrases = {m[1]: ";".join(",".join(_QUOTED.findall(r)) for r in _READINGS.findall(m[2]))
                   for m in _PHRASE.finditer(text)}
        if len(phrases) == keys:
            return phrases
    decoded: dict[str, list[list[str]]] = json.loads(text)
    return {phrase: ";".join(",".join(r) for r in readings) for phrase, readings in decoded.items()}


def _join_choices(pieces: Iterable[_Piece]) -> list[tuple[_Spelled, ...]]:
    """The pieces' choices in order, adjacent single ones joined: the same
    products as one choice per character, fewer strings to join."""
    joined: list[tuple[_Spelled, ...]] = []
    full: list[str] = []
    initials: list[str] = []
    for piece_full, piece_initials, choices in pieces:
        if not choices:
            full.append(piece_full)
            initials.append(piece_initials)
            continue
        for choice in choices:
            if len(choice) == 1:
                full.append(choice[0][0])
                initials.append(choice[0][1])
                continue
            if full:
                joined.append((("".join(full), "".join(initials)),))
                full, initials = [], []
            joined.append(choice)
    if full:
        joined.append((("".join(full), "".join(initials)),))
    return joined


def pinyin(value: str) -> tuple[str, str]:
    """The full spelling (no spaces) and the initials of a text's Chinese.

    Each character reads as ``pypinyin.lazy_pinyin`` reads it (phrases it
    knows with the phrase's reading). Other characters pass through (letters
    and digits only, lower case), so ``ABC科技`` spells ``abckeji`` with
    initials ``abckj``. Text without Chinese spells as its letters and digits
    (``New York`` is ``newyork``) and has no initials: a long Latin query
    looks in the spellings only.
    """
    value = fold(value)
    if not _HAN.search(value):
        return _ALNUM.sub("", value), ""
    if _RARE.search(value):
        return _pypinyin_spelled(value)
    pieces = _dictionary().pieces(value)
    return "".join([p[0] for p in pieces]), "".join([p[1] for p in pieces])


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
    folded = fold(value)
    if not _HAN.search(folded):
        return [(_ALNUM.sub("", folded), "")]
    if _RARE.search(folded):
        return _pypinyin_spellings(folded)
    pieces = _dictionary().pieces(folded)
    usual = ("".join([p[0] for p in pieces]), "".join([p[1] for p in pieces]))
    if not any([p[2] for p in pieces]):
        return [usual]
    found = {usual: None}  # in order, once each
    for combo in itertools.product(*_join_choices(pieces)):
        full, initials = zip(*combo, strict=True)
        found["".join(full), "".join(initials)] = None
        if len(found) >= SPELLINGS:
            break
    return list(found)


def chinese_initials(value: str) -> str:
    """The pinyin initials of the Chinese in ``value`` alone, as pypinyin's
    ``lazy_pinyin(value, style=Style.FIRST_LETTER, errors="ignore")`` joins
    them (phrases read as phrases): ``重庆 3M 长城`` -> ``cqcc``."""
    folded = fold(value)
    if _RARE.search(folded):
        py = _pypinyin()
        return "".join(py.lazy_pinyin(folded, style=py.Style.FIRST_LETTER, errors="ignore"))
    spell = _dictionary().pieces
    return "".join([piece[1] for run in _HAN_RUNS.split(folded)[1::2] for piece in spell(run)])


def _pypinyin_spelled(folded: str) -> tuple[str, str]:
    """:func:`pinyin` by pypinyin's converter, for the rare texts :data:`_RARE` finds."""
    py = _pypinyin()
    full = "".join(_ALNUM.sub("", s) for s in py.lazy_pinyin(folded, errors="default"))
    initials = "".join(_ALNUM.sub("", s) for s in py.lazy_pinyin(folded, style=py.Style.FIRST_LETTER,
                                                                 errors="default"))
    return full, initials


def _pypinyin_spellings(folded: str) -> list[tuple[str, str]]:
    """:func:`spellings` by pypinyin's converter, for the rare texts :data:`_RARE` finds."""
    usual = _pypinyin_spelled(folded)
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
