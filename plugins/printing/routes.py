"""Printing records, issued copies and batch prints, mounted at ``/printing``.

Routes are open to any signed-in user (``AUTHENTICATED``) because what they
need depends on the record: every handler finds the record through the
kernel's predicate first (``<model>.read``; a record outside the reader's
scope is a 404), and issuing checks ``<model>.print``.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from starlette.responses import JSONResponse, Response

from core import AUTHENTICATED, Ctx, NotFound, Routes, ValidationError
from plugins.printing import batches, issued, prints
from plugins.printing.engine import Printer, printer_for
from plugins.printing.models import BATCH_STATES, LANGUAGES
from plugins.printing.sandbox import TemplateProblem

routes = Routes()
log = logging.getLogger("suanpan.printing")


def printer(ctx: Ctx) -> Printer:
    return printer_for(ctx.kernel)


def lang(ctx: Ctx, value: str | None = None) -> str:
    return prints.lang_of(value if value is not None else ctx.query.get("lang"), ctx.t.locale)


def pdf_response(data: bytes, filename: str, *, download: bool = False) -> Response:
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": content_disposition("attachment" if download else "inline", filename),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        "Referrer-Policy": "no-referrer",
    })


def content_disposition(kind: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback name, and the real one in UTF-8 (``filename*``)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_"
                       for c in filename) or "document.pdf"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def template_failed(ctx: Ctx, label: str, problem: TemplateProblem) -> Response:
    """A print whose template fails: the reason, for the reader to pass on."""
    log.warning("print template of %s failed: %s", label, problem)
    where = ctx._("line {line}", line=problem.line) if problem.line else ""
    return ctx.kernel.error_response(
        ctx.request, 500, "The print template of {doc} failed: {problem} {where}", ctx=ctx,
        params={"doc": label, "problem": ctx._(problem.message, **problem.params), "where": where})


# ------------------------------------------------------------------ one record


@routes.get("/documents/{key}/{id:int}", name="document_pdf", permission=AUTHENTICATED)
def document_pdf(ctx: Ctx) -> Response:
    decl = prints.decl_for(ctx.kernel.registry, ctx.params["key"])
    try:
        rendered, filename = prints.print_record(ctx.db, ctx.user, printer(ctx), decl, ctx.params["id"],
                                                 lang(ctx))
    except TemplateProblem as problem:
        return template_failed(ctx, ctx._(decl.label), problem)
    for url in rendered.refused:
        log.warning("print %s %s: refused to load %s", decl.key, ctx.params["id"], url)
    return pdf_response(rendered.pdf, filename, download=ctx.query.get("download") == "1")


@routes.post("/documents/{key}/{id:int}/issue", name="issued_create", permission=AUTHENTICATED)
def issued_create(ctx: Ctx) -> Response:
    decl = prints.decl_for(ctx.kernel.registry, ctx.params["key"])
    try:
        copy = issued.issue(ctx.db, ctx.user, printer(ctx), decl, ctx.params["id"],
                            lang(ctx, ctx.field("lang")))
    except TemplateProblem as problem:
        return template_failed(ctx, ctx._(decl.label), problem)
    return ctx.redirect("issued_pdf", id=copy.id)


@routes.get("/issued/{id:int}", name="issued_pdf", permission=AUTHENTICATED)
def issued_pdf(ctx: Ctx) -> Response:
    copy = issued.get_copy(ctx.db, ctx.user, ctx.kernel.registry, ctx.params["id"])
    label = _labels(ctx)["doc_labels"].get(copy.doc_key, copy.doc_key)
    return pdf_response(copy.pdf, prints.file_name(label, copy.number),
                        download=ctx.query.get("download") == "1")


@routes.get("/issued/{id:int}/data", name="issued_data", permission=AUTHENTICATED)
def issued_data(ctx: Ctx) -> Response:
    """The data an issued copy shows, as it was printed."""
    copy = issued.get_copy(ctx.db, ctx.user, ctx.kernel.registry, ctx.params["id"])
    return JSONResponse({"doc_key": copy.doc_key, "record_model": copy.record_model,
                         "record_id": copy.record_id, "number": copy.number, "lang": copy.lang,
                         "template_version": copy.template_version, "sha256": copy.sha256,
                         "issued_at": copy.created_at.isoformat(), "doc": copy.data},
                        headers={"Cache-Control": "private, no-store"})


# ------------------------------------------------------------------ batches


def _list_ids(ctx: Ctx, model_key: str) -> tuple[list[int], bool]:
    """The ids of the list page as filtered (its own query), and whether it has more than a batch takes."""
    entry = ctx.kernel.registry.cruds.get(model_key)
    if entry is None:
        raise NotFound()
    stmt = entry[1].list_view.filtered(ctx).ordered().limit(batches.MAX_RECORDS + 1)
    ids = [int(row.id) for row in ctx.db.scalars(stmt)]
    return ids[: batches.MAX_RECORDS], len(ids) > batches.MAX_RECORDS


@routes.get("/batches/new", name="batch_new", permission=AUTHENTICATED)
def batch_new(ctx: Ctx) -> Response:
    model_key = ctx.query.get("model", "")
    decls = prints.decls_of(ctx.kernel.registry, model_key)
    if not decls:
        raise NotFound()
    ctx.user.require(f"{model_key}.read")
    ids, too_many = _list_ids(ctx, model_key)
    mount, crud = ctx.kernel.registry.cruds[model_key]
    return ctx.render("printing/batch_new.html", decls=decls, ids=ids, too_many=too_many, crud=crud,
                      list_url=ctx.url_for(f"{mount}:{crud.noun}_list"), languages=LANGUAGES, lang=lang(ctx),
                      limit=batches.MAX_RECORDS)


@routes.post("/batches", name="batch_create", permission=AUTHENTICATED)
def batch_create(ctx: Ctx) -> Response:
    decl = prints.decl_for(ctx.kernel.registry, ctx.field("key"))
    raw = ctx.field("ids").replace("，", ",")
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise ValidationError({"ids": ctx._("Record numbers are whole numbers separated by commas.")}) from None
    try:
        batch = batches.create(ctx.db, ctx.user, decl, ids, lang(ctx, ctx.field("lang")))
    except ValidationError as exc:
        raise ValidationError({k: ctx._(v) for k, v in exc.errors.items()}) from None
    return ctx.redirect("batch_detail", id=batch.id)


@routes.get("/batches", name="batch_list", permission=AUTHENTICATED)
def batch_list(ctx: Ctx) -> Response:
    return ctx.render("printing/batch_list.html", batches=batches.mine(ctx.db, ctx.user), **_labels(ctx))


@routes.get("/batches/{id:int}", name="batch_detail", permission=AUTHENTICATED)
def batch_detail(ctx: Ctx) -> Response:
    batch = batches.get_own(ctx.db, ctx.user, ctx.params["id"])
    return ctx.render("printing/batch_detail.html", batch=batch, **_labels(ctx))


@routes.get("/batches/{id:int}/progress", name="batch_progress", permission=AUTHENTICATED)
def batch_progress(ctx: Ctx) -> Response:
    batch = batches.get_own(ctx.db, ctx.user, ctx.params["id"])
    response = ctx.render("printing/_batch_progress.html", batch=batch, **_labels(ctx))
    if ctx.query.get("polling") and batch.state not in batches.RUNNING:
        response.headers["HX-Refresh"] = "true"  # done: the whole page, with the download button
    return response


@routes.get("/batches/{id:int}/pdf", name="batch_pdf", permission=AUTHENTICATED)
def batch_pdf(ctx: Ctx) -> Response:
    batch = batches.get_own(ctx.db, ctx.user, ctx.params["id"])
    if batch.pdf is None:
        raise NotFound()
    label = _labels(ctx)["doc_labels"].get(batch.doc_key, batch.doc_key)
    return pdf_response(batch.pdf, prints.file_name(label, f"{batch.id}-{batch.total}"), download=True)


def _labels(ctx: Ctx) -> dict[str, Any]:
    prints_ = ctx.kernel.registry.prints
    return {"states": BATCH_STATES, "languages": LANGUAGES, "running": batches.RUNNING,
            "doc_labels": {k: ctx._(d.label) for k, d in prints_.items()}, "percent": batches.percent}
