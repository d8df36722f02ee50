"""Booth quotes and booth contracts, made with the sales plugin's services;
the booths sold when the contract is approved; the cancellation penalty by
date; unpaid deposits: reminders, and the release of the booths after a
manager confirms it.

A booth line is the catalog product 展位费 (Booth fee, made on demand per
organisation), unit m², quantity the charged area, unit price the rules'
price ÷ that area (to the cent: the line's amount may differ from the
rules' total by a few cents), described "展位 A101 · 36 m² · 光地 · 转角"
and the price's explanation.

A booth contract's receivable plan has two instalments, made when the
contract is approved: the deposit (``deposit_percent`` of the total, due
``deposit_days`` after signing, or after approval while unsigned) and the
balance (due ``balance_days`` before the show opens, never before the
deposit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import (
    N_,
    Actor,
    Conflict,
    ValidationError,
    get_for,
    manager_of,
    notify,
    scope,
    transition,
)
from plugins.activity.models import InboxItem
from plugins.catalog.models import Product
from plugins.catalog.services.money import places_of, rounded
from plugins.exhibitions.models import Booth, Edition
from plugins.exhibitions.models.choices import BOOTH_STATES
from plugins.exhibitions.services import booths as booth_services
from plugins.exhibitions.services import pipeline, pricing
from plugins.sales.models import Contract, Instalment, Quote
from plugins.sales.services import contracts as sales_contracts
from plugins.sales.services import quotes as sales_quotes
from plugins.sales.services import receivables
from plugins.sales.services.documents import registry_of, today

BOOTH_FEE_CODE = "EXPO-BOOTH"
#: at most this many booths on one quote or contract
MAX_BOOTHS = 50
#: a booth is quoted or contracted from these statuses
SELLABLE = ("available", "held", "reserved")
#: the manager of a contract's owner is told when the deposit is this many days overdue
ESCALATE_DAYS = 7
HUNDRED = Decimal(100)
#: the document texts are Chinese, as the contract prints them
CONSTRUCTION_ZH = {"shell": "标摊", "raw": "光地"}
BOOTH_TYPE_ZH = {"inline": "单开口", "corner": "转角", "peninsula": "三面开口", "island": "岛型"}
REMINDER = N_("Deposit of booth contract {number} is overdue")
ESCALATION = N_("Deposit of booth contract {number} still unpaid: release the booths?")


def booth_fee_product(db: Session, org_id: int) -> Product:
    """The organisation's product 展位费 (Booth fee), made on first use."""
    found = db.scalar(select(Product).where(Product.org_id == org_id, Product.code == BOOTH_FEE_CODE))
    if found is None:
        found = Product(org_id=org_id, code=BOOTH_FEE_CODE, name="展位费", name_en="Booth fee", kind="service",
                        list_price=Decimal(0), currency_code="CNY", tax_rate=Decimal(6),
                        description="展会展位费，按平方米计价 / Exhibition booth fee per m²")
        db.add(found)
        db.flush()
    return found


def selected(db: Session, actor: Actor, booth_ids: Sequence[Any],
             customer_id: Any) -> tuple[Edition, list[Booth], int]:
    """The booths (each one the actor may sell: 404 otherwise), all of one
    edition, each available or kept for this customer; and the customer
    (one the actor may read)."""
    try:
        ids = list(dict.fromkeys(int(str(i)) for i in booth_ids))
    except ValueError:
        raise ValidationError({"booth_ids": N_("Choose the booths.")}) from None
    if not ids:
        raise ValidationError({"booth_ids": N_("Choose the booths.")})
    if len(ids) > MAX_BOOTHS:
        raise ValidationError({"booth_ids": N_("At most 50 booths at once.")})
    found = [get_for(db, actor, Booth, i, "sell") for i in ids]
    given = int(str(customer_id)) if str(customer_id or "").isdigit() else None
    customer = booth_services.exhibitor_id(db, actor, given)
    if len({b.edition_id for b in found}) > 1:
        raise ValidationError({"booth_ids": N_("Choose booths of one edition.")})
    for booth in found:
        if booth.status not in SELLABLE or (booth.status == "reserved" and booth.contract_id is not None):
            raise Conflict(booth_services.WRONG_STATUS, number=booth.number, status=BOOTH_STATES[booth.status])
        if booth.customer_id is not None and booth.customer_id != customer:
            raise Conflict(booth_services.OTHER_CUSTOMER, number=booth.number)
    edition = db.get(Edition, found[0].edition_id)
    assert edition is not None
    return edition, found, customer


def describe(booth: Booth, price: pricing.Price) -> str:
    """``展位 A101 · 36 m² · 光地 · 转角`` and the price's explanation, in Chinese."""
    head = " · ".join([f"展位 {booth.number}", f"{pricing.number(Decimal(booth.area))} m²",
                       CONSTRUCTION_ZH.get(booth.construction, booth.construction),
                       BOOTH_TYPE_ZH.get(booth.booth_type, booth.booth_type)])
    parts = [f"{_zh(line)} = ¥{pricing.money(line.amount)}" for line in price.lines]
    return head + ("\n" + "；".join(parts) if parts else "")


def _zh(line: pricing.PriceLine) -> str:
    return pricing.explain(line, _ZH.get)


class _Chinese(dict[str, str]):
    def get(self, key: str, default: Any = None) -> str:
        return dict.get(self, key, key)


_ZH = _Chinese({
    "{construction} {area} m² × ¥{rate}/m²": "{construction} {area} m² × ¥{rate}/m²",
    "{construction} {area} m² (the minimum; the booth is {actual} m²) × ¥{rate}/m²":
        "{construction} 按最低 {area} m² 计（实际 {actual} m²）× ¥{rate}/m²",
    "{type} {percent} %": "{type} {percent}%",
    "Zone {zone} premium {percent} %": "{zone} 区溢价 {percent}%",
    "Zone {zone} premium {area} m² × ¥{rate}/m²": "{zone} 区溢价 {area} m² × ¥{rate}/m²",
    "Early bird until {until} −{percent} %": "早鸟价（{until} 前）−{percent}%",
    "{level} rate −{percent} %": "{level}优惠 −{percent}%",
    "Shell scheme": "标摊", "Raw space": "光地", "Inline booth": "单开口展位", "Corner booth": "转角展位",
    "Peninsula booth": "三面开口展位", "Island booth": "岛型展位", "VIP customer": "VIP 客户",
    "Key customer": "重点客户", "Normal customer": "普通客户", "Potential customer": "潜在客户",
})


def booth_rows(db: Session, actor: Actor, edition: Edition, booths: Sequence[Booth],
               customer_id: int) -> tuple[list[dict[str, Any]], dict[int, pricing.Price]]:
    """One document line per booth, and the prices they come from."""
    quoted = pricing.prices(db, edition.id, booths, customer_id=customer_id, on=today())
    missing = [b.number for b in booths if not quoted[b.id].priced]
    if missing:
        raise ValidationError({"booth_ids": N_("Some booths have no base price: set the edition's prices "
                                               "first.")})
    product = booth_fee_product(db, edition.org_id)
    readable = actor.can("catalog.product.read") and db.scalar(
        select(Product.id).where(Product.id == product.id, scope(actor, Product, "read"))) is not None
    rows = []
    for n, booth in enumerate(booths, start=1):
        price = quoted[booth.id]
        rows.append({"product_id": product.id if readable else None, "description": describe(booth, price),
                     "unit": "m²", "quantity": price.area, "unit_price": price.per_m2,
                     "list_price": price.per_m2,
                     "discount": Decimal(0), "tax_rate": product.tax_rate, "sequence": n * 10})
    return rows, quoted


def terms_text(edition: Edition) -> str:
    percent = pricing.number(Decimal(edition.deposit_percent))
    return (f"定金 {percent}%：签约后 {edition.deposit_days} 天内支付；"
            f"尾款：开展前 {edition.balance_days} 天支付"
            + (f"（{(edition.opens_on - timedelta(days=edition.balance_days)).isoformat()} 前）"
               if edition.opens_on else "") + "。")


def quote_booths(db: Session, actor: Actor, booth_ids: Sequence[Any], customer_id: Any) -> Quote:
    """A draft sales quote for the booths: one line per booth. The booths keep
    their status; the customer's deal in the edition's pipeline is made or
    updated (stage prospect)."""
    edition, found, customer = selected(db, actor, booth_ids, customer_id)
    rows, quoted = booth_rows(db, actor, edition, found, customer)
    quote = sales_quotes.create_quote(db, actor, {
        "title": f"{edition.name} 展位报价", "customer_id": customer, "currency_code": edition.currency_code,
        "tax_included": True, "payment_terms": terms_text(edition), "lines": rows})
    for booth in found:
        booth.price = quoted[booth.id].total
    db.flush()
    pipeline.record_deal(db, actor, edition, customer, area=sum((b.area for b in found), Decimal(0)),
                         amount=quote.total, stage="prospect")
    return quote


def contract_booths(db: Session, actor: Actor, booth_ids: Sequence[Any], customer_id: Any) -> Contract:
    """A draft sales contract for the booths (one line per booth, the
    deposit and balance in its payment terms); each booth is reserved for
    the customer and linked to it (``Booth.contract_id``); the deal moves to
    contracted. Its approval sells the booths (:func:`on_contract_approved`)."""
    edition, found, customer = selected(db, actor, booth_ids, customer_id)
    rows, quoted = booth_rows(db, actor, edition, found, customer)
    contract = sales_contracts.create_contract(db, actor, {
        "kind": "contract", "title": f"{edition.name} 展位合同", "customer_id": customer,
        "currency_code": edition.currency_code, "tax_included": True, "payment_terms": terms_text(edition),
        "start_on": edition.move_in_on or edition.opens_on, "end_on": edition.move_out_on or edition.closes_on,
        "renewal_notice_days": 0, "lines": rows})
    for booth in found:
        if booth.status != "reserved":
            booth_services.change(db, actor, booth.id, "reserve", customer_id=customer)
        booth.contract_id = contract.id
        booth.price = quoted[booth.id].total
    db.flush()
    pipeline.record_deal(db, actor, edition, customer, area=sum((b.area for b in found), Decimal(0)),
                         amount=contract.total, stage="contracted")
    return contract


def contract_booths_of(db: Session, contract_id: int) -> list[Booth]:
    return list(db.scalars(select(Booth).where(Booth.contract_id == contract_id).order_by(Booth.number)))


def on_contract_approved(session: Session, actor: Actor | None, contract: Any) -> None:
    """``sales_contract_approved``: the contract's booths become sold, and a
    booth contract gets its two-instalment plan (deposit and balance)."""
    found = contract_booths_of(session, contract.id)
    if not found:
        return
    edition = session.get(Edition, found[0].edition_id)
    assert edition is not None
    for booth in found:
        if booth.status in booth_services.MOVES["sell"][0]:
            booth.status, booth.customer_id, booth.held_until = "sold", contract.customer_id, None
    booth_services.write_now(session, *found)
    make_plan(session, contract, edition)
    deal_stage(session, contract, edition)


def on_contract_terminated(session: Session, contract: Any) -> list[Booth]:
    """A booth contract was terminated (cancelled): its booths still on it
    become available again, each offered to the waitlist
    (:func:`booth_services.write_now`). Nothing when the booths were
    released first (the overdue page's release clears their contract)."""
    found = [b for b in contract_booths_of(session, contract.id) if b.status in booth_services.MOVABLE]
    for booth in found:
        booth.status, booth.customer_id, booth.contract_id, booth.held_until = "available", None, None, None
    if found:
        booth_services.write_now(session, *found)
    return found


def make_plan(db: Session, contract: Contract, edition: Edition) -> list[Instalment]:
    """The deposit and the balance, unless the plan already received money
    (a plan the sales plugin made first from the payment terms is replaced)."""
    current = receivables.plan(db, contract.id)
    if any(i.received for i in current):
        return current
    for instalment in current:
        db.delete(instalment)
    db.flush()
    places = places_of(db, contract.currency_code)
    signed = contract.signed_on or today()
    deposit = rounded(contract.total * Decimal(edition.deposit_percent) / HUNDRED, places)
    deposit_due = signed + timedelta(days=edition.deposit_days)
    balance_due = (edition.opens_on - timedelta(days=edition.balance_days)) if edition.opens_on else deposit_due
    rows = [("定金", Decimal(edition.deposit_percent), deposit, deposit_due),
            ("尾款", HUNDRED - Decimal(edition.deposit_percent), contract.total - deposit,
             max(balance_due, deposit_due))]
    made = [Instalment(org_id=contract.org_id, owner_id=contract.owner_id, department_id=contract.department_id,
                       contract_id=contract.id, customer_id=contract.customer_id, sequence=n, label=label,
                       percent=percent, amount=amount, currency_code=contract.currency_code, due_on=due)
            for n, (label, percent, amount, due) in enumerate(rows, start=1) if amount > 0]
    db.add_all(made)
    db.flush()
    return made


def deal_stage(db: Session, contract: Contract, edition: Edition) -> None:
    """The deal of the contract's customer in the edition takes the approved total."""
    deal = pipeline.deal_of(db, edition.id, contract.customer_id)
    if deal is not None:
        deal.amount = contract.total


# ------------------------------------------------------------------ penalties


def penalty(edition: Edition, amount: Decimal, on: date) -> Decimal:
    """What cancelling a booth contract of ``amount`` (or reducing one by
    ``amount``) costs on ``on``: the per cent of the first step of the
    edition's schedule whose date is on or after ``on``, of ``amount``,
    rounded half up to the cent; after the last date the whole amount. An
    edition without a schedule charges nothing."""
    schedule = penalty_schedule(edition)
    if not schedule:
        return Decimal(0)
    for until, percent in schedule:
        if on <= until:
            return pricing.cents(Decimal(amount) * percent / HUNDRED)
    return pricing.cents(Decimal(amount))


def penalty_schedule(edition: Edition) -> list[tuple[date, Decimal]]:
    out = []
    for step in edition.penalties or []:
        try:
            out.append((date.fromisoformat(str(step["until"])), Decimal(str(step["percent"]))))
        except (KeyError, ValueError, ArithmeticError, TypeError):
            continue
    return sorted(out)


def check_penalties(rows: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """The schedule from the prices page: rows of ``until`` and ``percent``
    (empty rows skipped), dates in increasing order, per cents 0–100 and not
    decreasing; errors name ``penalty_<n>_<field>``."""
    errors: dict[str, str] = {}
    out: list[dict[str, str]] = []
    last: date | None = None
    last_percent = Decimal(0)
    given = [r for r in rows if str(r.get("until") or "").strip() or str(r.get("percent") or "").strip()]
    for n, row in enumerate(given, start=1):
        try:
            until = date.fromisoformat(str(row.get("until") or "").strip())
        except ValueError:
            errors[f"penalty_{n}_until"] = N_("Enter a date as YYYY-MM-DD.")
            continue
        percent = pricing._decimal(row.get("percent"))
        if percent is None or not Decimal(0) <= percent <= HUNDRED or percent != pricing.cents(percent):
            errors[f"penalty_{n}_percent"] = N_("Enter a per cent from 0 to 100.")
            continue
        if last is not None and until <= last:
            errors[f"penalty_{n}_until"] = N_("The dates go in increasing order.")
        elif percent < last_percent:
            errors[f"penalty_{n}_percent"] = N_("A later date cannot cost less.")
        last, last_percent = until, percent
        out.append({"until": until.isoformat(), "percent": pricing.number(percent)})
    if errors:
        raise ValidationError(errors)
    return out


def save_penalties(db: Session, actor: Actor, edition_id: int, rows: Sequence[dict[str, Any]]) -> Edition:
    edition = get_for(db, actor, Edition, edition_id, "update")
    edition.penalties = check_penalties(rows)
    db.flush()
    return edition


# ------------------------------------------------------------------ unpaid deposits


@dataclass(frozen=True)
class Overdue:
    contract: Contract
    deposit: Instalment
    booths: list[Booth]
    days: int
    penalty: Decimal


def overdue_deposits(db: Session, *, edition_id: int | None = None, on: date | None = None,
                     actor: Actor | None = None) -> list[Overdue]:
    """Booth contracts (approved or later, not terminated) whose deposit
    (their first instalment) is past due and not fully paid; for ``actor``,
    only the contracts they may read."""
    day = on or today()
    stmt = (select(Contract, Instalment).join(Instalment, Instalment.contract_id == Contract.id)
            .where(Instalment.sequence == 1, Instalment.state.in_(receivables.OPEN_STATES),
                   Instalment.due_on < day, Contract.state.in_(("approved", "signed", "executing")),
                   Contract.deleted_at.is_(None),
                   Contract.id.in_(select(Booth.contract_id).where(
                       Booth.contract_id.is_not(None),
                       *([Booth.edition_id == edition_id] if edition_id is not None else [])))))
    if actor is not None:
        stmt = stmt.where(scope(actor, Contract, "read"))
    out = []
    for contract, deposit in db.execute(stmt.order_by(Instalment.due_on, Contract.id)):
        found = contract_booths_of(db, contract.id)
        edition = db.get(Edition, found[0].edition_id) if found else None
        out.append(Overdue(contract, deposit, found, (day - deposit.due_on).days,
                           penalty(edition, contract.total, day) if edition is not None else Decimal(0)))
    return out


def _told(db: Session, user_id: int, subject: str, instalment_id: int) -> bool:
    return db.scalar(select(InboxItem.id).where(InboxItem.user_id == user_id, InboxItem.subject == subject,
                                                InboxItem.record_model == "sales.instalment",
                                                InboxItem.record_id == instalment_id).limit(1)) is not None


def remind_deposits(db: Session, on: date | None = None) -> tuple[int, int]:
    """Tell each overdue booth contract's owner once, and their manager once
    when the deposit is :data:`ESCALATE_DAYS` overdue (a link to the
    edition's overdue page, where a manager releases the booths).
    (reminders, escalations)."""
    reminded = escalated = 0
    for item in overdue_deposits(db, on=on):
        contract, deposit = item.contract, item.deposit
        edition_id = item.booths[0].edition_id
        params = {"number": contract.number, "customer": contract.buyer_name,
                  "booths": "、".join(b.number for b in item.booths), "due": deposit.due_on.isoformat(),
                  "amount": pricing.money(deposit.amount - deposit.received), "days": str(item.days)}
        link = f"/exhibitions/editions/{edition_id}/overdue"
        owner = contract.owner_id
        if owner and not _told(db, owner, REMINDER, deposit.id):
            notify(db, user_ids=[owner], subject=REMINDER,
                   body=N_("{customer} has not paid the deposit of ¥{amount} due on {due} for booths {booths}. "
                           "Remind them: unpaid booths will be released."),
                   params=params, link=link, category="reminder", record=("sales.instalment", deposit.id))
            reminded += 1
        manager = manager_of(db, owner) if owner else None
        if manager and item.days >= ESCALATE_DAYS and not _told(db, manager, ESCALATION, deposit.id):
            notify(db, user_ids=[manager], subject=ESCALATION,
                   body=N_("The deposit for booths {booths} ({customer}) is {days} days overdue. Confirm their "
                           "release on the overdue deposits page."),
                   params=params, link=link, category="reminder", record=("sales.instalment", deposit.id),
                   urgent=True)
            escalated += 1
    db.flush()
    return reminded, escalated


def deposit_reminders(ctx: Any) -> None:
    """The daily job ``exhibitions.deposit_reminders``."""
    reminded, escalated = remind_deposits(ctx.session)
    if reminded or escalated:
        ctx.log(f"{reminded} deposit reminders, {escalated} escalations")


def release(db: Session, actor: Actor, edition_id: int, contract_id: Any) -> list[Booth]:
    """A manager confirms the release of a booth contract whose deposit is
    overdue: its booths become available again, the contract is terminated
    when the actor may (else it keeps a note saying so), audited. 404 when
    the contract is not one of the edition's overdue ones the actor may read."""
    actor.require("exhibitions.booth.release")
    edition = get_for(db, actor, Edition, edition_id, "read")
    ident = int(contract_id) if str(contract_id or "").isdigit() else -1
    item = next((o for o in overdue_deposits(db, edition_id=edition.id, actor=actor) if o.contract.id == ident),
                None)
    if item is None:
        from core import NotFound

        raise NotFound()
    numbers = "、".join(b.number for b in item.booths)
    for booth in item.booths:
        if not actor.can("exhibitions.booth.sell"):
            booth.status, booth.customer_id, booth.contract_id, booth.held_until = "available", None, None, None
        else:
            booth_services.change(db, actor, booth.id, "vacate")
    booth_services.write_now(db, *item.booths)
    contract = item.contract
    line = (f"{today().isoformat()} 定金逾期 {item.days} 天未付，展位 {numbers} 已释放"
            f"（{actor.display_name} 确认）。")
    contract.note = (contract.note + "\n" if contract.note else "") + line
    if actor.can("sales.contract.terminate"):
        transition(db, registry_of(db), actor, contract, "terminate", comment=line)
    db.flush()
    return item.booths
