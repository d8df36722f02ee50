"""Opportunities (商机): creating and changing them, and moving them through
the stages of their pipeline. ``move_stage`` is the one place a deal
changes stage: it writes the stage log (the funnel's source), makes the
state follow the stage's kind, closes and reopens deals, stamps the
customer's last won deal and tells other plugins through
``crm_opportunity_closed``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, NotFound, ValidationError, get_for, scope, utcnow
from plugins.crm import kernel
from plugins.crm.models import (
    Competitor,
    Contact,
    Customer,
    Opportunity,
    OpportunityCompetitor,
    OpportunityProduct,
    Pipeline,
    Stage,
    StageLog,
)
from plugins.crm.models.choices import CURRENCIES, LOST_REASONS, SOURCES
from plugins.crm.services.pipelines import ensure_pipelines, stages_of

#: fields of an opportunity a form or the API may set (rule 8: never org,
#: owner, department, state or the closing fields)
EDITABLE = ("name", "customer_id", "contact_id", "pipeline_id", "stage_id", "amount", "currency",
            "probability", "expected_close_on", "source", "description")
#: at most this many product lines on one opportunity
MAX_PRODUCTS = 50


# ------------------------------------------------------------------ create and update


def create_opportunity(db: Session, actor: Actor, values: dict[str, Any]) -> Opportunity:
    """A new opportunity owned by ``actor`` (the creator owns the deal, as in
    Odoo) on a customer ``actor`` may read, in an open stage of one of the
    organisation's pipelines. ``values`` may carry ``competitor_ids`` (ids)
    and ``products`` (rows of ``name``, ``quantity``, ``amount``). Bad input
    raises one ValidationError naming every bad field; nothing is written."""
    actor.require("crm.opportunity.create")
    ensure_pipelines(db, actor.org_id)
    clean, competitors, products = _checked(db, actor, None, values)
    stage = db.get(Stage, clean["stage_id"])
    assert stage is not None  # _checked found it
    if stage.kind != "open":
        raise ValidationError({"stage_id": N_("A new opportunity starts in an open stage.")})
    now = utcnow()
    opportunity = Opportunity(
        org_id=actor.org_id, owner_id=actor.user_id,
        department_id=kernel.department_in(db, actor.user_id, actor.org_id) or actor.department_id,
        state="open", stage_entered_at=now, **clean)
    db.add(opportunity)
    db.flush()
    _set_competitors(db, opportunity, competitors)
    _set_products(db, opportunity, products)
    db.add(StageLog(opportunity_id=opportunity.id, from_stage_id=None, to_stage_id=stage.id,
                    days_in_from=None, actor_id=actor.user_id, at=now))
    return opportunity


def update_opportunity(db: Session, actor: Actor, opportunity: Opportunity, values: dict[str, Any]) -> None:
    """Change an opportunity ``actor`` may update. A new stage goes through
    :func:`move_stage` (its log, state and closing rules); ``lost_reason``,
    ``lost_note`` and ``lost_to_id`` in ``values`` serve a move to a lost
    stage."""
    clean, competitors, products = _checked(db, actor, opportunity, values)
    target_stage = clean.pop("stage_id")
    pipeline_changed = clean["pipeline_id"] != opportunity.pipeline_id
    stage = _stage(db, target_stage)
    if stage.kind == "lost" and (target_stage != opportunity.stage_id or pipeline_changed):
        _check_lost(db, opportunity, str(values.get("lost_reason") or ""), str(values.get("lost_note") or ""),
                    _int_or_none(values.get("lost_to_id")))
    for key, value in clean.items():
        setattr(opportunity, key, value)
    if target_stage != opportunity.stage_id or pipeline_changed:
        _move(db, actor, opportunity, stage, lost_reason=str(values.get("lost_reason") or ""),
              lost_note=str(values.get("lost_note") or ""), lost_to_id=_int_or_none(values.get("lost_to_id")))
    if "competitor_ids" in values:
        _set_competitors(db, opportunity, competitors)
    if "products" in values:
        _set_products(db, opportunity, products)


def _checked(db: Session, actor: Actor, opportunity: Opportunity | None,
             values: Mapping[str, Any]) -> tuple[dict[str, Any], list[int], list[dict[str, Any]]]:
    """The values to set, the competitors and the product lines, or one
    ValidationError naming each bad field (and product row)."""
    errors: dict[str, str] = {}
    current = {k: getattr(opportunity, k) for k in EDITABLE} if opportunity is not None else {}
    clean = {k: values.get(k, current.get(k)) for k in EDITABLE}
    org_id = opportunity.org_id if opportunity is not None else actor.org_id
    if not str(clean["name"] or "").strip():
        errors["name"] = N_("Give the opportunity a name.")
    customer = _readable_customer(db, actor, clean["customer_id"], org_id)
    if customer is None:
        errors["customer_id"] = N_("Choose a customer you may see.")
    if clean["contact_id"] is not None and (customer is None or db.scalar(select(Contact.id).where(
            Contact.id == clean["contact_id"], Contact.customer_id == customer.id,
            Contact.deleted_at.is_(None))) is None):
        errors["contact_id"] = N_("The contact must be one of the customer's.")
    pipeline = db.get(Pipeline, clean["pipeline_id"]) if clean["pipeline_id"] is not None else None
    if pipeline is None or pipeline.org_id != org_id or not pipeline.active:
        errors["pipeline_id"] = N_("Choose one of the organisation's pipelines.")
        pipeline = None
    stage = db.get(Stage, clean["stage_id"]) if clean["stage_id"] is not None else None
    if stage is None or pipeline is None or stage.pipeline_id != pipeline.id:
        errors["stage_id"] = N_("Choose a stage of the chosen pipeline.")
        stage = None
    amount = clean["amount"] if clean["amount"] is not None else Decimal("0")
    if not isinstance(amount, Decimal):
        amount = _decimal(amount)
    if amount is None or amount < 0:
        errors["amount"] = N_("The amount cannot be negative.")
    elif _places(amount) > 2:
        errors["amount"] = N_("The amount has at most two decimal places.")
    clean["amount"] = amount
    clean["currency"] = clean["currency"] or "CNY"
    if clean["currency"] not in CURRENCIES:
        errors["currency"] = N_("Choose one of the offered currencies.")
    probability = clean["probability"]
    if probability is None or (opportunity is not None and "probability" not in values):
        probability = stage.probability if stage is not None else 0
    if not isinstance(probability, int) or not 0 <= probability <= 100:
        errors["probability"] = N_("The probability is a whole number from 0 to 100.")
    clean["probability"] = probability
    clean["source"] = clean["source"] or ""
    if clean["source"] and clean["source"] not in SOURCES:
        errors["source"] = N_("Choose one of the offered values.")
    if isinstance(clean["expected_close_on"], str):
        try:
            clean["expected_close_on"] = date.fromisoformat(clean["expected_close_on"]) if clean[
                "expected_close_on"] else None
        except ValueError:
            errors["expected_close_on"] = N_("Give the date as YYYY-MM-DD.")
    clean["description"] = clean["description"] or ""
    clean["name"] = str(clean["name"] or "").strip()
    competitors = [i for i in (_int_or_none(v) for v in values.get("competitor_ids") or ()) if i is not None]
    if competitors and len(set(competitors)) != db.scalar(select(func.count(Competitor.id)).where(
            Competitor.id.in_(set(competitors)), Competitor.org_id == org_id, Competitor.deleted_at.is_(None))):
        errors["competitor_ids"] = N_("Choose competitors of the organisation.")
    products = _checked_products(values.get("products") or (), errors)
    if errors:
        raise ValidationError(errors)
    return clean, sorted(set(competitors)), products


def _checked_products(rows: Sequence[Mapping[str, Any]], errors: dict[str, str]) -> list[dict[str, Any]]:
    """Product lines with a name; a row left empty is dropped. Errors are
    keyed ``product_<n>`` (n from 1, as the form shows the rows)."""
    lines: list[dict[str, Any]] = []
    if len(rows) > MAX_PRODUCTS:
        errors["products"] = N_("At most 50 products of interest.")
        return lines
    for n, row in enumerate(rows, start=1):
        name = str(row.get("name") or "").strip()
        quantity = _decimal(row.get("quantity") or "1")
        amount = _decimal(row.get("amount") or "0")
        if not name and not str(row.get("amount") or "").strip():
            continue
        if not name or len(name) > 200:
            errors[f"product_{n}"] = N_("Row {n}: name the product.")
        elif quantity is None or quantity <= 0 or _places(quantity) > 3 or quantity >= Decimal("1e15"):
            errors[f"product_{n}"] = N_("Row {n}: the quantity must be a positive number.")
        elif amount is None or amount < 0 or _places(amount) > 2 or amount >= Decimal("1e16"):
            errors[f"product_{n}"] = N_("Row {n}: the amount must be a number of at least 0 with at most "
                                        "two decimal places.")
        else:
            lines.append({"name": name, "quantity": quantity, "amount": amount})
    return lines


def _readable_customer(db: Session, actor: Actor, customer_id: Any, org_id: int) -> Customer | None:
    if customer_id is None:
        return None
    try:
        customer = get_for(db, actor, Customer, customer_id, "read")
    except NotFound:
        return None
    return customer if customer.org_id == org_id else None


def _set_competitors(db: Session, opportunity: Opportunity, competitor_ids: Sequence[int]) -> None:
    db.execute(delete(OpportunityCompetitor).where(OpportunityCompetitor.opportunity_id == opportunity.id))
    db.add_all(OpportunityCompetitor(opportunity_id=opportunity.id, competitor_id=i) for i in competitor_ids)


def _set_products(db: Session, opportunity: Opportunity, lines: Sequence[dict[str, Any]]) -> None:
    db.execute(delete(OpportunityProduct).where(OpportunityProduct.opportunity_id == opportunity.id))
    db.add_all(OpportunityProduct(opportunity_id=opportunity.id, product_id=None, **line) for line in lines)


# ------------------------------------------------------------------ moving between stages


def move_stage(db: Session, actor: Actor, opportunity_id: int, stage_id: int, *, version: int | None = None,
               lost_reason: str = "", lost_note: str = "", lost_to_id: int | None = None) -> Opportunity:
    """Move an opportunity ``actor`` may update (404 otherwise) to another
    stage of its pipeline. ``version``, when given, must be the one the
    user saw (Conflict otherwise: someone moved or changed it meanwhile).
    A lost stage needs ``lost_reason`` (one of LOST_REASONS); a won one
    stamps the customer's ``last_won_at``; an open one reopens a closed
    deal. One StageLog row per move, with the whole days spent in the
    stage left."""
    opportunity = get_for(db, actor, Opportunity, opportunity_id, "update")
    if version is not None and version != opportunity.version:
        raise Conflict(N_("Someone else changed this opportunity meanwhile. Reload and try again."))
    stage = db.get(Stage, stage_id)
    if stage is None or stage.pipeline_id != opportunity.pipeline_id:
        raise ValidationError({"stage_id": N_("Choose a stage of the opportunity's pipeline.")})
    _move(db, actor, opportunity, stage, lost_reason=lost_reason, lost_note=lost_note, lost_to_id=lost_to_id)
    db.flush()
    return opportunity


def _move(db: Session, actor: Actor, opportunity: Opportunity, stage: Stage, *, lost_reason: str,
          lost_note: str, lost_to_id: int | None) -> None:
    if stage.id == opportunity.stage_id and stage.pipeline_id == opportunity.pipeline_id:
        return
    if stage.kind == "lost":
        _check_lost(db, opportunity, lost_reason, lost_note, lost_to_id)
    now = utcnow()
    before = opportunity.state
    db.add(StageLog(opportunity_id=opportunity.id, from_stage_id=opportunity.stage_id, to_stage_id=stage.id,
                    days_in_from=days_between(opportunity.stage_entered_at, now), actor_id=actor.user_id,
                    at=now))
    opportunity.pipeline_id = stage.pipeline_id
    opportunity.stage_id = stage.id
    opportunity.stage_entered_at = now
    opportunity.probability = stage.probability
    opportunity.state = stage.kind
    if stage.kind == "lost":
        opportunity.lost_reason, opportunity.lost_note = lost_reason, lost_note
        opportunity.lost_to_id = lost_to_id
    else:
        opportunity.lost_reason, opportunity.lost_note, opportunity.lost_to_id = "", "", None
    if stage.kind == "open":
        opportunity.closed_at = None
    elif before != stage.kind:
        opportunity.closed_at = now
    if stage.kind == "won" and before != "won":
        customer = db.get(Customer, opportunity.customer_id)
        if customer is not None:
            customer.last_won_at = now
    if stage.kind != "open" and before != stage.kind:
        db.flush()
        hook = db.info.get("hook")
        if hook is not None:
            hook.crm_opportunity_closed(session=db, actor=actor, opportunity=opportunity,
                                        won=stage.kind == "won")


def _check_lost(db: Session, opportunity: Opportunity, reason: str, note: str, lost_to_id: int | None) -> None:
    errors: dict[str, str] = {}
    if reason not in LOST_REASONS:
        errors["lost_reason"] = N_("Say why the deal was lost.")
    if len(note) > 500:
        errors["lost_note"] = N_("The note is too long.")
    if lost_to_id is not None and db.scalar(select(Competitor.id).where(
            Competitor.id == lost_to_id, Competitor.org_id == opportunity.org_id,
            Competitor.deleted_at.is_(None))) is None:
        errors["lost_to_id"] = N_("Choose competitors of the organisation.")
    if errors:
        raise ValidationError(errors)


def days_between(start: datetime | None, end: datetime) -> int | None:
    """Whole days from ``start`` to ``end`` (never negative)."""
    if start is None:
        return None
    return max(0, int((end - start).total_seconds() // 86400))


# ------------------------------------------------------------------ reading


def competitor_ids(db: Session, opportunity_id: int) -> list[int]:
    return list(db.scalars(select(OpportunityCompetitor.competitor_id).where(
        OpportunityCompetitor.opportunity_id == opportunity_id)))


def products_of(db: Session, opportunity_id: int) -> list[OpportunityProduct]:
    return list(db.scalars(select(OpportunityProduct).where(
        OpportunityProduct.opportunity_id == opportunity_id).order_by(OpportunityProduct.id)))


def stage_history(db: Session, opportunity_id: int) -> list[StageLog]:
    return list(db.scalars(select(StageLog).where(StageLog.opportunity_id == opportunity_id)
                           .order_by(StageLog.at, StageLog.id)))


def customer_opportunities(db: Session, actor: Actor, customer_id: int, limit: int = 20) -> list[Opportunity]:
    """The customer's deals ``actor`` may read, open ones first, newest first."""
    return list(db.scalars(select(Opportunity).where(
        Opportunity.customer_id == customer_id, scope(actor, Opportunity, "read"))
        .order_by((Opportunity.state == "open").desc(), Opportunity.id.desc()).limit(limit)))


def _stage(db: Session, stage_id: int) -> Stage:
    stage = db.get(Stage, stage_id)
    if stage is None:
        raise ValidationError({"stage_id": N_("Choose a stage of the chosen pipeline.")})
    return stage


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


__all__ = ["create_opportunity", "days_between", "ensure_pipelines", "move_stage", "stages_of",
           "update_opportunity"]
