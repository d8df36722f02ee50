"""Masked values: a field a role reads as ``138****5678`` (field rule "masked").

A column says how its values are masked with ``info={"mask": kind}``, one of
:data:`MASK_KINDS`; without it (and for custom fields) the kind is guessed
from each value (:func:`guess_kind`). A masked value never reveals more than
half of what it hides, except the usual phone mask of an 11-digit number
(the first 3 and the last 4 digits); an e-mail address keeps its domain.

Masked fields are read-only for the actor (``Actor.readonly_fields``), so a
masked value is never bound from a form or a request and never written back.
"""

from __future__ import annotations

import re
from typing import Any

from core.db import Base
from core.permissions import Actor

__all__ = ["MASK_KINDS", "guess_kind", "is_hidden", "is_masked", "looks_masked", "mask_kind", "mask_value",
           "shown_value"]

#: how a value may be masked: ``info={"mask": ...}`` on a column
MASK_KINDS = ("phone", "email", "id", "text")
#: digits with an optional leading +, spaces, dashes, dots and parentheses
_PHONE = re.compile(r"\+?[\d\s().-]+")
#: what a phone mask masks in place: the same, with stars for digits
_PHONE_MASKED = re.compile(r"\+?[\d\s().*-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
#: an identity card or credit code: 15 to 20 letters and digits, mostly digits
_ID = re.compile(r"[0-9A-Za-z]{15,20}")
_STARS = "***"


def guess_kind(text: str) -> str:
    """The mask kind a value looks like: ``email`` (has an @), ``id`` (15 to
    20 letters and digits, 8 of them digits at least: an identity card, a
    credit code, a bank card), ``phone`` (7 digits or more, with an optional
    +, spaces, dashes and parentheses), else ``text``."""
    digits = sum(ch.isdigit() for ch in text)
    if _EMAIL.fullmatch(text):
        return "email"
    if _ID.fullmatch(text) and digits >= 8:
        return "id"
    if _PHONE.fullmatch(text) and digits >= 7:
        return "phone"
    return "text"


def mask_value(value: object, kind: str | None = None) -> str:
    """``value`` masked as ``kind`` (one of :data:`MASK_KINDS`; None or an
    unknown kind: :func:`guess_kind`). None and empty text stay empty.

    * phone: the first 3 and the last 4 digits (``138****5678``); shorter
      numbers keep at most half of their digits (``12****78``); separators
      stay (a value with letters is masked as text);
    * email: the first character of the name and the domain (``z***@example.com``);
    * id: the first 4 and the last 4 characters, at most half (``1101**********1234``);
    * text: the first character, then ``***`` (``张***``).
    """
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    if kind not in MASK_KINDS:
        kind = guess_kind(text)
    if kind == "phone":
        return _mask_digits(text) if _PHONE_MASKED.fullmatch(text) else _first(text)
    if kind == "email":
        name, at, domain = text.rpartition("@")
        return _first(name) + "@" + domain if at else _first(text)
    if kind == "id":
        head, tail = _ends(len(text), 4, 4)
        return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail:]
    return _first(text)


def _first(text: str) -> str:
    return text[0] + _STARS if len(text) > 1 and text[0] != "*" else _STARS


def _ends(length: int, head: int, tail: int) -> tuple[int, int]:
    """How many characters to keep at the start and at the end: ``head`` and
    ``tail``, fewer when that would show more than half of ``length``."""
    shown = min(head + tail, length // 2)
    if shown == head + tail:
        return head, tail
    kept_tail = min(tail, (shown + 1) // 2)
    return shown - kept_tail, kept_tail


def _mask_digits(text: str) -> str:
    """The digits of a phone number masked in place, separators kept (a star
    counts as a digit, so that a masked number masks to itself)."""
    count = sum(ch.isdigit() or ch == "*" for ch in text)
    if count == 0:
        return _first(text)
    head, tail = (3, 4) if count >= 11 else _ends(count, 3, 4)
    out, seen = [], 0
    for ch in text:
        if ch.isdigit() or ch == "*":
            out.append(ch if seen < head or seen >= count - tail else "*")
            seen += 1
        else:
            out.append(ch)
    return "".join(out)


def looks_masked(value: object) -> bool:
    """Is ``value`` masked text: what :func:`mask_value` gives for some kind
    (masking it again changes nothing)? A value kept as it was shown (an
    issued print) may be shown again to a reader who reads the field masked
    only when it is."""
    return isinstance(value, str) and any(mask_value(value, kind) == value for kind in MASK_KINDS)


def mask_kind(model: type[Base], name: str) -> str | None:
    """The mask kind the column ``name`` of ``model`` declares
    (``info={"mask": "phone"}``); None for a custom field or an undeclared column."""
    column = model.__table__.columns.get(name)
    kind = column.info.get("mask") if column is not None else None
    return kind if isinstance(kind, str) else None


def _ruled(fields: set[str], model: type[Base], name: str) -> bool:
    """Is ``name`` among ``fields``, directly or, for a custom field (no
    attribute of the model: a value in ``extra``), through a rule on ``extra``?"""
    return name in fields or ("extra" in fields and not hasattr(model, name))


def is_hidden(actor: Actor, model: type[Base], name: str) -> bool:
    """Is the field ``name`` of ``model`` hidden from ``actor`` (not merely
    masked): a column, or a custom field under its name or through a rule on
    ``extra``? Hidden wins over masked."""
    return _ruled(actor.hidden_fields(model) - actor.masked_fields(model), model, name)


def is_masked(actor: Actor, model: type[Base], name: str) -> bool:
    """Does ``actor`` read the field ``name`` of ``model`` masked (a column,
    or a custom field under its name or through a rule on ``extra``)?"""
    return _ruled(actor.masked_fields(model), model, name) and not is_hidden(actor, model, name)


def shown_value(actor: Actor | None, model: type[Base], name: str, value: Any) -> Any:
    """``value`` of the field ``name`` as ``actor`` may read it: masked text
    when the field is masked for them, None when it is hidden, else as it is.
    ``actor`` None (the system) reads everything."""
    if actor is None:
        return value
    if is_hidden(actor, model, name):
        return None
    if is_masked(actor, model, name):
        return mask_value(value, mask_kind(model, name))
    return value
