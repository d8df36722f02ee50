"""The sales plugin's demo data, deterministic (a seeded random): payment
terms, commission rules, this year's targets of the CRM's sales team, and
a year of their paperwork on the CRM's demo customers and the catalog's
demo products: contracts in every state with their receivable plans and
receipts (some late), quotes waiting, sent or accepted, delivery notes.

Documents are written through the plugin's own services where the rules
live (totals, plans, receipts and the commissions they earn); states that
would need a person's click are set as they would stand.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import User, load_actor, next_number
from plugins.catalog.models import Category, Product
from plugins.crm.models import Customer
from plugins.sales.models import (
    CommissionRule,
    Contract,
    ContractLine,
    Delivery,
    DeliveryLine,
    Instalment,
    PaymentTerm,
    Quote,
    QuoteLine,
    Target,
)
from plugins.sales.services.receipts import record_receipt
from plugins.sales.services.receivables import generate_plan
from plugins.sales.services.totals import apply

TERMS = (
    ("款到发货", "Payment before delivery", [("全款", "100", 0, "signed")]),
    ("30/60/10 分期", "30/60/10 instalments", [("预付款", "30", 0, "signed"), ("到货款", "60", 30, "signed"),
                                              ("尾款", "10", 90, "signed")]),
    ("50/50 分期", "50/50 instalments", [("首付款", "50", 0, "signed"), ("验收款", "50", 45, "signed")]),
)

#: contract states of the demo, by weight
STATES = (("signed", 4), ("executing", 5), ("completed", 4), ("approved", 1), ("draft", 2))

TERMS_TEXT = ("一、质量标准：按国家标准及制造商出厂标准执行。\n二、交货地点：买方指定地点，运费由卖方承担。\n"
              "三、验收：货到十日内验收，逾期未提出异议视为验收合格。\n四、争议解决：协商不成的，提交卖方所在地人民法院诉讼解决。")


def load(db: Session, orgs: dict[str, int], users: dict[str, int]) -> None:
    """The head office's sales year (nothing when the CRM or catalog demo is missing)."""
    if "HQ" not in orgs:
        return
    org = orgs["HQ"]
    rng = random.Random(2026)
    sellers = _sellers(db, org)
    products = list(db.scalars(select(Product).where(Product.org_id == org, Product.is_bundle.is_(False),
                                                     Product.deleted_at.is_(None)).order_by(Product.code)))
    if not sellers or not products:
        return
    terms = _terms(db, org)
    _rules(db, org)
    today = date.today()
    _targets(db, org, sellers, today.year, rng)
    director = db.get(User, users["zhangwei"]) if "zhangwei" in users else None
    clerk = load_actor(db, director, all_codes=_codes(db)) if director is not None else None
    for n in range(60):
        owner = sellers[n % len(sellers)]
        customer = db.scalar(select(Customer).where(Customer.owner_id == owner.id).order_by(Customer.id)
                             .offset(n // len(sellers)).limit(1))
        if customer is None:
            continue
        signed = today - timedelta(days=rng.randint(5, 330))
        _contract(db, owner, customer, products, terms, signed, rng, clerk, today)
    for n in range(24):
        owner = sellers[n % len(sellers)]
        customer = db.scalar(select(Customer).where(Customer.owner_id == owner.id).order_by(Customer.id.desc())
                             .offset(n // len(sellers)).limit(1))
        if customer is not None:
            _quote(db, owner, customer, products, today - timedelta(days=rng.randint(0, 40)), rng)
    db.flush()


def _codes(db: Session) -> set[str]:
    return set(db.info["registry"].permissions)


def _number(db: Session, key: str, org: int, day: date) -> str:
    """The next number of sequence ``key`` as of ``day`` (its year's series)."""
    noon = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)
    return next_number(db, db.info["registry"], key, org, at=noon)


def _sellers(db: Session, org: int) -> list[User]:
    """The CRM demo's salespeople and managers (they own the demo customers), by name."""
    owners = select(Customer.owner_id).where(Customer.org_id == org, Customer.owner_id.is_not(None)).distinct()
    return list(db.scalars(select(User).where(User.id.in_(owners), User.active.is_(True))
                           .order_by(User.username)))


def _terms(db: Session, org: int) -> list[PaymentTerm]:
    made = [PaymentTerm(org_id=org, name=name, name_en=name_en, instalments=[
        {"label": label, "percent": percent, "days": days, "basis": basis}
        for label, percent, days, basis in parts]) for name, name_en, parts in TERMS]
    db.add_all(made)
    db.flush()
    return made


def _rules(db: Session, org: int) -> None:
    """Hardware earns 3 %, 4 % from 100 % of target, 5 % from 120 %; services 5 %; the rest 2 %."""
    category = {c.code: c.id for c in db.scalars(select(Category).where(Category.org_id == org))}
    db.add_all([
        CommissionRule(org_id=org, name="硬件设备提成", category_id=category.get("HW"), rate=Decimal("3"),
                       tiers=[{"from": "100", "rate": "4"}, {"from": "120", "rate": "5"}], active=True),
        CommissionRule(org_id=org, name="服务提成", category_id=category.get("SV"), rate=Decimal("5"), tiers=[],
                       active=True),
        CommissionRule(org_id=org, name="其他产品提成", category_id=None, rate=Decimal("2"), tiers=[],
                       active=True),
    ])


def _targets(db: Session, org: int, sellers: list[User], year: int, rng: random.Random) -> None:
    db.add_all([Target(org_id=org, year=year, month=month, user_id=seller.id,
                       amount=Decimal(rng.choice((150, 200, 250, 300)) * 1000))
                for seller in sellers for month in range(1, 13)])


def _lines(products: list[Product], rng: random.Random) -> list[dict[str, Any]]:
    return [{"product": p, "quantity": Decimal(rng.choice((1, 1, 2, 3, 5, 10))),
             "discount": Decimal(rng.choice((0, 0, 3, 5, 8, 12)))}
            for p in rng.sample(products, rng.randint(2, 4))]


def _write_lines(document: Any, model: Any, key: str, rows: list[dict[str, Any]]) -> list[Any]:
    return [model(**{key: document.id}, sequence=(n + 1) * 10, product_id=row["product"].id,
                   description=row["product"].name, unit="", quantity=row["quantity"],
                   unit_price=row["product"].list_price, list_price=row["product"].list_price,
                   discount=row["discount"], tax_rate=row["product"].tax_rate)
             for n, row in enumerate(rows)]


def _contract(db: Session, owner: User, customer: Customer, products: list[Product], terms: list[PaymentTerm],
              signed: date, rng: random.Random, clerk: Any, today: date) -> None:
    state = rng.choices([s for s, _ in STATES], weights=[w for _, w in STATES])[0]
    term = rng.choice(terms)
    contract = Contract(org_id=owner.org_id, owner_id=owner.id, department_id=owner.department_id,
                        number=_number(db, "sales.contract", owner.org_id, signed),
                        title=f"{customer.short_name or customer.name}采购合同", customer_id=customer.id,
                        buyer_name=customer.name, buyer_tax_no=customer.uscc or "",
                        payment_term_id=term.id, payment_terms="；".join(
                            f"{i['label']}{i['percent']}%" for i in term.instalments),
                        delivery_terms="合同签订后 15 个工作日内交货", terms=TERMS_TEXT, state=state,
                        signed_on=signed if state != "draft" else None,
                        start_on=signed, end_on=signed + timedelta(days=365))
    db.add(contract)
    db.flush()
    lines = _write_lines(contract, ContractLine, "contract_id", _lines(products, rng))
    db.add_all(lines)
    apply(contract, lines, places=2)
    if state == "draft":
        return
    contract.approved_at = datetime(signed.year, signed.month, signed.day, 2, tzinfo=UTC)
    db.flush()
    generate_plan(db, contract)
    if state in ("executing", "completed"):
        delivery = Delivery(org_id=owner.org_id, owner_id=owner.id, department_id=owner.department_id,
                            number=_number(db, "sales.delivery", owner.org_id, signed),
                            contract_id=contract.id,
                            customer_id=customer.id, ship_on=signed + timedelta(days=10), state="received",
                            carrier="顺丰速运", tracking_no=f"SF{rng.randint(1300000000, 1399999999)}")
        db.add(delivery)
        db.flush()
        for line in lines:
            db.add(DeliveryLine(delivery_id=delivery.id, contract_line_id=line.id, quantity=line.quantity))
            line.delivered = line.quantity
    if clerk is None:
        return
    for instalment in db.scalars(select(Instalment).where(Instalment.contract_id == contract.id)
                                 .order_by(Instalment.sequence)):
        if instalment.due_on > today or (state != "completed" and rng.random() < 0.3):
            continue  # not due yet, or late: the ageing report has something to show
        paid = instalment.amount if rng.random() < 0.8 else (instalment.amount / 2).quantize(Decimal("0.01"))
        record_receipt(db, clerk, contract.id, {
            "amount": str(paid), "received_on": min(instalment.due_on + timedelta(days=rng.randint(0, 20)),
                                                    today).isoformat(),
            "method": rng.choice(("transfer", "transfer", "acceptance")), "payer": customer.name,
            "instalment_id": str(instalment.id)})


def _quote(db: Session, owner: User, customer: Customer, products: list[Product], issued: date,
           rng: random.Random) -> None:
    state = rng.choice(("draft", "draft", "approved", "sent", "sent", "accepted", "declined"))
    quote = Quote(org_id=owner.org_id, owner_id=owner.id, department_id=owner.department_id,
                  number=_number(db, "sales.quote", owner.org_id, issued),
                  title=f"{customer.short_name or customer.name}报价",
                  customer_id=customer.id, issued_on=issued, valid_until=issued + timedelta(days=30),
                  payment_terms="预付 30%，到货后 30 天内付清", state=state)
    db.add(quote)
    db.flush()
    lines = _write_lines(quote, QuoteLine, "quote_id", _lines(products, rng))
    db.add_all(lines)
    apply(quote, lines, places=2)

