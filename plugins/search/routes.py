"""The search pages, mounted at ``/search``: the full results page, the
top bar's drop-down (htmx) and the administrators' index page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.responses import RedirectResponse, Response

from core import AUTHENTICATED, Ctx, Routes
from plugins.search import tasks
from plugins.search.models import SearchEntry
from plugins.search.query import COUNT_CAP, Group, search

routes = Routes()
#: hits per type on the results page, and in the drop-down
PAGE_HITS = 20
DROPDOWN_HITS = 5
MAX_QUERY = 100


def _links(ctx: Ctx, groups: list[Group]) -> dict[tuple[str, int], str | None]:
    """Each hit's record page (None when its model has no page)."""
    return {(g.model, h.record_id): ctx.kernel.record_path(g.model, h.record_id)
            for g in groups for h in g.hits}


def _results(ctx: Ctx, *, limit: int, count: bool) -> dict[str, Any]:
    q = ctx.query.get("q", "").strip()[:MAX_QUERY]
    groups = search(ctx.db, ctx.kernel.registry, ctx.user, q, limit=limit, count=count) if q else []
    return {"q": q, "groups": groups, "links": _links(ctx, groups), "cap": COUNT_CAP}


@routes.get("/", name="result_list", permission=AUTHENTICATED)
def result_list(ctx: Ctx) -> Response:
    """Every type's best hits, with how many each type has."""
    return ctx.render("search/result_list.html", **_results(ctx, limit=PAGE_HITS, count=True))


@routes.get("/suggest", name="result_dropdown", permission=AUTHENTICATED)
def result_dropdown(ctx: Ctx) -> Response:
    """The top bar's drop-down while typing (htmx)."""
    return ctx.render("search/_dropdown.html", **_results(ctx, limit=DROPDOWN_HITS, count=False))


@routes.get("/index", name="index_detail", permission="search.entry.update")
def index_detail(ctx: Ctx) -> Response:
    """How many entries each type has in the index, and the rebuild button."""
    stmt = select(SearchEntry.model, func.count()).group_by(SearchEntry.model)
    counts: dict[str, int] = {model: n for model, n in ctx.db.execute(stmt)}
    models = [(key, str(getattr(ctx.kernel.registry.models.get(key), "__label__", key)))
              for key in ctx.kernel.registry.search]
    return ctx.render("search/index_detail.html", models=models, counts=counts,
                      queued=ctx.query.get("queued") == "1")


@routes.post("/index/rebuild", name="index_rebuild", permission="search.entry.update")
def index_rebuild(ctx: Ctx) -> Response:
    """Queue one rebuild job per type (run by the job worker)."""
    tasks.queue(ctx.db, list(ctx.kernel.registry.search))
    return RedirectResponse(ctx.url_for("index_detail") + "?queued=1", status_code=303)
