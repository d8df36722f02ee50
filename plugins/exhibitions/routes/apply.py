"""The apply part's pages (registered on plugins.exhibitions.routes.routes):
the public bilingual application form of an edition, the staff pages of
applications (list, page, link, new customer, approve, reject), the
waitlist and the priority points."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from starlette.responses import JSONResponse, Response

from core import PUBLIC, Conflict, Ctx, NotFound, User, ValidationError, get_for, scope
from plugins.crm.models import Customer
from plugins.crm.models.choices import INDUSTRIES
from plugins.exhibitions.models import Application, Booth, Edition, WaitlistEntry
from plugins.exhibitions.models.choices import APPLICATION_STATES, BOOTH_TYPES, CONSTRUCTIONS, WAITLIST_STATES
from plugins.exhibitions.routes import routes
from plugins.exhibitions.services import applications as services
from plugins.exhibitions.services import points as point_services
from plugins.exhibitions.services import waitlist as waitlist_services


def _listed(ctx: Ctx, name: str) -> list[str]:
    value = ctx.form.get(f"{name}[]", ctx.form.get(name, []))
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _translated(ctx: Ctx, errors: dict[str, str]) -> dict[str, str]:
    return {k: ctx._(v) for k, v in errors.items()}


# ------------------------------------------------------------------ the public form


def _public_edition(ctx: Ctx) -> Edition:
    """The edition of the address (404 when unknown) and the page's language:
    ``?lang=``, then the browser's."""
    edition = services.public_edition(ctx.db, ctx.kernel.settings.secret_key, ctx.params["token"])
    if edition is None:
        raise NotFound()
    wanted = ctx.query.get("lang")
    accepted = [p.split(";")[0].strip() for p in ctx.request.headers.get("accept-language", "").split(",")]
    locale = ctx.kernel.catalogs.negotiate([wanted, *accepted])
    ctx.t = ctx.kernel.catalogs.translator(locale)
    return edition


def _public(ctx: Ctx, edition: Edition, *, status: int = 200, values: dict[str, Any] | None = None,
            errors: dict[str, str] | None = None, done: bool = False, limited: bool = False) -> Response:
    """The public page, shown as to an anonymous visitor."""
    return ctx.render("exhibitions/application_form.html", status=status, actor=None, edition=edition,
                      values=values or {}, errors=errors or {}, done=done, limited=limited,
                      closed=edition.state != "selling", industries=INDUSTRIES, constructions=CONSTRUCTIONS,
                      staff=False,
                      booth_types=BOOTH_TYPES,
                      title=edition.name_en if ctx.t.locale == "en" and edition.name_en else edition.name)


@routes.get("/apply/{token}", name="application_form", permission=PUBLIC)
def application_form(ctx: Ctx) -> Response:
    edition = _public_edition(ctx)
    return _public(ctx, edition, values={"construction": "shell", "area_wanted": "9"})


@routes.post("/apply/{token}", name="application_submit", permission=PUBLIC)
def application_submit(ctx: Ctx) -> Response:
    edition = _public_edition(ctx)
    address = ctx.request.client.host if ctx.request.client else ""
    data: dict[str, Any] = {k: v for k, v in ctx.form.items() if isinstance(v, str)}
    data["categories"] = _listed(ctx, "categories")
    values = {**data, "categories": data["categories"]}
    try:
        with ctx.db.begin_nested():
            services.submit(ctx.db, edition, data, address=address,
                            secret_key=ctx.kernel.settings.secret_key)
    except services.Closed:
        return _public(ctx, edition, status=409)
    except services.RateLimited:
        return _public(ctx, edition, status=429, values=values, limited=True)
    except ValidationError as invalid:
        return _public(ctx, edition, status=422, values=values, errors=_translated(ctx, invalid.errors))
    return _public(ctx, edition, done=True)


# ------------------------------------------------------------------ the staff pages


def _number(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


@routes.get("/editions/{id:int}/applications", name="application_list",
            permission="exhibitions.application.read")
def application_list(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    state = ctx.query.get("state", "")
    construction = ctx.query.get("construction", "")
    low, high = _number(ctx.query.get("min_area", "")), _number(ctx.query.get("max_area", ""))
    query = select(Application).where(Application.edition_id == edition.id, Application.deleted_at.is_(None),
                                      scope(ctx.user, Application, "read"))
    if state in APPLICATION_STATES:
        query = query.where(Application.state == state)
    if construction in CONSTRUCTIONS:
        query = query.where(Application.construction == construction)
    if low is not None:
        query = query.where(Application.area_wanted >= low)
    if high is not None:
        query = query.where(Application.area_wanted <= high)
    rows = list(ctx.db.scalars(query.order_by(Application.created_at.desc(), Application.id.desc()).limit(500)))
    ids = sorted({a.customer_id for a in rows if a.customer_id})
    scores = point_services.points_of(ctx.db, edition, ids) if ids else {}
    customers = dict(ctx.db.execute(select(Customer.id, Customer.name).where(
        Customer.id.in_(ids), scope(ctx.user, Customer, "read"))).all()) if ids else {}
    return ctx.render("exhibitions/application_list.html", edition=edition, rows=rows, scores=scores,
                      customers=customers, counts=services.counts(ctx.db, ctx.user, edition.id),
                      states=APPLICATION_STATES, constructions=CONSTRUCTIONS, booth_types=BOOTH_TYPES,
                      state=state, construction=construction, min_area=ctx.query.get("min_area", ""),
                      max_area=ctx.query.get("max_area", ""),
                      public_url=ctx.url_for("application_form", token=services.edition_token(
                          ctx.kernel.settings.secret_key, edition.id)))


def _detail(ctx: Ctx, application: Application, *, errors: dict[str, str] | None = None,
            status: int = 200) -> Response:
    edition = ctx.db.get(Edition, application.edition_id)
    assert edition is not None
    can_update = ctx.user.can("exhibitions.application.update")
    found = services.matches(ctx.db, ctx.user, application) if application.state == "submitted" else []
    customer = ctx.db.scalar(select(Customer).where(Customer.id == application.customer_id,
                                                    scope(ctx.user, Customer, "read"))) \
        if application.customer_id else None
    score = point_services.points_of(ctx.db, edition, [application.customer_id])[application.customer_id] \
        if application.customer_id else None
    free = waitlist_services.available_of_kind(ctx.db, edition.id, application.construction,
                                               application.booth_type)
    waiting = ctx.db.scalar(select(func.count()).select_from(WaitlistEntry).where(
        WaitlistEntry.edition_id == edition.id, WaitlistEntry.customer_id == application.customer_id,
        WaitlistEntry.state.in_(("waiting", "offered")))) if application.customer_id else 0
    return ctx.render("exhibitions/application_detail.html", status=status, application=application,
                      edition=edition, matches=found, customer=customer, score=score, free=free,
                      waiting=waiting, errors=errors or {}, states=APPLICATION_STATES,
                      constructions=CONSTRUCTIONS, booth_types=BOOTH_TYPES, industries=INDUSTRIES,
                      web=services.is_web(application), can_update=can_update,
                      can_approve=ctx.user.can("exhibitions.application.approve"),
                      can_make=ctx.user.can("crm.customer.create") and ctx.user.can("crm.contact.create"),
                      can_wait=ctx.user.can("exhibitions.waitlist_entry.create"))


def _new_page(ctx: Ctx, edition: Edition, *, values: dict[str, Any], errors: dict[str, str] | None = None,
              status: int = 200) -> Response:
    customers = _customer_choices(ctx, edition, chosen=str(values.get("customer_id") or ""))
    return ctx.render("exhibitions/application_new.html", status=status, edition=edition, values=values,
                      errors=errors or {}, customers=customers, industries=INDUSTRIES, staff=True,
                      constructions=CONSTRUCTIONS, booth_types=BOOTH_TYPES)


@routes.get("/editions/{id:int}/applications/customers", name="application_customers",
            permission="exhibitions.application.create")
def application_customers(ctx: Ctx) -> Response:
    """The staff form's customer search: customers of the edition's
    organisation the reader may read whose name holds ``q``, as JSON."""
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    text = (ctx.query.get("q") or "").strip()[:60]
    stmt = select(Customer.id, Customer.name).where(Customer.org_id == edition.org_id,
                                                    scope(ctx.user, Customer, "read"))
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Customer.name.ilike(like, escape="\\") | Customer.short_name.ilike(like, escape="\\"))
    rows = ctx.db.execute(stmt.order_by(Customer.name, Customer.id).limit(30))
    return JSONResponse([{"value": str(i), "text": n} for i, n in rows])


@routes.get("/editions/{id:int}/applications/new", name="application_new",
            permission="exhibitions.application.create")
def application_new(ctx: Ctx) -> Response:
    """Staff enter an application on behalf of an exhibitor (a call, a visit)."""
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    return _new_page(ctx, edition, values={"construction": "shell", "area_wanted": "9",
                                           "customer_id": ctx.query.get("customer_id", "")})


@routes.post("/editions/{id:int}/applications", name="application_create",
             permission="exhibitions.application.create")
def application_create(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    data: dict[str, Any] = {k: v for k, v in ctx.form.items() if isinstance(v, str)}
    data["categories"] = _listed(ctx, "categories")
    try:
        with ctx.db.begin_nested():
            application = services.create(ctx.db, ctx.user, edition.id, data)
    except ValidationError as invalid:
        return _new_page(ctx, edition, values=data, errors=_translated(ctx, invalid.errors), status=422)
    return ctx.redirect("application_detail", id=application.id, flash="saved")


@routes.get("/applications/{id:int}", name="application_detail", permission="exhibitions.application.read")
def application_detail(ctx: Ctx) -> Response:
    return _detail(ctx, get_for(ctx.db, ctx.user, Application, ctx.params["id"]))


def _act(ctx: Ctx, action: Any) -> Response:
    """Run ``action`` in a savepoint: back to the application's page, its
    refusal shown there (422 naming the field, 409 for a state clash)."""
    application = get_for(ctx.db, ctx.user, Application, ctx.params["id"])
    try:
        with ctx.db.begin_nested():
            action(application.id)
    except ValidationError as invalid:
        ctx.db.refresh(application)
        return _detail(ctx, application, errors=_translated(ctx, invalid.errors), status=422)
    except Conflict as refused:
        ctx.db.refresh(application)
        message = ctx._(str(refused), **{k: ctx._(str(v)) for k, v in refused.params.items()})
        return _detail(ctx, application, errors={"state": message}, status=409)
    return ctx.redirect("application_detail", id=application.id, flash="saved")


@routes.post("/applications/{id:int}/link", name="application_link",
             permission="exhibitions.application.update")
def application_link(ctx: Ctx) -> Response:
    return _act(ctx, lambda i: services.link(ctx.db, ctx.user, i, ctx.field("customer_id")))


@routes.post("/applications/{id:int}/customer", name="application_customer",
             permission="exhibitions.application.update")
def application_customer(ctx: Ctx) -> Response:
    return _act(ctx, lambda i: services.make_customer(ctx.db, ctx.user, i,
                                                      confirm_new=ctx.field("confirm_new") in ("1", "on")))


@routes.post("/applications/{id:int}/approve", name="application_approve",
             permission="exhibitions.application.approve")
def application_approve(ctx: Ctx) -> Response:
    return _act(ctx, lambda i: services.approve(ctx.db, ctx.user, i))


@routes.post("/applications/{id:int}/reject", name="application_reject",
             permission="exhibitions.application.approve")
def application_reject(ctx: Ctx) -> Response:
    return _act(ctx, lambda i: services.reject(ctx.db, ctx.user, i, ctx.field("reason")))


@routes.post("/applications/{id:int}/waitlist", name="application_waitlist",
             permission="exhibitions.waitlist_entry.create")
def application_waitlist(ctx: Ctx) -> Response:
    return _act(ctx, lambda i: waitlist_services.add_from_application(ctx.db, ctx.user, i))


# ------------------------------------------------------------------ the waitlist


def _customer_choices(ctx: Ctx, edition: Edition, chosen: str = "") -> list[tuple[int, str]]:
    """The first customers the reader may read by name, and the ``chosen`` one (when they may read it)."""
    readable = (Customer.org_id == edition.org_id, scope(ctx.user, Customer, "read"))
    found = [(i, n) for i, n in ctx.db.execute(select(Customer.id, Customer.name).where(*readable)
                                               .order_by(Customer.name).limit(500))]
    if chosen.isdigit() and int(chosen) not in {i for i, _n in found}:
        found = [(i, n) for i, n in ctx.db.execute(select(Customer.id, Customer.name).where(
            Customer.id == int(chosen), *readable))] + found
    return found


def _waitlist_page(ctx: Ctx, edition: Edition, *, errors: dict[str, str] | None = None,
                   values: dict[str, Any] | None = None, status: int = 200) -> Response:
    placed = waitlist_services.ordered(ctx.db, ctx.user, edition.id,
                                       states=("waiting", "offered", "placed", "dropped"))
    ids = sorted({p.entry.customer_id for p in placed})
    names = dict(ctx.db.execute(select(Customer.id, Customer.name).where(
        Customer.id.in_(ids), scope(ctx.user, Customer, "read"))).all()) if ids else {}
    booth_ids = [p.entry.booth_id for p in placed if p.entry.booth_id]
    booths = dict(ctx.db.execute(select(Booth.id, Booth.number).where(
        Booth.id.in_(booth_ids), scope(ctx.user, Booth, "read"))).all()) if booth_ids else {}
    free = ctx.db.scalar(select(func.count()).select_from(Booth).where(
        Booth.edition_id == edition.id, Booth.status == "available", scope(ctx.user, Booth, "read"))) or 0
    return ctx.render("exhibitions/waitlist_list.html", status=status, edition=edition, placed=placed,
                      names=names, booths=booths, errors=errors or {}, values=values or {},
                      customers=_customer_choices(ctx, edition) if ctx.user.can(
                          "exhibitions.waitlist_entry.create") else [],
                      states=WAITLIST_STATES, constructions=CONSTRUCTIONS, booth_types=BOOTH_TYPES, free=free,
                      can_offer=ctx.user.can("exhibitions.booth.sell"),
                      can_update=ctx.user.can("exhibitions.waitlist_entry.update"))


@routes.get("/editions/{id:int}/waitlist", name="waitlist_list", permission="exhibitions.waitlist_entry.read")
def waitlist_list(ctx: Ctx) -> Response:
    return _waitlist_page(ctx, get_for(ctx.db, ctx.user, Edition, ctx.params["id"]))


@routes.post("/editions/{id:int}/waitlist", name="waitlist_create",
             permission="exhibitions.waitlist_entry.create")
def waitlist_create(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    values = {k: v for k, v in ctx.form.items() if isinstance(v, str)}
    try:
        with ctx.db.begin_nested():
            waitlist_services.add(ctx.db, ctx.user, edition.id, values)
    except ValidationError as invalid:
        return _waitlist_page(ctx, edition, errors=_translated(ctx, invalid.errors), values=values, status=422)
    return ctx.redirect("waitlist_list", id=edition.id, flash="saved")


@routes.post("/editions/{id:int}/waitlist/offer", name="waitlist_offer", permission="exhibitions.booth.sell")
def waitlist_offer(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    ctx.attempt(lambda: waitlist_services.offer_available(ctx.db, ctx.user, edition.id))
    return ctx.redirect("waitlist_list", id=edition.id)


@routes.get("/waitlist/{id:int}", name="waitlist_detail", permission="exhibitions.waitlist_entry.read")
def waitlist_detail(ctx: Ctx) -> Response:
    entry = get_for(ctx.db, ctx.user, WaitlistEntry, ctx.params["id"])
    edition = ctx.db.get(Edition, entry.edition_id)
    assert edition is not None
    customer = ctx.db.scalar(select(Customer).where(Customer.id == entry.customer_id,
                                                    scope(ctx.user, Customer, "read")))
    booth = ctx.db.scalar(select(Booth).where(Booth.id == entry.booth_id, scope(ctx.user, Booth, "read"))) \
        if entry.booth_id else None
    score = point_services.points_of(ctx.db, edition, [entry.customer_id])[entry.customer_id]
    return ctx.render("exhibitions/waitlist_detail.html", entry=entry, edition=edition, customer=customer,
                      booth=booth, score=score, states=WAITLIST_STATES, constructions=CONSTRUCTIONS,
                      booth_types=BOOTH_TYPES, can_update=ctx.user.can("exhibitions.waitlist_entry.update"))


@routes.post("/waitlist/{id:int}/state", name="waitlist_state", permission="exhibitions.waitlist_entry.update")
def waitlist_state(ctx: Ctx) -> Response:
    entry = get_for(ctx.db, ctx.user, WaitlistEntry, ctx.params["id"], "update")
    ctx.attempt(lambda: waitlist_services.set_state(ctx.db, ctx.user, entry.id, ctx.field("state")))
    return ctx.redirect("waitlist_detail", id=entry.id)


# ------------------------------------------------------------------ priority points


def _points_page(ctx: Ctx, edition: Edition, *, errors: dict[str, str] | None = None,
                 values: dict[str, Any] | None = None, status: int = 200) -> Response:
    can_adjust = ctx.user.can("exhibitions.points_adjustment.create")
    adjustments = point_services.adjustments(ctx.db, ctx.user, edition.id)
    ids = sorted({a.customer_id for a in adjustments})
    # the names of the exhibitors the reader may read; the others stay a number
    names = dict(ctx.db.execute(select(Customer.id, Customer.name).where(
        Customer.id.in_(ids), scope(ctx.user, Customer, "read"))).all()) if ids else {}
    people_ids = sorted({a.owner_id for a in adjustments if a.owner_id})
    people = dict(ctx.db.execute(select(User.id, User.display_name).where(User.id.in_(people_ids))).all()) \
        if people_ids else {}
    return ctx.render("exhibitions/points_list.html", status=status, edition=edition,
                      ranking=point_services.ranking(ctx.db, ctx.user, edition.id), adjustments=adjustments,
                      names=names, people=people, errors=errors or {}, values=values or {},
                      customers=_customer_choices(ctx, edition) if can_adjust else [], can_adjust=can_adjust,
                      year_points=point_services.YEAR_POINTS, area_step=point_services.AREA_STEP,
                      spend_step=point_services.SPEND_STEP)


@routes.get("/editions/{id:int}/points", name="points_list", permission="exhibitions.points_adjustment.read")
def points_list(ctx: Ctx) -> Response:
    return _points_page(ctx, get_for(ctx.db, ctx.user, Edition, ctx.params["id"]))


@routes.post("/editions/{id:int}/points", name="points_create",
             permission="exhibitions.points_adjustment.create")
def points_create(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    values = {k: v for k, v in ctx.form.items() if isinstance(v, str)}
    try:
        with ctx.db.begin_nested():
            point_services.adjust(ctx.db, ctx.user, edition.id, values.get("customer_id"), values.get("points"),
                                  values.get("reason"))
    except ValidationError as invalid:
        return _points_page(ctx, edition, errors=_translated(ctx, invalid.errors), values=values, status=422)
    return ctx.redirect("points_list", id=edition.id, flash="saved")


# ------------------------------------------------------------------ the menu's entry


@routes.get("/applications", name="application_index", permission="exhibitions.application.read")
def application_index(ctx: Ctx) -> Response:
    """The editions the reader may see, selling ones first, with their
    applications per state and the links to the waitlist and the points."""
    editions = list(ctx.db.scalars(select(Edition).where(scope(ctx.user, Edition, "read"))
                                   .order_by(Edition.opens_on.desc(), Edition.id.desc()).limit(100)))
    editions.sort(key=lambda e: e.state != "selling")
    counts = {e.id: services.counts(ctx.db, ctx.user, e.id) for e in editions}
    return ctx.render("exhibitions/application_index.html", editions=editions, counts=counts,
                      states=APPLICATION_STATES)
