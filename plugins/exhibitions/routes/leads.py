"""Lead retrieval in the exhibitor portal (registered on
plugins.exhibitions.routes.routes, pages of :func:`routes.portal.portal_page`):
the scan box of an edition, the exhibitor's leads, a lead's rating and note,
and the CSV export."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from core import Ctx, ValidationError
from plugins.exhibitions.models import PortalAccount
from plugins.exhibitions.models.choices import LEAD_RATINGS
from plugins.exhibitions.routes.portal import portal_page, render
from plugins.exhibitions.services import leads as services
from plugins.exhibitions.services import portal_pages as pages


def _list(ctx: Ctx, account: PortalAccount, *, status: int = 200, scanned: object = None,
          fresh: bool = False, error: str = "") -> Response:
    editions = pages.editions_of(ctx.db, account)
    wanted = ctx.query.get("edition", "")
    edition = next((e for e in editions if str(e.id) == (wanted or str(ctx.params.get("id", "")))),
                   editions[0] if editions else None)
    rating = ctx.query.get("rating", "")
    rows = services.leads_of(ctx.db, account, edition.id if edition else None, rating) if edition else []
    return render(ctx, account, "exhibitions/portal_lead_list.html", status=status, editions=editions,
                  edition=edition, rows=rows, ratings=LEAD_RATINGS, rating=rating, scanned=scanned,
                  fresh=fresh, scan_error=error)


@portal_page("/portal/leads", name="portal_lead_list")
def portal_lead_list(ctx: Ctx, account: PortalAccount) -> Response:
    return _list(ctx, account)


@portal_page("/portal/editions/{id:int}/leads", name="portal_lead_scan", methods=("POST",))
def portal_lead_scan(ctx: Ctx, account: PortalAccount) -> Response:
    edition = pages.edition_of(ctx.db, account, ctx.params["id"])
    try:
        with ctx.db.begin_nested():
            lead, fresh = services.scan(ctx.db, account, edition, ctx.field("code"))
    except ValidationError as bad:
        return _list(ctx, account, status=422, error=ctx._(bad.errors["code"]))
    return _list(ctx, account, scanned=services.lead_of(ctx.db, account, lead.id), fresh=fresh)


@portal_page("/portal/leads/{id:int}", name="portal_lead_detail")
def portal_lead_detail(ctx: Ctx, account: PortalAccount) -> Response:
    lead, visitor = services.lead_of(ctx.db, account, ctx.params["id"])
    return render(ctx, account, "exhibitions/portal_lead_detail.html", lead=lead, visitor=visitor,
                  ratings=LEAD_RATINGS, errors={})


@portal_page("/portal/leads/{id:int}", name="portal_lead_rate", methods=("POST",))
def portal_lead_rate(ctx: Ctx, account: PortalAccount) -> Response:
    lead, visitor = services.lead_of(ctx.db, account, ctx.params["id"])
    try:
        with ctx.db.begin_nested():
            services.rate(ctx.db, account, lead.id, ctx.form)
    except ValidationError as bad:
        return render(ctx, account, "exhibitions/portal_lead_detail.html", status=422, lead=lead,
                      visitor=visitor, ratings=LEAD_RATINGS,
                      errors={k: ctx._(v) for k, v in bad.errors.items()})
    ctx.flash("saved")
    return RedirectResponse(ctx.url_for("portal_lead_list") + f"?edition={lead.edition_id}", status_code=303)


@portal_page("/portal/leads/export", name="portal_lead_export")
def portal_lead_export(ctx: Ctx, account: PortalAccount) -> Response:
    editions = pages.editions_of(ctx.db, account)
    wanted = ctx.query.get("edition", "")
    edition = next((e for e in editions if str(e.id) == wanted), editions[0] if editions else None)
    rows = services.leads_of(ctx.db, account, edition.id, ctx.query.get("rating", "")) if edition else []
    name = f"leads-{edition.id if edition else 0}.csv"
    return Response(services.export_csv(rows, ctx.t), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})
