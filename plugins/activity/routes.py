"""The timeline's pages and forms, mounted at ``/activity``.

Every route that touches a note, activity or attachment finds its parent
record first, through the kernel's predicate: a parent the user may not read
answers 404, whatever the route's own permission (design rule 4).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.responses import FileResponse, RedirectResponse, Response

from core import AUTHENTICATED, Crud, Ctx, Routes, ValidationError, utcnow
from plugins.activity.services import activities, attachments, notes, records
from plugins.activity.services.timeline import Timeline, timeline
from plugins.activity.sniff import INLINE, base_type, download_name
from plugins.activity.storage import BlobStore

routes = Routes()
#: room for the multipart envelope and the other fields around the file
FORM_OVERHEAD = 256 * 1024


def _store(ctx: Ctx) -> BlobStore:
    return BlobStore.from_settings(ctx.kernel.settings)


def _upload_limit(settings: Any) -> int:
    return BlobStore.from_settings(settings).max_bytes + FORM_OVERHEAD


def _parent(ctx: Ctx) -> Any:
    return records.get_parent(ctx.db, ctx.user, ctx.kernel.registry.models,
                              ctx.params["model"], ctx.params["id"])


def _timeline(ctx: Ctx, parent: Any, **extra: Any) -> Timeline:
    """The parent's timeline; ``extra``: a form's ``errors``, ``values`` and name."""
    view = timeline(ctx.db, ctx.user, parent.__model_key__, parent, hook=ctx.kernel.pm.hook,
                    store=_store(ctx))
    return replace(view, **extra)


def record_url(ctx: Ctx, model_key: str, record_id: int) -> str:
    """The record's own page (its ``Crud`` detail route), else its timeline page."""
    for mount, table in ctx.kernel.routes.items():
        for spec in table.specs:
            crud = getattr(spec.handler, "__self__", None)
            if isinstance(crud, Crud) and crud.key == model_key and spec.name == f"{crud.noun}_detail":
                return ctx.url_for(f"{mount}:{spec.name}", id=record_id)
    return ctx.url_for("timeline_detail", model=model_key, id=record_id)


def _done(ctx: Ctx, parent: Any) -> Response:
    """After a change: the new timeline for htmx, else back to where the form was."""
    if ctx.field("next") == "tasks":
        return ctx.redirect("task_list")
    if ctx.is_htmx:
        return ctx.render("activity/_timeline.html", timeline=_timeline(ctx, parent))
    return RedirectResponse(record_url(ctx, parent.__model_key__, parent.id), status_code=303)


def _invalid(ctx: Ctx, parent: Any, form: str, exc: ValidationError) -> Response:
    """Errors: the timeline with the form marked (htmx), or the error page."""
    errors = {k: ctx._(v) for k, v in exc.errors.items()}
    if not ctx.is_htmx:
        raise ValidationError(errors)
    values = {k: v for k, v in ctx.form.items() if isinstance(v, str) and k != "csrf_token"}
    view = _timeline(ctx, parent, errors=errors, values=values, form=form)
    return ctx.render("activity/_timeline.html", status=422, timeline=view)


# ------------------------------------------------------------------ timeline


@routes.get("/records/{model}/{id:int}", name="timeline_detail", permission=AUTHENTICATED)
def timeline_detail(ctx: Ctx) -> Response:
    parent = _parent(ctx)
    view = _timeline(ctx, parent)
    if ctx.is_htmx:
        return ctx.render("activity/_timeline.html", timeline=view)
    return ctx.render("activity/timeline_detail.html", timeline=view,
                      record_href=record_url(ctx, parent.__model_key__, parent.id))


@routes.post("/records/{model}/{id:int}/notes", name="note_create", permission="activity.note.create")
def note_create(ctx: Ctx) -> Response:
    parent = _parent(ctx)
    try:
        notes.add_note(ctx.db, ctx.user, parent, ctx.field("body"))
    except ValidationError as exc:
        return _invalid(ctx, parent, "note", exc)
    return _done(ctx, parent)


@routes.post("/notes/{id:int}/delete", name="note_delete", permission=AUTHENTICATED)
def note_delete(ctx: Ctx) -> Response:
    note = notes.delete_note(ctx.db, ctx.user, ctx.kernel.registry.models, ctx.params["id"])
    return _done(ctx, _parent_of(ctx, note))


def _parent_of(ctx: Ctx, entry: Any) -> Any:
    return records.get_parent(ctx.db, ctx.user, ctx.kernel.registry.models,
                              entry.record_model, entry.record_id)


# ------------------------------------------------------------------ activities


@routes.post("/records/{model}/{id:int}/activities", name="activity_create",
             permission="activity.activity.create")
def activity_create(ctx: Ctx) -> Response:
    parent = _parent(ctx)
    values = {k: ctx.field(k) for k in ("kind", "subject", "content", "due_at", "assignee_id", "done")}
    try:
        activities.log_activity(ctx.db, ctx.user, parent, values)
    except ValidationError as exc:
        return _invalid(ctx, parent, "activity", exc)
    return _done(ctx, parent)


@routes.post("/activities/{id:int}/complete", name="activity_complete", permission=AUTHENTICATED)
def activity_complete(ctx: Ctx) -> Response:
    activity = activities.set_done(ctx.db, ctx.user, ctx.kernel.registry.models, ctx.params["id"], True)
    return _done(ctx, _parent_of(ctx, activity))


@routes.post("/activities/{id:int}/reopen", name="activity_reopen", permission=AUTHENTICATED)
def activity_reopen(ctx: Ctx) -> Response:
    activity = activities.set_done(ctx.db, ctx.user, ctx.kernel.registry.models, ctx.params["id"], False)
    return _done(ctx, _parent_of(ctx, activity))


@routes.post("/activities/{id:int}/delete", name="activity_delete", permission=AUTHENTICATED)
def activity_delete(ctx: Ctx) -> Response:
    activity = activities.delete_activity(ctx.db, ctx.user, ctx.kernel.registry.models, ctx.params["id"])
    return _done(ctx, _parent_of(ctx, activity))


@routes.get("/tasks", name="task_list", permission=AUTHENTICATED)
def task_list(ctx: Ctx) -> Response:
    models = ctx.kernel.registry.models
    tasks = activities.my_tasks(ctx.db, ctx.user, models)
    parents = records.load_parents(ctx.db, ctx.user, models, {(a.record_model, a.record_id) for a in tasks})
    rows = [(a, records.title_of(parent, ctx.user), record_url(ctx, a.record_model, a.record_id))
            for a in tasks if (parent := parents.get((a.record_model, a.record_id))) is not None]
    return ctx.render("activity/task_list.html", rows=rows, now=utcnow())


# ------------------------------------------------------------------ attachments


@routes.post("/records/{model}/{id:int}/attachments", name="attachment_create",
             permission="activity.attachment.create", max_body=_upload_limit)
def attachment_create(ctx: Ctx) -> Response:
    parent = _parent(ctx)
    upload = ctx.form.get("file")
    try:
        attachments.add_attachment(
            ctx.db, ctx.user, _store(ctx), parent,
            filename=upload.filename if isinstance(upload, UploadFile) else "",
            stream=upload.file if isinstance(upload, UploadFile) else None)
    except ValidationError as exc:
        return _invalid(ctx, parent, "attachment", exc)
    return _done(ctx, parent)


@routes.get("/attachments/{id:int}", name="attachment_download", permission=AUTHENTICATED)
def attachment_download(ctx: Ctx) -> Response:
    store = _store(ctx)
    item = attachments.get_attachment(ctx.db, ctx.user, ctx.kernel.registry.models, store, ctx.params["id"])
    inline = ctx.query.get("inline") == "1" and base_type(item.content_type) in INLINE
    name = download_name(item.filename, item.content_type)
    return FileResponse(store.path(item.sha256), media_type=item.content_type, headers={
        "Content-Disposition": content_disposition("inline" if inline else "attachment", name),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'",
        "Cache-Control": "private, no-cache",
        "Referrer-Policy": "no-referrer",
    })


def content_disposition(kind: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback name, and the real one in UTF-8 (``filename*``)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_"
                       for c in filename) or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@routes.post("/attachments/{id:int}/delete", name="attachment_delete", permission=AUTHENTICATED)
def attachment_delete(ctx: Ctx) -> Response:
    item = attachments.delete_attachment(ctx.db, ctx.user, ctx.kernel.registry.models, _store(ctx),
                                         ctx.params["id"])
    return _done(ctx, _parent_of(ctx, item))
