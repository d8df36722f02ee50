"""Receivable plans (回款计划): a contract's instalments, generated from its
payment terms when it is approved and edited on the contract's page; the
daily reminders before an instalment falls due and the escalation to the
owner's manager when it is overdue.

An instalment copies the contract's organisation, owner, department,
customer and currency, so that the receivables list and the ageing report
filter by the reader's scope in SQL (``core.scope(actor, Instalment, ...)``).
Its ``received`` is kept from the receipts' allocations
(plugins.sales.services.receipts); its state follows from it: ``open``
(nothing received), ``partial``, ``paid``; ``cancelled`` ones no longer count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, case, column, func, or_, select, table
from sqlalchemy.orm import Session

from core import (
    N_,
    Actor,
    Conflict,
    JobContext,
    NotFound,
    ValidationError,
    get_for,
    manager_of,
    notify,
    scope,
    utcnow,
)
from plugins.catalog.services.money import places_of, rounded
from plugins.sales.models import Contract, Instalment, PaymentTerm, SalesSettings
from plugins.sales.services.documents import parse_date, today

HUNDRED = Decimal(100)
#: instalments still owed something
OPEN_STATES = ("open", "partial")
#: contract states in which money is expected (a plan exists and receipts are recorded)
LIVE_CONTRACT_STATES = ("approved", "signed", "executing", "completed", "terminated")
MAX_INSTALMENTS = 60
MAX_AMOUNT = Decimal("1e14")


class Refused(ValidationError):
    """A ValidationError whose messages carry ``{placeholders}``, filled with
    ``params`` after translation (an amount the message names)."""

    def __init__(self, errors: dict[str, str], **params: str) -> None:
        super().__init__(errors)
        self.params = params


# ------------------------------------------------------------------ access

#: the kernel's department table, read for its materialised paths only
_DEPARTMENT = table("core_department", column("id"), column("path"))


def allowed(db: Session, actor: Actor, code: str, record: Any) -> bool:
    """May ``actor`` use ``code`` (``sales.receipt.create``...) on what hangs
    off ``record`` (a contract, whose organisation, owner and department the
    new record copies)? The same grants ``core.scope`` turns into SQL."""
    path: str | None = None
    for grant in actor.grants.get(code, ()):
        if grant.scope == "all":
            return True
        if grant.org_id != record.org_id:
            continue
        if grant.scope == "org":
            return True
        if grant.scope == "own" and record.owner_id == actor.user_id:
            return True
        if grant.scope == "department" and record.department_id == grant.department_id:
            return True
        if grant.scope == "department_tree" and record.department_id is not None:
            if path is None:
                path = db.scalar(select(_DEPARTMENT.c.path)
                                 .where(_DEPARTMENT.c.id == record.department_id)) or ""
            if grant.department_path and path.startswith(grant.department_path):
                return True
    return False


def contract_for(db: Session, actor: Actor, contract_id: Any, code: str) -> Contract:
    """The contract ``actor`` may read and use ``code`` on; NotFound when they
    may not read it, Forbidden (through ``require``) without the code, and
    NotFound when the code does not reach this contract."""
    contract = get_for(db, actor, Contract, contract_id, "read")
    actor.require(code)
    if not allowed(db, actor, code, contract):
        raise NotFound()
    return contract


# ------------------------------------------------------------------ amounts


def parse_amount(raw: Any, places: int) -> Decimal | None:
    """A money amount from input: a finite Decimal with at most ``places``
    decimals and below 10^14, or None."""
    try:
        value = Decimal(str(raw).strip().replace(",", "")) if raw not in (None, "") else None
    except InvalidOperation:
        return None
    if value is None or not value.is_finite() or abs(value) >= MAX_AMOUNT:
        return None
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        return None
    return value


def money_text(amount: Decimal, places: int) -> str:
    """An amount as a message shows it: ``12,345.60``."""
    return f"{rounded(amount, places):,.{places}f}"


def settle(instalment: Instalment) -> None:
    """Set an instalment's state from what it received."""
    if instalment.state == "cancelled":
        return
    if instalment.received >= instalment.amount:
        instalment.state = "paid"
    elif instalment.received > 0:
        instalment.state = "partial"
    else:
        instalment.state = "open"


# ------------------------------------------------------------------ the plan


def basis_date(contract: Contract, basis: str) -> date:
    """The date an instalment's days count from: the signing date, the
    contract's start or its end, falling back to the signing date, then today."""
    chosen = {"start": contract.start_on, "end": contract.end_on}.get(basis) or contract.signed_on
    return chosen or today()


def generate_plan(db: Session, contract: Contract) -> list[Instalment]:
    """The contract's receivable plan from its payment terms: one instalment
    per term, ``percent`` of the total rounded to the currency, due ``days``
    after the term's basis date; the last takes the remainder so that the
    plan adds up to the total exactly. Without terms: one instalment of the
    total, due on the signing date (else today). A contract that already has
    a plan keeps it."""
    existing = plan(db, contract.id)
    if existing:
        return existing
    places = places_of(db, contract.currency_code)
    term = db.get(PaymentTerm, contract.payment_term_id) if contract.payment_term_id else None
    terms = [t for t in (term.instalments if term else []) if _percent(t.get("percent")) > 0]
    rows: list[tuple[str, Decimal | None, Decimal, date]] = []
    if not terms:
        rows.append(("", HUNDRED, contract.total, basis_date(contract, "signed")))
    else:
        given = Decimal(0)
        for n, t in enumerate(terms, start=1):
            percent = _percent(t.get("percent"))
            amount = (contract.total - given if n == len(terms)
                      else rounded(contract.total * percent / HUNDRED, places))
            given += amount
            days = timedelta(days=int(t.get("days") or 0))
            due = basis_date(contract, str(t.get("basis") or "signed")) + days
            rows.append((str(t.get("label") or "")[:100], percent, amount, due))
    made = [Instalment(org_id=contract.org_id, owner_id=contract.owner_id, department_id=contract.department_id,
                       contract_id=contract.id, customer_id=contract.customer_id, sequence=n, label=label,
                       percent=percent, amount=amount, currency_code=contract.currency_code, due_on=due)
            for n, (label, percent, amount, due) in enumerate(rows, start=1)]
    db.add_all(made)
    db.flush()
    return made


def _percent(raw: Any) -> Decimal:
    try:
        return Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def plan(db: Session, contract_id: int) -> list[Instalment]:
    """A contract's instalments (cancelled ones included), in order."""
    return list(db.scalars(select(Instalment).where(Instalment.contract_id == contract_id)
                           .order_by(Instalment.sequence, Instalment.id)))


def plan_for(db: Session, actor: Actor, contract_id: Any) -> tuple[Contract, list[Instalment]]:
    """The contract and its plan, for a reader of both."""
    contract = contract_for(db, actor, contract_id, "sales.instalment.read")
    return contract, plan(db, contract.id)


def save_plan(db: Session, actor: Actor, contract_id: Any,
              rows: Sequence[Mapping[str, Any]]) -> list[Instalment]:
    """Replace a contract's plan with ``rows`` (the plan editor): each row
    ``id`` (an instalment kept, else new), ``label``, ``percent`` or
    ``amount`` (the amount wins; a percent alone is of the total, rounded)
    and ``due_on``. Errors name the row (``row_<n>_<field>``, n from 1): the
    rows must add up to the contract's total; an instalment that received
    money cannot be removed (``plan``) nor be set below what it received."""
    contract = contract_for(db, actor, contract_id, "sales.instalment.update")
    if contract.state not in LIVE_CONTRACT_STATES:
        raise Conflict(N_("The receivable plan is set once the contract is approved."))
    places = places_of(db, contract.currency_code)
    current = {i.id: i for i in plan(db, contract.id) if i.state != "cancelled"}
    errors: dict[str, str] = {}
    cleaned: list[tuple[Instalment | None, str, Decimal | None, Decimal, date]] = []
    rows = [r for r in rows
            if any(str(r.get(k) or "").strip() for k in ("percent", "amount", "due_on", "label"))]
    if len(rows) > MAX_INSTALMENTS:
        raise ValidationError({"plan": N_("A plan holds at most 60 instalments.")})
    for n, row in enumerate(rows, start=1):
        kept = current.get(int(row["id"])) if str(row.get("id") or "").isdigit() else None
        percent = parse_amount(row.get("percent"), 2) if str(row.get("percent") or "").strip() else None
        if percent is not None and not Decimal(0) < percent <= HUNDRED:
            percent = None
        if str(row.get("percent") or "").strip() and percent is None:
            errors[f"row_{n}_percent"] = N_("A percentage is above 0 and at most 100, with at most 2 decimals.")
        amount = parse_amount(row.get("amount"), places) if str(row.get("amount") or "").strip() else None
        if amount is None and percent is not None:
            amount = rounded(contract.total * percent / HUNDRED, places)
        if amount is None or amount <= 0:
            errors.setdefault(f"row_{n}_amount", N_("Enter an amount above 0 with no more decimals than the "
                                                    "currency allows, or a percentage."))
            amount = Decimal(0)
        elif kept is not None and amount < kept.received:
            errors[f"row_{n}_amount"] = N_("An instalment cannot be set below what it has received.")
        due = parse_date(row.get("due_on"))
        if due is None:
            errors[f"row_{n}_due_on"] = N_("Enter the due date.")
        cleaned.append((kept, str(row.get("label") or "").strip()[:100], percent, amount, due or today()))
    kept_ids = {kept.id for kept, *_ in cleaned if kept is not None}
    if any(i.received != 0 and i.id not in kept_ids for i in current.values()):
        errors["plan"] = N_("An instalment that has received money cannot be removed.")
    if not cleaned:
        errors["plan"] = N_("A plan has at least one instalment.")
    if errors:
        raise ValidationError(errors)
    given = sum((amount for _, _, _, amount, _ in cleaned), Decimal(0))
    if given != contract.total:
        raise Refused({f"row_{len(cleaned)}_amount": N_("The instalments add up to {given}, not to the "
                                                          "contract's total of {total}.")},
                      given=money_text(given, places), total=money_text(contract.total, places))
    for instalment in current.values():
        if instalment.id not in kept_ids:
            db.delete(instalment)
    result: list[Instalment] = []
    for n, (kept, label, percent, amount, due) in enumerate(cleaned, start=1):
        instalment = kept or Instalment(org_id=contract.org_id, owner_id=contract.owner_id,
                                        department_id=contract.department_id, contract_id=contract.id,
                                        customer_id=contract.customer_id, currency_code=contract.currency_code,
                                        received=Decimal(0), state="open")
        if kept is not None and (kept.due_on != due):
            kept.reminded_at = kept.escalated_at = None  # a new date: remind again
        instalment.sequence, instalment.label, instalment.percent = n, label, percent
        instalment.amount, instalment.due_on = amount, due
        settle(instalment)
        if kept is None:
            db.add(instalment)
        result.append(instalment)
    db.flush()
    return result


# ------------------------------------------------------------------ lists and the customer panel


@dataclass(frozen=True)
class CustomerReceivables:
    outstanding: Decimal
    overdue: Decimal
    open_count: int
    overdue_count: int


def outstanding_expr() -> Any:
    return Instalment.amount - Instalment.received


def of_customer(db: Session, actor: Actor, customer_id: int, *, on: date | None = None) -> CustomerReceivables:
    """What a customer owes on the instalments ``actor`` may read, and how
    much of it is overdue, as of ``on`` (today)."""
    day = on or today()
    due = outstanding_expr()
    late = case((Instalment.due_on < day, due), else_=0)
    row = db.execute(select(
        func.coalesce(func.sum(due), 0), func.coalesce(func.sum(late), 0), func.count(),
        func.coalesce(func.sum(case((Instalment.due_on < day, 1), else_=0)), 0),
    ).where(Instalment.customer_id == customer_id, Instalment.state.in_(OPEN_STATES),
            scope(actor, Instalment, "read"))).one()
    return CustomerReceivables(Decimal(row[0]), Decimal(row[1]), int(row[2]), int(row[3]))


# ------------------------------------------------------------------ reminders and escalation


def settings_of(db: Session, org_id: int) -> tuple[int, int]:
    """``(remind_days, escalate_days)`` of an organisation: its settings row,
    else the model's defaults (7 and 15)."""
    found = db.scalar(select(SalesSettings).where(SalesSettings.org_id == org_id))
    if found is None:
        return 7, 15
    return int(found.remind_days), int(found.escalate_days)


def remind(db: Session, day: date) -> tuple[int, int]:
    """Tell each open instalment's contract owner once when it falls due
    within ``remind_days`` (reminded_at), and the owner's manager
    (``core.manager_of``) once when it is overdue by ``escalate_days``
    (escalated_at). Returns (reminders, escalations)."""
    reminded = escalated = 0
    limits: dict[int, tuple[int, int]] = {}
    places: dict[str, int] = {}
    stamp = utcnow()
    # the widest windows any organisation set (7 and 15 days by default): the
    # rest of the book is never read; each row is then checked against its own
    widest = db.execute(select(func.max(SalesSettings.remind_days),
                               func.min(SalesSettings.escalate_days))).one()
    ahead, behind = max(widest[0] or 0, 7), min(widest[1] if widest[1] is not None else 15, 15)
    query = (select(Instalment, Contract.number).join(Contract, Contract.id == Instalment.contract_id)
             .where(Instalment.state.in_(OPEN_STATES), Contract.state.in_(LIVE_CONTRACT_STATES),
                    or_(and_(Instalment.reminded_at.is_(None),
                             Instalment.due_on <= day + timedelta(days=ahead)),
                        and_(Instalment.escalated_at.is_(None),
                             Instalment.due_on <= day - timedelta(days=behind))))
             .order_by(Instalment.due_on, Instalment.id))
    candidates = db.execute(query).all()
    for inst, number in candidates:
        remind_days, escalate_days = limits.setdefault(inst.org_id, settings_of(db, inst.org_id))
        decimals = places.setdefault(inst.currency_code, places_of(db, inst.currency_code))
        params = {"number": number, "amount": money_text(inst.amount - inst.received, decimals),
                  "currency": inst.currency_code, "due": inst.due_on.isoformat(), "label": inst.label}
        link = f"/sales/contracts/{inst.contract_id}/receivables"
        if inst.reminded_at is None and inst.due_on <= day + timedelta(days=remind_days):
            notify(db, user_ids=[inst.owner_id] if inst.owner_id else [],
                   subject=N_("Instalment of contract {number} due on {due}"),
                   body=N_("{amount} {currency} of contract {number} is due on {due}: remind the customer."),
                   params=params, link=link, category="reminder", record=("sales.instalment", inst.id))
            inst.reminded_at = stamp
            reminded += 1
        if inst.escalated_at is None and inst.due_on <= day - timedelta(days=escalate_days):
            manager = manager_of(db, inst.owner_id) if inst.owner_id else None
            notify(db, user_ids=[manager] if manager else [],
                   subject=N_("Overdue: contract {number}, {amount} {currency} since {due}"),
                   body=N_("{amount} {currency} of contract {number} was due on {due} and is still unpaid."),
                   params=params, link=link, category="reminder", record=("sales.instalment", inst.id),
                   urgent=True)
            inst.escalated_at = stamp
            escalated += 1
    db.flush()
    return reminded, escalated


def run_reminders(ctx: JobContext) -> None:
    """The daily job ``sales.receivable_reminders``."""
    reminded, escalated = remind(ctx.session, today())
    ctx.log(f"{reminded} reminders, {escalated} escalations")
