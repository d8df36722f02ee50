"""Sales pipelines and their stages (crm.pipeline.update: the director's)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from core import Ctx, ValidationError, get_for
from plugins.crm.models import Pipeline
from plugins.crm.models.choices import STAGE_KINDS
from plugins.crm.routes.common import routes
from plugins.crm.routes.opportunities import label
from plugins.crm.services.pipelines import ensure_pipelines, pipelines_of, save_pipeline, stages_of


@routes.get("/pipelines", name="pipeline_list", permission="crm.pipeline.update")
def pipeline_list(ctx: Ctx) -> Response:
    ensure_pipelines(ctx.db, ctx.user.org_id)
    pipelines = pipelines_of(ctx.db, ctx.user.org_id, active_only=False)
    return ctx.render("crm/pipeline_list.html", pipelines=[(p, stages_of(ctx.db, p.id)) for p in pipelines],
                      kinds=STAGE_KINDS, label=label)


@routes.get("/pipelines/new", name="pipeline_new", permission="crm.pipeline.update")
def pipeline_new(ctx: Ctx) -> Response:
    rows = [{"id": "", "name": n, "name_en": e, "probability": p, "kind": k} for n, e, p, k in (
        ("初步接洽", "Initial contact", 10, "open"), ("", "", 50, "open"), ("赢单", "Won", 100, "won"),
        ("输单", "Lost", 0, "lost"))]
    return _form(ctx, None, {"name": "", "name_en": "", "active": True, "is_default": False}, rows, {})


@routes.get("/pipelines/{id:int}/edit", name="pipeline_edit", permission="crm.pipeline.update")
def pipeline_edit(ctx: Ctx) -> Response:
    pipeline = get_for(ctx.db, ctx.user, Pipeline, ctx.params["id"], "update")
    rows = [{"id": s.id, "name": s.name, "name_en": s.name_en, "probability": s.probability, "kind": s.kind}
            for s in stages_of(ctx.db, pipeline.id)]
    values = {"name": pipeline.name, "name_en": pipeline.name_en, "active": pipeline.active,
              "is_default": pipeline.is_default}
    return _form(ctx, pipeline, values, rows, {})


@routes.post("/pipelines", name="pipeline_create", permission="crm.pipeline.update")
def pipeline_create(ctx: Ctx) -> Response:
    return _save(ctx, None)


@routes.post("/pipelines/{id:int}", name="pipeline_update", permission="crm.pipeline.update")
def pipeline_update(ctx: Ctx) -> Response:
    return _save(ctx, get_for(ctx.db, ctx.user, Pipeline, ctx.params["id"], "update"))


def _save(ctx: Ctx, pipeline: Pipeline | None) -> Response:
    values = {"name": ctx.field("name"), "name_en": ctx.field("name_en"),
              "active": ctx.field("active") == "1", "is_default": ctx.field("is_default") == "1"}
    rows = _rows(ctx)
    try:
        save_pipeline(ctx.db, ctx.user, pipeline.id if pipeline else None, values, rows)
    except ValidationError as exc:
        errors = {k: ctx._(m, n=k.rsplit("_", 1)[-1]) for k, m in exc.errors.items()}
        return _form(ctx, pipeline, values, rows, errors, status=422)
    return ctx.redirect("pipeline_list", flash="saved")


def _rows(ctx: Ctx) -> list[dict[str, Any]]:
    def listed(name: str) -> list[str]:
        value = ctx.form.get(f"stage_{name}[]", [])
        return [value] if isinstance(value, str) else list(value)

    columns = [listed(n) for n in ("id", "name", "name_en", "probability", "kind")]
    return [{"id": i, "name": n, "name_en": e, "probability": p, "kind": k}
            for i, n, e, p, k in zip(*columns, strict=False)]


def _form(ctx: Ctx, pipeline: Pipeline | None, values: dict[str, Any], rows: list[dict[str, Any]],
          errors: dict[str, str], status: int = 200) -> Response:
    return ctx.render("crm/pipeline_edit.html", status=status, pipeline=pipeline, values=values, rows=rows,
                      errors=errors, kinds=STAGE_KINDS)
