"""Exporting a list view: the rows of the list as the user filtered it (its
search, filters and sort, through the permission predicate), the columns
they chose among those they may see, to CSV (UTF-8 with BOM, for Excel) or
XLSX. Text that a spreadsheet would run as a formula is neutralised. The
custom fields the user may see follow the declared columns, labelled and
with choice labels in the reader's language (user and link fields as ids, as
the import takes them). A field masked for the user is exported masked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core import (
    Actor,
    Base,
    Crud,
    ExtraField,
    extra_value,
    is_masked,
    mask_kind,
    mask_value,
    scope,
    visible_extra,
)

#: a cell starting with one of these is a formula to Excel and WPS
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: rows read per query while exporting
CHUNK = 2000


def neutralise(value: object) -> object:
    """Text starting like a formula gets a leading ``'``; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportColumn:
    name: str
    label: str
    kind: str = "text"
    choices: Mapping[str, str] | None = None
    ref: type[Base] | None = None
    ref_label: str = "name"
    #: a custom field (``label`` and ``choices`` are then the reader's text, no message ids)
    extra: ExtraField | None = None
    #: masked for the reader: the cell is the value masked (:func:`core.mask_value`)
    masked: bool = False
    mask: str | None = None


def columns_of(db: Session, crud: Crud, actor: Actor, locale: str) -> list[ExportColumn]:
    """What the user may export: the list's columns, then the form's other
    fields, then the custom fields, without the fields hidden from them
    (those masked for them are marked ``masked``)."""
    model = crud.model
    hidden = actor.hidden_fields(model) - actor.masked_fields(model)
    out: dict[str, ExportColumn] = {}
    for c in crud.list_view.columns:
        out.setdefault(c.name, ExportColumn(c.name, c.label, c.kind, c.choices, c.ref, c.ref_label))
    for f in crud.form.fields:
        if f.kind != "password":
            choices = dict(f.choices) if f.choices is not None and not callable(f.choices) else None
            out.setdefault(f.name, ExportColumn(f.name, f.label, "choice" if choices else "text", choices))
    declared = [c for c in out.values() if c.name not in hidden and hasattr(model, c.name)]
    extras = [ExportColumn(f.name, f.label_for(locale), f.kind,
                           {k: f.choice_label(k, locale) for k, _ in f.choices}, extra=f)
              for f in visible_extra(db, actor, model, masked=True)]
    return [replace(c, masked=True, mask=mask_kind(model, c.name)) if is_masked(actor, model, c.name) else c
            for c in declared + extras]


def header(columns: Sequence[ExportColumn], translate: Callable[[str], str]) -> list[str]:
    """The header row: declared labels translated, custom ones as they are."""
    return [c.label if c.extra is not None else translate(c.label) for c in columns]


def rows(db: Session, actor: Actor, stmt: Select[Any], columns: Sequence[ExportColumn],
         translate: Callable[[str], str]) -> Iterator[list[object]]:
    """Each record as cell values, references shown by the label the actor may read."""
    offset = 0
    while True:
        chunk = list(db.scalars(stmt.limit(CHUNK).offset(offset)))
        if not chunk:
            return
        refs = _refs(db, actor, columns, chunk)
        for record in chunk:
            yield [neutralise(_cell_of(c, record, refs, translate)) for c in columns]
        offset += CHUNK


def _refs(db: Session, actor: Actor, columns: Sequence[ExportColumn], records: Sequence[Any]
          ) -> dict[str, dict[Any, str]]:
    out: dict[str, dict[Any, str]] = {}
    for c in columns:
        if c.ref is None:
            continue
        ids = {getattr(r, c.name) for r in records} - {None}
        ident = c.ref.id  # type: ignore[attr-defined]
        stmt = select(ident, getattr(c.ref, c.ref_label)).where(ident.in_(ids), scope(actor, c.ref, "read"))
        out[c.name] = {k: str(v) for k, v in db.execute(stmt)} if ids else {}
    return out


def _cell_of(c: ExportColumn, record: Any, refs: Mapping[str, Mapping[Any, str]],
             translate: Callable[[str], str]) -> object:
    """One cell; a masked column's is the value as the sheet would show it, masked."""
    cell = (_extra_cell(c, record) if c.extra is not None
            else _cell(c, getattr(record, c.name, None), refs, translate))
    if not c.masked:
        return cell
    return "" if cell is None or cell == "" else mask_value(cell, c.mask)


def _extra_cell(c: ExportColumn, record: Any) -> object:
    assert c.extra is not None
    value = extra_value(c.extra, record)
    labels = c.choices or {}
    if c.kind == "multi":
        return "、".join(labels.get(str(v), str(v)) for v in value)
    if value is None:
        return ""
    if c.kind == "choice":
        return labels.get(str(value), str(value))
    if isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, Decimal | int | float | bool) else str(value)


def _cell(c: ExportColumn, value: Any, refs: Mapping[str, Mapping[Any, str]],
          translate: Callable[[str], str]) -> object:
    if value is None:
        return ""
    if c.ref is not None:
        return refs.get(c.name, {}).get(value, "")
    if c.choices is not None and str(value) in c.choices:
        return translate(c.choices[str(value)])
    if c.kind == "translated" and isinstance(value, str):
        return translate(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float | bool):
        return value
    return str(value)


def to_csv(header: Sequence[str], data: Iterator[list[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([neutralise(h) for h in header])
    for row in data:
        writer.writerow(["1" if v is True else "0" if v is False else v for v in row])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def to_xlsx(header: Sequence[str], data: Iterator[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([neutralise(h) for h in header])
    for row in data:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
