"""Commissions on receipts (提成).

A receipt's amount (in the base currency) is split over its contract's
lines pro rata to their totals, rounded to the cent, the remainder on the
last line. Each line takes the rule of its product: the most specific
active rule whose category contains the product's category (by
``Category.path``), else the fallback rule (no category). A rule's rate for
a salesperson's month is the highest tier their achievement of that month's
target reached (``actual / target``), or its base rate when no tier is
reached or there is no target.

Entries go on the salesperson's (the contract owner's) draft statement of
the receipt's month. Whenever a receipt of a month is recorded or voided,
the month's draft statement is computed again from all its receipts: a tier
reached late in the month applies to the whole month (the "retroactive
tier" rule). A confirmed or paid statement is frozen: what happens after
(a refund, a voided receipt, a late receipt of that month) lands as
adjustment entries on the first draft statement from the current month on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from core import (
    N_,
    Actor,
    Conflict,
    Department,
    NotFound,
    User,
    ValidationError,
    check_version,
    covers,
    get_for,
    scope,
    utcnow,
)
from plugins.catalog.models import Category, Product
from plugins.catalog.services.money import base_currency, convert, places_of, rounded
from plugins.sales.models import (
    CommissionEntry,
    CommissionRule,
    CommissionStatement,
    Contract,
    ContractLine,
    Receipt,
)
from plugins.sales.services.targets import month_achievement

HUNDRED = Decimal(100)
MAX_TIERS = 5


def first_of(day: date) -> date:
    return date(day.year, day.month, 1)


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


# ------------------------------------------------------------------ rules


@dataclass(frozen=True)
class RuleView:
    """A rule with its category's path ("" for the fallback rule)."""

    rule: CommissionRule
    path: str


def active_rules(db: Session, org_id: int) -> list[RuleView]:
    rows = db.execute(select(CommissionRule, Category.path)
                      .outerjoin(Category, Category.id == CommissionRule.category_id)
                      .where(CommissionRule.org_id == org_id, CommissionRule.active.is_(True))
                      .order_by(CommissionRule.id)).all()
    return [RuleView(rule, path or "") for rule, path in rows]


def rule_for(rules: Sequence[RuleView], category_path: str | None) -> CommissionRule | None:
    """The most specific rule whose category contains ``category_path``, else the fallback."""
    best: RuleView | None = None
    for view in rules:
        if view.rule.category_id is None:
            continue
        if not category_path or not category_path.startswith(view.path):
            continue
        if best is None or len(view.path) > len(best.path):
            best = view
    if best is not None:
        return best.rule
    return next((v.rule for v in rules if v.rule.category_id is None), None)


def rate_of(rule: CommissionRule, percent: Decimal | None) -> Decimal:
    """The rate of ``rule`` at an achievement of ``percent`` (None: no target): the base rate."""
    rate = Decimal(rule.rate)
    if percent is None:
        return rate
    reached = [(Decimal(str(t["from"])), Decimal(str(t["rate"]))) for t in rule.tiers or []]
    for start, tier_rate in sorted(reached):
        if percent >= start:
            rate = tier_rate
    return rate


def _percent(raw: Any, field: str, errors: dict[str, str], *, top: Decimal | None = HUNDRED) -> Decimal | None:
    text = str(raw if raw is not None else "").strip().rstrip("%")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0 or (top is not None and value > top) or value != rounded(value, 2):
        errors[field] = N_("Enter a percentage from 0 to 100, at most two decimals.") if top is not None \
            else N_("Enter a percentage of the target, 0 or more, at most two decimals.")
        return None
    return value


def clean_rule(db: Session, actor: Actor, values: dict[str, Any], *,
               rule_id: int | None = None) -> dict[str, Any]:
    """Check a rule's form: ``name``, ``category_id``, ``rate``, ``active``
    and up to five tiers ``tier_<n>_from`` / ``tier_<n>_rate``."""
    errors: dict[str, str] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = N_("Enter a name.")
    elif len(name) > 100:
        errors["name"] = N_("At most 100 characters.")
    category_id: int | None = None
    raw = str(values.get("category_id") or "").strip()
    if raw:
        category = db.get(Category, int(raw)) if raw.isdigit() else None
        if category is None or category.org_id != actor.org_id:
            errors["category_id"] = N_("Choose a product category.")
        else:
            category_id = category.id
    rate = _percent(values.get("rate"), "rate", errors)
    if rate is None and "rate" not in errors:
        errors["rate"] = N_("Enter the base rate.")
    tiers: list[dict[str, str]] = []
    seen: set[Decimal] = set()
    for n in range(1, MAX_TIERS + 1):
        start = _percent(values.get(f"tier_{n}_from"), f"tier_{n}_from", errors, top=Decimal(1000))
        tier_rate = _percent(values.get(f"tier_{n}_rate"), f"tier_{n}_rate", errors)
        if start is None and tier_rate is None:
            continue
        if start is None and f"tier_{n}_from" not in errors:
            errors[f"tier_{n}_from"] = N_("Enter from which achievement of target this rate applies.")
        elif tier_rate is None and f"tier_{n}_rate" not in errors:
            errors[f"tier_{n}_rate"] = N_("Enter the rate of this tier.")
        elif start is not None and tier_rate is not None:
            if start in seen:
                errors[f"tier_{n}_from"] = N_("Another tier starts there.")
            seen.add(start)
            tiers.append({"from": str(start), "rate": str(tier_rate)})
    active = str(values.get("active") or "") in ("1", "on", "true", "True")
    if active and "category_id" not in errors:
        clash = select(CommissionRule.id).where(
            CommissionRule.org_id == actor.org_id, CommissionRule.active.is_(True),
            CommissionRule.category_id.is_(None) if category_id is None
            else CommissionRule.category_id == category_id)
        if rule_id is not None:
            clash = clash.where(CommissionRule.id != rule_id)
        if db.scalar(clash.limit(1)) is not None:
            errors["category_id"] = N_("Another active rule covers this category.")
    if errors:
        raise ValidationError(errors)
    tiers.sort(key=lambda t: Decimal(t["from"]))
    return {"name": name, "category_id": category_id, "rate": rate, "tiers": tiers, "active": active}


def _require(actor: Actor, code: str) -> None:
    if not covers(actor, actor.org_id, code, "org"):
        from core import Forbidden
        raise Forbidden(code)


def list_rules(db: Session, actor: Actor) -> list[RuleView]:
    _require(actor, "sales.commission_rule.read")
    rows = db.execute(select(CommissionRule, Category.path)
                      .outerjoin(Category, Category.id == CommissionRule.category_id)
                      .where(CommissionRule.org_id == actor.org_id)
                      .order_by(CommissionRule.active.desc(), Category.path, CommissionRule.name)).all()
    return [RuleView(rule, path or "") for rule, path in rows]


def get_rule(db: Session, actor: Actor, rule_id: int, action: str = "read") -> CommissionRule:
    _require(actor, f"sales.commission_rule.{action}")
    rule = db.get(CommissionRule, rule_id)
    if rule is None or rule.org_id != actor.org_id:
        raise NotFound()
    return rule


def create_rule(db: Session, actor: Actor, values: dict[str, Any]) -> CommissionRule:
    _require(actor, "sales.commission_rule.create")
    rule = CommissionRule(org_id=actor.org_id, **clean_rule(db, actor, values))
    db.add(rule)
    db.flush()
    return rule


def update_rule(db: Session, actor: Actor, rule_id: int, values: dict[str, Any]) -> CommissionRule:
    rule = get_rule(db, actor, rule_id, "update")
    for key, value in clean_rule(db, actor, values, rule_id=rule.id).items():
        setattr(rule, key, value)
    db.flush()
    return rule


def delete_rule(db: Session, actor: Actor, rule_id: int) -> None:
    """Delete a rule no entry uses; a used one is deactivated instead."""
    rule = get_rule(db, actor, rule_id, "delete")
    if db.scalar(select(CommissionEntry.id).where(CommissionEntry.rule_id == rule.id).limit(1)) is not None:
        rule.active = False
    else:
        db.delete(rule)
    db.flush()


# ------------------------------------------------------------------ computation


@dataclass(frozen=True)
class Share:
    """A receipt's share of one contract line (base currency) and its rule."""

    line_id: int | None
    base: Decimal
    rule: CommissionRule | None


def split(db: Session, receipt: Receipt, rules: Sequence[RuleView]) -> list[Share]:
    """The receipt's amount in the base currency over its contract's lines,
    pro rata to line totals, rounded, the remainder on the last line."""
    base_code = base_currency(db)
    places = places_of(db, base_code)
    amount = convert(db, Decimal(receipt.amount), receipt.currency_code, base_code, receipt.received_on,
                     field="amount")
    lines = db.execute(select(ContractLine.id, ContractLine.total, Category.path)
                       .outerjoin(Product, Product.id == ContractLine.product_id)
                       .outerjoin(Category, Category.id == Product.category_id)
                       .where(ContractLine.contract_id == receipt.contract_id)
                       .order_by(ContractLine.sequence, ContractLine.id)).all()
    whole = sum((Decimal(t) for _, t, _ in lines), Decimal(0))
    if not lines or whole == 0:
        return [Share(None, amount, rule_for(rules, None))]
    shares: list[Share] = []
    left = amount
    for n, (line_id, total, path) in enumerate(lines):
        part = left if n == len(lines) - 1 else rounded(amount * Decimal(total) / whole, places)
        left -= part
        shares.append(Share(line_id, part, rule_for(rules, path)))
    return shares


def statement_of(db: Session, org_id: int, owner_id: int, month: date) -> CommissionStatement:
    """The statement of ``owner_id``'s ``month`` (its first day), made as a draft if missing."""
    statement = db.scalar(select(CommissionStatement).where(
        CommissionStatement.org_id == org_id, CommissionStatement.owner_id == owner_id,
        CommissionStatement.month == month))
    if statement is None:
        department_id = db.scalar(select(User.department_id).where(User.id == owner_id))
        statement = CommissionStatement(org_id=org_id, owner_id=owner_id, department_id=department_id,
                                        month=month, state="draft", base=Decimal(0), total=Decimal(0))
        db.add(statement)
        db.flush()
    return statement


def _entries(db: Session, receipt: Receipt, rules: Sequence[RuleView], percent: Decimal | None,
             places: int, *, sign: int = 1) -> list[CommissionEntry]:
    made = []
    for share in split(db, receipt, rules):
        if share.rule is None or share.base == 0:
            continue
        rate = rate_of(share.rule, percent)
        base = share.base * sign
        made.append(CommissionEntry(receipt_id=receipt.id, contract_line_id=share.line_id,
                                    rule_id=share.rule.id,
                                    base=base, rate=rate, amount=rounded(base * rate / HUNDRED, places)))
    return made


def _total(db: Session, statement: CommissionStatement) -> None:
    db.flush()
    base, total = db.execute(select(func.coalesce(func.sum(CommissionEntry.base), 0),
                                    func.coalesce(func.sum(CommissionEntry.amount), 0))
                             .where(CommissionEntry.statement_id == statement.id)).one()
    statement.base, statement.total = Decimal(base), Decimal(total)


def recompute(db: Session, statement: CommissionStatement) -> CommissionStatement:
    """Compute a draft statement's entries again from the receipts of its
    month (adjustment entries carried from frozen months are kept)."""
    if statement.state != "draft":
        raise Conflict(N_("A confirmed statement does not change."))
    month, end = statement.month, _next_month(statement.month)
    receipts = list(db.scalars(select(Receipt).where(
        Receipt.org_id == statement.org_id, Receipt.owner_id == statement.owner_id,
        Receipt.received_on >= month, Receipt.received_on < end).order_by(Receipt.received_on, Receipt.id)))
    of_month = [r.id for r in receipts]
    if of_month:
        for entry in db.scalars(select(CommissionEntry).where(CommissionEntry.statement_id == statement.id,
                                                              CommissionEntry.receipt_id.in_(of_month))):
            db.delete(entry)
        db.flush()
    rules = active_rules(db, statement.org_id)
    assert statement.owner_id is not None
    percent = month_achievement(db, statement.org_id, statement.owner_id, month)
    places = places_of(db, base_currency(db))
    for receipt in receipts:
        if receipt.voided_at is not None:
            continue
        for entry in _entries(db, receipt, rules, percent, places):
            entry.statement_id = statement.id
            db.add(entry)
    _total(db, statement)
    return statement


def _open_statement(db: Session, org_id: int, owner_id: int, today: date) -> CommissionStatement:
    month = first_of(today)
    while True:
        statement = statement_of(db, org_id, owner_id, month)
        if statement.state == "draft":
            return statement
        month = _next_month(month)


def on_receipt(db: Session, receipt: Receipt, reversed: bool, *, today: date | None = None) -> None:
    """A receipt was recorded (or voided, ``reversed``): compute the
    commission of its owner's month again, or, when that month's statement
    is frozen, add the receipt's entries (negated when voided) to the first
    draft statement from ``today``'s month on."""
    owner_id = receipt.owner_id or db.scalar(select(Contract.owner_id)
                                             .where(Contract.id == receipt.contract_id))
    if owner_id is None:
        return
    statement = statement_of(db, receipt.org_id, owner_id, first_of(receipt.received_on))
    if statement.state == "draft":
        recompute(db, statement)
        return
    target = _open_statement(db, receipt.org_id, owner_id, today or utcnow().date())
    places = places_of(db, base_currency(db))
    if reversed:
        earlier = list(db.scalars(select(CommissionEntry).where(CommissionEntry.receipt_id == receipt.id)))
        made = [CommissionEntry(receipt_id=receipt.id, contract_line_id=e.contract_line_id, rule_id=e.rule_id,
                                base=-e.base, rate=e.rate, amount=-e.amount) for e in earlier]
    else:
        percent = month_achievement(db, receipt.org_id, owner_id, first_of(receipt.received_on))
        made = _entries(db, receipt, active_rules(db, receipt.org_id), percent, places)
    for entry in made:
        entry.statement_id = target.id
        db.add(entry)
    _total(db, target)


# ------------------------------------------------------------------ statements


def list_statements(db: Session, actor: Actor, *, month: date | None = None,
                    state: str | None = None) -> list[tuple[CommissionStatement, str]]:
    """The statements the reader may read (newest month first), with the salesperson's name."""
    actor.require("sales.commission_statement.read")
    stmt = (select(CommissionStatement, User.display_name)
            .join(User, User.id == CommissionStatement.owner_id)
            .where(scope(actor, CommissionStatement, "read"))
            .order_by(CommissionStatement.month.desc(), User.display_name, CommissionStatement.id))
    if month is not None:
        stmt = stmt.where(CommissionStatement.month == month)
    if state:
        stmt = stmt.where(CommissionStatement.state == state)
    return [(s, str(n)) for s, n in db.execute(stmt.limit(500)).all()]


@dataclass(frozen=True)
class EntryView:
    entry: CommissionEntry
    receipt_number: str
    received_on: date
    contract_number: str
    contract_id: int
    product: str
    rule: str


def statement_detail(db: Session, actor: Actor,
                     statement_id: Any) -> tuple[CommissionStatement, list[EntryView]]:
    statement = get_for(db, actor, CommissionStatement, statement_id, "read")
    rows = db.execute(
        select(CommissionEntry, Receipt.number, Receipt.received_on, Contract.number, Contract.id,
               ContractLine.description, Product.name, CommissionRule.name)
        .join(Receipt, Receipt.id == CommissionEntry.receipt_id)
        .join(Contract, Contract.id == Receipt.contract_id)
        .outerjoin(ContractLine, ContractLine.id == CommissionEntry.contract_line_id)
        .outerjoin(Product, Product.id == ContractLine.product_id)
        .outerjoin(CommissionRule, CommissionRule.id == CommissionEntry.rule_id)
        .where(CommissionEntry.statement_id == statement.id)
        .order_by(Receipt.received_on, Receipt.id, CommissionEntry.id)).all()
    return statement, [EntryView(e, rn, ro, cn, ci, pn or ld or "", rule or "")
                       for e, rn, ro, cn, ci, ld, pn, rule in rows]


def confirm(db: Session, actor: Actor, statement_id: Any, version: Any = None) -> CommissionStatement:
    """Compute the draft once more and freeze it (``sales.commission_statement.approve``)."""
    statement = get_for(db, actor, CommissionStatement, statement_id, "approve")
    _check_version(statement, version)
    if statement.state != "draft":
        raise Conflict(N_("Only a draft statement can be confirmed."))
    recompute(db, statement)
    statement.state, statement.confirmed_at = "confirmed", utcnow()
    db.flush()
    return statement


def mark_paid(db: Session, actor: Actor, statement_id: Any, version: Any = None) -> CommissionStatement:
    statement = get_for(db, actor, CommissionStatement, statement_id, "read")
    actor.require("sales.commission_statement.pay")
    if db.scalar(select(CommissionStatement.id).where(CommissionStatement.id == statement.id,
                                                      _pay_scope(actor))) is None:
        raise NotFound()
    _check_version(statement, version)
    if statement.state != "confirmed":
        raise Conflict(N_("Only a confirmed statement can be marked paid."))
    statement.state = "paid"
    db.flush()
    return statement


def _pay_scope(actor: Actor) -> ColumnElement[bool]:
    """The statements ``sales.commission_statement.pay`` reaches (like a kit action's scope)."""
    clauses: list[ColumnElement[bool]] = []
    for g in actor.grants.get("sales.commission_statement.pay", ()):
        if g.scope == "all":
            return true()
        in_org = CommissionStatement.org_id == g.org_id
        if g.scope == "org":
            clauses.append(in_org)
        elif g.scope == "department_tree" and g.department_path:
            clauses.append(and_(in_org, CommissionStatement.department_id.in_(
                select(Department.id).where(Department.path.startswith(g.department_path)))))
        elif g.scope == "department" and g.department_id:
            clauses.append(and_(in_org, CommissionStatement.department_id == g.department_id))
        elif g.scope == "own":
            clauses.append(and_(in_org, CommissionStatement.owner_id == actor.user_id))
    return or_(*clauses) if clauses else false()


def recompute_statement(db: Session, actor: Actor, statement_id: Any) -> CommissionStatement:
    """Compute a draft statement again (after targets or rules changed)."""
    statement = get_for(db, actor, CommissionStatement, statement_id, "approve")
    return recompute(db, statement)


def _check_version(statement: CommissionStatement, version: Any) -> None:
    if version not in (None, ""):
        check_version(statement, version)
