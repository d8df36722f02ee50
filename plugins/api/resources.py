"""The resources: every model a plugin shows through the kit's ``Crud`` is
``/api/v1/{mount}/{noun}`` (list, create) and ``.../{id}`` (get, update,
delete), with ``.../{id}/transitions/{name}`` for its workflow.

A handler parses, checks the same permission code as the page, and calls
the same service (``crud.create`` / ``crud.update``, ``core.transition``);
the kernel's wrapper gives one transaction per request, rolled back on any
error answer, and turns ``NotFound``/``Forbidden``/``Conflict`` into
problem details. Rows come through the kit's scoped query (design rule 3).

Optimistic locking: a record's ``ETag`` is its version; a change must name
the version read (:func:`precondition`): ``If-Match`` that is stale is 412,
a stale ``version`` field 409, neither 428.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.orm import load_only
from starlette.responses import JSONResponse, Response

from core import (
    N_,
    Crud,
    Ctx,
    NotFound,
    SoftDeleteMixin,
    ValidationError,
    VersionedMixin,
    clean_extra,
    editable_extra,
    ensure_editable,
    extra_errors,
    extra_fields_of,
    get_for,
    has_extra,
    set_extra,
    transition,
    utcnow,
)
from plugins.api import values as v

MAX_LIMIT = 200
#: the longest search text (the document's ``maxLength`` of ``q``)
MAX_SEARCH = 100
RESERVED = frozenset({"sort", "dir", "after", "limit", "q", "fields"})
#: what a form post carries besides the fields (a session-cookie client)
IGNORED = frozenset({"csrf_token"})


def problem(status: int, title: str, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem-details answer."""
    return JSONResponse({"type": "about:blank", "title": title, "status": status, **extra},
                        status_code=status, media_type="application/problem+json")


def invalid(ctx: Ctx, errors: dict[str, str]) -> JSONResponse:
    """422 naming each field (``errors``: name, JSON pointer and message)."""
    return problem(422, ctx._("Please correct the marked fields."), errors=[
        {"name": name, "pointer": f"#/{name}", "detail": ctx._(message)}
        for name, message in errors.items()])


def bad_query(ctx: Ctx, errors: dict[str, str]) -> JSONResponse:
    """400 naming each query parameter the list does not allow (a sort, a
    filter, a direction, a page size or cursor outside what it offers)."""
    return problem(400, ctx._("The list does not allow these parameters."), errors=[
        {"name": name, "parameter": name, "detail": message} for name, message in errors.items()])


def handles_invalid(handler: Callable[[Ctx], Response]) -> Callable[[Ctx], Response]:
    """A service's ``ValidationError`` as the API's 422 (the kernel's has no ``errors`` list)."""
    def wrapped(ctx: Ctx) -> Response:
        try:
            return handler(ctx)
        except ValidationError as exc:
            return invalid(ctx, exc.errors)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def resource(ctx: Ctx) -> Crud:
    """The ``Crud`` of ``/{mount}/{noun}``; 404 for anything else."""
    mount, noun = ctx.params["mount"], ctx.params["noun"]
    for m, crud in ctx.kernel.registry.cruds.values():
        if m == mount and crud.noun == noun:
            return crud  # type: ignore[no-any-return]
    raise NotFound()


def _record(ctx: Ctx, crud: Crud, action: str) -> Any:
    ctx.user.require(f"{crud.key}.{action}")
    ident = ctx.params["id"]
    if not 0 < ident <= v.MAX_ID:
        raise NotFound()
    return get_for(ctx.db, ctx.user, crud.model, ident, action)


def _out(ctx: Ctx, crud: Crud, record: Any, status: int = 200, **headers: str) -> JSONResponse:
    body = v.dump(ctx.db, crud, record, ctx.user)
    if isinstance(record, VersionedMixin):
        headers["ETag"] = f'"{record.version}"'
    return JSONResponse(body, status_code=status, headers=headers)


def _label(ctx: Ctx, crud: Crud, name: str) -> str:
    form = {f.name: f.label for f in crud.form.fields}
    cols = {c.name: c.label for c in (*crud.list_view.columns, *crud.detail_fields)}
    return ctx._(form.get(name) or cols.get(name) or name)


# ------------------------------------------------------------------ list


@handles_invalid
def resource_list(ctx: Ctx) -> Response:
    """A keyset page: ``items`` and the ``next`` cursor (``null`` on the last
    page). ``fields=name,phone`` sends only those fields (and the id), and
    reads no other column."""
    crud = resource(ctx)
    ctx.user.require(f"{crud.key}.read")
    model, lv, q = crud.model, crud.list_view, ctx.query
    columns = lv.visible_columns(ctx.user)
    names = {c.name for c in columns if not c.masked}  # a masked field neither searches nor filters
    sortable = {c.name for c in columns if c.sortable} | {"id"}
    # the page's own order, even on a column it does not show (a tree's path)
    sortable.add(lv.sort_of(ctx.user, None, sortable))
    errors: dict[str, str] = {}
    # a parameter sent empty is refused like any other value the document does not allow
    sort = q.get("sort", lv.sort_of(ctx.user, None, sortable))
    if sort not in sortable or sort not in model.__table__.columns:
        errors["sort"] = N_("{label}: choose one of the offered values.")
    direction = q.get("dir", "desc" if lv.default_desc else "asc")
    if direction not in ("asc", "desc"):
        errors["dir"] = N_("{label}: choose one of the offered values.")
    limit = q.get("limit", str(lv.page_size))
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        errors["limit"] = N_("{label} must be a whole number from 1 to 200.")
    stmt = lv.base_query(ctx)
    if len(q.get("q") or "") > MAX_SEARCH:
        errors["q"] = N_("{label} is too long.")
    text = (q.get("q") or "").strip()
    searched = [getattr(model, f) for f in lv.search if f in names]  # not a hidden or masked one
    if text and searched:
        try:
            like = "%" + v.storable(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(or_(*[col.ilike(like, escape="\\") for col in searched]))
        except ValueError as exc:
            errors["q"] = str(exc)
    for key, raw in q.multi_items():
        if key in RESERVED:
            continue
        if key not in names or key not in model.__table__.columns:
            errors[key] = N_("{label}: the list cannot be filtered by this field.")
            continue
        try:
            stmt = stmt.where(getattr(model, key) == v.column_value(model, key, raw))
        except ValueError as exc:
            errors[key] = str(exc)
    only = None
    if "fields" in q:
        only, unknown = v.asked_fields(ctx.db, crud, ctx.user, q["fields"])
        if unknown or not only:
            errors["fields"] = N_("{label}: name fields of the record, separated by commas.")
    if errors:
        return bad_query(ctx, {k: ctx._(m, label=k) for k, m in errors.items()})
    desc, size, id_col, sort_col = direction == "desc", int(limit), model.id, getattr(model, sort)  # type: ignore[attr-defined]
    if only is not None:  # the columns asked for, the id and the sort (the cursor): nothing more is read
        table = model.__table__.columns
        loaded = {"id", sort, *(n for n in only if n in table)}
        if any(n not in table for n in only):
            loaded.add("extra")  # a custom field
        stmt = stmt.options(load_only(*(getattr(model, n) for n in sorted(loaded))))
    after = q.get("after")
    if after:
        try:
            value, ident = v.decode_cursor(model, sort, after)
        except ValueError as exc:
            return bad_query(ctx, {"after": ctx._(str(exc), label="after")})
        if value is None:
            stmt = stmt.where(id_col < ident if desc else id_col > ident)
        elif desc:
            stmt = stmt.where(or_(sort_col < value, and_(sort_col == value, id_col < ident)))
        else:
            stmt = stmt.where(or_(sort_col > value, and_(sort_col == value, id_col > ident)))
    order = [sort_col.desc(), id_col.desc()] if desc else [sort_col.asc(), id_col.asc()]
    rows = list(ctx.db.scalars(stmt.order_by(*order).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    cursor = v.encode_cursor(getattr(rows[-1], sort), rows[-1].id) if more else None
    return JSONResponse({"items": v.dump_many(ctx.db, crud, rows, ctx.user, only), "next": cursor})


# ------------------------------------------------------------------ one record


def resource_detail(ctx: Ctx) -> Response:
    """The record with its ``ETag``; ``If-None-Match`` naming it is 304;
    ``fields=a,b`` sends only those fields (and the id)."""
    crud = resource(ctx)
    record = _record(ctx, crud, "read")
    wanted = ctx.request.headers.get("if-none-match")
    if wanted and isinstance(record, VersionedMixin) and (
            wanted.strip() == "*" or str(record.version) in [_tag(p) for p in wanted.split(",")]):
        return Response(status_code=304, headers={"ETag": f'"{record.version}"'})
    if "fields" not in ctx.query:
        return _out(ctx, crud, record)
    only, unknown = v.asked_fields(ctx.db, crud, ctx.user, ctx.query["fields"])
    if unknown or not only:
        return bad_query(ctx, {"fields": ctx._(N_("{label}: name fields of the record, separated by commas."),
                                               label="fields")})
    headers = {"ETag": f'"{record.version}"'} if isinstance(record, VersionedMixin) else {}
    return JSONResponse(v.dump(ctx.db, crud, record, ctx.user, only), headers=headers)


@handles_invalid
def resource_create(ctx: Ctx) -> Response:
    """Through the page's service; unknown and read-only fields are refused (422)."""
    crud = resource(ctx)
    ctx.user.require(f"{crud.key}.create")
    values, extras = bind(ctx, crud, None)
    record = crud.form.saved(ctx, crud.model, lambda: crud.create(ctx.db, ctx.user, values), extras)
    location = ctx.url_for("resource_detail", mount=ctx.params["mount"], noun=crud.noun, id=record.id)
    return _out(ctx, crud, record, 201, Location=location)


@handles_invalid
def resource_update(ctx: Ctx) -> Response:
    """A partial update: fields not sent keep their values. The version the
    client read must be sent, as ``If-Match`` (a stale one is 412) or as the
    ``version`` field (a stale one is 409); neither is 428."""
    crud = resource(ctx)
    record = _record(ctx, crud, "update")
    ensure_editable(ctx.kernel.registry, record)
    if isinstance(record, VersionedMixin):
        refused = precondition(ctx, record, required=True)
        if refused is not None:
            return refused
    values, extras = bind(ctx, crud, record)
    crud.update(ctx.db, ctx.user, record, values)
    set_extra(record, extras)
    ctx.db.flush()
    return _out(ctx, crud, record)


def resource_delete(ctx: Ctx) -> Response:
    """To the recycle bin; a locked document is 409; ``If-Match`` (or a
    ``version`` field), when sent, must be current (412, 409)."""
    crud = resource(ctx)
    if not issubclass(crud.model, SoftDeleteMixin):
        return problem(405, ctx._("This kind of record cannot be deleted."))
    record = _record(ctx, crud, "delete")
    ensure_editable(ctx.kernel.registry, record)
    refused = precondition(ctx, record, required=False)
    if refused is not None:
        return refused
    record.deleted_at = utcnow()
    ctx.db.flush()
    return Response(status_code=204)


def resource_transition(ctx: Ctx) -> Response:
    """Fire a workflow transition (its own permission is the service's to check)."""
    crud = resource(ctx)
    workflow = ctx.kernel.registry.workflows.get(crud.key)
    name = ctx.params["transition"]
    if workflow is None or workflow.transition_named(name) is None:
        raise NotFound()
    record = _record(ctx, crud, "read")
    refused = precondition(ctx, record, required=False)
    if refused is not None:
        return refused
    comment = ctx.form.get("comment") or ""
    if not isinstance(comment, str):
        return invalid(ctx, {"comment": ctx._("{label}: send one value.", label="comment")})
    try:
        comment = v.storable(comment)
    except ValueError as exc:
        return invalid(ctx, {"comment": ctx._(str(exc), label="comment")})
    transition(ctx.db, ctx.kernel.registry, ctx.user, record, name, comment=comment)
    ctx.db.flush()
    return _out(ctx, crud, record)


# ------------------------------------------------------------------ versions


def precondition(ctx: Ctx, record: Any, *, required: bool) -> Response | None:
    """None when the client may change ``record``, else the answer refusing it.

    ``If-Match`` (RFC 9110) names the version read as an entity tag: the
    record's ETag is ``"<version>"``; a list matches when one of its tags
    does (``W/`` is accepted, as a proxy may weaken tags), and none matching
    is 412 naming the current version. Without it, a ``version`` field of the
    body that is not current is 409 (a conflict of what was sent, like a
    stale form). ``If-Match: *`` names no version: it is no precondition
    here, since it would overwrite blindly. ``required`` and neither sent:
    428."""
    if not isinstance(record, VersionedMixin):
        return None
    current = record.version
    header = (ctx.request.headers.get("if-match") or "").strip() or None  # an empty one is none
    if header not in (None, "*") and str(current) not in [_tag(part) for part in str(header).split(",")]:
        return stale(ctx, 412, current, ctx._("The record has changed since you read it."))
    sent = _body_version(ctx)
    if sent is not None and sent != str(current):
        return stale(ctx, 409, current, ctx._("Someone else changed this record meanwhile. Reload it and apply "
                                              "your change again."))
    if required and sent is None and header in (None, "*"):
        return problem(428, ctx._("Send the version you read (the version field or If-Match)."),
                       errors=[{"name": "version", "pointer": "#/version",
                                "detail": ctx._("{label} is required.", label="version")}])
    return None


def stale(ctx: Ctx, status: int, current: int, title: str) -> JSONResponse:
    """412 or 409: the problem names the version saved now (and its ETag)."""
    answer = problem(status, title, detail=ctx._("The record is at version {version} now: read it again, "
                                                 "then send your change with that version.", version=current),
                     current_version=current,
                     errors=[{"name": "version", "pointer": "#/version",
                              "detail": ctx._("{label} is not current.", label="version")}])
    answer.headers["ETag"] = f'"{current}"'
    return answer


def _tag(part: str) -> str:
    """The version an entity tag names (``"3"``, ``W/"3"``, a bare 3)."""
    return part.strip().removeprefix("W/").strip('"')


def _body_version(ctx: Ctx) -> str | None:
    """The ``version`` field of the body as text (``""`` when it is no
    version: a boolean, a list, an object), None when not sent."""
    sent = ctx.form.get("version")
    if sent is None:
        return None
    if isinstance(sent, bool) or not isinstance(sent, int | str):
        return ""
    return str(sent)


# ------------------------------------------------------------------ binding


def bind(ctx: Ctx, crud: Crud, record: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values for the service and the custom-field values, from a JSON
    body: the fields the actor may edit only (rule 8). On update, a field not
    sent keeps its current value (bound from it like the edit page binds what
    it shows); custom fields are validated by the kernel (``clean_extra``)."""
    model, user = crud.model, ctx.user
    body = {k: val for k, val in ctx.form.items() if k not in IGNORED}
    editable = {f.name: f for f in crud.form.editable(user, model)
                if f.name not in user.hidden_fields(model)}
    fields = {f.name for f in crud.form.fields} | set(v.output_fields(crud))
    custom = {ef.name for ef in editable_extra(ctx.db, user, model)} if has_extra(model) else set()
    if has_extra(model):
        fields |= {ef.name for ef in extra_fields_of(ctx.db, crud.key)}
    errors: dict[str, str] = {}
    for name in body:
        if name == "version" and record is not None or name in editable or name in custom:
            continue
        errors[name] = (N_("{label} cannot be changed.") if name in fields
                        else N_("{label}: there is no such field."))
    values: dict[str, Any] = {}
    for name, f in editable.items():
        try:
            if name in body:
                raw = v.body_text(f, body[name], v.json_kind(model, f))
            elif record is not None:
                raw = "" if f.kind == "password" else v.record_text(getattr(record, name, None))
            else:
                raw = None
            value = crud.form.clean(f, raw, ctx)
            if name in model.__table__.columns:
                v.fits_in(model.__table__.columns[name].type, value)
            values[name] = value
        except ValueError as exc:
            errors[name] = str(exc)
    problems = {k: ctx._(m, label=_label(ctx, crud, k)) for k, m in errors.items()}
    extras: dict[str, Any] = {}
    if custom:
        try:
            extras = clean_extra(ctx.db, user, model, record, {k: body[k] for k in body if k in custom},
                                 partial=record is not None)
        except ValidationError as exc:
            problems.update(extra_errors(ctx.db, crud.key, exc.errors, ctx._, ctx.t.locale))
    if problems:
        raise ValidationError(problems)
    return values, extras

