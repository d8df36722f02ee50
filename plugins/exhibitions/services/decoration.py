"""Special decoration (特装): builders, projects on raw-space booths, rounds
of drawings and their review, the permit, the management fee and the
clean-up deposit.

A project moves only by :data:`MOVES` (action -> from state -> to state):
an action from any other state is a Conflict naming the state, and nothing
changes. Drawings are submitted round by round (each round keeps its
files, attachments of the round, and its review); a submission after the
drawings' due date (:func:`drawings_due`) is flagged late and carries the
edition's late fee once. The permit is issued only when the drawings are
approved, the management fee is charged (a confirmed service order of the
edition's ``decoration_fee`` service, made through
:mod:`~plugins.exhibitions.services.service_orders`) and the deposit
(``min(area × rate, cap)``) is received in full. After the inspection the
deposit is refunded (passed) or forfeited in part or whole with a reason
(failed, the rest refunded); never more than was received goes back out.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, ValidationError, get_for, next_number, scope, utcnow
from plugins.catalog.services.money import places_of, rounded
from plugins.exhibitions.models import (
    Booth,
    Builder,
    DecorationDeposit,
    DecorationProject,
    DecorationRound,
    DecorationRule,
    Edition,
    ExhibitorService,
    ManualForm,
    ServiceOrder,
)
from plugins.exhibitions.models.choices import DECORATION_STATES
from plugins.exhibitions.services import service_orders
from plugins.sales.services.documents import registry_of, today

#: action -> {from state: to state}
MOVES: dict[str, dict[str, str]] = {
    "submit": {"draft": "submitted", "changes_requested": "resubmitted"},
    "start_review": {"submitted": "in_review", "resubmitted": "in_review"},
    "approve": {"in_review": "approved"},
    "request_changes": {"in_review": "changes_requested"},
    "issue_permit": {"approved": "permit_issued"},
    "inspect": {"permit_issued": "inspected"},
    "refund": {"inspected": "deposit_refunded"},
    "forfeit": {"inspected": "deposit_forfeited"},
}
ACTION_NAMES = {
    "submit": N_("submit drawings"), "start_review": N_("start the review"), "approve": N_("approve"),
    "request_changes": N_("request changes"), "issue_permit": N_("issue the permit"),
    "inspect": N_("inspect the stand"), "refund": N_("refund the deposit"),
    "forfeit": N_("forfeit the deposit"),
}
ILLEGAL = N_("A project in state “{state}” cannot {action}.")
#: the states in which the project's details (builder, height, storeys) may still change
EDITABLE = ("draft", "changes_requested")
#: the booths a project may be on: the exhibitor's own, raw space
BOOKED = ("reserved", "sold")
MAX_FILES = 20


def move(project: DecorationProject, action: str) -> None:
    """Put ``project`` in the state ``action`` leads to, or refuse."""
    target = MOVES[action].get(project.state)
    if target is None:
        raise Conflict(ILLEGAL, state=DECORATION_STATES.get(project.state, project.state),
                       action=ACTION_NAMES[action])
    project.state = target


# ------------------------------------------------------------------ builders

BUILDER_FIELDS = ("name", "licence_no", "contact", "phone", "qualified_until", "blacklisted",
                  "blacklist_reason", "note")


def _check_builder(values: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    if not str(values.get("name") or "").strip():
        errors["name"] = N_("Give the builder's company name.")
    if values.get("blacklisted") and not str(values.get("blacklist_reason") or "").strip():
        errors["blacklist_reason"] = N_("Say why the builder is blacklisted.")
    if errors:
        raise ValidationError(errors)


def create_builder(db: Session, actor: Actor, values: Mapping[str, Any]) -> Builder:
    actor.require("exhibitions.builder.create")
    clean = {k: values[k] for k in BUILDER_FIELDS if k in values}
    _check_builder(clean)
    builder = Builder(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id, **clean)
    db.add(builder)
    db.flush()
    return builder


def update_builder(db: Session, actor: Actor, builder: Builder, values: Mapping[str, Any]) -> None:
    builder = get_for(db, actor, Builder, builder.id, "update")
    merged = {**{k: getattr(builder, k) for k in BUILDER_FIELDS},
              **{k: values[k] for k in BUILDER_FIELDS if k in values}}
    _check_builder(merged)
    for key, value in merged.items():
        setattr(builder, key, value)


def refusal_of(builder: Builder, on: date) -> str:
    """Why ``builder`` cannot be given a project on ``on`` ("" if it can)."""
    if builder.blacklisted:
        return N_("The builder is blacklisted.")
    if builder.qualified_until is not None and builder.qualified_until < on:
        return N_("The builder's qualification has expired.")
    return ""


def _assignable(db: Session, actor: Actor, raw: Any) -> Builder:
    builder = db.scalar(select(Builder).where(Builder.id == _int(raw), scope(actor, Builder, "read")))
    if builder is None:
        raise ValidationError({"builder_id": N_("Choose a stand builder.")})
    why = refusal_of(builder, today())
    if why:
        raise ValidationError({"builder_id": why})
    return builder


def _int(raw: Any) -> int | None:
    text = str(raw if raw is not None else "").strip()
    return int(text) if text.isdigit() else None


def _decimal(raw: Any, field: str, message: str, *, low: Decimal = Decimal(0),
             high: Decimal = Decimal("9999999")) -> Decimal:
    value = service_orders._decimal(raw) if raw not in (None, "") else None
    if value is None or value <= low or value > high:
        raise ValidationError({field: message})
    return value


# ------------------------------------------------------------------ the edition's rules


def rule_of(db: Session, edition_id: int) -> DecorationRule | None:
    return db.scalar(select(DecorationRule).where(DecorationRule.edition_id == edition_id))


def drawings_due(db: Session, edition_id: int) -> date | None:
    """The drawings' due date: the deadline of the manual's drawings form,
    else the edition's rule."""
    deadline = db.scalar(select(func.min(ManualForm.deadline)).where(
        ManualForm.edition_id == edition_id, ManualForm.kind == "drawings"))
    if deadline is not None:
        return deadline
    rule = rule_of(db, edition_id)
    return rule.drawings_due_on if rule is not None else None


def deposit_for(db: Session, edition: Edition, area: Decimal) -> Decimal:
    """The clean-up deposit of ``area`` m²: ``area × rate``, capped."""
    rule = rule_of(db, edition.id)
    if rule is None:
        return Decimal(0)
    amount = rounded(Decimal(rule.deposit_rate) * area, places_of(db, edition.currency_code))
    cap = Decimal(rule.deposit_cap)
    return min(amount, cap) if cap > 0 else amount


def create_rule(db: Session, actor: Actor, values: Mapping[str, Any]) -> DecorationRule:
    actor.require("exhibitions.decoration_rule.create")
    edition = get_for(db, actor, Edition, values.get("edition_id"), "update")
    if rule_of(db, edition.id) is not None:
        raise ValidationError({"edition_id": N_("The edition has its rules already.")})
    clean = {k: values[k] for k in RULE_FIELDS if k in values}
    _check_rule(clean)
    rule = DecorationRule(org_id=edition.org_id, owner_id=actor.user_id, edition_id=edition.id, **clean)
    db.add(rule)
    db.flush()
    return rule


RULE_FIELDS = ("drawings_due_on", "late_fee", "deposit_rate", "deposit_cap")


def _check_rule(values: Mapping[str, Any]) -> None:
    errors = {k: N_("An amount cannot be below zero.") for k in ("late_fee", "deposit_rate", "deposit_cap")
              if Decimal(str(values.get(k) or 0)) < 0}
    if errors:
        raise ValidationError(errors)


def update_rule(db: Session, actor: Actor, rule: DecorationRule, values: Mapping[str, Any]) -> None:
    rule = get_for(db, actor, DecorationRule, rule.id, "update")
    clean = {k: values[k] for k in RULE_FIELDS if k in values}
    _check_rule(clean)
    for key, value in clean.items():
        setattr(rule, key, value)


# ------------------------------------------------------------------ projects

PROJECT_FIELDS = ("builder_id", "height", "two_storey", "note")


def create_project(db: Session, actor: Actor, values: Mapping[str, Any]) -> DecorationProject:
    """A draft project on a raw-space booth (reserved or sold to its
    exhibitor) of an edition the actor may read, by an assignable builder;
    one project per booth. Numbered from ``exhibitions.decoration_project``."""
    actor.require("exhibitions.decoration_project.create")
    edition = get_for(db, actor, Edition, values.get("edition_id"))
    booth = db.scalar(select(Booth).where(Booth.id == _int(values.get("booth_id")),
                                          Booth.edition_id == edition.id, scope(actor, Booth, "read")))
    errors: dict[str, str] = {}
    if booth is None:
        errors["booth_id"] = N_("Choose a booth of the edition.")
    elif booth.construction != "raw":
        errors["booth_id"] = N_("Special decoration is built on raw space only.")
    elif booth.customer_id is None or booth.status not in BOOKED:
        errors["booth_id"] = N_("The booth is not reserved or sold to an exhibitor.")
    elif db.scalar(select(DecorationProject.id).where(DecorationProject.booth_id == booth.id)):
        errors["booth_id"] = N_("The booth has a special-decoration project already.")
    try:
        _assignable(db, actor, values.get("builder_id"))
    except ValidationError as exc:
        errors |= exc.errors
    try:
        height = _decimal(values.get("height"), "height", N_("Enter the stand's height in metres."),
                          high=Decimal(40))
    except ValidationError as exc:
        errors |= exc.errors
    if errors:
        raise ValidationError(errors)
    assert booth is not None and booth.customer_id is not None
    area = Decimal(booth.area)
    project = DecorationProject(
        org_id=edition.org_id, owner_id=actor.user_id, department_id=actor.department_id, edition_id=edition.id,
        customer_id=booth.customer_id, booth_id=booth.id, builder_id=int(str(values["builder_id"])),
        height=height, two_storey=bool(values.get("two_storey")), area=area,
        deposit_due=deposit_for(db, edition, area), note=str(values.get("note") or ""),
        number=next_number(db, registry_of(db), "exhibitions.decoration_project", edition.org_id))
    db.add(project)
    db.flush()
    return project


def update_project(db: Session, actor: Actor, project: DecorationProject, values: Mapping[str, Any]) -> None:
    """Change the builder, height, storeys or remarks of a draft (or of one
    sent back for changes)."""
    project = get_for(db, actor, DecorationProject, project.id, "update")
    if project.state not in EDITABLE:
        raise Conflict(N_("Only a draft, or a project sent back for changes, can be changed."))
    if "builder_id" in values and _int(values["builder_id"]) != project.builder_id:
        project.builder_id = _assignable(db, actor, values["builder_id"]).id
    if "height" in values:
        project.height = _decimal(values["height"], "height", N_("Enter the stand's height in metres."),
                                  high=Decimal(40))
    if "two_storey" in values:
        project.two_storey = bool(values["two_storey"])
    if "note" in values:
        project.note = str(values["note"] or "")
    db.flush()


def rounds_of(db: Session, project_id: int) -> list[DecorationRound]:
    return list(db.scalars(select(DecorationRound).where(DecorationRound.project_id == project_id)
                           .order_by(DecorationRound.number)))


def submit(db: Session, actor: Actor, project_id: Any, store: Any,
           files: Sequence[tuple[str, IO[bytes]]]) -> DecorationRound:
    """Submit drawings (报图): a new round with ``files`` (at least one), the
    project submitted (or resubmitted after changes were asked). A round
    after the due date is late; the first late one puts the edition's late
    fee on the project."""
    from plugins.activity.services.attachments import add_attachment

    project = get_for(db, actor, DecorationProject, project_id, "update")
    check_submission(project, len(files))
    move(project, "submit")
    due = drawings_due(db, project.edition_id)
    late = due is not None and today() > due
    number = (db.scalar(select(func.max(DecorationRound.number)).where(
        DecorationRound.project_id == project.id)) or 0) + 1
    made = DecorationRound(org_id=project.org_id, owner_id=actor.user_id, project_id=project.id, number=number,
                           submitted_at=utcnow(), late=late)
    db.add(made)
    db.flush()
    for filename, stream in files:
        add_attachment(db, actor, store, made, filename=filename, stream=stream)
    if late and not project.late:
        rule = rule_of(db, project.edition_id)
        project.late, project.late_fee = True, Decimal(rule.late_fee) if rule is not None else Decimal(0)
    db.flush()
    return made


def check_submission(project: DecorationProject, files: int) -> None:
    """Refuse a submission before anything is written: a state that takes
    none (Conflict), no file or too many (ValidationError)."""
    if project.state not in MOVES["submit"]:
        move(project, "submit")  # raises the Conflict naming the state
    if not files:
        raise ValidationError({"file": N_("Upload the drawings.")})
    if files > MAX_FILES:
        raise ValidationError({"file": N_("At most 20 files a round.")})


def start_review(db: Session, actor: Actor, project_id: Any) -> DecorationProject:
    project = get_for(db, actor, DecorationProject, project_id, "review")
    move(project, "start_review")
    db.flush()
    return project


def review(db: Session, actor: Actor, project_id: Any, verdict: str, comment: str) -> DecorationRound:
    """The reviewer's verdict (审图) on the latest round: ``approve``, or
    ``changes`` with the comments saying what to change."""
    project = get_for(db, actor, DecorationProject, project_id, "review")
    if verdict not in ("approve", "changes"):
        raise ValidationError({"verdict": N_("Approve the drawings or ask for changes.")})
    if verdict == "changes" and not comment.strip():
        raise ValidationError({"comment": N_("Say what has to change.")})
    move(project, "approve" if verdict == "approve" else "request_changes")
    latest = rounds_of(db, project.id)[-1]
    latest.verdict, latest.comment = verdict, comment.strip()
    latest.reviewer_id, latest.reviewed_at = actor.user_id, utcnow()
    if verdict == "approve":
        project.deposit_due = deposit_for(db, _edition(db, project), Decimal(project.area))
    db.flush()
    return latest


def _edition(db: Session, project: DecorationProject) -> Edition:
    edition = db.get(Edition, project.edition_id)
    assert edition is not None
    return edition


# ------------------------------------------------------------------ money


def fee_service(db: Session, edition_id: int) -> ExhibitorService | None:
    """The edition's special-decoration management fee on sale."""
    return db.scalar(select(ExhibitorService).where(
        ExhibitorService.edition_id == edition_id, ExhibitorService.category == "decoration_fee",
        ExhibitorService.active.is_(True)).order_by(ExhibitorService.sequence, ExhibitorService.id))


def charge_fee(db: Session, actor: Actor, project_id: Any) -> ServiceOrder:
    """Charge the management fee of approved drawings: a service order of
    the edition's ``decoration_fee`` service for the project's m² (a service
    charged per m² takes the exhibitor's booked m²), confirmed at once."""
    project = get_for(db, actor, DecorationProject, project_id, "permit")
    if project.state != "approved":
        raise Conflict(N_("The management fee is charged once the drawings are approved."))
    if fee_charged(db, project):
        raise Conflict(N_("The management fee is charged already."))
    service = fee_service(db, project.edition_id)
    if service is None:
        raise Conflict(N_("The edition sells no special-decoration management fee."))
    order = service_orders.create_order(db, actor, {
        "edition_id": project.edition_id, "customer_id": project.customer_id,
        "note": f"特装管理费 {project.number}",
        "lines": [{"service_id": str(service.id), "quantity": str(project.area), "note": project.number}]})
    service_orders.confirm(db, actor, order.id)
    project.fee_order_id = order.id
    db.flush()
    return order


def fee_charged(db: Session, project: DecorationProject) -> bool:
    if project.fee_order_id is None:
        return False
    return db.scalar(select(ServiceOrder.state).where(ServiceOrder.id == project.fee_order_id)) == "confirmed"


def deposit_totals(db: Session, project_id: int) -> dict[str, Decimal]:
    """Received, refunded, forfeited and held (the rest) of the deposit."""
    totals = {kind: Decimal(0) for kind in ("received", "refunded", "forfeited")}
    for kind, amount in db.execute(select(DecorationDeposit.kind, func.sum(DecorationDeposit.amount))
                                   .where(DecorationDeposit.project_id == project_id)
                                   .group_by(DecorationDeposit.kind)):
        totals[kind] = Decimal(amount or 0)
    totals["held"] = totals["received"] - totals["refunded"] - totals["forfeited"]
    return totals


def _moved(db: Session, actor: Actor, project: DecorationProject, kind: str, amount: Decimal, on: date,
           reason: str = "") -> DecorationDeposit:
    row = DecorationDeposit(org_id=project.org_id, owner_id=actor.user_id, project_id=project.id, kind=kind,
                            amount=amount, moved_on=on, reason=reason)
    db.add(row)
    db.flush()
    return row


def receive_deposit(db: Session, actor: Actor, project_id: Any, amount: Any, on: date | None = None) -> None:
    """Record the clean-up deposit received (before the stand is inspected)."""
    project = get_for(db, actor, DecorationProject, project_id, "deposit")
    if project.state in ("inspected", "deposit_refunded", "deposit_forfeited"):
        raise Conflict(N_("The stand is inspected: no more deposit is taken."))
    value = _decimal(amount, "amount", N_("Enter an amount above zero."))
    _moved(db, actor, project, "received", value, on or today())


def issue_permit(db: Session, actor: Actor, project_id: Any) -> DecorationProject:
    """The construction permit (施工证): approved drawings, the fee charged
    and the deposit received in full; a number and a check code for its QR."""
    project = get_for(db, actor, DecorationProject, project_id, "permit")
    if project.state == "approved":
        if not fee_charged(db, project):
            raise Conflict(N_("Charge the management fee before the permit is issued."))
        held = deposit_totals(db, project.id)["held"]
        if held < Decimal(project.deposit_due):
            raise Conflict(N_("The deposit of {due} is not received in full ({held} so far)."),
                           due=str(project.deposit_due), held=str(held))
    move(project, "issue_permit")
    project.permit_number = next_number(db, registry_of(db), "exhibitions.decoration_permit", project.org_id)
    project.permit_token = secrets.token_hex(8)
    project.permit_issued_on = today()
    db.flush()
    return project


def verify_permit(db: Session, actor: Actor, code: str) -> DecorationProject | None:
    """The project whose permit ``code`` (as its QR holds it) is genuine and
    in force (issued, not yet settled), among those the actor may read."""
    number, _, token = code.strip().partition(".")
    if not number or not token:
        return None
    project = db.scalar(select(DecorationProject).where(
        DecorationProject.permit_number == number, scope(actor, DecorationProject, "read")))
    if project is None or not hmac.compare_digest(project.permit_token.encode(), token.encode()):
        return None
    return project


def inspect(db: Session, actor: Actor, project_id: Any, *, passed: bool, note: str = "",
            on: date | None = None) -> DecorationProject:
    """The stand inspected after move-out (clean site, nothing damaged) or not."""
    project = get_for(db, actor, DecorationProject, project_id, "inspect")
    if not passed and not note.strip():
        raise ValidationError({"inspection_note": N_("Say what the inspection found.")})
    move(project, "inspect")
    project.inspection_passed, project.inspection_note = passed, note.strip()
    project.inspected_on = on or today()
    db.flush()
    return project


def refund_deposit(db: Session, actor: Actor, project_id: Any, amount: Any = None,
                   on: date | None = None) -> DecorationProject:
    """Refund the deposit of a stand that passed inspection: all that is
    held, or ``amount`` of it; never more than was received."""
    project = get_for(db, actor, DecorationProject, project_id, "deposit")
    if project.state == "inspected" and not project.inspection_passed:
        raise Conflict(N_("The stand failed inspection: forfeit the deposit with a reason."))
    held = deposit_totals(db, project.id)["held"]
    value = held if amount in (None, "") else _decimal(amount, "amount", N_("Enter an amount above zero."))
    if value > held:
        raise ValidationError({"amount": N_("The refund cannot exceed the deposit received and not refunded.")})
    move(project, "refund")
    if value > 0:
        _moved(db, actor, project, "refunded", value, on or today())
    return project


def forfeit_deposit(db: Session, actor: Actor, project_id: Any, amount: Any, reason: str,
                    on: date | None = None) -> DecorationProject:
    """Forfeit ``amount`` of the deposit of a stand that failed inspection,
    with the reason; the rest held is refunded."""
    project = get_for(db, actor, DecorationProject, project_id, "deposit")
    if project.state == "inspected" and project.inspection_passed:
        raise Conflict(N_("The stand passed inspection: its deposit is refunded."))
    held = deposit_totals(db, project.id)["held"]
    errors: dict[str, str] = {}
    value = Decimal(0)
    try:
        value = _decimal(amount, "amount", N_("Enter an amount above zero."))
    except ValidationError as exc:
        errors |= exc.errors
    if value > held:
        errors["amount"] = N_("The amount forfeited cannot exceed the deposit held.")
    if not reason.strip():
        errors["reason"] = N_("Say why the deposit is forfeited.")
    if errors:
        raise ValidationError(errors)
    move(project, "forfeit")
    day = on or today()
    _moved(db, actor, project, "forfeited", value, day, reason.strip())
    if held - value > 0:
        _moved(db, actor, project, "refunded", held - value, day)
    return project


def overdue_ids(db: Session, edition_id: int | None = None) -> Any:
    """A select of the projects whose drawings are not in by their due date."""
    edition = DecorationProject.edition_id
    due_form = (select(func.min(ManualForm.deadline))
                .where(ManualForm.edition_id == edition, ManualForm.kind == "drawings")
                .correlate(DecorationProject).scalar_subquery())
    due_rule = (select(DecorationRule.drawings_due_on).where(DecorationRule.edition_id == edition)
                .correlate(DecorationProject).scalar_subquery())
    stmt = select(DecorationProject.id).where(DecorationProject.state == "draft",
                                              func.coalesce(due_form, due_rule) < today())
    if edition_id is not None:
        stmt = stmt.where(DecorationProject.edition_id == edition_id)
    return stmt
