"""The registration part's pages (registered on plugins.exhibitions.routes.routes):
the public pre-registration form of an edition and the e-ticket page (no
login), the edition's registration settings with its questions and gates,
the live visitor dashboard, and visitor badges printed in a batch."""

from __future__ import annotations

from datetime import date
from typing import Any

import segno
from sqlalchemy import select
from starlette.responses import Response

from core import N_, PUBLIC, Column, Ctx, Form, FormField, ListView, NotFound, ValidationError, get_for, scope
from plugins.crm.models.choices import INDUSTRIES
from plugins.exhibitions.models import Edition, ExhibitorService, Space, Visitor, VisitorGate, VisitorQuestion
from plugins.exhibitions.models.choices import (
    BUDGETS,
    PURCHASING_ROLES,
    QUESTION_KINDS,
    TICKET_LANGUAGES,
    VISITOR_KINDS,
)
from plugins.exhibitions.routes import routes
from plugins.exhibitions.routes.venues import Prefilled, _edition_choices
from plugins.exhibitions.services import applications, registration, visitor_counts
from plugins.sales.services.documents import today


def _translated(ctx: Ctx, errors: dict[str, str]) -> dict[str, str]:
    return {k: ctx._(v) for k, v in errors.items()}


def qr_svg(code: str) -> str:
    """The QR of ``code`` as an SVG ``data:`` URL."""
    return str(segno.make(code, error="m", micro=False).svg_data_uri(border=2, dark="#111", scale=8))


# ------------------------------------------------------------------ the public form and the e-ticket


def _public_edition(ctx: Ctx) -> Edition:
    """The edition of the address (404 when unknown) and the page's language:
    ``?lang=``, then the browser's."""
    edition = applications.public_edition(ctx.db, ctx.kernel.settings.secret_key, ctx.params["token"])
    if edition is None:
        raise NotFound()
    _speak(ctx, ctx.query.get("lang"))
    return edition


def _speak(ctx: Ctx, wanted: str | None) -> None:
    accepted = [p.split(";")[0].strip() for p in ctx.request.headers.get("accept-language", "").split(",")]
    ctx.t = ctx.kernel.catalogs.translator(ctx.kernel.catalogs.negotiate([wanted, *accepted]))


def _member_rows(values: dict[str, Any]) -> int:
    """The member rows the form shows again (as many as were sent, up to the most a group takes; else 3)."""
    raw = str(values.get("member_rows") or "")
    return min(int(raw), registration.MAX_MEMBERS) if raw.isdigit() and int(raw) > 0 else 3


def _form_page(ctx: Ctx, edition: Edition, *, status: int = 200, values: dict[str, Any] | None = None,
               errors: dict[str, str] | None = None, done: registration.Registered | None = None,
               limited: bool = False) -> Response:
    en = ctx.t.locale == "en"
    return ctx.render("exhibitions/visitor_register.html", status=status, actor=None, edition=edition,
                      values=values or {}, errors=errors or {}, done=done, limited=limited,
                      group_errors=any(k.startswith("member_") for k in errors or {}),
                      closed=not registration.is_open(ctx.db, edition),
                      questions=registration.questions_of(ctx.db, edition.id), en=en,
                      kinds=[(k, VISITOR_KINDS[k]) for k in registration.PUBLIC_KINDS], roles=PURCHASING_ROLES,
                      budgets=BUDGETS, industries=INDUSTRIES, languages=TICKET_LANGUAGES,
                      member_rows=range(1, _member_rows(values or {}) + 1),
                      title=edition.name_en if en and edition.name_en else edition.name)


@routes.get("/register/{token}", name="visitor_register", permission=PUBLIC)
def visitor_register(ctx: Ctx) -> Response:
    edition = _public_edition(ctx)
    return _form_page(ctx, edition, values={"kind": "visitor", "locale": ctx.t.locale})


@routes.post("/register/{token}", name="visitor_register_submit", permission=PUBLIC)
def visitor_register_submit(ctx: Ctx) -> Response:
    edition = _public_edition(ctx)
    address = ctx.request.client.host if ctx.request.client else ""
    data: dict[str, Any] = {k.removesuffix("[]"): v for k, v in ctx.form.items()}
    try:
        with ctx.db.begin_nested():
            done = registration.submit(ctx.db, edition, data, address=address,
                                       secret_key=ctx.kernel.settings.secret_key)
    except registration.Closed:
        return _form_page(ctx, edition, status=409)
    except registration.RateLimited:
        return _form_page(ctx, edition, status=429, values=data, limited=True)
    except ValidationError as invalid:
        return _form_page(ctx, edition, status=422, values=data, errors=_translated(ctx, invalid.errors))
    return _form_page(ctx, edition, done=done)


@routes.get("/ticket/{token}", name="visitor_ticket", permission=PUBLIC)
def visitor_ticket(ctx: Ctx) -> Response:
    """A visitor's e-ticket: the QR of the code, in the visitor's language unless ``?lang=`` says otherwise."""
    visitor = registration.ticket_of(ctx.db, ctx.params["token"])
    if visitor is None:
        raise NotFound()
    _speak(ctx, ctx.query.get("lang") or visitor.locale)
    edition = ctx.db.get(Edition, visitor.edition_id)
    assert edition is not None
    en = ctx.t.locale == "en"
    members = list(ctx.db.scalars(select(Visitor).where(Visitor.leader_id == visitor.id).order_by(Visitor.id)))
    page = ctx.render("exhibitions/visitor_ticket.html", actor=None, visitor=visitor, edition=edition,
                      qr=qr_svg(visitor.code), kinds=VISITOR_KINDS, members=members,
                      title=edition.name_en if en and edition.name_en else edition.name)
    # the address is the ticket: kept out of caches and of other sites' referrers
    page.headers["Cache-Control"] = "private, no-store"
    page.headers["Referrer-Policy"] = "no-referrer"
    return page


# ------------------------------------------------------------------ the edition's settings


def _setup_page(ctx: Ctx, edition: Edition, *, values: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None, status: int = 200) -> Response:
    setup = registration.setup_of(ctx.db, edition)
    gates = list(ctx.db.execute(select(VisitorGate, Space.name).join(Space, Space.id == VisitorGate.space_id)
                                .where(VisitorGate.edition_id == edition.id,
                                       scope(ctx.user, VisitorGate, "read"))
                                .order_by(VisitorGate.name)))
    services = list(ctx.db.execute(select(ExhibitorService.id, ExhibitorService.name).where(
        ExhibitorService.edition_id == edition.id, scope(ctx.user, ExhibitorService, "read"))
        .order_by(ExhibitorService.sequence, ExhibitorService.id)))
    questions = [q for q in registration.questions_of(ctx.db, edition.id)] \
        if ctx.user.can("exhibitions.visitor_question.read") else []
    chosen = values if values is not None else {"qualify_roles": setup.qualify_roles,
                                                "qualify_interests": setup.qualify_interests}
    return ctx.render("exhibitions/visitor_setup.html", status=status, edition=edition, setup=setup,
                      values=values, chosen_roles=set(registration._listed(chosen.get("qualify_roles"))),
                      chosen_interests=set(registration._listed(chosen.get("qualify_interests"))),
                      errors=errors or {}, gates=gates, questions=questions, services=services,
                      roles=PURCHASING_ROLES, budgets=BUDGETS, industries=INDUSTRIES,
                      question_kinds=QUESTION_KINDS,
                      can_update=ctx.user.can("exhibitions.visitor_setup.update")
                      or ctx.user.can("exhibitions.visitor_setup.create"),
                      public_url=ctx.url_for("visitor_register", token=applications.edition_token(
                          ctx.kernel.settings.secret_key, edition.id)))


@routes.get("/editions/{id:int}/registration", name="visitor_setup",
            permission="exhibitions.visitor_setup.read")
def visitor_setup(ctx: Ctx) -> Response:
    return _setup_page(ctx, get_for(ctx.db, ctx.user, Edition, ctx.params["id"]))


@routes.post("/editions/{id:int}/registration", name="visitor_setup_save",
             permission="exhibitions.visitor_setup.update")
def visitor_setup_save(ctx: Ctx) -> Response:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    values: dict[str, Any] = {k.removesuffix("[]"): v for k, v in ctx.form.items()}
    try:
        with ctx.db.begin_nested():
            registration.save_setup(ctx.db, ctx.user, edition.id, values)
    except ValidationError as invalid:
        return _setup_page(ctx, edition, values=values, errors=_translated(ctx, invalid.errors), status=422)
    return ctx.redirect("visitor_setup", id=edition.id, flash="saved")


def _hall_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(i), n) for i, n in ctx.db.execute(
        select(Space.id, Space.name).where(Space.kind == "hall", scope(ctx.user, Space)).order_by(Space.name))]


questions = Prefilled(
    model=VisitorQuestion, noun="visitor_question", path="/visitor-questions",
    title=N_("Registration questions"),
    title_attr="text",
    list_view=ListView(VisitorQuestion, [
        Column("text", N_("Question"), link=True),
        Column("kind", N_("Kind of answer"), kind="choice", choices=QUESTION_KINDS),
        Column("required", N_("Required"), kind="bool"),
        Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
        Column("sequence", N_("Order")),
    ], search=("text", "text_en"), default_sort="sequence"),
    form=Form([
        FormField("edition_id", N_("Edition"), "select", required=True, choices=_edition_choices),
        FormField("text", N_("Question"), required=True, max_length=300),
        FormField("text_en", N_("Question in English"), max_length=300),
        FormField("kind", N_("Kind of answer"), "select", required=True, choices=list(QUESTION_KINDS.items())),
        FormField("required", N_("Required"), "bool"),
        FormField("options", N_("Options"), "textarea", max_length=4000,
                  help=N_("For a choice: one option a line, Chinese | English.")),
        FormField("sequence", N_("Order"), "int"),
    ]),
    create=registration.create_question, update=registration.update_question,
    detail_fields=[Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
                   Column("text_en", N_("Question in English")),
                   Column("kind", N_("Kind of answer"), kind="choice", choices=QUESTION_KINDS),
                   Column("required", N_("Required"), kind="bool"), Column("options", N_("Options")),
                   Column("sequence", N_("Order"))],
)
questions.prefill = ("edition_id",)
questions.register(routes)


def _create_gate(db: Any, actor: Any, values: dict[str, Any]) -> VisitorGate:
    actor.require("exhibitions.visitor_gate.create")
    edition = get_for(db, actor, Edition, values.get("edition_id"), "update")
    hall = get_for(db, actor, Space, values.get("space_id"))
    name = str(values.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": N_("Give the gate's name.")})
    if db.scalar(select(VisitorGate.id).where(VisitorGate.edition_id == edition.id, VisitorGate.name == name)):
        raise ValidationError({"name": N_("The edition has a gate of this name already.")})
    gate = VisitorGate(org_id=edition.org_id, owner_id=actor.user_id, edition_id=edition.id, name=name,
                       space_id=hall.id)
    db.add(gate)
    db.flush()
    return gate


def _update_gate(db: Any, actor: Any, gate: VisitorGate, values: dict[str, Any]) -> None:
    gate = get_for(db, actor, VisitorGate, gate.id, "update")
    if "space_id" in values:
        gate.space_id = get_for(db, actor, Space, values["space_id"]).id
    name = str(values.get("name") or gate.name).strip()
    if name != gate.name and db.scalar(select(VisitorGate.id).where(
            VisitorGate.edition_id == gate.edition_id, VisitorGate.name == name)):
        raise ValidationError({"name": N_("The edition has a gate of this name already.")})
    gate.name = name


gates = Prefilled(
    model=VisitorGate, noun="visitor_gate", path="/visitor-gates", title=N_("Gates"), title_attr="name",
    list_view=ListView(VisitorGate, [
        Column("name", N_("Gate"), link=True),
        Column("space_id", N_("Hall"), kind="ref", ref=Space),
        Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
    ], search=("name",), default_sort="name"),
    form=Form([
        FormField("edition_id", N_("Edition"), "select", required=True, choices=_edition_choices),
        FormField("name", N_("Gate"), required=True, max_length=40),
        FormField("space_id", N_("Hall"), "select", required=True, choices=_hall_choices),
    ]),
    create=_create_gate, update=_update_gate,
    detail_fields=[Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
                   Column("space_id", N_("Hall"), kind="ref", ref=Space)],
)
gates.prefill = ("edition_id",)
gates.register(routes)


# ------------------------------------------------------------------ the live dashboard


def _day(ctx: Ctx, edition: Edition) -> date:
    """``?day=``, else today during the show, else its first day (a past or coming edition)."""
    try:
        return date.fromisoformat(ctx.query.get("day", ""))
    except ValueError:
        pass
    day = today()
    if edition.opens_on and not edition.opens_on <= day <= (edition.closes_on or edition.opens_on):
        return edition.opens_on
    return day


def _dashboard(ctx: Ctx) -> dict[str, Any]:
    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    board = visitor_counts.dashboard(ctx.db, ctx.user, edition.id, _day(ctx, edition))
    return {"board": board, "edition": board.edition, "kinds": VISITOR_KINDS, "hours": range(8, 19)}


@routes.get("/editions/{id:int}/visitors/dashboard", name="visitor_dashboard",
            permission="exhibitions.visitor.read")
def visitor_dashboard(ctx: Ctx) -> Response:
    return ctx.render("exhibitions/visitor_dashboard.html", **_dashboard(ctx))


@routes.get("/editions/{id:int}/visitors/dashboard/live", name="visitor_dashboard_live",
            permission="exhibitions.visitor.read")
def visitor_dashboard_live(ctx: Ctx) -> Response:
    """The dashboard's figures alone, polled by htmx every few seconds."""
    return ctx.render("exhibitions/_visitor_dashboard.html", **_dashboard(ctx))


# ------------------------------------------------------------------ badges printed in a batch


@routes.post("/editions/{id:int}/visitors/badges", name="visitor_badges_print",
             permission="exhibitions.visitor.read")
def visitor_badges_print(ctx: Ctx) -> Response:
    """The badges of the chosen visitors (``ids``, comma separated) or of a
    delegation, in one PDF: a batch of the printing plugin (its page shows the progress)."""
    from plugins.printing import batches, prints

    edition = get_for(ctx.db, ctx.user, Edition, ctx.params["id"])
    query = select(Visitor.id).where(Visitor.edition_id == edition.id, scope(ctx.user, Visitor, "read"))
    delegation = ctx.field("delegation").strip()
    if delegation:
        query = query.where(Visitor.delegation == delegation)
    else:
        wanted = [int(p) for p in ctx.field("ids").replace("，", ",").split(",") if p.strip().isdigit()]
        query = query.where(Visitor.id.in_(wanted))
    ids = list(ctx.db.scalars(query.order_by(Visitor.id).limit(batches.MAX_RECORDS)))
    decl = prints.decl_for(ctx.kernel.registry, "exhibitions.visitor_badge")
    try:
        batch = batches.create(ctx.db, ctx.user, decl, ids, ctx.t.locale)
    except ValidationError as invalid:
        raise ValidationError(_translated(ctx, invalid.errors)) from None
    return ctx.redirect("printing:batch_detail", id=batch.id)
