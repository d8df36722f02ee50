"""The list / detail / form kit plugins reuse instead of rewriting.

* :class:`ListView` pages, sorts, filters and searches a model on the server
  with keyset pagination. Sort and filter fields come from its declared
  columns and filters only (rule 7); rows come through the permission
  predicate (rule 3); counts are bounded (rule 15).
* :class:`Form` binds request data to declared, editable fields only
  (rule 8) and reports errors field by field.
* :class:`Crud` wires both to a model's list, detail, create, edit, delete
  and restore pages, calling the plugin's service functions.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from core.db import Base, HasId, SoftDeleteMixin, VersionedMixin, id_column, id_of, utcnow
from core.errors import Conflict, ValidationError
from core.i18n import N_
from core.permissions import Actor, get_for, scope
from core.web import Ctx, Routes
from core.workflows import allowed_transitions, ensure_editable, is_locked, workflow_of

COUNT_LIMIT = 1000
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
    #: text | bool | datetime | date | money | number | choice | ref | translated
    kind: str = "text"
    choices: Mapping[str, str] | None = None
    ref: type[Base] | None = None
    ref_label: str = "name"


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
        value = getattr(row, column.name)
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
class ListView:
    model: type[Base]
    columns: list[Column]
    search: tuple[str, ...] = ()
    filters: list[Filter] = field(default_factory=list)
    default_sort: str = "id"
    default_desc: bool = True
    page_size: int = 50

    def visible_columns(self, actor: Actor) -> list[Column]:
        hidden = actor.hidden_fields(self.model)
        return [c for c in self.columns if c.name not in hidden]

    def base_query(self, ctx: Ctx, *, deleted: bool = False) -> Select[Any]:
        model = self.model
        stmt = select(model).where(scope(ctx.user, model, "read", include_deleted=deleted))
        if deleted:
            if not issubclass(model, SoftDeleteMixin):
                raise TypeError(f"{model.__name__} has no recycle bin: it is no SoftDeleteMixin")
            stmt = stmt.where(model.deleted_at.is_not(None))
        return stmt

    def page(self, ctx: Ctx, *, stmt: Select[Any] | None = None, deleted: bool = False) -> Page:
        model, q = self.model, ctx.query
        columns = self.visible_columns(ctx.user)
        sortable = {c.name for c in columns if c.sortable} | {"id"}
        wanted = q.get("sort")
        sort = wanted if wanted is not None and wanted in sortable else self.default_sort
        desc = q.get("dir", "desc" if self.default_desc else "asc") == "desc"
        stmt = stmt if stmt is not None else self.base_query(ctx, deleted=deleted)
        text = (q.get("q") or "").strip()[:100]
        visible = {c.name for c in columns}
        if text and self.search:
            like = f"%{_escape_like(text)}%"
            stmt = stmt.where(or_(*[
                getattr(model, f).ilike(like, escape="\\") for f in self.search if f in visible
            ]))
        filter_state = []
        for flt in self.filters:
            options = _choices(flt.choices, ctx)
            value = q.get(flt.name, "")
            if value and value in {v for v, _ in options} and flt.name in visible | {"deleted"}:
                col = getattr(model, flt.name)
                stmt = stmt.where(col == _coerce_like(col, value))
            else:
                value = ""
            filter_state.append((flt, options, value))
        id_col = id_column(model)
        counted = ctx.db.scalar(
            select(func.count()).select_from(stmt.with_only_columns(id_col).limit(COUNT_LIMIT + 1).subquery())
        ) or 0
        sort_col = getattr(model, sort)
        after, before = q.get("after"), q.get("before")
        cursor = _decode(after or before or "") if (after or before) else None
        backwards = bool(before and cursor)
        if cursor is not None:
            value, ident = cursor
            forward_gt = not desc
            if backwards:
                forward_gt = not forward_gt
            if value is None:
                cond = id_col > ident if forward_gt else id_col < ident
            elif forward_gt:
                cond = or_(sort_col > value, and_(sort_col == value, id_col > ident))
            else:
                cond = or_(sort_col < value, and_(sort_col == value, id_col < ident))
            stmt = stmt.where(cond)
        reverse = desc != backwards
        order = [sort_col.desc(), id_col.desc()] if reverse else [sort_col.asc(), id_col.asc()]
        rows = list(ctx.db.scalars(stmt.order_by(*order).limit(self.page_size + 1)))
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
        next_cursor = prev_cursor = None
        if rows:
            first, last = rows[0], rows[-1]
            if more or backwards:
                next_cursor = _encode(getattr(last, sort), last.id)
            if cursor is not None and (not backwards or more):
                prev_cursor = _encode(getattr(first, sort), first.id)
        refs = load_refs(ctx.db, ctx.user, columns, rows, ctx.t.locale)
        return Page(rows, columns, refs, sort, desc, text, filter_state, next_cursor,
                    prev_cursor, min(counted, COUNT_LIMIT), counted > COUNT_LIMIT)


def load_refs(
    db: Session, actor: Actor, columns: Sequence[Column], rows: Sequence[object], locale: str = ""
) -> dict[str, dict[int, str]]:
    """Labels of referenced records the actor may read, one query per column
    (no N+1). A reference outside the actor's scope shows no label."""
    refs: dict[str, dict[int, str]] = {}
    for col in columns:
        if col.ref is None:
            continue
        ids = {getattr(r, col.name) for r in rows} - {None}
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
    kind: str = "text"  # text | textarea | int | decimal | bool | select | email | date | password
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
        if model is None:
            return list(self.fields)
        hidden = actor.hidden_fields(model)
        return [f for f in self.fields if f.name not in hidden]

    def bind(self, ctx: Ctx, *, model: type[Base] | None = None) -> dict[str, Any]:
        """Values of the editable fields, or ValidationError naming each bad one."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for f in self.editable(ctx.user, model):
            raw = ctx.form.get(f.name)
            try:
                values[f.name] = self._clean(f, raw, ctx)
            except ValueError as exc:
                errors[f.name] = ctx._(str(exc), label=ctx._(f.label))
        if errors:
            raise ValidationError(errors)
        return values

    def _clean(self, f: FormField, raw: object, ctx: Ctx) -> FormValue:
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
                return Decimal(text.replace(",", ""))
            except InvalidOperation:
                raise ValueError(N_("{label} must be a number.")) from None
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


def check_version(record: object, submitted: object) -> None:
    """Optimistic lock for forms: the version the user edited must be current."""
    if isinstance(record, VersionedMixin) and str(record.version) != str(submitted or ""):
        raise Conflict(N_("Someone else changed this record meanwhile. Reload it and apply your change again."))


# ------------------------------------------------------------------ CRUD


#: ``create(db, actor, values)``: the new record, flushed or not (the kit reads its ``id``).
Creator = Callable[[Session, Actor, dict[str, Any]], HasId]
#: ``update(db, actor, record, values)``; ``record`` is of the Crud's model, which the
#: alias cannot name (``Any``, so that a function taking that model fits).
Updater = Callable[[Session, Actor, Any, dict[str, Any]], None]


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
        template = "kit/_list_table.html" if ctx.is_htmx else "kit/list.html"
        return ctx.render(template, **self._ctx(ctx, page=page))

    def detail(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, self.model, ctx.params["id"])
        hidden = ctx.user.hidden_fields(self.model)
        fields = [c for c in self.detail_fields if c.name not in hidden]
        panels = [p for group in ctx.kernel.pm.hook.record_panels(
            session=ctx.db, model_key=self.key, record=record, actor=ctx.user) for p in group]
        replaced = {key for p in panels for key in p.replaces}
        panels = sorted((p for p in panels if p.key not in replaced), key=lambda p: p.order)
        extra = self.detail_context(ctx, record) if self.detail_context else {}
        registry = ctx.kernel.registry
        return ctx.render(self.detail_template, **self._ctx(
            ctx, record=record, fields=fields, refs=load_refs(ctx.db, ctx.user, fields, [record], ctx.t.locale),
            panels=panels, workflow=workflow_of(registry, record), locked=is_locked(registry, record),
            transitions=allowed_transitions(ctx.db, registry, ctx.user, record), **extra))

    def new(self, ctx: Ctx) -> Response:
        return self._form(ctx, None, {}, {})

    def edit(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, self.model, ctx.params["id"], "update")
        ensure_editable(ctx.kernel.registry, record)
        values = {f.name: getattr(record, f.name, "") for f in self.form.fields}
        return self._form(ctx, record, values, {})

    def _form(self, ctx: Ctx, record: Base | None, values: dict[str, Any], errors: dict[str, str],
              status: int = 200) -> Response:
        user = ctx.user
        editable = {f.name for f in self.form.editable(user, self.model)}
        return ctx.render("kit/form.html", status=status, **self._ctx(
            ctx, record=record, values=values, errors=errors,
            fields=self.form.visible(user, self.model), editable=editable,
            choices={f.name: _choices(f.choices, ctx) for f in self.form.fields}))

    def create_(self, ctx: Ctx) -> Response:
        try:
            values = self.form.bind(ctx, model=self.model)
            record = self.create(ctx.db, ctx.user, values)
            ctx.db.flush()
        except ValidationError as exc:
            return self._form(ctx, None, dict(ctx.form), exc.errors, status=422)
        return ctx.redirect(f"{self.noun}_detail", id=record.id, flash="saved")

    def update_(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, self.model, ctx.params["id"], "update")
        ensure_editable(ctx.kernel.registry, record)
        check_version(record, ctx.form.get("version"))
        try:
            values = self.form.bind(ctx, model=self.model)
            self.update(ctx.db, ctx.user, record, values)
            ctx.db.flush()
        except ValidationError as exc:
            return self._form(ctx, record, dict(ctx.form), exc.errors, status=422)
        return ctx.redirect(f"{self.noun}_detail", id=id_of(record), flash="saved")

    def delete(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, self.model, ctx.params["id"], "delete")
        ensure_editable(ctx.kernel.registry, record)
        check_version(record, ctx.form.get("version"))
        if not isinstance(record, SoftDeleteMixin):  # register() routes only those here
            raise TypeError(f"{type(record).__name__} has no recycle bin: it is no SoftDeleteMixin")
        record.deleted_at = utcnow()
        return ctx.redirect(f"{self.noun}_list", flash="deleted")
