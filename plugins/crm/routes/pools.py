"""The public pools: the salespeople's pool pages (list, customers of a
pool, claim), the managers' and owners' moves on a customer's page, and the
administration of pools, protection rules and the CRM settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from core import N_, Column, Conflict, Ctx, Filter, ListView, Panel, ValidationError, scope, utcnow
from plugins.crm import kernel
from plugins.crm.models import Customer, Pool
from plugins.crm.models.choices import INDUSTRIES, LEVELS, OWNERSHIP_ACTIONS
from plugins.crm.routes.common import routes
from plugins.crm.services import pools as services
from plugins.crm.services import protection

#: what a salesperson sees of a pooled customer: enough to decide, no phones
pool_view = ListView(Customer, [
    Column("name", N_("Name")),
    Column("industry", N_("Industry"), kind="choice", choices=INDUSTRIES),
    Column("city", N_("City")),
    Column("level", N_("Level"), kind="choice", choices=LEVELS),
], search=("name",), filters=[
    Filter("level", N_("Level"), list(LEVELS.items())),
    Filter("industry", N_("Industry"), list(INDUSTRIES.items())),
], default_sort="id", page_size=30, extra=False)


def _ids(ctx: Ctx) -> list[Any]:
    """The chosen customers: the row's own button (``one``) or the ticked boxes."""
    if ctx.field("one"):
        return [ctx.field("one")]
    raw = ctx.form.get("customer_id", [])
    return [raw] if isinstance(raw, str) else [str(v) for v in raw]


def _problem(ctx: Ctx, exc: Exception) -> str:
    """A service's refusal in the reader's language."""
    if isinstance(exc, ValidationError):
        return ctx._(next(iter(exc.errors.values())))
    params = exc.params if isinstance(exc, Conflict) else {}
    return ctx._(str(exc), **{k: ctx._(str(v)) for k, v in params.items()})


# ------------------------------------------------------------------ salespeople


@routes.get("/pools", name="pool_list", permission="crm.pool.read")
def pool_list(ctx: Ctx) -> Response:
    pools = services.visible_pools(ctx.db, ctx.user)
    return ctx.render("crm/pool_list.html", pools=pools, counts=services.pool_counts(ctx.db, ctx.user.org_id),
                      quotas={p.id: services.quota(ctx.db, ctx.user, p) for p in pools})


@routes.get("/pools/{id:int}", name="pool_detail", permission="crm.pool.read")
def pool_detail(ctx: Ctx) -> Response:
    pool = services.visible_pool(ctx.db, ctx.user, ctx.params["id"])
    return _pool_page(ctx, pool)


def _pool_page(ctx: Ctx, pool: Pool, message: tuple[str, str] | None = None) -> Response:
    page = pool_view.page(ctx, stmt=services.pooled_customers(pool))
    now = utcnow()
    arrivals = services.pool_arrivals(ctx.db, [r.id for r in page.rows])
    names = kernel.names(ctx.db, [who for _, who in arrivals.values()])
    info = {cid: (services.days_between(at, now), names.get(who or 0, ""))
            for cid, (at, who) in arrivals.items()}
    can_assign = ctx.user.can("crm.customer.assign") and services.holds(ctx.user, "crm.customer.assign",
                                                                        pool.org_id)
    context: dict[str, Any] = {
        "pool": pool, "page": page, "info": info, "quota": services.quota(ctx.db, ctx.user, pool),
        "message": message, "can_claim": services.holds(ctx.user, "crm.pool.claim", pool.org_id),
        "people": services.assignable_people(ctx.db, ctx.user, pool.org_id) if can_assign else []}
    if ctx.is_htmx:
        return ctx.render("crm/_pool_body.html", **context)
    return ctx.render("crm/pool_detail.html", **context)


@routes.post("/pools/{id:int}/claim", name="pool_claim", permission="crm.pool.claim")
def pool_claim(ctx: Ctx) -> Response:
    pool = services.visible_pool(ctx.db, ctx.user, ctx.params["id"])
    try:
        n = services.claim(ctx.db, ctx.user, pool.id, _ids(ctx))
    except (Conflict, ValidationError) as exc:
        return _after_move(ctx, pool, ("danger", _problem(ctx, exc)), exc)
    done = ctx.t.ngettext("{n} customer claimed: it is in your customer list now.",
                          "{n} customers claimed: they are in your customer list now.", n)
    return _after_move(ctx, pool, ("success", done))


@routes.post("/pools/{id:int}/assign", name="pool_assign", permission="crm.customer.assign")
def pool_assign(ctx: Ctx) -> Response:
    pool = services.visible_pool(ctx.db, ctx.user, ctx.params["id"])
    try:
        to_user = int(ctx.field("to_user_id") or 0)
        n = services.assign(ctx.db, ctx.user, _ids(ctx), to_user, ctx.field("reason"))
    except (Conflict, ValidationError) as exc:
        return _after_move(ctx, pool, ("danger", _problem(ctx, exc)), exc)
    except ValueError:
        return _after_move(ctx, pool, ("danger", ctx._("Choose a salesperson within your reach.")))
    done = ctx.t.ngettext("{n} customer assigned.", "{n} customers assigned.", n)
    return _after_move(ctx, pool, ("success", done))


def _after_move(ctx: Ctx, pool: Pool, message: tuple[str, str], exc: Exception | None = None) -> Response:
    """htmx swaps the pool's body with the outcome on top; a plain form post
    goes back to the pool page, or gets it with the refusal (409/422)."""
    if not ctx.is_htmx and exc is None:
        return ctx.redirect("pool_detail", id=pool.id, flash="saved")
    response = _pool_page(ctx, pool, message)
    if not ctx.is_htmx:
        response.status_code = 409 if isinstance(exc, Conflict) else 422
    return response


# ------------------------------------------------------------------ a customer's page


def _back(ctx: Ctx, customer_id: int) -> Response:
    """To the customer's page if the actor may still read it, else their list."""
    readable = ctx.db.scalar(select(Customer.id).where(Customer.id == customer_id,
                                                       scope(ctx.user, Customer, "read")))
    if readable is None:
        return ctx.redirect("customer_list")
    return ctx.redirect("customer_detail", id=customer_id)


def _pool_field(ctx: Ctx) -> int | None:
    raw = ctx.field("pool_id").strip()
    return int(raw) if raw.isdigit() else None


@routes.post("/customers/{id:int}/release", name="customer_release", permission="crm.customer.release")
def customer_release(ctx: Ctx) -> Response:
    cid = ctx.params["id"]
    ctx.attempt(lambda: services.release(ctx.db, ctx.user, [cid], _pool_field(ctx), ctx.field("reason")))
    return _back(ctx, cid)


@routes.post("/customers/{id:int}/assign", name="customer_assign", permission="crm.customer.assign")
def customer_assign(ctx: Ctx) -> Response:
    cid = ctx.params["id"]
    to_user = int(ctx.field("to_user_id")) if ctx.field("to_user_id").isdigit() else 0
    ctx.attempt(lambda: services.assign(ctx.db, ctx.user, [cid], to_user, ctx.field("reason")))
    return _back(ctx, cid)


@routes.post("/customers/{id:int}/recall", name="customer_recall", permission="crm.customer.assign")
def customer_recall(ctx: Ctx) -> Response:
    cid = ctx.params["id"]
    ctx.attempt(lambda: services.recall(ctx.db, ctx.user, [cid], _pool_field(ctx), ctx.field("reason")))
    return _back(ctx, cid)


# ------------------------------------------------------------------ administration


@routes.get("/admin/pools", name="pool_admin", permission="crm.pool.update")
def pool_admin(ctx: Ctx) -> Response:
    pools = services.admin_pools(ctx.db, ctx.user)
    roles = {rid: name for rid, name, _ in kernel.roles(ctx.db)}
    return ctx.render("crm/pool_admin.html", pools=pools, counts=services.pool_counts(ctx.db, ctx.user.org_id),
                      roles={p.id: [roles.get(r, "") for r in sorted(services.pool_role_ids(ctx.db, p.id))]
                             for p in pools},
                      rules={p.id: len(services.rules_of(ctx.db, p.id)) for p in pools})


@routes.get("/admin/pools/new", name="pool_new", permission="crm.pool.update")
def pool_new(ctx: Ctx) -> Response:
    services.admin_pools(ctx.db, ctx.user)  # the org's administrators only
    values = {"name": "", "description": "", "holding_cap": 0, "daily_claim_cap": 0, "cooling_days": 0,
              "is_default": False, "active": True}
    return _pool_form(ctx, None, values, set(), {})


@routes.post("/admin/pools", name="pool_create", permission="crm.pool.update")
def pool_create(ctx: Ctx) -> Response:
    try:
        pool = services.save_pool(ctx.db, ctx.user, None, _pool_values(ctx), _role_ids(ctx))
    except ValidationError as exc:
        return _pool_form(ctx, None, _pool_values(ctx), set(_role_ids(ctx)), exc.errors, status=422)
    return ctx.redirect("pool_edit", id=pool.id, flash="saved")


@routes.get("/admin/pools/{id:int}", name="pool_edit", permission="crm.pool.update")
def pool_edit(ctx: Ctx) -> Response:
    pool = services.admin_pool(ctx.db, ctx.user, ctx.params["id"])
    values = {f: getattr(pool, f) for f in services.POOL_FIELDS}
    return _pool_form(ctx, pool, values, services.pool_role_ids(ctx.db, pool.id), {})


@routes.post("/admin/pools/{id:int}", name="pool_update", permission="crm.pool.update")
def pool_update(ctx: Ctx) -> Response:
    pool = services.admin_pool(ctx.db, ctx.user, ctx.params["id"])
    try:
        with ctx.db.begin_nested():
            services.save_pool(ctx.db, ctx.user, pool, _pool_values(ctx), _role_ids(ctx))
    except ValidationError as exc:
        return _pool_form(ctx, pool, _pool_values(ctx), set(_role_ids(ctx)), exc.errors, status=422)
    return ctx.redirect("pool_edit", id=pool.id, flash="saved")


def _pool_values(ctx: Ctx) -> dict[str, Any]:
    return {f: ctx.field(f) for f in services.POOL_FIELDS}


def _role_ids(ctx: Ctx) -> list[int]:
    raw = ctx.form.get("role_id", [])
    return [int(r) for r in ([raw] if isinstance(raw, str) else raw) if str(r).isdigit()]


def _pool_form(ctx: Ctx, pool: Pool | None, values: dict[str, Any], role_ids: set[int],
               errors: dict[str, str], *, status: int = 200, rule_errors: dict[str, str] | None = None,
               rule_values: dict[str, Any] | None = None) -> Response:
    return ctx.render("crm/pool_edit.html", status=status, pool=pool, values=values, role_ids=role_ids,
                      errors={k: ctx._(v) for k, v in errors.items()},
                      roles=kernel.roles_holding(ctx.db, "crm.pool.read"),
                      rules=services.rules_of(ctx.db, pool.id) if pool else [], levels=LEVELS,
                      rule_errors={k: ctx._(v) for k, v in (rule_errors or {}).items()},
                      rule_values=rule_values or {})


RULE_FIELDS = ("level", "no_followup_days", "no_won_days", "warn_days")


@routes.post("/admin/pools/{id:int}/rules", name="rule_create", permission="crm.pool.update")
def rule_create(ctx: Ctx) -> Response:
    pool = services.admin_pool(ctx.db, ctx.user, ctx.params["id"])
    return _save_rule(ctx, pool, None)


@routes.post("/admin/rules/{id:int}", name="rule_update", permission="crm.pool.update")
def rule_update(ctx: Ctx) -> Response:
    rule, pool = services.admin_rule(ctx.db, ctx.user, ctx.params["id"])
    return _save_rule(ctx, pool, rule)


def _save_rule(ctx: Ctx, pool: Pool, rule: Any) -> Response:
    values = {f: ctx.field(f) for f in RULE_FIELDS}
    try:
        with ctx.db.begin_nested():
            services.save_rule(ctx.db, ctx.user, pool, rule, values)
    except ValidationError as exc:
        pool_values = {f: getattr(pool, f) for f in services.POOL_FIELDS}
        return _pool_form(ctx, pool, pool_values, services.pool_role_ids(ctx.db, pool.id), {}, status=422,
                          rule_errors=exc.errors, rule_values={"id": rule.id if rule else None, **values})
    return ctx.redirect("pool_edit", id=pool.id, flash="saved")


@routes.post("/admin/rules/{id:int}/delete", name="rule_delete", permission="crm.pool.update")
def rule_delete(ctx: Ctx) -> Response:
    pool = services.delete_rule(ctx.db, ctx.user, ctx.params["id"])
    return ctx.redirect("pool_edit", id=pool.id, flash="deleted")


@routes.get("/admin/settings", name="settings_edit", permission="crm.settings.update")
def settings_edit(ctx: Ctx) -> Response:
    settings = services.settings_of(ctx.db, ctx.user.org_id)
    default = services.default_pool(ctx.db, ctx.user.org_id)
    values = {"followup_lock_days": settings.followup_lock_days if settings else 30,
              "default_pool_id": default.id if default else ""}
    return _settings_form(ctx, values, {})


@routes.post("/admin/settings", name="settings_update", permission="crm.settings.update")
def settings_update(ctx: Ctx) -> Response:
    values = {"followup_lock_days": ctx.field("followup_lock_days"),
              "default_pool_id": ctx.field("default_pool_id")}
    try:
        services.save_settings(ctx.db, ctx.user, values)
    except ValidationError as exc:
        return _settings_form(ctx, values, exc.errors, status=422)
    return ctx.redirect("settings_edit", flash="saved")


def _settings_form(ctx: Ctx, values: dict[str, Any], errors: dict[str, str], *, status: int = 200) -> Response:
    pools = list(ctx.db.scalars(select(Pool).where(Pool.org_id == ctx.user.org_id, Pool.active.is_(True))
                                .order_by(Pool.name)))
    return ctx.render("crm/settings_edit.html", status=status, values=values, pools=pools,
                      errors={k: ctx._(v) for k, v in errors.items()})


# ------------------------------------------------------------------ the customer page's panel


def pools_panels(session: Any, record: Any, actor: Any) -> list[Panel]:
    """The ownership panel of a customer's page: owner or pool, the return
    hint, the moves the actor may make, and the ownership history."""
    can_assign = actor.can("crm.customer.assign") and session.scalar(select(Customer.id).where(
        Customer.id == record.id, scope(actor, Customer, "assign"))) is not None
    if record.owner_id is None and actor.can("crm.customer.assign"):
        can_assign = record.pool_id in {p.id for p in services.visible_pools(session, actor)}
    mine = record.owner_id == actor.user_id
    active = list(session.scalars(select(Pool).where(Pool.org_id == record.org_id, Pool.active.is_(True))
                                  .order_by(Pool.is_default.desc(), Pool.name)))
    visible = {p.id for p in services.visible_pools(session, actor)} if record.org_id == actor.org_id else set()
    default = services.default_pool(session, record.org_id)
    names = kernel.names(session, [record.owner_id])
    hint = protection.customer_return(session, record) if (mine or can_assign) else None
    today = services.china_today()
    return [Panel("crm-ownership", N_("Ownership"), "crm/_ownership_panel.html", {
        "customer": record, "owner": names.get(record.owner_id or 0, ""),
        "pool": session.get(Pool, record.pool_id) if record.pool_id else None,
        "hint": (hint[0], (hint[0] - today).days, hint[1], hint[2]) if hint else None,
        "history": services.history(session, record.id),
        "can_release": mine and actor.can("crm.customer.release") and record.owner_id is not None,
        "can_assign": can_assign, "owned": record.owner_id is not None,
        "people": services.assignable_people(session, actor, record.org_id) if can_assign else [],
        "recall_pools": active, "default_pool": default, "actions": OWNERSHIP_ACTIONS,
        "release_pools": [p for p in active if p.id in visible or (default and p.id == default.id)],
    }, order=40)]
