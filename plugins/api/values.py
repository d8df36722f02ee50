"""Values between JSON and the database: what a resource shows of a record,
and what a query parameter, a cursor or a body value becomes before it
reaches SQL (typed, bounded, storable: a bad value is a 422, never a 500)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger, Integer, Numeric, String
from sqlalchemy.orm import Session

from core import (
    N_,
    Actor,
    Base,
    Crud,
    FormField,
    SoftDeleteMixin,
    extra_fields_of,
    has_extra,
    is_hidden,
    is_masked,
    mask_kind,
    mask_value,
)

#: the largest id a database holds (BIGINT); larger ones are simply not found
MAX_ID = 2**63 - 1
#: the largest value of a 32-bit INTEGER column
MAX_INT = 2**31 - 1
#: what every resource shows besides its declared fields, when the model has them
META = ("id", "version", "state", "created_at", "updated_at")
_INT = re.compile(r"-?\d{1,18}")


def is_soft(model: type[Base]) -> bool:
    """Does ``model`` have a recycle bin (and so a DELETE)?"""
    return issubclass(model, SoftDeleteMixin)


def jsonable(value: Any) -> Any:
    """ISO dates and times, Decimal as a string (no float rounding), the rest as is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def output_fields(crud: Crud) -> list[str]:
    """The fields a resource may show: the page's columns, detail and form
    fields and the meta columns, each once, attributes of the model only."""
    names = [*META, *(c.name for c in crud.list_view.columns), *(c.name for c in crud.detail_fields),
             *(f.name for f in crud.form.fields if f.kind != "password")]
    return [n for n in dict.fromkeys(names) if n in crud.model.__table__.columns]


def dump(db: Session, crud: Crud, record: Any, actor: Actor | None,
         only: Sequence[str] | None = None) -> dict[str, Any]:
    """One record as the reader may see it: hidden fields never leave, masked
    ones leave as masked text (``actor`` None: the system, which sees all).
    ``only``: the fields asked for (see :func:`asked_fields`), else all."""
    return dump_many(db, crud, [record], actor, only)[0]


def dump_many(db: Session, crud: Crud, records: Sequence[Any], actor: Actor | None,
              only: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Records as :func:`dump` gives each. Which fields the reader sees, and
    which masked, is worked out once for them all: per field and row it cost
    most of a list page (80 rows of 28 fields: 2,240 times three set builds)."""
    model = crud.model
    wanted = None if only is None else {"id", *only}
    columns = [(n, _view(actor, model, n)) for n in output_fields(crud) if wanted is None or n in wanted]
    extras = [(ef.name, _view(actor, model, ef.name)) for ef in extra_fields_of(db, crud.key)
              if wanted is None or ef.name in wanted] if has_extra(model) else []
    out = []
    for record in records:
        row = {n: jsonable(_shown(model, n, view, getattr(record, n))) for n, view in columns if view}
        if extras:
            extra = getattr(record, "extra", None) or {}
            row.update((n, jsonable(_shown(model, n, view, extra.get(n)))) for n, view in extras if view)
        out.append(row)
    return out


def asked_fields(db: Session, crud: Crud, actor: Actor, raw: str) -> tuple[list[str], list[str]]:
    """The fields a ``fields=name,phone`` parameter asks for, and the names
    in it that are not fields the reader may see (a hidden field is refused
    as an unknown one: its existence is not told). The id always comes."""
    model = crud.model
    known = set(output_fields(crud))
    if has_extra(model):
        known |= {ef.name for ef in extra_fields_of(db, crud.key)}
    names = [n.strip() for n in raw.split(",") if n.strip()]
    bad = [n for n in names if n not in known or not _view(actor, model, n)]
    return list(dict.fromkeys(names)), bad


def _view(actor: Actor | None, model: type[Base], name: str) -> str:
    """How ``actor`` reads the field: "clear", "masked" or "" (hidden), as
    :func:`core.shown_value` decides it."""
    if actor is None:
        return "clear"
    if is_hidden(actor, model, name):
        return ""
    return "masked" if is_masked(actor, model, name) else "clear"


def _shown(model: type[Base], name: str, view: str, value: Any) -> Any:
    return mask_value(value, mask_kind(model, name)) if view == "masked" else value


# ------------------------------------------------------------------ into SQL


def storable(text: str) -> str:
    """Text a database stores: no NUL characters, no lone surrogates."""
    if "\x00" in text:
        raise ValueError(N_("{label} contains characters that cannot be stored."))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(N_("{label} contains characters that cannot be stored.")) from None
    return text


def column_value(model: type[Base], name: str, raw: Any) -> Any:
    """A query parameter (or cursor value) as the column's Python type."""
    column = model.__table__.columns[name]
    kind = python_type(column.type)
    if raw is None:
        return None
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in {"1", "true"}:
            return True
        if str(raw).lower() in {"0", "false"}:
            return False
        raise ValueError(N_("{label} must be true or false."))
    text = storable(str(raw)).strip()
    if kind is int:
        # a 32-bit INTEGER column compares only with what it can hold (PostgreSQL refuses more)
        largest = MAX_ID if isinstance(column.type, BigInteger) else MAX_INT
        if isinstance(raw, bool) or not _INT.fullmatch(text) or abs(int(text)) > largest:
            raise ValueError(N_("{label} must be a whole number."))
        return int(text)
    if kind is Decimal:
        return _decimal(text, column.type)
    if kind is datetime:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(N_("{label} must be a date and time (ISO 8601).")) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if kind is date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(N_("{label} must be a date (YYYY-MM-DD).")) from None
    return text


def python_type(type_: Any) -> type:
    """The Python type of a column type (a ``TypeDecorator``'s is its implementation's)."""
    try:
        found = getattr(type_, "impl_instance", type_).python_type
    except NotImplementedError:
        return str
    return found if isinstance(found, type) else str


def _decimal(text: str, type_: Any) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(N_("{label} must be a number.")) from None
    fits_in(type_, value)
    return value


def fits_in(type_: Any, value: Any) -> None:
    """ValueError when ``value`` does not fit the column type (a number too
    large, text too long, NaN): the database would refuse it with an error."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(N_("{label} must be a number."))
        if isinstance(type_, Numeric) and type_.precision is not None:
            whole = type_.precision - (type_.scale or 0)
            if abs(value) >= Decimal(10) ** whole:
                raise ValueError(N_("{label} is too large."))
    elif isinstance(value, int) and not isinstance(value, bool):
        big = getattr(type_, "impl", type_)
        limit = 2**31 - 1 if type(big) is Integer else MAX_ID
        if abs(value) > limit:
            raise ValueError(N_("{label} is too large."))
    elif isinstance(value, str) and isinstance(type_, String) and len(value) > (type_.length or len(value)):
        raise ValueError(N_("{label} is too long."))


def json_kind(model: type[Base], f: FormField) -> str:
    """The JSON type the document gives a form field: ``boolean``,
    ``integer`` (a whole number, or a choice of linked records), ``decimal``
    (a number written as a string: no float rounds an amount) or ``string``."""
    if f.kind == "bool":
        return "boolean"
    if f.kind == "int":
        return "integer"
    if f.kind == "decimal":
        return "decimal"
    column = model.__table__.columns.get(f.name)
    if f.kind == "select" and column is not None and python_type(column.type) is int:
        return "integer"
    return "string"


def body_text(f: FormField, value: Any, kind: str = "string") -> str | list[Any] | None:
    """A JSON value as the text a form would have sent for ``f`` (for
    :meth:`core.Form.clean`); ValueError for a value of another JSON type
    than the document's (``kind``, :func:`json_kind`)."""
    if value is None:
        return None
    if isinstance(value, list | dict):
        raise ValueError(N_("{label}: send one value."))
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError(N_("{label} must be true or false."))
        return "1" if value else ""
    if isinstance(value, bool):
        raise ValueError(N_("{label}: send one value."))
    if kind == "integer":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            raise ValueError(N_("{label} must be a whole number."))
    elif kind == "decimal" and not isinstance(value, str):
        raise ValueError(N_("{label}: send the number as a string, such as \"1234.50\"."))
    elif kind == "string" and not isinstance(value, str):
        raise ValueError(N_("{label} must be text."))
    return storable(str(value))


def record_text(value: Any) -> str:
    """A record's current value as a form would show it (a partial update
    binds the fields it does not send from these, like the edit page)."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# ------------------------------------------------------------------ cursors


def encode_cursor(value: Any, ident: int) -> str:
    raw = json.dumps([jsonable(value), ident], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(model: type[Base], sort: str, token: str) -> tuple[Any, int]:
    """``(sort value, id)`` of a cursor; ValueError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, ident = json.loads(raw)
    except (ValueError, TypeError):
        raise ValueError(N_("{label} is not a valid cursor.")) from None
    if not isinstance(ident, int) or isinstance(ident, bool) or not 0 <= ident <= MAX_ID:
        raise ValueError(N_("{label} is not a valid cursor."))
    if isinstance(value, list | dict):
        raise ValueError(N_("{label} is not a valid cursor."))
    return column_value(model, sort, value), ident
