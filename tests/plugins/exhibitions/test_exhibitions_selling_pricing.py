"""Booth prices from an edition's rules: each component, their sum, and
the checks of the rules; the cancellation penalty by date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from exhibitions_support import actor_of
from selling_support import STANDARD, now, rules  # noqa: F401, F811 - fixtures

from core import ValidationError
from plugins.exhibitions.models import Booth, Edition, Zone
from plugins.exhibitions.services import contracts, pricing


def priced(kernel, expo, booth_id, *, customer_id=None, on=date(2027, 9, 1)):
    with kernel.db.session(write=False) as db:
        return pricing.price(db, expo["edition"], db.get(Booth, booth_id), customer_id=customer_id, on=on)


def test_base_price_per_m2_of_the_construction(kernel, expo, plan, booth):
    rules(kernel, expo, *STANDARD)
    a101 = booth(plan(), "A101")  # 3 × 3 shell, inline
    price = priced(kernel, expo, a101)
    assert price.total == Decimal("10800.00")
    assert [(line.label_msgid, line.amount) for line in price.lines] == [
        ("{construction} {area} m² × ¥{rate}/m²", Decimal("10800.00"))]
    assert price.lines[0].params == {"construction": "Shell scheme", "area": "9", "rate": "1,200.00"}


def test_a_specific_base_rule_wins_and_no_base_means_unpriced(kernel, expo, plan, booth):
    rules(kernel, expo, {"kind": "base", "construction": "shell", "amount": 1200},
          {"kind": "base", "construction": "shell", "booth_type": "island", "amount": 1500})
    p = plan()
    island = booth(p, "C1", width=6, depth=6, booth_type="island")
    raw = booth(p, "C2", x=10, construction="raw")
    assert priced(kernel, expo, island).total == Decimal("54000.00")
    missing = priced(kernel, expo, raw)
    assert (missing.total, missing.priced, missing.lines) == (Decimal(0), False, [])


def test_surcharge_zone_early_bird_and_member_add_up(kernel, expo, plan, booth, new_customer):
    with kernel.db.session() as db:
        zone = Zone(org_id=expo["hq"].id, space_id=expo["hall"], code="A", name="A区")
        db.add(zone)
        db.flush()
        zone_id = zone.id
    rules(kernel, expo, *STANDARD, {"kind": "zone", "zone_id": zone_id, "percent": 15})
    corner = booth(plan(), "A101", width=6, depth=3, booth_type="corner", zone_id=zone_id)
    vip = new_customer(expo["seller1"], "北京绿源农业科技有限公司", level="vip")
    price = priced(kernel, expo, corner, customer_id=vip, on=date(2027, 8, 20))
    # 18 m² × 1,200 = 21,600; corner +10 % 2,160; zone +15 % 3,240; subtotal 27,000;
    # early bird −10 % −2,700; VIP −5 % −1,350
    assert [line.amount for line in price.lines] == [Decimal("21600.00"), Decimal("2160.00"), Decimal("3240.00"),
                                                     Decimal("-2700.00"), Decimal("-1350.00")]
    assert price.total == sum(line.amount for line in price.lines) == Decimal("22950.00")
    late = priced(kernel, expo, corner, customer_id=vip, on=date(2027, 8, 21))
    assert late.total == Decimal("25650.00")  # no early bird the day after
    assert priced(kernel, expo, corner, on=date(2027, 8, 21)).total == Decimal("27000.00")


def test_raw_space_under_its_minimum_is_charged_as_the_minimum(kernel, expo, plan, booth):
    rules(kernel, expo, *STANDARD)
    small = booth(plan(), "R1", width=6, depth=4, construction="raw")  # 24 m²
    price = priced(kernel, expo, small)
    assert price.area == Decimal(36)
    assert price.total == Decimal("36000.00")
    assert price.lines[0].params["actual"] == "24"
    assert price.per_m2 == Decimal("1000.00")


def test_components_round_half_up_each(kernel, expo, plan, booth):
    rules(kernel, expo, {"kind": "base", "construction": "shell", "amount": "1000.05"},
          {"kind": "surcharge", "booth_type": "corner", "percent": "12.5"})
    odd = booth(plan(), "B1", width="3.3", depth=3, booth_type="corner")  # 9.9 m²
    price = priced(kernel, expo, odd)
    assert [line.amount for line in price.lines] == [Decimal("9900.50"), Decimal("1237.56")]
    assert price.total == Decimal("11138.06")


def test_many_booths_are_priced_at_once(kernel, expo, plan, booth):
    rules(kernel, expo, *STANDARD)
    p = plan()
    ids = [booth(p, f"A{n}", x=n * 3) for n in range(1, 6)]
    with kernel.db.session(write=False) as db:
        found = [db.get(Booth, i) for i in ids]
        out = pricing.prices(db, expo["edition"], found, on=date(2027, 9, 1))
    assert {out[i].total for i in ids} == {Decimal("10800.00")}


def test_the_rules_are_checked_and_saved_as_a_set(kernel, expo):
    with kernel.db.session() as db:
        manager = actor_of(kernel, db, expo["manager"])
        with pytest.raises(ValidationError) as bad:
            pricing.save_rules(db, manager, expo["edition"], [
                {"kind": "base", "construction": "", "amount": "0"},
                {"kind": "surcharge", "booth_type": "corner", "percent": "150"},
                {"kind": "zone", "zone_id": "999999", "percent": "5"},
                {"kind": "early_bird", "percent": "10"},
            ])
        assert set(bad.value.errors) == {"rule_1_construction", "rule_1_amount", "rule_2_percent",
                                         "rule_3_zone_id", "rule_4_until"}
        pricing.save_rules(db, manager, expo["edition"], [
            {"kind": "base", "construction": "shell", "amount": "1200"},
            {"kind": "surcharge", "booth_type": "corner", "percent": "10"}])
    with kernel.db.session() as db:
        manager = actor_of(kernel, db, expo["manager"])
        saved = pricing.rules_for(db, manager, expo["edition"])
        assert [(r.kind, r.amount, r.percent) for r in saved] == [("base", Decimal("1200"), Decimal(0)),
                                                                   ("surcharge", Decimal(0), Decimal(10))]
        pricing.save_rules(db, manager, expo["edition"], [{"id": str(saved[0].id), "kind": "base",
                                                            "construction": "shell", "amount": "1300"}])
    with kernel.db.session(write=False) as db:
        manager = actor_of(kernel, db, expo["manager"])
        assert [(r.kind, r.amount) for r in pricing.rules_for(db, manager, expo["edition"])] == [
            ("base", Decimal("1300"))]


def test_a_seller_cannot_change_the_rules_and_another_org_gets_404(kernel, expo):
    from core import Forbidden, NotFound

    with kernel.db.session() as db:
        with pytest.raises(Forbidden):
            pricing.save_rules(db, actor_of(kernel, db, expo["seller1"]), expo["edition"],
                               [{"kind": "base", "construction": "shell", "amount": "1"}])
        with pytest.raises(NotFound):
            pricing.save_rules(db, actor_of(kernel, db, expo["outsider"]), expo["edition"], [])


def test_the_penalty_follows_the_schedule(kernel, expo):
    with kernel.db.session() as db:
        manager = actor_of(kernel, db, expo["manager"])
        with pytest.raises(ValidationError) as bad:
            contracts.save_penalties(db, manager, expo["edition"], [
                {"until": "2027-08-20", "percent": "30"}, {"until": "2027-07-01", "percent": "50"},
                {"until": "2027-10-01", "percent": "120"}])
        assert set(bad.value.errors) == {"penalty_2_until", "penalty_3_percent"}
        contracts.save_penalties(db, manager, expo["edition"], [
            {"until": "2027-08-20", "percent": "30"}, {"until": "2027-10-20", "percent": "50"}])
    with kernel.db.session(write=False) as db:
        edition = db.get(Edition, expo["edition"])
        amount = Decimal("100000.05")
        assert contracts.penalty(edition, amount, date(2027, 6, 1)) == Decimal("30000.02")
        assert contracts.penalty(edition, amount, date(2027, 8, 20)) == Decimal("30000.02")
        assert contracts.penalty(edition, amount, date(2027, 8, 21)) == Decimal("50000.03")
        assert contracts.penalty(edition, amount, date(2027, 10, 21)) == amount
        edition.penalties = []
        assert contracts.penalty(edition, amount, date(2027, 10, 21)) == Decimal(0)
