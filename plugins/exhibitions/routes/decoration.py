"""The special-decoration part's pages (registered on
plugins.exhibitions.routes.routes): stand builders and an edition's rules
(the kit's pages); projects, listed by state, edition and overdue drawings,
each with its page of rounds, files, review, fee, deposit, permit and
inspection; and the check of a scanned permit."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import or_, select
from starlette.datastructures import UploadFile
from starlette.responses import Response

from core import (
    N_,
    Column,
    Conflict,
    Ctx,
    Filter,
    Form,
    FormField,
    ListView,
    ValidationError,
    get_for,
    scope,
    shown_value,
)
from plugins.crm.models import Customer
from plugins.exhibitions.models import (
    Booth,
    Builder,
    DecorationDeposit,
    DecorationProject,
    DecorationRule,
    Edition,
)
from plugins.exhibitions.models.choices import DECORATION_STATES, DEPOSIT_MOVES, REVIEW_VERDICTS
from plugins.exhibitions.routes import routes
from plugins.exhibitions.routes.venues import Prefilled, _edition_choices
from plugins.exhibitions.services import decoration as services
from plugins.sales.services.documents import today


def _builder_choices(ctx: Ctx) -> list[tuple[str, str]]:
    """The builders a project may be given today (not blacklisted, qualified),
    and on a project's form its own builder."""
    editing = services._int(ctx.params.get("id"))
    own = select(DecorationProject.builder_id).where(DecorationProject.id == editing)
    admitted = Builder.blacklisted.is_(False) & or_(Builder.qualified_until.is_(None),
                                                     Builder.qualified_until >= today())
    return [(str(i), n) for i, n in ctx.db.execute(
        select(Builder.id, Builder.name).where(scope(ctx.user, Builder), or_(admitted, Builder.id.in_(own)))
        .order_by(Builder.name).limit(500))]


def _raw_booth_choices(ctx: Ctx) -> list[tuple[str, str]]:
    rows = ctx.db.execute(select(Booth.id, Booth.number, Customer.name)
                          .join(Customer, Customer.id == Booth.customer_id)
                          .where(scope(ctx.user, Booth), Booth.construction == "raw",
                                 Booth.status.in_(services.BOOKED))
                          .order_by(Booth.number).limit(500))
    return [(str(i), f"{n} · {c}") for i, n, c in rows]


_builder_columns = [Column("licence_no", N_("Licence number")), Column("contact", N_("Contact person")),
                    Column("phone", N_("Phone")),
                    Column("qualified_until", N_("Qualification valid until"), kind="date"),
                    Column("blacklisted", N_("Blacklisted"), kind="bool")]

builders = Prefilled(
    model=Builder, noun="builder", path="/builders", title=N_("Stand builders"), title_attr="name",
    list_view=ListView(Builder, [Column("name", N_("Company name"), link=True), *_builder_columns],
                       search=("name", "licence_no", "contact"), default_sort="name", default_desc=False),
    form=Form([
        FormField("name", N_("Company name"), required=True, max_length=200),
        FormField("licence_no", N_("Licence number"), max_length=60),
        FormField("contact", N_("Contact person"), max_length=100),
        FormField("phone", N_("Phone"), max_length=40),
        FormField("qualified_until", N_("Qualification valid until"), "date"),
        FormField("blacklisted", N_("Blacklisted"), "bool"),
        FormField("blacklist_reason", N_("Reason for the blacklist"), "textarea", max_length=2000),
        FormField("note", N_("Remarks"), "textarea", max_length=2000),
    ]),
    create=services.create_builder, update=services.update_builder,
    detail_fields=[*_builder_columns, Column("blacklist_reason", N_("Reason for the blacklist")),
                   Column("note", N_("Remarks"))],
)

_rule_columns = [Column("drawings_due_on", N_("Drawings due on"), kind="date"),
                 Column("late_fee", N_("Late submission fee"), kind="money"),
                 Column("deposit_rate", N_("Deposit per m²"), kind="money"),
                 Column("deposit_cap", N_("Deposit cap"), kind="money")]

rules = Prefilled(
    model=DecorationRule, noun="decoration_rule", path="/decoration-rules",
    title=N_("Special-decoration rules"),
    title_attr="id",
    list_view=ListView(DecorationRule, [Column("edition_id", N_("Edition"), kind="ref", ref=Edition, link=True),
                                        *_rule_columns]),
    form=Form([
        FormField("edition_id", N_("Edition"), "select", required=True, choices=_edition_choices),
        FormField("drawings_due_on", N_("Drawings due on"), "date"),
        FormField("late_fee", N_("Late submission fee"), "decimal"),
        FormField("deposit_rate", N_("Deposit per m²"), "decimal"),
        FormField("deposit_cap", N_("Deposit cap"), "decimal"),
    ]),
    create=services.create_rule, update=services.update_rule,
    detail_fields=[Column("edition_id", N_("Edition"), kind="ref", ref=Edition), *_rule_columns],
)
rules.prefill = ("edition_id",)


class ProjectList(ListView):
    """Projects; ``?overdue=1``: the drawings not in by their due date."""

    def base_query(self, ctx: Ctx, *, deleted: bool = False) -> Any:
        stmt = super().base_query(ctx, deleted=deleted)
        if ctx.query.get("overdue") == "1":
            stmt = stmt.where(DecorationProject.id.in_(services.overdue_ids(ctx.db)))
        return stmt


def _detail(ctx: Ctx, record: DecorationProject) -> dict[str, Any]:
    from plugins.activity.models import Attachment

    rounds = services.rounds_of(ctx.db, record.id)
    files: dict[int, list[Any]] = {}
    for item in ctx.db.scalars(select(Attachment).where(
            Attachment.record_model == "exhibitions.decoration_round",
            Attachment.record_id.in_([r.id for r in rounds])).order_by(Attachment.id)):
        files.setdefault(item.record_id, []).append(item)
    moves = ctx.db.scalars(select(DecorationDeposit).where(DecorationDeposit.project_id == record.id)
                           .order_by(DecorationDeposit.moved_on, DecorationDeposit.id)).all()
    can = {a: ctx.user.can(f"exhibitions.decoration_project.{a}")
           for a in ("update", "review", "permit", "inspect", "deposit")}
    return {"rounds": rounds, "files": files, "verdicts": REVIEW_VERDICTS, "moves": moves,
            "move_kinds": DEPOSIT_MOVES, "totals": services.deposit_totals(ctx.db, record.id),
            "fee_charged": services.fee_charged(ctx.db, record), "can": can,
            "due": services.drawings_due(ctx.db, record.edition_id), "states": DECORATION_STATES,
            "permit_number": shown_value(ctx.user, DecorationProject, "permit_number", record.permit_number),
            "can_print": ctx.user.can("exhibitions.decoration_project.read") and record.permit_number != ""}


_project_columns = [Column("customer_id", N_("Exhibitor"), kind="ref", ref=Customer),
                    Column("booth_id", N_("Booth"), kind="ref", ref=Booth, ref_label="number"),
                    Column("builder_id", N_("Stand builder"), kind="ref", ref=Builder),
                    Column("state", N_("State"), kind="choice", choices=DECORATION_STATES),
                    Column("area", N_("Area (m²)"), kind="number")]

#: what a project's edit form changes (its edition and booth stay)
EDIT_FORM = Form([
    FormField("builder_id", N_("Stand builder"), "select", required=True, choices=_builder_choices),
    FormField("height", N_("Height (m)"), "decimal", required=True),
    FormField("two_storey", N_("Two storeys"), "bool"),
    FormField("note", N_("Remarks"), "textarea", max_length=2000),
])


class ProjectCrud(Prefilled):
    """Projects: the edit form leaves out the edition and the booth."""

    def _narrow(self) -> Prefilled:
        return Prefilled(**{f.name: getattr(self, f.name) for f in fields(self)} | {"form": EDIT_FORM})

    def edit(self, ctx: Ctx) -> Response:
        return self._narrow().edit(ctx)

    def update_(self, ctx: Ctx) -> Response:
        return self._narrow().update_(ctx)


projects = ProjectCrud(
    model=DecorationProject, noun="decoration_project", path="/decoration", title=N_("Special decoration"),
    title_attr="number",
    list_view=ProjectList(DecorationProject, [
        Column("number", N_("Project number"), link=True), *_project_columns,
        Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
        Column("late", N_("Drawings late"), kind="bool"),
    ], search=("number", "permit_number"), filters=[
        Filter("edition_id", N_("Edition"), _edition_choices),
        Filter("state", N_("State"), list(DECORATION_STATES.items())),
    ], default_sort="id", params=("overdue",)),
    form=Form([
        FormField("edition_id", N_("Edition"), "select", required=True, choices=_edition_choices),
        FormField("booth_id", N_("Booth"), "select", required=True, choices=_raw_booth_choices),
        FormField("builder_id", N_("Stand builder"), "select", required=True, choices=_builder_choices),
        FormField("height", N_("Height (m)"), "decimal", required=True),
        FormField("two_storey", N_("Two storeys"), "bool"),
        FormField("note", N_("Remarks"), "textarea", max_length=2000),
    ]),
    create=services.create_project, update=services.update_project,
    detail_fields=[*_project_columns, Column("edition_id", N_("Edition"), kind="ref", ref=Edition),
                   Column("height", N_("Height (m)"), kind="number"),
                   Column("two_storey", N_("Two storeys"), kind="bool"),
                   Column("late", N_("Drawings late"), kind="bool"),
                   Column("late_fee", N_("Late submission fee"), kind="money"),
                   Column("permit_number", N_("Permit number")),
                   Column("permit_issued_on", N_("Permit issued on"), kind="date"),
                   Column("note", N_("Remarks"))],
    detail_template="exhibitions/decoration_project_detail.html", detail_context=_detail,
    list_template="exhibitions/decoration_project_list.html",
)
projects.prefill = ("edition_id", "booth_id")


def _back(ctx: Ctx, action: Any) -> Response:
    project = get_for(ctx.db, ctx.user, DecorationProject, ctx.params["id"])
    ctx.attempt(lambda: action(project.id))
    return ctx.redirect("decoration_project_detail", id=project.id)


def _upload_limit(settings: Any) -> int:
    """Up to 20 drawings of the attachments' size limit each, and the form."""
    from plugins.activity.storage import BlobStore

    return int(BlobStore.from_settings(settings).max_bytes * services.MAX_FILES + 65536)


@routes.post("/decoration/{id:int}/submit", name="decoration_project_submit",
             permission="exhibitions.decoration_project.update", max_body=_upload_limit)
def decoration_project_submit(ctx: Ctx) -> Response:
    """A round of drawings: the files of ``file[]``. Not in a savepoint (an
    upload takes its blob's lock for the whole transaction): what is refused
    is checked first and shown on the page; a file refused later (empty, too
    large) is an error page, and nothing of the round is kept."""
    from plugins.activity.storage import BlobStore

    project = get_for(ctx.db, ctx.user, DecorationProject, ctx.params["id"], "update")
    sent = ctx.form.get("file[]") or []
    uploads = [u for u in (sent if isinstance(sent, list) else [sent]) if isinstance(u, UploadFile)]
    try:
        services.check_submission(project, len(uploads))
    except ValidationError as invalid:
        ctx.flash_problem(next(iter(invalid.errors.values())))
        return ctx.redirect("decoration_project_detail", id=project.id)
    except Conflict as refused:
        ctx.flash_problem(str(refused), refused.params)
        return ctx.redirect("decoration_project_detail", id=project.id)
    services.submit(ctx.db, ctx.user, project.id, BlobStore.from_settings(ctx.kernel.settings),
                    [(str(u.filename), u.file) for u in uploads])
    return ctx.redirect("decoration_project_detail", id=project.id, flash="saved")


@routes.post("/decoration/{id:int}/start-review", name="decoration_project_start_review",
             permission="exhibitions.decoration_project.review")
def decoration_project_start_review(ctx: Ctx) -> Response:
    return _back(ctx, lambda pid: services.start_review(ctx.db, ctx.user, pid))


@routes.post("/decoration/{id:int}/review", name="decoration_project_review",
             permission="exhibitions.decoration_project.review")
def decoration_project_review(ctx: Ctx) -> Response:
    return _back(ctx, lambda pid: services.review(ctx.db, ctx.user, pid, str(ctx.form.get("verdict", "")),
                                                  str(ctx.form.get("comment", ""))))


@routes.post("/decoration/{id:int}/fee", name="decoration_project_fee",
             permission="exhibitions.decoration_project.permit")
def decoration_project_fee(ctx: Ctx) -> Response:
    return _back(ctx, lambda pid: services.charge_fee(ctx.db, ctx.user, pid))


@routes.post("/decoration/{id:int}/deposit", name="decoration_project_deposit",
             permission="exhibitions.decoration_project.deposit")
def decoration_project_deposit(ctx: Ctx) -> Response:
    return _back(ctx, lambda pid: services.receive_deposit(ctx.db, ctx.user, pid, ctx.form.get("amount")))


@routes.post("/decoration/{id:int}/permit", name="decoration_project_permit",
             permission="exhibitions.decoration_project.permit")
def decoration_project_permit(ctx: Ctx) -> Response:
    return _back(ctx, lambda pid: services.issue_permit(ctx.db, ctx.user, pid))


@routes.post("/decoration/{id:int}/inspect", name="decoration_project_inspect",
             permission="exhibitions.decoration_project.inspect")
def decoration_project_inspect(ctx: Ctx) -> Response:
    passed = ctx.form.get("passed") == "1"
    return _back(ctx, lambda pid: services.inspect(ctx.db, ctx.user, pid, passed=passed,
                                                   note=str(ctx.form.get("inspection_note", ""))))


@routes.post("/decoration/{id:int}/settle", name="decoration_project_settle",
             permission="exhibitions.decoration_project.deposit")
def decoration_project_settle(ctx: Ctx) -> Response:
    """Refund the deposit, or forfeit some of it with the reason (the rest refunded)."""
    amount, reason = ctx.form.get("amount"), str(ctx.form.get("reason", ""))
    if ctx.form.get("forfeit") == "1":
        return _back(ctx, lambda pid: services.forfeit_deposit(ctx.db, ctx.user, pid, amount, reason))
    return _back(ctx, lambda pid: services.refund_deposit(ctx.db, ctx.user, pid, amount or None))


@routes.get("/decoration/verify", name="decoration_permit_verify",
            permission="exhibitions.decoration_project.read")
def decoration_permit_verify(ctx: Ctx) -> Response:
    """A scanned permit's code: whose stand it is and whether it is in force."""
    code = str(ctx.query.get("code", ""))[:100]
    project = services.verify_permit(ctx.db, ctx.user, code) if code else None
    booth = ctx.db.get(Booth, project.booth_id) if project is not None else None
    customer = ctx.db.get(Customer, project.customer_id) if project is not None else None
    number = shown_value(ctx.user, DecorationProject, "permit_number", project.permit_number) if project else ""
    return ctx.render("exhibitions/decoration_permit_verify.html", code=code, project=project, booth=booth,
                      customer=customer, states=DECORATION_STATES, permit_number=number or "")


builders.register(routes)
rules.register(routes)
projects.register(routes)
