"""The import, export, duplicate and merge pages, mounted at ``/dataio``.

Routes are open to any signed-in user (``AUTHENTICATED``) because the
permission depends on the model in the path: each handler's service checks
``<model>.import``, ``<model>.export``, ``<model>.read`` or the merge's
update/delete itself.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from core import AUTHENTICATED, BadRequest, Ctx, NotFound, Routes
from plugins.dataio import export_templates, exporter, importer, merge, services
from plugins.dataio.duplicates import candidates
from plugins.dataio.importer import Target
from plugins.dataio.models import BATCH_STATES, MODES

routes = Routes()


def _target(ctx: Ctx, model_key: str, action: str) -> Target:
    return importer.target_for(ctx.kernel.pm.hook, ctx.kernel.registry, ctx.user, model_key, action)


def _crud(ctx: Ctx, action: str) -> Any:
    entry = ctx.kernel.registry.cruds.get(ctx.params["model"])
    if entry is None:
        raise NotFound()
    ctx.user.require(f"{entry[1].key}.{action}")
    return entry[1]


@routes.get("/", name="importable_list", permission=AUTHENTICATED)
def importable_list(ctx: Ctx) -> Response:
    found = importer.targets(ctx.kernel.pm.hook, ctx.kernel.registry)
    cruds = ctx.kernel.registry.cruds
    return ctx.render("dataio/importable_list.html",
                      importables=[t for k, t in sorted(found.items()) if ctx.user.can(f"{k}.import")],
                      exportables=[c for k, (_, c) in sorted(cruds.items()) if ctx.user.can(f"{k}.export")],
                      batches=services.visible_batches(ctx.db, ctx.user), states=BATCH_STATES)


@routes.get("/{model}/import", name="import_new", permission=AUTHENTICATED)
def import_new(ctx: Ctx) -> Response:
    target = _target(ctx, ctx.params["model"], "import")
    return ctx.render("dataio/import_new.html", target=target, modes=MODES,
                      fields=importer.fields_for(target, ctx.user),
                      extra=importer.extra_for(ctx.db, target, ctx.user))


@routes.post("/{model}/import", name="import_create", permission=AUTHENTICATED,
             max_body=services.MAX_BYTES)
def import_create(ctx: Ctx) -> Response:
    target = _target(ctx, ctx.params["model"], "import")
    upload = ctx.form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise BadRequest("no file")
    data = upload.file.read(services.MAX_BYTES + 1)
    batch = services.upload(ctx.db, ctx.user, target, upload.filename, data, ctx.field("mode", "insert"),
                            ctx.field("match_key"))
    return ctx.redirect("batch_detail", id=batch.id)


def _batch(ctx: Ctx) -> tuple[Any, Target]:
    batch = services.batch_for(ctx.db, ctx.user, ctx.params["id"])
    return batch, _target(ctx, batch.model, "import")


@routes.get("/batches/{id:int}", name="batch_detail", permission=AUTHENTICATED)
def batch_detail(ctx: Ctx) -> Response:
    batch, target = _batch(ctx)
    labels = services.labels_in(ctx.kernel.catalogs)
    return ctx.render("dataio/batch_detail.html", batch=batch, target=target, states=BATCH_STATES,
                      modes=MODES, fields=importer.fields_for(target, ctx.user), errors=importer.ERRORS,
                      extra=importer.extra_for(ctx.db, target, ctx.user),
                      mapping=services.initial_mapping(ctx.db, ctx.user, target, batch, labels),
                      progress=services.progress_of(batch), running=services.RUNNING)


@routes.post("/batches/{id:int}/check", name="batch_check", permission=AUTHENTICATED)
def batch_check(ctx: Ctx) -> Response:
    batch, target = _batch(ctx)
    names = importer.column_names(ctx.db, target, ctx.user)
    services.save_mapping(ctx.db, ctx.user, target, batch, services.mapping_from_form(dict(ctx.form), names))
    services.check_or_queue(ctx.db, ctx.user, target, batch, ctx.kernel)
    return ctx.redirect("batch_detail", id=batch.id)


@routes.post("/batches/{id:int}/commit", name="batch_commit", permission=AUTHENTICATED)
def batch_commit(ctx: Ctx) -> Response:
    batch, target = _batch(ctx)
    services.queue_commit(ctx.db, ctx.user, target, batch)
    return ctx.redirect("batch_detail", id=batch.id)


@routes.get("/batches/{id:int}/progress", name="batch_progress", permission=AUTHENTICATED)
def batch_progress(ctx: Ctx) -> Response:
    batch, _target_ = _batch(ctx)
    response = ctx.render("dataio/_batch_progress.html", batch=batch, states=BATCH_STATES,
                          progress=services.progress_of(batch), running=services.RUNNING)
    if ctx.query.get("polling") and batch.state not in services.RUNNING:
        response.headers["HX-Refresh"] = "true"  # done: the whole page, with the report or the undo button
    return response


@routes.post("/batches/{id:int}/undo", name="batch_undo", permission=AUTHENTICATED)
def batch_undo(ctx: Ctx) -> Response:
    batch, target = _batch(ctx)
    services.undo_batch(ctx.db, ctx.user, target, batch)
    return ctx.redirect("batch_detail", id=batch.id, flash="saved")


# ------------------------------------------------------------------ export


@routes.get("/{model}/export", name="export_new", permission=AUTHENTICATED)
def export_new(ctx: Ctx) -> Response:
    crud = _crud(ctx, "export")
    columns = exporter.columns_of(ctx.db, crud, ctx.user, ctx.t.locale)
    return ctx.render("dataio/export_new.html", crud=crud, columns=columns,
                      templates=export_templates.for_user(ctx.db, ctx.user, crud.key),
                      query={k: v for k, v in ctx.query.items() if k not in ("after", "before")})


@routes.get("/{model}/export/file", name="export_file", permission=AUTHENTICATED)
def export_file(ctx: Ctx) -> Response:
    crud = _crud(ctx, "export")
    allowed = {c.name: c for c in exporter.columns_of(ctx.db, crud, ctx.user, ctx.t.locale)}
    wanted = [n for n in ctx.query.getlist("col") if n in allowed] or list(allowed)
    columns = [allowed[n] for n in wanted]
    stmt = crud.list_view.filtered(ctx).ordered()  # the list page's own rows, scope and order
    data = exporter.rows(ctx.db, ctx.user, stmt, columns, ctx._)
    header = exporter.header(columns, ctx._)
    fmt = "xlsx" if ctx.query.get("format") == "xlsx" else "csv"
    body = exporter.to_xlsx(header, data) if fmt == "xlsx" else exporter.to_csv(header, data)
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
             else "text/csv; charset=utf-8")
    name = f"{crud.key.replace('.', '-')}.{fmt}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@routes.post("/{model}/export/templates", name="template_create", permission=AUTHENTICATED)
def template_create(ctx: Ctx) -> Response:
    crud = _crud(ctx, "export")
    allowed = {c.name for c in exporter.columns_of(ctx.db, crud, ctx.user, ctx.t.locale)}
    raw = ctx.form.get("col", [])
    cols = [c for c in ([raw] if isinstance(raw, str) else raw) if c in allowed]
    export_templates.save(ctx.db, ctx.user, crud.key, ctx.field("name").strip()[:100], cols)
    return ctx.redirect("export_new", model=crud.key, flash="saved")


# ------------------------------------------------------------------ duplicates and merge


@routes.get("/{model}/duplicates", name="duplicate_list", permission=AUTHENTICATED)
def duplicate_list(ctx: Ctx) -> Response:
    crud = _crud(ctx, "read")
    exclude = ctx.query.get("exclude", "")
    found = candidates(ctx.db, ctx.user, crud.model, dict(ctx.query),
                       exclude=int(exclude) if exclude.isdigit() else None)
    return ctx.render("dataio/_duplicate_list.html", crud=crud, found=found)


@routes.get("/{model}/merge", name="merge_new", permission=AUTHENTICATED)
def merge_new(ctx: Ctx) -> Response:
    crud = _crud(ctx, "update")
    return ctx.render("dataio/merge_new.html", crud=crud, survivor=ctx.query.get("survivor", ""),
                      others=ctx.query.get("others", ""), moved=None)


def _merge_ids(ctx: Ctx) -> tuple[int, list[int]]:
    survivor = ctx.field("survivor").strip()
    others = [int(x) for x in ctx.field("others").replace("，", ",").split(",") if x.strip().isdigit()]
    if not survivor.isdigit():
        raise BadRequest("survivor")
    return int(survivor), others


@routes.post("/{model}/merge/preview", name="merge_preview", permission=AUTHENTICATED)
def merge_preview(ctx: Ctx) -> Response:
    crud = _crud(ctx, "update")
    survivor, others = _merge_ids(ctx)
    moved = merge.preview(ctx.db, ctx.user, crud.model, survivor, others)
    return ctx.render("dataio/merge_new.html", crud=crud, survivor=survivor,
                      others=",".join(map(str, others)), moved=moved)


@routes.post("/{model}/merge", name="merge_create", permission=AUTHENTICATED)
def merge_create(ctx: Ctx) -> Response:
    crud = _crud(ctx, "update")
    survivor, others = _merge_ids(ctx)
    merge.merge(ctx.db, ctx.user, crud.model, survivor, others)
    return ctx.redirect(f"{ctx.kernel.registry.cruds[crud.key][0]}:{crud.noun}_detail", id=survivor,
                        flash="saved")
