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
