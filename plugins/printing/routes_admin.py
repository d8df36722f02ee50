"""The administrators' pages: print templates (editor with a live preview,
versions) and print settings (each organisation's letterhead)."""

from __future__ import annotations

import base64
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from core import Ctx, NotFound, PrintDecl, ValidationError
from plugins.printing import editor, images, letterheads, prints, versions
from plugins.printing.editor import Preview, Unsaved
from plugins.printing.models import LANGUAGES, Letterhead
from plugins.printing.routes import lang, printer, routes

TEMPLATES = "printing.template.update"
LETTERHEADS = "printing.letterhead.update"


# ------------------------------------------------------------------ templates


@routes.get("/templates", name="template_list", permission=TEMPLATES)
def template_list(ctx: Ctx) -> Response:
    versions.require_editor(ctx.user)
    decls = sorted(ctx.kernel.registry.prints.values(), key=lambda d: d.key)
    return ctx.render("printing/template_list.html", rows=[(d, versions.current(ctx.db, d.key)) for d in decls])


def _decl(ctx: Ctx) -> PrintDecl:
    versions.require_editor(ctx.user)
    return prints.decl_for(ctx.kernel.registry, ctx.params["key"])


def _record_id(ctx: Ctx, raw: str) -> int | None:
    raw = raw.strip().lstrip("#")
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError({"record": ctx._("The record number is a whole number.")})
    return int(raw)


def _editor(ctx: Ctx, decl: PrintDecl, source: str, *, status: int = 200, preview: Preview | None = None,
            record: int | None = None, comment: str = "") -> Response:
    samples = editor.samples(ctx.db, ctx.user, ctx.kernel.registry, decl)
    if record is None and samples:
        record = samples[0][0]
    history = versions.history(ctx.db, decl.key)
    return ctx.render("printing/template_detail.html", status=status, decl=decl, source=source,
                      history=history, names=versions.editors(ctx.db, ctx.kernel.registry, history),
                      samples=samples, record=record,
                      languages=LANGUAGES, lang=lang(ctx, ctx.field("lang") or None), preview=preview,
                      comment=comment, pdf_url=_pdf_url(preview))


def _pdf_url(preview: Preview | None) -> str:
    if preview is None or preview.pdf is None:
        return ""
    return "data:application/pdf;base64," + base64.b64encode(preview.pdf).decode()


@routes.get("/templates/{key}", name="template_detail", permission=TEMPLATES)
def template_detail(ctx: Ctx) -> Response:
    decl = _decl(ctx)
    wanted = ctx.query.get("version", "")
    if wanted.isdigit():
        chosen = versions.get(ctx.db, decl.key, int(wanted))
        source = chosen.source or printer(ctx).default_source(decl)
    elif ctx.query.get("default") == "1":
        source = printer(ctx).default_source(decl)
    else:
        source = printer(ctx).source_for(ctx.db, decl)[0]
    return _editor(ctx, decl, source, record=_record_id(ctx, ctx.query.get("record", "")))


@routes.post("/templates/{key}/preview", name="template_preview", permission=TEMPLATES)
def template_preview(ctx: Ctx) -> Response:
    decl = _decl(ctx)
    result = editor.preview(ctx.db, ctx.user, printer(ctx), decl, ctx.field("source"),
                            _record_id(ctx, ctx.field("record")), lang(ctx, ctx.field("lang")))
    return ctx.render("printing/_template_preview.html", preview=result, pdf_url=_pdf_url(result))


@routes.post("/templates/{key}", name="template_update", permission=TEMPLATES)
def template_update(ctx: Ctx) -> Response:
    decl = _decl(ctx)
    record = _record_id(ctx, ctx.field("record"))
    try:
        editor.save(ctx.db, ctx.user, printer(ctx), decl, ctx.field("source"), ctx.field("comment"), record,
                    lang(ctx, ctx.field("lang")))
    except Unsaved as refused:
        return _editor(ctx, decl, ctx.field("source"), status=422, preview=refused.preview, record=record,
                       comment=ctx.field("comment"))
    return ctx.redirect("template_detail", key=decl.key, flash="saved")


@routes.post("/templates/{key}/versions/{number:int}/revert", name="version_revert", permission=TEMPLATES)
def version_revert(ctx: Ctx) -> Response:
    decl = _decl(ctx)
    versions.revert(ctx.db, ctx.user, decl, ctx.params["number"])
    return ctx.redirect("template_detail", key=decl.key, flash="saved")


@routes.post("/templates/{key}/reset", name="template_reset", permission=TEMPLATES)
def template_reset(ctx: Ctx) -> Response:
    decl = _decl(ctx)
    versions.reset(ctx.db, ctx.user, decl)
    return ctx.redirect("template_detail", key=decl.key, flash="saved")


# ------------------------------------------------------------------ letterheads


@routes.get("/letterheads", name="letterhead_list", permission=LETTERHEADS)
def letterhead_list(ctx: Ctx) -> Response:
    orgs = letterheads.configurable_orgs(ctx.db, ctx.user, ctx.kernel.registry)
    heads = {o.id: letterheads.letterhead_of(ctx.db, o.id) for o in orgs}
    return ctx.render("printing/letterhead_list.html", orgs=orgs, heads=heads)


def _letterhead_page(ctx: Ctx, org: Any, *, values: dict[str, str] | None = None,
                     errors: dict[str, str] | None = None, status: int = 200) -> Response:
    head = letterheads.letterhead_of(ctx.db, org.id)
    shown = values if values is not None else {n: getattr(head, n, "") or "" for n in letterheads.TEXT_FIELDS}
    columns = Letterhead.__table__.columns
    labels = {n: columns[n].info["label"] for n in (*letterheads.TEXT_FIELDS, *letterheads.IMAGE_FIELDS)}
    return ctx.render("printing/letterhead_detail.html", status=status, org=org, head=head, values=shown,
                      errors=errors or {}, labels=labels, fields=letterheads.TEXT_FIELDS,
                      max_mb=images.MAX_BYTES // (1024 * 1024))


@routes.get("/letterheads/{org_id:int}", name="letterhead_detail", permission=LETTERHEADS)
def letterhead_detail(ctx: Ctx) -> Response:
    org = letterheads.org_for(ctx.db, ctx.user, ctx.kernel.registry, ctx.params["org_id"])
    return _letterhead_page(ctx, org)


@routes.post("/letterheads/{org_id:int}", name="letterhead_update", permission=LETTERHEADS,
             max_body=3 * images.MAX_BYTES)
def letterhead_update(ctx: Ctx) -> Response:
    org = letterheads.org_for(ctx.db, ctx.user, ctx.kernel.registry, ctx.params["org_id"])
    values = {n: ctx.field(n) for n in letterheads.TEXT_FIELDS}
    uploads = {n: upload.file.read(images.MAX_BYTES + 1) for n in letterheads.IMAGE_FIELDS
               if isinstance(upload := ctx.form.get(n), UploadFile) and upload.filename}
    remove = {n for n in letterheads.IMAGE_FIELDS if ctx.field(f"remove_{n}") == "1"}
    try:
        letterheads.save(ctx.db, ctx.user, ctx.kernel.registry, org.id, values, uploads, remove,
                         ctx.field("version") or None)
    except ValidationError as exc:
        columns = Letterhead.__table__.columns
        errors = {k: ctx._(v, label=ctx._(columns[k].info["label"])) for k, v in exc.errors.items()}
        return _letterhead_page(ctx, org, values=values, errors=errors, status=422)
    return ctx.redirect("letterhead_detail", org_id=org.id, flash="saved")


@routes.get("/letterheads/{org_id:int}/{image}", name="letterhead_image", permission=LETTERHEADS)
def letterhead_image(ctx: Ctx) -> Response:
    letterheads.org_for(ctx.db, ctx.user, ctx.kernel.registry, ctx.params["org_id"])
    head = letterheads.letterhead_of(ctx.db, ctx.params["org_id"])
    name = ctx.params["image"]
    data = getattr(head, name, None) if name in letterheads.IMAGE_FIELDS else None
    if head is None or not data:
        raise NotFound()
    return Response(data, media_type=getattr(head, f"{name}_type"), headers={
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache",
        "Content-Security-Policy": "default-src 'none'"})
