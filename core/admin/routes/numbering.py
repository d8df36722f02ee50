"""Document numbering: each sequence's pattern, per organisation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from core.admin.routes import routes
from core.admin.routes.choices import org_choices
from core.errors import ValidationError
from core.models import Org, Sequence, SequencePattern
from core.numbering import set_pattern
from core.permissions import Forbidden, covers, get_for
from core.web import Ctx


def _rows(ctx: Ctx, org_id: int) -> list[dict[str, Any]]:
    custom = {key: pattern for key, pattern in ctx.db.execute(
        select(SequencePattern.key, SequencePattern.pattern).where(SequencePattern.org_id == org_id))}
    counters: dict[str, list[tuple[int, int]]] = {}
    for key, period, next_value in ctx.db.execute(
            select(Sequence.key, Sequence.period, Sequence.next_value)
            .where(Sequence.org_id == org_id).order_by(Sequence.key, Sequence.period.desc())):
        counters.setdefault(key, []).append((period, next_value))
    return [{"decl": decl, "custom": custom.get(key, ""), "counters": counters.get(key, [])}
            for key, decl in sorted(ctx.kernel.registry.sequences.items())]


def _org(ctx: Ctx) -> Org:
    """The organisation being configured: one the actor manages numbering in."""
    org = get_for(ctx.db, ctx.user, Org, ctx.query.get("org") or ctx.field("org") or ctx.user.org_id)
    if not covers(ctx.user, org.id, "core.sequence.manage", "org"):
        raise Forbidden("core.sequence.manage")
    return org


def _page(ctx: Ctx, org: Org, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    return ctx.render("core/sequence_list.html", status=status, org=org, rows=_rows(ctx, org.id),
                      orgs=org_choices(ctx), errors=errors or {})


@routes.get("/admin/sequences", name="sequence_list", permission="core.sequence.manage")
def sequence_list(ctx: Ctx) -> Response:
    return _page(ctx, _org(ctx))


@routes.post("/admin/sequences", name="sequence_update", permission="core.sequence.manage")
def sequence_update(ctx: Ctx) -> Response:
    org = _org(ctx)
    key = ctx.field("key")
    try:
        set_pattern(ctx.db, ctx.kernel.registry, key, org.id, ctx.field("pattern"))
    except ValidationError as exc:
        return _page(ctx, org, {key: ctx._(next(iter(exc.errors.values())))}, status=422)
    return RedirectResponse(ctx.url_for("sequence_list") + f"?org={org.id}", status_code=303)
