"""The venues part's demo: 全国农业展览馆 with its halls, zones, meeting
rooms and outdoor ground, and 中国国际农业博览会 with its 24th (closed) and
25th (selling) editions, each with its halls booked for its days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.app import Kernel
from core.setup import load_demo
from plugins.exhibitions.models import Edition, ShowSeries, Space, SpaceBooking, Venue, Zone
from plugins.exhibitions.parts import venues as part

PASSWORD = "demo-password-演示"


def test_the_demo_has_the_venue_its_halls_and_two_editions(kernel: Kernel, client: Any) -> None:
    assert load_demo(kernel, PASSWORD)
    with kernel.db.session(write=False) as db:
        venue = db.scalar(select(Venue).where(Venue.name == "全国农业展览馆"))
        assert venue is not None and venue.address == "北京市朝阳区北三环东路16号"
        halls = {s.name: s for s in db.scalars(select(Space).where(Space.venue_id == venue.id, Space.kind == "hall"))}
        assert {n: h.area for n, h in halls.items()} == {"1号馆": Decimal("10800"), "2号馆": Decimal("7200"),
                                                         "3号馆": Decimal("6400")}
        assert all(h.ceiling_height and h.floor_load and h.capacity for h in halls.values())
        assert db.scalar(select(func.count()).select_from(Space).where(Space.kind == "meeting_room")) == 2
        assert db.scalar(select(func.count()).select_from(Space).where(Space.kind == "outdoor")) == 1
        for hall in halls.values():
            assert sorted(db.scalars(select(Zone.code).where(Zone.space_id == hall.id))) == ["A", "B", "C"]
        series = db.scalar(select(ShowSeries).where(ShowSeries.name == "中国国际农业博览会"))
        editions = {e.number: e for e in db.scalars(select(Edition).where(Edition.series_id == series.id))}
        assert (editions[24].state, editions[24].opens_on.year) == ("closed", 2026)
        assert (editions[25].state, editions[25].opens_on.year) == ("selling", 2027)
        assert editions[25].previous_id == editions[24].id and editions[25].owner_id == venue.owner_id
        for edition in editions.values():
            booked = db.scalars(select(SpaceBooking).where(SpaceBooking.edition_id == edition.id,
                                                           SpaceBooking.space_id.in_([h.id for h in halls.values()])))
            assert {(b.space_id, b.purpose) for b in booked} == {
                (h.id, p) for h in halls.values() for p in ("move_in", "show", "move_out")}
        assert db.scalar(select(SpaceBooking.id).where(SpaceBooking.state == "hold")) is not None
        # no two live bookings of a space share a day
        live = db.scalars(select(SpaceBooking).where(SpaceBooking.state != "released")).all()
        for a in live:
            for b in live:
                if a.id < b.id and a.space_id == b.space_id:
                    assert a.ends_on < b.starts_on or b.ends_on < a.starts_on


def test_the_demo_tells_the_other_parts_what_it_made(kernel: Kernel, make: Any) -> None:
    hq = make.hq()
    boss = make.user(org=hq, username="zhangwei", name="张伟")
    made: dict[str, Any] = {}
    with kernel.db.session() as db:
        part.load_demo(db, {"HQ": hq.id}, {"zhangwei": boss.id}, made)
    assert set(made["halls"]) == {"1", "2", "3"} and set(made["editions"]) == {24, 25}
    assert made["org_id"] == hq.id and made["manager_id"] == boss.id
    with kernel.db.session(write=False) as db:
        assert db.get(Space, made["halls"]["1"]).name == "1号馆"
        assert db.get(Edition, made["editions"][25]).opens_on == date(2027, 11, 18)
        assert db.get(Venue, made["venue"]).org_id == hq.id


def test_the_whole_demo_sells_booths_on_contracts_with_money_in_every_state(kernel: Kernel) -> None:
    # the parts in turn: venues, plans (booths), selling (prices, contracts), apply
    from plugins.exhibitions.models import Booth, PriceRule
    from plugins.sales.models import Contract, Instalment

    assert load_demo(kernel, PASSWORD)
    with kernel.db.session(write=False) as db:
        editions = {e.number: e.id for e in db.scalars(select(Edition))}
        assert db.scalar(select(func.count()).select_from(Booth)) >= 600
        assert db.scalar(select(func.count()).select_from(PriceRule).where(
            PriceRule.edition_id == editions[25])) >= 8
        contracts = db.scalars(select(Contract).where(Contract.title.like("%展位合同"))).all()
        assert {c.state for c in contracts} == {"approved", "draft"}
        for contract in contracts:
            booths = db.scalars(select(Booth).where(Booth.contract_id == contract.id)).all()
            assert booths and all(b.customer_id == contract.customer_id for b in booths)
            assert {b.status for b in booths} == ({"sold"} if contract.state == "approved" else {"reserved"})
        states = {(i.label, i.state) for i in db.scalars(select(Instalment).join(
            Contract, Contract.id == Instalment.contract_id).where(Contract.title.like("%展位合同")))}
        # deposits paid and open (overdue), balances paid and open
        assert {("定金", "paid"), ("定金", "open"), ("尾款", "paid"), ("尾款", "open")} <= states
