"""What the selling part registers (gathered by plugins.exhibitions.hooks):
MENU, JOBS, SEQUENCES, SEARCH, PRINTS, DATASETS, WIDGETS, load_demo and
customer_panels, each optional."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import JobDecl
from plugins.exhibitions.services import contracts

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor

JOBS = [JobDecl("exhibitions.deposit_reminders", contracts.deposit_reminders, "0 9 * * *")]


def on_contract_approved(session: Session, actor: Actor | None, contract: Any) -> None:
    """The sales hook ``sales_contract_approved``: booths on it become sold."""
    contracts.on_contract_approved(session, actor, contract)


def on_contract_transitioned(session: Session, contract: Any, transition: str) -> None:
    """A sales contract's transition (``on_record_transitioned``): when a
    booth contract is terminated its booths come free (and go to the waitlist)."""
    if transition == "terminate":
        contracts.on_contract_terminated(session, contract)


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """Price rules for the editions the venues part made (``made["editions"]``),
    and the open booths the plans part drew priced from them; else nothing."""
    from datetime import timedelta
    from decimal import Decimal

    from sqlalchemy import select

    from plugins.exhibitions.models import Edition, PriceRule, Zone
    from plugins.exhibitions.services import pricing

    editions = made.get("editions") or {}
    for number, edition_id in sorted(editions.items()):
        edition = session.get(Edition, edition_id)
        if edition is None:
            continue
        own = {"org_id": edition.org_id, "owner_id": edition.owner_id, "edition_id": edition.id}
        step = Decimal("50") * (int(number) - 24)  # a little dearer each year
        rules = [
            PriceRule(**own, kind="base", name="标摊", construction="shell", amount=Decimal("1200") + step,
                      sequence=10),
            PriceRule(**own, kind="base", name="光地", construction="raw", amount=Decimal("1000") + step,
                      sequence=20),
            PriceRule(**own, kind="surcharge", name="双开口", booth_type="corner", percent=Decimal("10"),
                      sequence=30),
            PriceRule(**own, kind="surcharge", name="三开口", booth_type="peninsula", percent=Decimal("15"),
                      sequence=31),
            PriceRule(**own, kind="surcharge", name="岛型", booth_type="island", percent=Decimal("20"),
                      sequence=32),
            PriceRule(**own, kind="member", name="VIP 客户", customer_level="vip", percent=Decimal("5"),
                      sequence=50),
            PriceRule(**own, kind="minimum", name="光地起租面积", construction="raw", min_area=Decimal("36"),
                      sequence=60),
        ]
        if edition.opens_on is not None:
            rules.append(PriceRule(**own, kind="early_bird", name="早鸟价", percent=Decimal("10"),
                                   until=edition.opens_on - timedelta(days=90), sequence=40))
        halls = list((made.get("halls") or {}).values())
        zone_a = session.scalars(select(Zone.id).where(Zone.space_id.in_(halls), Zone.code == "A")).all()
        rules += [PriceRule(**own, kind="zone", name="A 区（主入口）", zone_id=z, percent=Decimal("15"),
                            sequence=45) for z in zone_a]
        session.add_all(rules)
        session.flush()
        pricing.refresh_prices(session, edition.id)
    latest = max(editions) if editions else None
    if latest is not None and "zhangwei" in users:
        _demo_contracts(session, int(editions[latest]), users["zhangwei"])


#: what becomes of the demo's booth contracts, in turn: paid in full, deposit paid, deposit overdue, a draft
DEMO_FATES = ("paid", "deposit", "overdue", "deposit", "paid", "draft")


def _demo_contracts(session: Session, edition_id: int, seller_id: int) -> None:
    """Booth contracts of the selling edition for exhibitors whose booths are
    reserved: approved (their booths sold, the deposit and balance plan made)
    with the money in various states, and one still a draft."""
    from datetime import timedelta

    from sqlalchemy import select

    from core import User, load_actor, utcnow
    from plugins.exhibitions.models import Booth, Edition
    from plugins.sales.models import Instalment
    from plugins.sales.services import receipts
    from plugins.sales.services.documents import today

    def actor_of(user_id: int) -> Actor:
        user = session.get(User, user_id)
        assert user is not None
        return load_actor(session, user, all_codes=_all_codes(session))

    seller = actor_of(seller_id)
    admin_id = session.scalar(select(User.id).where(User.username == "admin"))
    cashier = actor_of(int(admin_id)) if admin_id is not None else seller
    rows = session.execute(select(Booth.customer_id, Booth.id).where(
        Booth.edition_id == edition_id, Booth.status == "reserved", Booth.contract_id.is_(None),
        Booth.customer_id.is_not(None)).order_by(Booth.customer_id, Booth.number)).all()
    by_customer: dict[int, list[int]] = {}
    for customer_id, booth_id in rows:
        if customer_id is not None:
            by_customer.setdefault(customer_id, []).append(booth_id)
    edition = session.get(Edition, edition_id)
    assert edition is not None
    for n, (customer_id, booth_ids) in enumerate(list(by_customer.items())[:len(DEMO_FATES) * 2]):
        fate = DEMO_FATES[n % len(DEMO_FATES)]
        contract = contracts.contract_booths(session, seller, booth_ids[:2], customer_id)
        # signed some weeks ago; an overdue deposit was due before today
        contract.signed_on = today() - timedelta(days=40 if fate == "overdue" else 10 + n)
        if fate == "draft":
            continue
        contract.state, contract.approved_at = "approved", utcnow()
        session.flush()
        contracts.on_contract_approved(session, seller, contract)
        plan = list(session.scalars(select(Instalment).where(Instalment.contract_id == contract.id)
                                    .order_by(Instalment.due_on)))
        paying = {"paid": plan, "deposit": plan[:1]}.get(fate, [])
        for instalment in paying:
            receipts.record_receipt(session, cashier, contract.id, {
                "amount": str(instalment.amount - instalment.received), "received_on": today().isoformat(),
                "method": "transfer", "reference": f"DEMO-{contract.number}-{instalment.sequence}",
                "payer": contract.buyer_name, "instalment_id": instalment.id})


def _all_codes(session: Session) -> set[str]:
    return set(session.info["registry"].permissions)
