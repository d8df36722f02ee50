"""Opportunities: the kit's list and detail, a form of their own (customer
search, pipeline → stage, competitors, product lines), the kanban per
pipeline and the move between stages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from starlette.responses import FileResponse, JSONResponse, Response

from core import (
    AUTHENTICATED,
    N_,
    Column,
    Conflict,
    Crud,
    Ctx,
    Filter,
    Form,
    FormField,
    ListView,
    NotFound,
    Stale,
    StaleVersion,
    ValidationError,
    check_version,
    get_for,
    scope,
    shown_values,
)
from plugins.crm import kernel
from plugins.crm.models import Contact, Customer, Opportunity, Pipeline, Stage
from plugins.crm.models.choices import CLOSE_PERIODS, CURRENCIES, LOST_REASONS, OPPORTUNITY_STATES, SOURCES
from plugins.crm.routes.common import routes
from plugins.crm.services import board as boards
from plugins.crm.services import opportunities as services
from plugins.crm.services.competitors import org_competitors
from plugins.crm.services.pipelines import ensure_pipelines, stages_of

#: customers offered in the form's select before the reader types (the search finds the others)
CUSTOMER_CHOICES = 200
STATIC = Path(__file__).resolve().parent.parent / "static"


def pipeline_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(p.id), label(ctx, p)) for p in ensure_pipelines(ctx.db, ctx.user.org_id)]


def stage_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(s.id), f"{label(ctx, p)} · {label(ctx, s)}")
            for p in ensure_pipelines(ctx.db, ctx.user.org_id) for s in stages_of(ctx.db, p.id)]


def owner_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(i), name) for i, name in kernel.org_users(ctx.db, ctx.user.org_id)]


def label(ctx: Ctx, record: Pipeline | Stage) -> str:
    """A pipeline's or stage's name in the reader's language."""
    return record.name_en if ctx.t.locale.startswith("en") and record.name_en else record.name


FORM = Form([
    FormField("name", N_("Opportunity name"), required=True),
    FormField("customer_id", N_("Customer"), "int", required=True),
    FormField("contact_id", N_("Contact"), "int"),
    FormField("pipeline_id", N_("Pipeline"), "int", required=True),
    FormField("stage_id", N_("Stage"), "int", required=True),
    FormField("amount", N_("Amount"), "decimal"),
    FormField("currency", N_("Currency"), "select", choices=list(CURRENCIES.items())),
    FormField("probability", N_("Probability (%)"), "int"),
    FormField("expected_close_on", N_("Expected close date"), "date"),
    FormField("source", N_("Source"), "select", choices=list(SOURCES.items())),
    FormField("description", N_("Description"), "textarea", max_length=5000),
])


class OpportunityCrud(Crud):
    """The kit's pages, with the opportunity's own form and names of stages
    and pipelines (which have no read scope of their own)."""

    def list(self, ctx: Ctx) -> Response:
        page = self.list_view.page(ctx)
        names_of_stages(ctx, page.refs, page.rows)
        if ctx.is_htmx:
            return ctx.render("kit/_list_table.html", crud=self, page=page)
        groups = ctx.kernel.pm.hook.list_actions(session=ctx.db, model_key=self.key, actor=ctx.user)
        actions = sorted((p for group in groups for p in group or ()), key=lambda p: (p.order, p.key))
        return ctx.render("kit/list.html", crud=self, page=page, actions=actions)

    def new(self, ctx: Ctx) -> Response:
        default = ensure_pipelines(ctx.db, ctx.user.org_id)[0]
        first = next(s for s in stages_of(ctx.db, default.id) if s.kind == "open")
        values: dict[str, Any] = {"pipeline_id": default.id, "stage_id": first.id, "currency": "CNY",
                                  "probability": first.probability, "customer_id": ctx.query.get("customer_id")}
        return self._form(ctx, None, values, {})

    def edit(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, Opportunity, ctx.params["id"], "update")
        values = {f.name: getattr(record, f.name) for f in FORM.fields}
        values["competitor_ids[]"] = [str(i) for i in services.competitor_ids(ctx.db, record.id)]
        values["products"] = [{"name": p.name, "quantity": p.quantity.normalize(), "amount": p.amount}
                              for p in services.products_of(ctx.db, record.id)]
        values |= {"lost_reason": record.lost_reason, "lost_to_id": record.lost_to_id,
                   "lost_note": record.lost_note}
        return self._form(ctx, record, values, {})

    def _form(self, ctx: Ctx, record: Any, values: dict[str, Any], errors: dict[str, str],
              status: int = 200, *, conflict: Stale | None = None) -> Response:
        org_id = record.org_id if record is not None else ctx.user.org_id
        pipeline_id = _int(values.get("pipeline_id")) or ensure_pipelines(ctx.db, org_id)[0].id
        customer_id = _int(values.get("customer_id"))
        if "products" not in values:
            values["products"] = _product_rows(ctx)
        values, _masked = shown_values(ctx.user, Opportunity, FORM.fields, values, record)
        return ctx.render("crm/opportunity_edit.html", status=status, crud=self, record=record, values=values,
                          errors=errors, fields={f.name: f for f in FORM.fields},
                          editable={f.name for f in FORM.editable(ctx.user, Opportunity)},
                          pipelines=ensure_pipelines(ctx.db, org_id), stages=stages_of(ctx.db, pipeline_id),
                          customers=_customer_options(ctx, customer_id), contacts=_contacts(ctx, customer_id),
                          competitors=org_competitors(ctx.db, org_id), currencies=CURRENCIES, sources=SOURCES,
                          lost_reasons=LOST_REASONS, label=label, conflict=conflict)

    def create_(self, ctx: Ctx) -> Response:
        try:
            record = services.create_opportunity(ctx.db, ctx.user, _bound(ctx))
            ctx.db.flush()
        except ValidationError as exc:
            return self._form(ctx, None, dict(ctx.form), _errors(ctx, exc), status=422)
        return ctx.redirect("opportunity_detail", id=record.id, flash="saved")

    def update_(self, ctx: Ctx) -> Response:
        record = get_for(ctx.db, ctx.user, Opportunity, ctx.params["id"], "update")
        try:
            check_version(record, ctx.form.get("version"))
        except StaleVersion:
            return self.stale(ctx, record)
        try:
            with ctx.db.begin_nested():
                services.update_opportunity(ctx.db, ctx.user, record, _bound(ctx, lost=True))
                ctx.db.flush()
        except ValidationError as exc:
            ctx.db.refresh(record)
            return self._form(ctx, record, dict(ctx.form), _errors(ctx, exc), status=422)
        return ctx.redirect("opportunity_detail", id=record.id, flash="saved")


def _bound(ctx: Ctx, *, lost: bool = False) -> dict[str, Any]:
    """The form's values: the declared fields (or ValidationError), the
    competitors and the product lines."""
    values = FORM.bind(ctx, model=Opportunity)
    chosen = ctx.form.get("competitor_ids[]", [])
    values["competitor_ids"] = [chosen] if isinstance(chosen, str) else list(chosen)
    values["products"] = _product_rows(ctx)
    if lost:  # what a move to a lost stage records, but the fields the user may not change
        lost_values = {"lost_reason": ctx.field("lost_reason"), "lost_note": ctx.field("lost_note").strip(),
                       "lost_to_id": _int(ctx.field("lost_to_id"))}
        locked = ctx.user.readonly_fields(Opportunity)
        values |= {k: v for k, v in lost_values.items() if k not in locked}
    return values


def _product_rows(ctx: Ctx) -> list[dict[str, Any]]:
    def listed(name: str) -> list[str]:
        value = ctx.form.get(f"{name}[]", [])
        return [value] if isinstance(value, str) else list(value)

    names, quantities, amounts = listed("product_name"), listed("product_quantity"), listed("product_amount")
    return [{"name": n, "quantity": q, "amount": a}
            for n, q, a in zip(names, quantities, amounts, strict=False)]


def _errors(ctx: Ctx, exc: ValidationError) -> dict[str, str]:
    """Field errors in the reader's language; rows are numbered from 1."""
    out = {}
    for key, message in exc.errors.items():
        n = key.rsplit("_", 1)[-1]
        out[key] = ctx._(message, n=n) if n.isdigit() else ctx._(message)
    return out


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _customer_options(ctx: Ctx, chosen: int | None) -> list[tuple[int, str]]:
    stmt = (select(Customer.id, Customer.name).where(scope(ctx.user, Customer, "read"))
            .order_by(Customer.name, Customer.id).limit(CUSTOMER_CHOICES))
    options = [(i, n) for i, n in ctx.db.execute(stmt)]
    if chosen is not None and chosen not in {i for i, _ in options}:
        options += [(i, n) for i, n in ctx.db.execute(select(Customer.id, Customer.name).where(
            Customer.id == chosen, scope(ctx.user, Customer, "read")))]
    return options


def _contacts(ctx: Ctx, customer_id: int | None) -> list[tuple[int, str]]:
    if customer_id is None:
        return []
    return [(i, n) for i, n in ctx.db.execute(select(Contact.id, Contact.name).where(
        Contact.customer_id == customer_id, scope(ctx.user, Contact, "read"))
        .order_by(Contact.is_main.desc(), Contact.name))]


def names_of_stages(ctx: Ctx, refs: dict[str, dict[int, str]], rows: list[Any]) -> None:
    """Names of the rows' pipelines and stages (settings of the organisation,
    which every reader of its deals may see)."""
    stage_ids = {r.stage_id for r in rows}
    pipeline_ids = {r.pipeline_id for r in rows}
    if stage_ids:
        refs["stage_id"] = {s.id: label(ctx, s) for s in ctx.db.scalars(
            select(Stage).where(Stage.id.in_(stage_ids)))}
    if pipeline_ids:
        refs["pipeline_id"] = {p.id: label(ctx, p) for p in ctx.db.scalars(
            select(Pipeline).where(Pipeline.id.in_(pipeline_ids)))}


def customer_names(ctx: Ctx, ids: set[int]) -> dict[int, str]:
    """Names of the customers the reader may read among ``ids``."""
    if not ids:
        return {}
    return dict(ctx.db.execute(select(Customer.id, Customer.name).where(
        Customer.id.in_(ids), scope(ctx.user, Customer, "read"))).all())


def _detail_context(ctx: Ctx, record: Opportunity) -> dict[str, Any]:
    db = ctx.db
    stages = stages_of(db, record.pipeline_id)
    names = {s.id: label(ctx, s) for s in stages}
    history = services.stage_history(db, record.id)
    names |= {s.id: label(ctx, s) for s in db.scalars(select(Stage).where(
        Stage.id.in_({h.from_stage_id for h in history} | {h.to_stage_id for h in history} - set(names))))}
    competitors = dict(org_competitors(db, record.org_id))
    return {"stages": stages, "stage_names": names, "history": history,
            "movers": kernel.names(db, (h.actor_id for h in history)),
            "pipeline": db.get(Pipeline, record.pipeline_id), "label": label,
            "products": services.products_of(db, record.id),
            "met": [(i, competitors.get(i, "")) for i in services.competitor_ids(db, record.id)],
            "competitors": list(competitors.items()), "lost_reasons": LOST_REASONS,
            "states": OPPORTUNITY_STATES,
            "can_move": ctx.user.can("crm.opportunity.update") and db.scalar(select(Opportunity.id).where(
                Opportunity.id == record.id, scope(ctx.user, Opportunity, "update"))) is not None}


opportunities = OpportunityCrud(
    model=Opportunity, noun="opportunity", path="/opportunities", title=N_("Opportunities"), title_attr="name",
    list_view=ListView(Opportunity, [
        Column("name", N_("Opportunity name"), link=True),
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("pipeline_id", N_("Pipeline"), kind="ref", ref=Pipeline),
        Column("stage_id", N_("Stage"), kind="ref", ref=Stage),
        Column("state", N_("State"), kind="choice", choices=OPPORTUNITY_STATES),
        Column("amount", N_("Amount"), kind="money"),
        Column("probability", N_("Probability (%)"), kind="number"),
        Column("expected_close_on", N_("Expected close date"), kind="date"),
        Column("owner_id", N_("Owner"), kind="user"),
    ], search=("name",), filters=[
        Filter("pipeline_id", N_("Pipeline"), pipeline_choices),
        Filter("stage_id", N_("Stage"), stage_choices),
        Filter("state", N_("State"), list(OPPORTUNITY_STATES.items())),
        Filter("owner_id", N_("Owner"), owner_choices),
    ], default_sort="id"),
    form=FORM, create=services.create_opportunity, update=services.update_opportunity,
    detail_fields=[
        Column("customer_id", N_("Customer"), kind="ref", ref=Customer),
        Column("contact_id", N_("Contact"), kind="ref", ref=Contact),
        Column("amount", N_("Amount"), getter=lambda o: f"{o.currency} {o.amount:,.2f}"),
        Column("probability", N_("Probability (%)"), kind="number"),
        Column("expected_close_on", N_("Expected close date"), kind="date"),
        Column("source", N_("Source"), kind="choice", choices=SOURCES),
        Column("owner_id", N_("Owner"), kind="user"),
        Column("closed_at", N_("Closed at"), kind="datetime"),
        Column("lost_reason", N_("Lost reason"), kind="choice", choices=LOST_REASONS),
        Column("lost_note", N_("Lost note")),
        Column("description", N_("Description")),
    ],
    detail_template="crm/opportunity_detail.html", detail_context=_detail_context,
)


# the pieces of the form ---------------------------------------------------


@routes.get("/opportunities/customers", name="opportunity_customers", permission="crm.opportunity.read")
def opportunity_customers(ctx: Ctx) -> Response:
    """Customers the reader may read whose name holds ``q`` (the form's search), as JSON."""
    text = (ctx.query.get("q") or "").strip()[:60]
    stmt = select(Customer.id, Customer.name).where(scope(ctx.user, Customer, "read"))
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Customer.name.ilike(like, escape="\\") | Customer.short_name.ilike(like, escape="\\"))
    rows = ctx.db.execute(stmt.order_by(Customer.name, Customer.id).limit(30))
    return JSONResponse([{"value": str(i), "text": n} for i, n in rows])


@routes.get("/opportunities/contacts", name="opportunity_contacts", permission="crm.opportunity.read")
def opportunity_contacts(ctx: Ctx) -> Response:
    return ctx.render("crm/_opportunity_contact_options.html",
                      contacts=_contacts(ctx, _int(ctx.query.get("customer_id"))), chosen=None)


@routes.get("/opportunities/stages", name="opportunity_stages", permission="crm.opportunity.read")
def opportunity_stages(ctx: Ctx) -> Response:
    pipeline_id = _int(ctx.query.get("pipeline_id"))
    pipeline = ctx.db.get(Pipeline, pipeline_id) if pipeline_id else None
    if pipeline is None or pipeline.org_id not in ctx.user.org_ids | {ctx.user.org_id}:
        raise NotFound()
    return ctx.render("crm/_opportunity_stage_options.html", stages=stages_of(ctx.db, pipeline.id),
                      chosen=None, label=label, new=ctx.query.get("new") == "1")


# the kanban ---------------------------------------------------------------


def board_filter(ctx: Ctx) -> boards.BoardFilter:
    who = ctx.query.get("who", "")
    period = ctx.query.get("period", "")
    return boards.BoardFilter(owner_id=_int(ctx.query.get("owner")), who=who if who in ("mine", "team") else "",
                              period=period if period in CLOSE_PERIODS else "")


def board_pipeline(ctx: Ctx) -> Pipeline:
    pipelines = ensure_pipelines(ctx.db, ctx.user.org_id)
    wanted = _int(ctx.query.get("pipeline"))
    found = next((p for p in pipelines if p.id == wanted), None)
    if wanted is not None and found is None:
        raise NotFound()
    return found or pipelines[0]


@routes.get("/opportunities/board", name="opportunity_board", permission="crm.opportunity.read")
def opportunity_board(ctx: Ctx) -> Response:
    pipeline, flt = board_pipeline(ctx), board_filter(ctx)
    return ctx.render("crm/opportunity_board.html", pipeline=pipeline,
                      pipelines=ensure_pipelines(ctx.db, ctx.user.org_id), flt=flt,
                      columns=boards.board(ctx.db, ctx.user, pipeline, flt), owners=owner_choices(ctx),
                      periods=CLOSE_PERIODS, lost_reasons=LOST_REASONS,
                      competitors=org_competitors(ctx.db, ctx.user.org_id), label=label,
                      query=_filter_query(ctx))


def _filter_query(ctx: Ctx) -> dict[str, str]:
    return {k: ctx.query[k] for k in ("pipeline", "owner", "who", "period") if ctx.query.get(k)}


@routes.get("/opportunities/board/cards", name="opportunity_cards", permission="crm.opportunity.read")
def opportunity_cards(ctx: Ctx) -> Response:
    """The next cards of one column (the column's "more" button)."""
    pipeline = board_pipeline(ctx)
    stage = next((s for s in stages_of(ctx.db, pipeline.id) if s.id == _int(ctx.query.get("stage"))), None)
    if stage is None:
        raise NotFound()
    cards, more = boards.stage_cards(ctx.db, ctx.user, stage, board_filter(ctx), after=ctx.query.get("after"))
    return ctx.render("crm/_opportunity_cards.html", cards=cards, more=more, stage=stage,
                      query=_filter_query(ctx))


@routes.post("/opportunities/{id:int}/stage", name="opportunity_move", permission="crm.opportunity.update")
def opportunity_move(ctx: Ctx) -> Response:
    """Move a deal to another stage: from the kanban (JSON: the moved card
    and both columns' new headers) or from the deal's page (a redirect)."""
    wants_json = "application/json" in ctx.request.headers.get("accept", "")
    opportunity_id = ctx.params["id"]
    try:
        before = get_for(ctx.db, ctx.user, Opportunity, opportunity_id, "update").stage_id
        moved = services.move_stage(
            ctx.db, ctx.user, opportunity_id, _int(ctx.field("stage_id")) or 0,
            version=_int(ctx.field("version")), lost_reason=ctx.field("lost_reason"),
            lost_note=ctx.field("lost_note").strip(), lost_to_id=_int(ctx.field("lost_to_id")))
    except (Conflict, ValidationError) as exc:
        if not wants_json:
            raise
        status = 409 if isinstance(exc, Conflict) else 422
        message = ctx._(str(exc)) if isinstance(exc, Conflict) else "; ".join(
            ctx._(m) for m in exc.errors.values())
        return JSONResponse({"error": message}, status_code=status)
    if not wants_json:
        return ctx.redirect("opportunity_detail", id=moved.id, flash="saved")
    flt = boards.BoardFilter(owner_id=_int(ctx.field("owner")), who=ctx.field("who"),
                             period=ctx.field("period"))
    heads = {}
    for stage_id in {before, moved.stage_id}:
        stage = ctx.db.get(Stage, stage_id)
        if stage is not None:
            heads[str(stage_id)] = ctx.kernel.render("crm/_opportunity_column_head.html", ctx, column=boards
                                                     .column_header(ctx.db, ctx.user, stage, flt), label=label)
    card = ctx.kernel.render("crm/_opportunity_card.html", ctx, card=boards.cards(ctx.db, ctx.user, [moved])[0])
    return JSONResponse({"version": moved.version, "state": moved.state, "card": card, "heads": heads})


@routes.get("/assets/{name:str}", name="asset_file", permission=AUTHENTICATED)
def asset_file(ctx: Ctx) -> Response:
    """The CRM's own small scripts (the kanban's)."""
    name = ctx.params["name"]
    if name not in {"kanban.js", "opportunity_form.js"}:
        raise NotFound()
    return FileResponse(STATIC / name, media_type="text/javascript",
                        headers={"Cache-Control": "private, max-age=3600"})


opportunities.register(routes)
