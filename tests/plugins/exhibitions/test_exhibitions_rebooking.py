"""Rebooking for the next edition: each exhibitor of the 24th is offered
the booth of the same number in the 25th when it is free (else staff
choose a better one), in a priority window, with a deposit; accepting
reserves the booth and drafts the booth contract; of two exhibitors taking
the same booth at once one wins; offers expire after their window and
free nothing they did not hold. Run on SQLite and, with
SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from cycle_support import edition
from exhibitions_support import actor_of, race
from selling_support import rules
from services_support import on
from sqlalchemy import select

from core import Conflict, NotFound, ValidationError
from core.app import Kernel
from plugins.exhibitions.models import Booth, RebookingOffer
from plugins.exhibitions.services import rebooking
from plugins.sales.models import Contract

WINDOW = {"valid_from": "2026-11-23", "valid_until": "2026-12-31"}


@pytest.fixture
def show(kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> dict[str, Any]:
    """The 24th (closed) with A101 sold to 寿光, A102 sold to 北大荒, A103 reserved for 普洱, A104
    free; the 25th (the fixture's) with A101 free (¥10,800), A102 sold to someone else, A105 free."""
    seller = expo["seller1"]
    rules(kernel, expo, {"kind": "base", "construction": "shell", "amount": 1200})
    ids = {name: new_customer(seller, name) for name in ("寿光蔬菜", "北大荒米业", "普洱茶业", "别家")}
    e24 = edition(kernel, expo, 24, year=2026)
    old, new = plan(edition=e24), plan()
    booth(old, "A101", status="sold", customer_id=ids["寿光蔬菜"])
    booth(old, "A102", x=3, status="sold", customer_id=ids["北大荒米业"])
    booth(old, "A103", x=6, status="reserved", customer_id=ids["普洱茶业"])
    booth(old, "A104", x=9)
    there = {"A101": booth(new, "A101", price=Decimal("10800")),
             "A102": booth(new, "A102", x=3, status="sold", customer_id=ids["别家"], price=Decimal("10800")),
             "A105": booth(new, "A105", x=12, price=Decimal("12000"))}
    return {**ids, "e24": e24, "e25": expo["edition"], "there": there}


def offers_by_customer(kernel: Kernel, user: Any, show: dict[str, Any]) -> dict[int, RebookingOffer]:
    with kernel.db.session() as db:
        made = rebooking.offers(db, actor_of(kernel, db, user), show["e24"])
        db.expunge_all()
        return {o.customer_id: o for o in made}


def make(kernel: Kernel, user: Any, show: dict[str, Any], window: dict[str, str] = WINDOW) -> int:
    with kernel.db.session() as db:
        return len(rebooking.make_offers(db, actor_of(kernel, db, user), show["e24"], window))


def test_each_exhibitor_is_offered_the_same_booth_when_it_is_free(kernel, expo, show):
    manager = expo["manager"]
    assert make(kernel, manager, show) == 3
    offers = offers_by_customer(kernel, manager, show)
    shouguang = offers[show["寿光蔬菜"]]
    assert (shouguang.booth_id, shouguang.deposit, shouguang.state) == (show["there"]["A101"], Decimal("3240.00"),
                                                                        "open")
    # A102 is sold to someone else in the 25th, A103 is not drawn there: staff choose
    assert offers[show["北大荒米业"]].booth_id is None and offers[show["普洱茶业"]].booth_id is None
    assert offers[show["北大荒米业"]].deposit == 0
    assert make(kernel, manager, show) == 0  # again: nothing twice


def test_a_bad_window_is_named_and_nothing_is_offered(kernel, expo, show):
    with pytest.raises(ValidationError) as refused:
        make(kernel, expo["manager"], show, {"valid_from": "2026-12-31", "valid_until": "2026-12-01"})
    assert set(refused.value.errors) == {"valid_until"}
    with pytest.raises(ValidationError) as refused:
        make(kernel, expo["manager"], show, {"valid_from": "soon", "valid_until": ""})
    assert set(refused.value.errors) == {"valid_from", "valid_until"}
    assert offers_by_customer(kernel, expo["manager"], show) == {}


def test_accepting_in_the_window_reserves_the_booth_and_drafts_the_contract(kernel, expo, show):
    manager = expo["manager"]
    make(kernel, manager, show)
    offer = offers_by_customer(kernel, manager, show)[show["寿光蔬菜"]]
    with on(date(2027, 1, 5)), pytest.raises(Conflict), kernel.db.session() as db:  # the window is over
        rebooking.accept(db, actor_of(kernel, db, manager), offer.id)
    with on(date(2026, 12, 1)), kernel.db.session() as db:
        rebooking.accept(db, actor_of(kernel, db, manager), offer.id)
    with kernel.db.session(write=False) as db:
        taken = db.get(Booth, show["there"]["A101"])
        accepted = db.get(RebookingOffer, offer.id)
        contract = db.get(Contract, accepted.contract_id)
        assert (taken.status, taken.customer_id, taken.contract_id) == ("reserved", show["寿光蔬菜"], contract.id)
        assert (accepted.state, contract.customer_id, contract.state) == ("accepted", show["寿光蔬菜"], "draft")
        assert "30" in contract.payment_terms  # the deposit share is in its terms
    with on(date(2026, 12, 2)), pytest.raises(Conflict), kernel.db.session() as db:  # not twice
        rebooking.accept(db, actor_of(kernel, db, manager), offer.id)


def test_staff_offer_a_better_booth_that_is_available(kernel, expo, show):
    manager = expo["manager"]
    make(kernel, manager, show)
    offer = offers_by_customer(kernel, manager, show)[show["北大荒米业"]]
    with pytest.raises(ValidationError) as refused, kernel.db.session() as db:
        rebooking.choose_booth(db, actor_of(kernel, db, manager), offer.id, show["there"]["A102"])  # sold
    assert set(refused.value.errors) == {"booth_id"}
    with kernel.db.session() as db:
        chosen = rebooking.choose_booth(db, actor_of(kernel, db, manager), offer.id, show["there"]["A105"])
        assert chosen.deposit == Decimal("3600.00")
    unchosen = offers_by_customer(kernel, manager, show)[show["普洱茶业"]].id
    with pytest.raises(ValidationError), on(date(2026, 12, 1)), kernel.db.session() as db:
        rebooking.accept(db, actor_of(kernel, db, manager), unchosen)  # no booth chosen yet


def test_two_exhibitors_taking_the_same_booth_at_once_one_wins(kernel, expo, show):
    manager = expo["manager"]
    make(kernel, manager, show)
    offers = offers_by_customer(kernel, manager, show)
    contenders = [offers[show["北大荒米业"]].id, offers[show["普洱茶业"]].id]
    for offer_id in contenders:
        with kernel.db.session() as db:
            rebooking.choose_booth(db, actor_of(kernel, db, manager), offer_id, show["there"]["A105"])

    def attempt(i: int) -> int:
        with on(date(2026, 12, 1)), kernel.db.session() as db:
            return rebooking.accept(db, actor_of(kernel, db, manager), contenders[i]).customer_id

    results = race(attempt, 2)
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1 and all(isinstance(r, Conflict) for r in results if not isinstance(r, int))
    with kernel.db.session(write=False) as db:
        taken = db.get(Booth, show["there"]["A105"])
        assert (taken.status, taken.customer_id) == ("reserved", winners[0])
        states = sorted(db.scalars(select(RebookingOffer.state).where(RebookingOffer.id.in_(contenders))))
        assert states == ["accepted", "open"]  # the loser's offer is as it was
        assert len(db.scalars(select(Contract)).all()) == 1


def test_offers_expire_after_their_window_and_free_nothing(kernel, expo, show):
    manager = expo["manager"]
    make(kernel, manager, show)
    offers = offers_by_customer(kernel, manager, show)
    with kernel.db.session() as db:
        rebooking.decline(db, actor_of(kernel, db, manager), offers[show["普洱茶业"]].id, "预算不足")
    with kernel.db.session() as db:
        assert rebooking.expire(db, date(2026, 12, 31)) == 0  # the last day is still in the window
        assert rebooking.expire(db, date(2027, 1, 1)) == 2
    with kernel.db.session(write=False) as db:
        states = {o.customer_id: o.state for o in db.scalars(select(RebookingOffer))}
        assert states == {show["寿光蔬菜"]: "expired", show["北大荒米业"]: "expired", show["普洱茶业"]: "declined"}
        booths = {b.number: (b.status, b.customer_id) for b in db.scalars(
            select(Booth).where(Booth.edition_id == show["e25"]))}
        assert booths == {"A101": ("available", None), "A102": ("sold", show["别家"]), "A105": ("available", None)}
    with pytest.raises(Conflict), on(date(2026, 12, 1)), kernel.db.session() as db:
        rebooking.accept(db, actor_of(kernel, db, manager), offers[show["寿光蔬菜"]].id)


def test_offers_of_another_organisation_are_not_found(kernel, expo, show):
    make(kernel, expo["manager"], show)
    offer = offers_by_customer(kernel, expo["manager"], show)[show["寿光蔬菜"]]
    assert offers_by_customer(kernel, expo["outsider"], show) == {}
    with pytest.raises(NotFound), on(date(2026, 12, 1)), kernel.db.session() as db:
        rebooking.accept(db, actor_of(kernel, db, expo["outsider"]), offer.id)
