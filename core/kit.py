"""The list / detail / form kit plugins reuse instead of rewriting.

* :class:`ListView` pages, sorts, filters and searches a model on the server
  with keyset pagination. Sort and filter fields come from its declared
  columns and filters only (rule 7); rows come through the permission
  predicate (rule 3); counts are bounded (rule 15).
* :class:`Form` binds request data to declared, editable fields only
  (rule 8) and reports errors field by field.
* :class:`Crud` wires both to a model's list, detail, create, edit, delete
  and restore pages, calling the plugin's service functions.

Models with the ``extra`` column (:class:`core.db.ExtraMixin`) get their
run-time fields (custom fields, :mod:`core.fields`) on all of these at once:
as columns (sortable, keyset-paged), filters (choice, bool, user), searched
text, form inputs bound through :func:`core.fields.clean_extra`, and detail
rows; field rules hide them or make them read-only like declared fields.

A field masked for the reader (field rule "masked", :mod:`core.masking`)
shows masked text in lists, on detail pages and in forms, where it is
read-only and never bound; a list neither sorts, searches nor filters by it,
which would give its values away.
"""

from __future__ import annotations

import base64
import inspect
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy import Integer, Numeric, Select, TypeDecorator, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import Response

from core.conflicts import Difference, Stale, form_differences, stale, stale_page
from core.db import Base, HasId, SoftDeleteMixin, VersionedMixin, id_column, id_of, utcnow
from core.errors import BadParameter, StaleVersion, ValidationError
from core.fields import (
    SORTABLE_KINDS,
    clean_extra,
    display_value,
    editable_extra,
    extra_column,
    extra_errors,
    extra_fields_of,
    extra_value,
    has_extra,
    ref_model,
    sql_value,
    visible_extra,
)
from core.i18n import N_, Translator
from core.masking import is_masked, mask_kind, mask_value, shown_value
from core.models import User
from core.permissions import Actor, get_for, scope
from core.registry import ExtraField, Panel
from core.web import Ctx, Routes
from core.workflows import allowed_transitions, ensure_editable, is_locked, workflow_of

COUNT_LIMIT = 1000
#: the query parameters of every list: search, sort, direction, the page cursors
LIST_PARAMS = frozenset({"q", "sort", "dir", "after", "before"})
#: at most this many records are offered in a select of users or linked records
REF_CHOICES_LIMIT = 200
Choices = Sequence[tuple[str, str]] | Callable[[Ctx], Sequence[tuple[str, str]]]


def _choices(choices: Choices | None, ctx: Ctx) -> list[tuple[str, str]]:
    if choices is None:
        return []
    return list(choices(ctx) if callable(choices) else choices)


# ------------------------------------------------------------------ lists


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    sortable: bool = True
    link: bool = False
    #: text | bool | datetime | date | money | number | choice | ref | user | translated
    #: (``user``: a user id shown by display name, whoever may read the row may see it)
    kind: str = "text"
    choices: Mapping[str, str] | None = None
    ref: type[Base] | None = None
    ref_label: str = "name"
    #: computes the cell's value from the row instead of reading ``row.<name>``
    #: (run-time fields read ``row.extra``)
    getter: Callable[[Any], Any] | None = None
    #: the run-time field this column shows, if any
    extra: ExtraField | None = None
    #: shows its values masked (:func:`masked_column`)
    masked: bool = False

    def value_of(self, row: object) -> Any:
        return self.getter(row) if self.getter is not None else getattr(row, self.name)


def masked_column(column: Column, kind: str | None = None) -> Column:
    """``column`` showing its values masked as ``kind`` (:func:`core.masking.mask_value`):
    plain text, not sortable (a sort, and the cursor of a page sorted by it,
    would give the values away)."""
    return replace(column, kind="text", sortable=False, choices=None, ref=None, masked=True,
                   getter=partial(_masked_cell, column, kind))


def _masked_cell(column: Column, kind: str | None, row: object) -> str:
    return mask_value(column.value_of(row), kind)


def shown_columns(actor: Actor, model: type[Base], columns: Sequence[Column]) -> list[Column]:
    """Declared ``columns`` of ``model`` as ``actor`` may see them: hidden
    ones left out, masked ones masked (as their column's ``info["mask"]`` says)."""
    masked = actor.masked_fields(model)
    hidden = actor.hidden_fields(model) - masked
    return [masked_column(c, mask_kind(model, c.name)) if c.name in masked else c
            for c in columns if c.name not in hidden]


def extra_columns(ctx: Ctx, model: type[Base]) -> list[Column]:
    """A column per run-time field of ``model`` the reader may see, masked
    ones masked."""
    return [masked_column(extra_list_column(ctx, f)) if is_masked(ctx.user, model, f.name)
            else extra_list_column(ctx, f) for f in visible_extra(ctx.db, ctx.user, model, masked=True)]


def cell(t: Translator, column: Column, row: object, refs: Mapping[str, Mapping[Any, str]]) -> str:
    """What a list or a detail page shows of ``column`` in ``row``: the
    kit's ``value`` macro in Python (the list calls it for every cell, 400 a
    page, about ten times faster than the macro). Text comes back plain, to
    be escaped by the template; the yes/no badge comes back as ``Markup``."""
    v = column.value_of(row)
    kind = column.kind
    if kind == "bool":
        return Markup('<span class="badge bg-green-lt">{}</span>').format(t.gettext("Yes")) if v else Markup(
            '<span class="badge bg-secondary-lt">{}</span>').format(t.gettext("No"))
    if kind in ("ref", "user"):
        return refs.get(column.name, {}).get(v, "")
    if kind == "datetime":
        return t.datetime(v, "short")
    if kind == "date":
        return t.date(v)
    if kind == "money":
        return t.money(v)
    if kind == "number":
        return t.number(v)
    if kind == "translated":
        return t.gettext(v) if v else ""
    if kind == "choice" and column.choices:
        return t.gettext(column.choices.get(v, v))
    return "" if v is None else v if isinstance(v, str) else str(v)  # Markup stays Markup


@pass_context
def kit_cell(context: Any, column: Column, row: object, refs: Mapping[str, Mapping[Any, str]]) -> str:
    """:func:`cell` for templates (the global ``kit_cell``), with the page's translator."""
    return cell(context["t"], column, row, refs)


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    choices: Choices


@dataclass
class Page:
    rows: list[Any]
    columns: list[Column]
    refs: dict[str, dict[int, str]]
    sort: str
    desc: bool
    q: str
    filters: list[tuple[Filter, list[tuple[str, str]], str]]
    next_cursor: str | None
    prev_cursor: str | None
    count: int
    count_capped: bool

    def ref(self, column: Column, row: object) -> str:
        value = column.value_of(row)
        return self.refs.get(column.name, {}).get(value, "" if value is None else str(value))


def _encode(value: Any, ident: int) -> str:
    if isinstance(value, datetime):
        value = {"dt": value.isoformat()}
    elif isinstance(value, date):
        value = {"d": value.isoformat()}
    elif isinstance(value, Decimal):
        value = {"dec": str(value)}
    raw = json.dumps([value, ident], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> tuple[Any, int] | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, ident = json.loads(raw)
        if isinstance(value, dict):
            if "dt" in value:
                value = datetime.fromisoformat(value["dt"])
            elif "d" in value:
                value = date.fromisoformat(value["d"])
            elif "dec" in value:
                value = Decimal(value["dec"])
        return value, int(ident)
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


@dataclass
class Filtered:
    """A list's query as a request asks for it (:meth:`ListView.filtered`)."""

    stmt: Select[Any]
    columns: list[Column]
    sort: str
    desc: bool
    sort_col: Any
    sort_field: ExtraField | None
    id_col: Any
    text: str
    filter_state: list[tuple[Filter, list[tuple[str, str]], str]]

    def ordered(self) -> Select[Any]:
        """The whole selection in the list's order (custom-field values missing last)."""
        order = [self.sort_col.desc(), self.id_col.desc()] if self.desc else [self.sort_col.asc(),
                                                                              self.id_col.asc()]
        if self.sort_field is not None:
            missing = self.sort_col.is_(None)
            order.insert(0, missing.desc() if self.desc else missing.asc())
        return self.stmt.order_by(*order)


@dataclass
class ListView:
    model: type[Base]
    columns: list[Column]
    search: tuple[str, ...] = ()
    filters: list[Filter] = field(default_factory=list)
    default_sort: str = "id"
    default_desc: bool = True
    page_size: int = 50
    #: show the model's run-time fields (custom fields) as columns and filters
    extra: bool = True
    #: a checkbox per row and a select-all: the checked ids are sent as ``ids[]`` by
    #: the buttons of the form ``kit-<noun>-selection`` (a ``list_actions`` item's)
    selectable: bool = False
    #: query parameters the page reads itself besides the list's own (``q``,
    #: ``sort``, ``dir``, ``after``, ``before`` and the filters). Any other
    #: parameter naming a field of the model is refused (400): a list filters
    #: by the fields it offers, and never quietly ignores a filter it was sent.
    params: tuple[str, ...] = ()

    def visible_columns(self, actor: Actor) -> list[Column]:
        """The declared columns ``actor`` may see, those masked for them masked."""
        return shown_columns(actor, self.model, self.columns)

    def sort_of(self, actor: Actor, wanted: str | None, sortable: set[str]) -> str:
        """The sort a request gets: the one it asks for when the list offers it,
        else the default, unless that is a field the actor may not read in clear."""
        if wanted is not None and wanted in sortable:
            return wanted
        return "id" if self.default_sort in actor.hidden_fields(self.model) else self.default_sort

    def base_query(self, ctx: Ctx, *, deleted: bool = False) -> Select[Any]:
        model = self.model
        stmt = select(model).where(scope(ctx.user, model, "read", include_deleted=deleted))
        if deleted:
            if not issubclass(model, SoftDeleteMixin):
                raise TypeError(f"{model.__name__} has no recycle bin: it is no SoftDeleteMixin")
            stmt = stmt.where(model.deleted_at.is_not(None))
        return stmt

    def filtered(self, ctx: Ctx, *, stmt: Select[Any] | None = None, deleted: bool = False) -> Filtered:
        """The rows the request asks for, before paging: the reader's scope, the
        search box, the filters (declared and custom fields), the sort. The page
        pages it; an export exports :meth:`Filtered.ordered` of it."""
        model, q, user = self.model, ctx.query, ctx.user
        columns = self.visible_columns(user) + (extra_columns(ctx, model) if self.extra else [])
        visible = {c.name for c in columns if not c.masked}  # what a search or a filter may read
        extras = {c.extra.name: c.extra for c in columns if c.extra is not None and c.name in visible}
        sortable = {c.name for c in columns if c.sortable} | {"id"}
        wanted = q.get("sort") or None
        if wanted is not None and wanted not in sortable:
            raise BadParameter("sort", N_("{name}: the list cannot be sorted by “{value}”."), value=wanted[:50])
        sort = self.sort_of(user, wanted, sortable)
        direction = q.get("dir") or ("desc" if self.default_desc else "asc")
        if direction not in ("asc", "desc"):
            raise BadParameter("dir", N_("{name}: use asc or desc."))
        desc = direction == "desc"
        stmt = stmt if stmt is not None else self.base_query(ctx, deleted=deleted)
        text = (q.get("q") or "").strip()[:100]
        searched = [getattr(model, f) for f in self.search if f in visible]
        searched += [extra_column(model, f) for f in extras.values() if f.kind == "text"]
        if text and searched:
            like = f"%{_escape_like(text)}%"
            stmt = stmt.where(or_(*[col.ilike(like, escape="\\") for col in searched]))
        filter_state = []
        withheld = user.hidden_fields(model)
        # a declared filter works whether or not its field is a column of the
        # list, unless the field is hidden or masked from the reader
        offered = [flt for flt in self.filters if flt.name not in withheld]
        offered += [extra_filter(ctx, f) for f in extras.values() if f.kind in FILTER_KINDS]
        self._refuse_unoffered(ctx, {flt.name for flt in offered})
        for flt in offered:
            options = _choices(flt.choices, ctx)
            value = q.get(flt.name, "")
            if value and value not in {v for v, _ in options}:
                raise BadParameter(flt.name, N_("{name}: choose one of the offered values."))
            if value:
                if flt.name in extras and extras[flt.name].kind == "multi":
                    # one of the chosen values: the value as JSON ("…", escaped as
                    # stored) within the stored list's JSON text
                    stmt = stmt.where(extra_column(model, extras[flt.name]).like(
                        f"%{_escape_like(json.dumps(value))}%", escape="\\"))
                elif flt.name in extras:
                    stmt = stmt.where(extra_column(model, extras[flt.name]) == _extra_filter_value(
                        extras[flt.name], value))
                else:
                    col = getattr(model, flt.name)
                    stmt = stmt.where(col == _coerce_like(col, value))
            else:
                value = ""
            filter_state.append((flt, options, value))
        sort_field = extras.get(sort)
        sort_col = extra_column(model, sort_field) if sort_field else getattr(model, sort)
        return Filtered(stmt, columns, sort, desc, sort_col, sort_field, id_column(model), text, filter_state)

    def _refuse_unoffered(self, ctx: Ctx, offered: set[str]) -> None:
        """400 for a parameter naming a field of the model (a column, a
        run-time field, a filter) that this list does not let the reader filter by."""
        fields = set(self.model.__table__.columns.keys()) | {f.name for f in self.filters}
        if has_extra(self.model):
            fields |= {f.name for f in extra_fields_of(ctx.db, self.model.__model_key__)}
        allowed = offered | LIST_PARAMS | set(self.params)
        for name in ctx.query:
            if name in fields and name not in allowed:
                raise BadParameter(name, N_("{name}: the list cannot be filtered by this field."))

    def page(self, ctx: Ctx, *, stmt: Select[Any] | None = None, deleted: bool = False) -> Page:
        f = self.filtered(ctx, stmt=stmt, deleted=deleted)
        q, stmt, columns, sort, desc = ctx.query, f.stmt, f.columns, f.sort, f.desc
        sort_col, sort_field, text, filter_state = f.sort_col, f.sort_field, f.text, f.filter_state
        id_col = f.id_col
        counted = ctx.db.scalar(
            select(func.count()).select_from(stmt.with_only_columns(id_col).limit(COUNT_LIMIT + 1).subquery())
        ) or 0
        after, before = q.get("after"), q.get("before")
        cursor = _decode(after or before or "") if (after or before) else None
        if (after or before) and (cursor is None or not _fits(sort_col, sort_field, cursor[0])):
            raise BadParameter("after" if after else "before", N_("{name}: this page link is not valid."))
        backwards = bool(before and cursor)
        forward_gt = not desc
        if backwards:
            forward_gt = not forward_gt
        if cursor is not None:
            value, ident = cursor
            if sort_field is not None:
                cond = _nullable_after(sort_col, sql_value(sort_field, value), id_col, ident, forward_gt)
            elif value is None:
                cond = id_col > ident if forward_gt else id_col < ident
            elif forward_gt:
                cond = or_(sort_col > value, and_(sort_col == value, id_col > ident))
            else:
                cond = or_(sort_col < value, and_(sort_col == value, id_col < ident))
            stmt = stmt.where(cond)
        reverse = desc != backwards
        order = [sort_col.desc(), id_col.desc()] if reverse else [sort_col.asc(), id_col.asc()]
        if sort_field is not None:  # missing values last ascending, first descending, on every database
            missing = sort_col.is_(None)
            order.insert(0, missing.desc() if reverse else missing.asc())
        rows = list(ctx.db.scalars(stmt.order_by(*order).limit(self.page_size + 1)))
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
        next_cursor = prev_cursor = None
        def key(row: Any) -> Any:
            return extra_value(sort_field, row) if sort_field is not None else getattr(row, sort)

        if rows:
            first, last = rows[0], rows[-1]
            if more or backwards:
                next_cursor = _encode(key(last), last.id)
            if cursor is not None and (not backwards or more):
                prev_cursor = _encode(key(first), first.id)
        refs = load_refs(ctx.db, ctx.user, columns, rows, ctx.t.locale)
        return Page(rows, columns, refs, sort, desc, text, filter_state, next_cursor,
                    prev_cursor, min(counted, COUNT_LIMIT), counted > COUNT_LIMIT)


def _fits(column: Any, field: ExtraField | None, value: Any) -> bool:
    """Whether a page cursor's value can be compared with the sort column
    (a cursor made for another sort, or made up, is refused, not sent to SQL)."""
    if isinstance(value, list | dict):
        return False
    if value is None or field is not None:
        return True
    kind_of = column.type
    if isinstance(kind_of, TypeDecorator):  # UTCDateTime: a datetime stored as a DateTime
        kind_of = kind_of.impl_instance
    try:
        kind = kind_of.python_type
    except NotImplementedError:
        return True
    if kind is bool:
        return isinstance(value, bool)
    if kind in (int, float):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is datetime:
        return isinstance(value, datetime)
    if kind is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    return isinstance(value, kind)


def _nullable_after(col: Any, value: Any, id_col: Any, ident: int, ascending: bool) -> Any:
    """Rows after ``(value, ident)`` in an order that puts missing values
    (NULL) last when ascending and first when descending."""
    if ascending:
        if value is None:
            return and_(col.is_(None), id_col > ident)
        return or_(col > value, and_(col == value, id_col > ident), col.is_(None))
    if value is None:
        return or_(and_(col.is_(None), id_col < ident), col.is_not(None))
    return or_(col < value, and_(col == value, id_col < ident))


#: kinds of run-time fields a list offers as filters
FILTER_KINDS = frozenset({"choice", "multi", "bool", "user"})


def _extra_filter_value(f: ExtraField, value: str) -> Any:
    if f.kind == "bool":
        return value == "1"
    if f.kind == "user":
        return int(value)
    return value


def extra_list_column(ctx: Ctx, f: ExtraField) -> Column:
    """A list or detail column showing the run-time field ``f``."""
    locale = ctx.t.locale
    label = f.label_for(locale)
    sortable = f.kind in SORTABLE_KINDS
    if f.kind in ("choice", "multi"):
        return Column(f.name, label, sortable, getter=partial(display_value, f, locale=locale), extra=f)
    if f.kind in ("user", "link"):
        target = ref_model(f)
        if target is not None:
            return Column(f.name, label, sortable, kind="ref", ref=target, ref_label=_title_attr(ctx, target),
                          getter=partial(extra_value, f), extra=f)
        return Column(f.name, label, sortable, getter=partial(extra_value, f), extra=f)
    kind = {"number": "number", "money": "money", "date": "date", "bool": "bool"}.get(f.kind, "text")
    return Column(f.name, label, sortable, kind=kind, getter=partial(extra_value, f), extra=f)


def extra_filter(ctx: Ctx, f: ExtraField) -> Filter:
    """A list filter on the run-time field ``f`` (choice, multi-choice: records
    holding the chosen value among theirs, bool or user)."""
    if f.kind == "bool":
        return Filter(f.name, f.label_for(ctx.t.locale), [("1", N_("Yes")), ("0", N_("No"))])
    if f.kind == "user":
        return Filter(f.name, f.label_for(ctx.t.locale), lambda c: ref_choices(c, f))
    options = [(key, f.choice_label(key, ctx.t.locale)) for key, _ in f.choices]
    return Filter(f.name, f.label_for(ctx.t.locale), options)


def _title_attr(ctx: Ctx, model: type[Base]) -> str:
    """The attribute naming a record of ``model``: its search title, else a usual name column."""
    decl = ctx.kernel.registry.search.get(model.__model_key__)
    if decl is not None:
        return decl.title
    columns = model.__table__.columns
    return next((n for n in ("name", "title", "display_name", "subject", "code") if n in columns), "id")


def ref_choices(ctx: Ctx, f: ExtraField) -> list[tuple[str, str]]:
    """Records a ``user`` or ``link`` field may point to, as (id, label), that
    the actor may read: at most :data:`REF_CHOICES_LIMIT`, by label."""
    target = ref_model(f)
    if target is None:
        return []
    label = getattr(target, _title_attr(ctx, target))
    ident = id_column(target)
    stmt = select(ident, label).where(scope(ctx.user, target, "read")).order_by(label, ident)
    return [(str(key), str(text)) for key, text in ctx.db.execute(stmt.limit(REF_CHOICES_LIMIT))]


def load_refs(
    db: Session, actor: Actor, columns: Sequence[Column], rows: Sequence[object], locale: str = ""
) -> dict[str, dict[int, str]]:
    """Labels of referenced records the actor may read, one query per column
    (no N+1). A reference outside the actor's scope shows no label."""
    refs: dict[str, dict[int, str]] = {}
    for col in columns:
        if col.kind == "user":
            ids = {col.value_of(r) for r in rows} - {None}
            if ids:
                stmt = select(User.id, User.display_name).where(User.id.in_(ids))
                refs[col.name] = {key: text for key, text in db.execute(stmt)}
            continue
        if col.ref is None:
            continue
        ids = {col.value_of(r) for r in rows} - {None}
        if ids:
            label = getattr(col.ref, col.ref_label)
            if locale.startswith("en") and col.ref_label == "name" and hasattr(col.ref, "name_en"):
                label = func.coalesce(func.nullif(col.ref.name_en, ""), label)
            ref_id = id_column(col.ref)
            stmt = select(ref_id, label).where(ref_id.in_(ids), scope(actor, col.ref, "read"))
            refs[col.name] = {key: text for key, text in db.execute(stmt)}
    return refs


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _coerce_like(col: Any, value: str) -> bool | int | str:
    try:
        python_type = col.type.python_type
    except NotImplementedError:
        return value
    if python_type is bool:
        return value == "1"
    if python_type is int:
        return int(value)
    return value


# ------------------------------------------------------------------ forms

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: what :meth:`Form.bind` gives for a field, by its ``kind``
FormValue = str | int | Decimal | date | bool | None


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str = "text"  # text | textarea | int | decimal | bool | select | multi | email | date | password
    required: bool = False
    max_length: int = 200
    choices: Choices | None = None
    help: str = ""


@dataclass
class Form:
    fields: list[FormField]

    def editable(self, actor: Actor, model: type[Base] | None) -> list[FormField]:
        if model is None:
            return list(self.fields)
        locked = actor.readonly_fields(model)
        return [f for f in self.fields if f.name not in locked]

    def visible(self, actor: Actor, model: type[Base] | None) -> list[FormField]:
        """The fields ``actor`` may read in clear."""
        if model is None:
            return list(self.fields)
        hidden = actor.hidden_fields(model)
        return [f for f in self.fields if f.name not in hidden]

    def shown(self, actor: Actor, model: type[Base] | None) -> list[FormField]:
        """The fields a form shows ``actor``: those they may read in clear and,
        read-only, those masked for them (whose inputs send nothing)."""
        if model is None:
            return list(self.fields)
        hidden = actor.hidden_fields(model) - actor.masked_fields(model)
        return [f for f in self.fields if f.name not in hidden]

    def bind(self, ctx: Ctx, *, model: type[Base] | None = None) -> dict[str, Any]:
        """Values of the editable fields, or ValidationError naming each bad one."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for f in self.editable(ctx.user, model):
            raw = ctx.form.get(f.name)
            column = _column_of(model, f.name)
            try:
                value = self.clean(fit_to_column(f, column), raw, ctx)
                if value is None and column is not None and not column.nullable and _is_text(column):
                    value = ""  # an optional choice left empty, in a text column that holds no NULL
                values[f.name] = value
                check_range(value, column)
            except ValueError as exc:
                errors[f.name] = ctx._(str(exc), label=ctx._(f.label))
        if errors:
            raise ValidationError(errors)
        return values

    def bind_extra(self, ctx: Ctx, model: type[Base], record: Base | None) -> dict[str, Any]:
        """Values of the run-time fields the actor may edit, as ``record.extra``
        stores them (:func:`core.fields.clean_extra`), or ValidationError with
        translated messages naming each bad field. A multi-choice comes as
        ``name[]`` from a form, or as a list under ``name`` from JSON."""
        if not has_extra(model):
            return {}
        raw = {f.name: ctx.form.get(f"{f.name}[]", ctx.form.get(f.name)) if f.kind == "multi"
               else ctx.form.get(f.name) for f in editable_extra(ctx.db, ctx.user, model)}
        try:
            return clean_extra(ctx.db, ctx.user, model, record, raw)
        except ValidationError as exc:
            raise ValidationError(extra_errors(ctx.db, model.__model_key__, exc.errors, ctx._,
                                               ctx.t.locale)) from None

    def saved(self, ctx: Ctx, model: type[Base], create: Callable[[], HasId],
              extra: Mapping[str, Any] | None = None) -> HasId:
        """A new record from ``create()`` (the service), with its run-time
        field values, flushed in a savepoint. A required field the service
        was not given because the actor may not set it (a field rule) and
        that it does not fill itself is a ValidationError naming the field
        ("required"), not a database error; nothing is written."""
        try:
            with ctx.db.begin_nested():
                record = create()
                if extra:
                    set_extra(record, extra)
                ctx.db.flush()
        except IntegrityError as exc:
            missing = {f.name: f for f in self.fields}.get(not_null_column(exc) or "")
            if missing is None:
                raise
            message = ctx._(N_("{label} is required."), label=ctx._(missing.label))
            raise ValidationError({missing.name: message}) from None
        return record

    def bind_all(
        self, ctx: Ctx, model: type[Base], record: Base | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """:meth:`bind` and :meth:`bind_extra` together: (declared values, run-time
        values), or one ValidationError naming every bad field of both."""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        try:
            values = self.bind(ctx, model=model)
        except ValidationError as exc:
            errors.update(exc.errors)
        try:
            extra = self.bind_extra(ctx, model, record)
        except ValidationError as exc:
            errors.update(exc.errors)
        if errors:
            raise ValidationError(errors)
        return values, extra

    def clean(self, f: FormField, raw: object, ctx: Ctx) -> FormValue:
        """One field's value from what was sent (text from a form, or a JSON
        value the API turned into text); ValueError with a message id that
        takes ``{label}``."""
        if isinstance(raw, list):
            raise ValueError(N_("{label}: send one value."))
        text = (raw or "").strip() if isinstance(raw, str) else ""
        if f.kind == "bool":
            return text in {"1", "on", "true", "yes"}
        if not text:
            if f.required:
                raise ValueError(N_("{label} is required."))
            if f.kind == "select" and "" in {v for v, _ in _choices(f.choices, ctx)}:
                return ""  # an explicit empty choice ("browser default")
            return None if f.kind in {"int", "decimal", "date", "select"} else ""
        if len(text) > f.max_length:
            raise ValueError(N_("{label} is too long."))
        if f.kind == "int":
            if not re.fullmatch(r"-?\d{1,18}", text):
                raise ValueError(N_("{label} must be a whole number."))
            return int(text)
        if f.kind == "decimal":
            try:
                number = Decimal(text.replace(",", ""))
            except InvalidOperation:
                raise ValueError(N_("{label} must be a number.")) from None
            if not number.is_finite():
                raise ValueError(N_("{label} must be a number."))
            return number
        if f.kind == "date":
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise ValueError(N_("{label} must be a date (YYYY-MM-DD).")) from None
        if f.kind == "email" and not EMAIL_RE.match(text):
            raise ValueError(N_("{label} must be an e-mail address."))
        if f.kind == "select":
            allowed = {v for v, _ in _choices(f.choices, ctx)}
            if text not in allowed:
                raise ValueError(N_("{label}: choose one of the offered values."))
            return int(text) if text.isdigit() else text
        return text


def not_null_column(exc: IntegrityError) -> str | None:
    """The column a NOT NULL violation names (PostgreSQL's diagnostics,
    SQLite's message), None for any other integrity error."""
    diag = getattr(exc.orig, "diag", None)
    if diag is not None:
        return diag.column_name if getattr(exc.orig, "sqlstate", None) == "23502" else None
    found = re.search(r"NOT NULL constraint failed: \w+\.(\w+)", str(exc.orig))
    return found.group(1) if found else None


def _is_text(column: Any) -> bool:
    try:
        return column.type.python_type is str
    except NotImplementedError:
        return False


def _column_of(model: type[Base] | None, name: str) -> Any:
    table = getattr(model, "__table__", None) if model is not None else None
    return table.columns.get(name) if table is not None else None


def fit_to_column(f: FormField, column: Any) -> FormField:
    """The field with its length limited to what the column stores."""
    length = getattr(getattr(column, "type", None), "length", None)
    if isinstance(length, int) and length < f.max_length:
        return replace(f, max_length=length)
    return f


def check_range(value: object, column: Any) -> None:
    """ValueError (a message id taking ``{label}``) when a number does not fit
    its column: a Numeric's digits before the point, a 32-bit Integer."""
    if column is None or value is None or isinstance(value, bool):
        return
    kind = column.type
    if isinstance(value, Decimal) and isinstance(kind, Numeric) and kind.precision is not None:
        whole = kind.precision - (kind.scale or 0)
        if abs(value) >= Decimal(10) ** whole:
            raise ValueError(N_("{label} is too large."))
    if isinstance(value, int) and type(kind) is Integer and not -2**31 <= value < 2**31:
        raise ValueError(N_("{label} is too large."))


def _slot(groups: Sequence[Sequence[Panel] | None]) -> list[Panel]:
    """The items plugins gave a UI slot, in order."""
    return sorted((p for group in groups for p in group or ()), key=lambda p: (p.order, p.key))


def check_version(record: object, submitted: object) -> None:
    """Optimistic lock for forms: the version the user edited must be current
    (:class:`core.errors.StaleVersion` otherwise, which the kit shows as the
    differences between what they sent and what is saved: :mod:`core.conflicts`)."""
    if isinstance(record, VersionedMixin) and str(record.version) != str(submitted or ""):
        raise StaleVersion(record, str(submitted or ""))


# ------------------------------------------------------------------ CRUD


#: ``create(db, actor, values)``: the new record, flushed or not (the kit reads its ``id``).
Creator = Callable[[Session, Actor, dict[str, Any]], HasId]
#: ``update(db, actor, record, values)``; ``record`` is of the Crud's model, which the
#: alias cannot name (``Any``, so that a function taking that model fits).
Updater = Callable[[Session, Actor, Any, dict[str, Any]], None]
#: ``create_many(db, actor, rows)``: the ids of the new records, in order
#: (:func:`core.create_many`); rows are what ``create`` takes, plus ``extra``.
ManyCreator = Callable[[Session, Actor, list[dict[str, Any]]], list[int]]


@dataclass
class Crud:
    """Standard pages of one model: list, detail, new/create, edit/update,
    delete (to the recycle bin) and restore."""

    model: type[Base]
    noun: str
    path: str
    title: str
    list_view: ListView
    form: Form
    create: Creator
    update: Updater
    detail_fields: list[Column]
    title_attr: str = "name"
    detail_template: str = "kit/detail.html"
    detail_context: Callable[[Ctx, Any], dict[str, Any]] | None = None
    #: the list page (extend ``kit/list.html``) and what more it gets
    list_template: str = "kit/list.html"
    list_context: Callable[[Ctx], dict[str, Any]] | None = None
    #: the new and edit form (extend ``kit/form.html``) and what more it gets (record None: new)
    form_template: str = "kit/form.html"
    form_context: Callable[[Ctx, Any], dict[str, Any]] | None = None
    #: many records at once (an import): only for a model whose ``create``
    #: does nothing per record beyond setting the values it is given
    create_many: ManyCreator | None = None

    @property
    def key(self) -> str:
        return self.model.__model_key__

    def register(self, routes: Routes) -> None:
        n, k = self.noun, self.key
        p = "/" + self.path.strip("/") if self.path.strip("/") else ""
        routes.get(p or "/", name=f"{n}_list", permission=f"{k}.read")(self.list)
        routes.get(f"{p}/new", name=f"{n}_new", permission=f"{k}.create")(self.new)
        routes.post(p or "/", name=f"{n}_create", permission=f"{k}.create")(self.create_)
        routes.get(f"{p}/{{id:int}}", name=f"{n}_detail", permission=f"{k}.read")(self.detail)
        routes.get(f"{p}/{{id:int}}/edit", name=f"{n}_edit", permission=f"{k}.update")(self.edit)
        routes.post(f"{p}/{{id:int}}", name=f"{n}_update", permission=f"{k}.update")(self.update_)
        if issubclass(self.model, SoftDeleteMixin):
            routes.post(f"{p}/{{id:int}}/delete", name=f"{n}_delete",
                        permission=f"{k}.delete")(self.delete)

    def _ctx(self, ctx: Ctx, **extra: Any) -> dict[str, Any]:
        return {"crud": self, **extra}

    def list(self, ctx: Ctx) -> Response:
        page = self.list_view.page(ctx)
        if ctx.is_htmx:
            return ctx.render("kit/_list_table.html", **self._ctx(ctx, page=page))
        actions = _slot(ctx.kernel.pm.hook.list_actions(session=ctx.db, model_key=self.key, actor=ctx.user))
        extra = self.list_context(ctx) if self.list_context else {}
        return ctx.render(self.list_template, **self._ctx(ctx, page=page, actions=actions, **extra))

    def title_of(self, actor: Actor, record: Any) -> str:
        """The record's page title (``title_attr``) as ``actor`` may read it:
        masked, or its id when the field is hidden from them."""
        value = shown_value(actor, self.model, self.title_attr, getattr(record, self.title_attr, None))
        return f"#{id_of(record)}" if value is None else str(value)

    def detail(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, self.model, ctx.params["id"])
        user, model = ctx.user, self.model
        fields = shown_columns(user, model, self.detail_fields) + extra_columns(ctx, model)
        panels = [p for group in ctx.kernel.pm.hook.record_panels(
            session=ctx.db, model_key=self.key, record=record, actor=ctx.user) for p in group]
        replaced = {key for p in panels for key in p.replaces}
        panels = sorted((p for p in panels if p.key not in replaced), key=lambda p: p.order)
        extra = self.detail_context(ctx, record) if self.detail_context else {}
        registry = ctx.kernel.registry
        return ctx.render(self.detail_template, **self._ctx(
            ctx, record=record, record_title=self.title_of(user, record), fields=fields,
            refs=load_refs(ctx.db, ctx.user, fields, [record], ctx.t.locale), panels=panels,
            workflow=workflow_of(registry, record), locked=is_locked(registry, record),
            transitions=allowed_transitions(ctx.db, registry, ctx.user, record), **extra))

    def new(self, ctx: Ctx) -> Response:
        defaults = {f.name: f.default for f in visible_extra(ctx.db, ctx.user, self.model)
                    if f.default is not None}
        return self._form(ctx, None, defaults, {})

    def edit(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, self.model, ctx.params["id"], "update")
        ensure_editable(ctx.kernel.registry, record)
        values = {f.name: getattr(record, f.name, "") for f in self.form.fields}
        values |= {f.name: extra_value(f, record) for f in visible_extra(ctx.db, ctx.user, self.model)}
        return self._form(ctx, record, values, {})

    def _form(self, ctx: Ctx, record: Base | None, values: dict[str, Any], errors: dict[str, str],
              status: int = 200, *, conflict: Stale | None = None) -> Response:
        user, model = ctx.user, self.model
        editable = {f.name for f in self.form.editable(user, model)}
        editable |= {f.name for f in editable_extra(ctx.db, user, model)}
        shown = visible_extra(ctx.db, user, model, masked=True)
        extras = [extra_form_field(ctx, f) for f in shown]
        fields = self.form.shown(user, model) + extras
        # a masked field shows the record's value masked, never what was posted
        values, masked = shown_values(user, model, self.form.fields, values, record)
        masked |= {ef.name for ef in shown if is_masked(user, model, ef.name)}
        for ef in shown:
            if ef.name in masked:
                values[ef.name] = shown_value(user, model, ef.name,
                                              display_value(ef, record, ctx.t.locale) if record else None)
        panels = _slot(ctx.kernel.pm.hook.form_panels(session=ctx.db, model_key=self.key, record=record,
                                                      actor=user))
        replaced = {key for p in panels for key in p.replaces}
        panels = [p for p in panels if p.key not in replaced]
        extra = self.form_context(ctx, record) if self.form_context else {}
        return ctx.render(self.form_template, status=status, **self._ctx(
            ctx, record=record, record_title=self.title_of(user, record) if record is not None else "",
            values=values, errors=errors, fields=fields, editable=editable - masked, masked=masked,
            choices={f.name: _choices(f.choices, ctx) for f in [*self.form.fields, *extras]},
            panels=panels, conflict=conflict, **extra))

    def create_(self, ctx: Ctx) -> Response:
        try:
            values, extra = self.form.bind_all(ctx, self.model, None)
            record = self.form.saved(ctx, self.model, lambda: self.create(ctx.db, ctx.user, values), extra)
        except ValidationError as exc:
            return self._form(ctx, None, dict(ctx.form), _translated(ctx, exc.errors), status=422)
        return ctx.redirect(f"{self.noun}_detail", id=record.id, flash="saved")

    def update_(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, self.model, ctx.params["id"], "update")
        ensure_editable(ctx.kernel.registry, record)
        try:
            check_version(record, ctx.form.get("version"))
        except StaleVersion:
            return self.stale(ctx, record)
        try:
            values, extra = self.form.bind_all(ctx, self.model, record)
            self.update(ctx.db, ctx.user, record, values)
            set_extra(record, extra)
            ctx.db.flush()
        except ValidationError as exc:
            return self._form(ctx, record, dict(ctx.form), _translated(ctx, exc.errors), status=422)
        return ctx.redirect(f"{self.noun}_detail", id=id_of(record), flash="saved")

    def differences(self, ctx: Ctx, record: Any) -> Sequence[Difference]:
        """Each field of the form (custom fields included) the user sent
        otherwise than it is saved now in ``record``; a subclass whose form
        holds more (lines) adds to it."""
        return form_differences(ctx, self.model, record, self.form.fields,
                                extras=editable_extra(ctx.db, ctx.user, self.model))

    def conflict(self, ctx: Ctx, record: Any) -> Stale:
        """What the conflict panel shows of a stale save of ``record``."""
        return stale(ctx, record, self.differences(ctx, record),
                     ctx.url_for(f"{self.noun}_edit", id=id_of(record)))

    def stale(self, ctx: Ctx, record: Any) -> Response:
        """The form again as the user sent it, with the conflict panel (409):
        it now carries the current version, so saving applies their values
        over the other save; nothing was written."""
        if "conflict" not in inspect.signature(self._form).parameters:
            # a subclass's own form that shows no panel: the panel on a page of its own
            return stale_page(ctx, StaleVersion(record, str(ctx.form.get("version") or "")))
        values = {**ctx.form, "version": record.version}
        return self._form(ctx, record, values, {}, status=409, conflict=self.conflict(ctx, record))

    def delete(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, self.model, ctx.params["id"], "delete")
        ensure_editable(ctx.kernel.registry, record)
        check_version(record, ctx.form.get("version"))
        if not isinstance(record, SoftDeleteMixin):  # register() routes only those here
            raise TypeError(f"{type(record).__name__} has no recycle bin: it is no SoftDeleteMixin")
        record.deleted_at = utcnow()
        return ctx.redirect(f"{self.noun}_list", flash="deleted")


def shown_values(actor: Actor, model: type[Base], fields: Sequence[FormField], values: Mapping[str, Any],
                record: object | None) -> tuple[dict[str, Any], set[str]]:
    """What a form may show ``actor`` of ``values``: without the fields hidden
    from them, and the declared ``fields`` masked for them as the record's
    value masked (never what was posted); and the names of those masked. A
    form of its own (not the kit's) renders these, and only the fields
    :meth:`Form.shown` gives, masked ones read-only."""
    withheld = actor.hidden_fields(model)
    masked = {f.name for f in fields if f.name in actor.masked_fields(model)}
    shown = {k: v for k, v in values.items() if k not in withheld}
    for name in masked:
        shown[name] = shown_value(actor, model, name, getattr(record, name, None))
    return shown, masked


def _translated(ctx: Ctx, errors: Mapping[str, str]) -> dict[str, str]:
    """Field errors in the reader's language: the form's own come translated,
    a create or update service's are message ids (``N_``)."""
    return {name: ctx._(message) for name, message in errors.items()}


def set_extra(record: object, values: Mapping[str, Any]) -> None:
    """Merge run-time field values into ``record.extra`` as a new dict (so the
    change is seen and audited); values of other fields, removed ones
    included, stay."""
    current = dict(getattr(record, "extra", None) or {})
    merged = {**current, **values}
    if merged != current:
        record.extra = merged  # type: ignore[attr-defined]  # an ExtraMixin record


def extra_form_field(ctx: Ctx, f: ExtraField) -> FormField:
    """The form input of the run-time field ``f``."""
    label = f.label_for(ctx.t.locale)
    if f.kind in ("choice", "multi"):
        options = [(key, f.choice_label(key, ctx.t.locale)) for key, _ in f.choices]
        return FormField(f.name, label, "select" if f.kind == "choice" else "multi", f.required,
                         choices=options)
    if f.kind == "user":
        return FormField(f.name, label, "select", f.required, choices=lambda c: ref_choices(c, f))
    kind = {"number": "decimal", "money": "decimal", "date": "date", "bool": "bool", "link": "int"}
    return FormField(f.name, label, kind.get(f.kind, "text"), f.required,
                     max_length=1000 if f.kind == "text" else 200)
