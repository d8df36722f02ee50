"""Floor plans and booths through the services: generating a range in a
grid, open sides from the neighbours, area from the shape, moving and
deleting, numbers unique in the edition, copying a plan to the next edition."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from exhibitions_support import actor_of
from sqlalchemy import func, select

from core import Conflict, StaleVersion, ValidationError
from plugins.exhibitions.models import Booth, Edition, FloorPlan
from plugins.exhibitions.services import booths as booth_services
from plugins.exhibitions.services import geometry, plans
from plugins.exhibitions.services.plans import GridSpec


def spec(**values: Any) -> GridSpec:
    base: dict[str, Any] = {"prefix": "A", "first": 101, "last": 110, "columns": 5, "width": Decimal(3),
                            "depth": Decimal(3), "aisle": Decimal(3), "x": Decimal(2), "y": Decimal(2)}
    return GridSpec(**{**base, **values})


def generate(kernel: Any, user: Any, plan_id: int, **values: Any) -> list[int]:
    with kernel.db.session() as db:
        return plans.generate(db, actor_of(kernel, db, user), plan_id, spec(**values))


def booths_of(kernel: Any, plan_id: int) -> dict[str, Booth]:
    with kernel.db.session(write=False) as db:
        found = db.scalars(select(Booth).where(Booth.plan_id == plan_id)).all()
        db.expunge_all()
        return {b.number: b for b in found}


def test_area_of_a_rectangle_and_of_a_polygon() -> None:
    assert geometry.area(Decimal(6), Decimal("4.5")) == Decimal("27.00")
    # an L: 6 × 6 less a 3 × 3 corner
    assert geometry.area(Decimal(0), Decimal(0), [[0, 0], [6, 0], [6, 3], [3, 3], [3, 6], [0, 6]]) == Decimal("27.00")


def test_a_range_of_booths_is_generated_in_a_block_with_open_sides_from_neighbours(kernel, expo, plan):
    plan_id = plan()
    ids = generate(kernel, expo["manager"], plan_id)
    assert len(ids) == 10
    made = booths_of(kernel, plan_id)
    assert sorted(made) == [f"A{n}" for n in range(101, 111)]
    # two rows back to back: A101..A105 over A106..A110
    a101, a103, a108 = made["A101"], made["A103"], made["A108"]
    assert (a101.x, a101.y, made["A106"].y) == (Decimal(2), Decimal(2), Decimal(5))
    assert (a103.booth_type, a103.open_sides) == ("inline", 1)
    assert (a101.booth_type, a101.open_sides) == ("corner", 2)
    assert (a108.booth_type, a108.area, a108.status) == ("inline", Decimal(9), "available")


def test_a_single_row_gives_peninsulas_at_its_ends_and_a_lone_booth_is_an_island(kernel, expo, plan):
    plan_id = plan()
    generate(kernel, expo["manager"], plan_id, first=1, last=3, columns=3, prefix="B")
    generate(kernel, expo["manager"], plan_id, first=1, last=1, columns=1, prefix="C", x=Decimal(50))
    made = booths_of(kernel, plan_id)
    assert [made[n].booth_type for n in ("B1", "B2", "B3", "C1")] == ["peninsula", "corner", "peninsula", "island"]
    assert made["B2"].open_sides == 2


def test_numbers_used_in_the_edition_are_refused_naming_them_and_nothing_is_written(kernel, expo, plan):
    first = plan()
    generate(kernel, expo["manager"], first, first=101, last=105)
    with pytest.raises(ValidationError) as refused:
        generate(kernel, expo["manager"], first, first=104, last=108, y=Decimal(40))
    assert set(refused.value.errors) == {"numbers"}
    assert "A104, A105" in refused.value.errors["numbers"]
    assert len(booths_of(kernel, first)) == 5


def test_booths_over_others_or_outside_the_plan_are_refused(kernel, expo, plan):
    plan_id = plan()
    generate(kernel, expo["manager"], plan_id)
    with pytest.raises(ValidationError) as over:
        generate(kernel, expo["manager"], plan_id, prefix="Z", x=Decimal(4))
    assert set(over.value.errors) == {"numbers"}
    with pytest.raises(ValidationError):
        generate(kernel, expo["manager"], plan_id, prefix="Z", x=Decimal(118))
    assert len(booths_of(kernel, plan_id)) == 10


def test_moving_a_booth_snaps_to_the_grid_and_recomputes_its_old_and_new_neighbours(kernel, expo, plan):
    plan_id = plan()
    generate(kernel, expo["manager"], plan_id, first=1, last=3, columns=3)
    made = booths_of(kernel, plan_id)
    with kernel.db.session() as db:
        moved = plans.reshape(db, actor_of(kernel, db, expo["manager"]), made["A3"].id, x="30.4", y="2.2",
                              width="6.1", depth="3", version=made["A3"].version)
        assert (moved.x, moved.y, moved.width, moved.area) == (Decimal(30), Decimal(2), Decimal(6), Decimal(18))
    after = booths_of(kernel, plan_id)
    assert after["A3"].booth_type == "island"
    assert (after["A2"].booth_type, after["A2"].open_sides) == ("peninsula", 3)
    with kernel.db.session() as db, pytest.raises(StaleVersion):
        plans.reshape(db, actor_of(kernel, db, expo["manager"]), made["A3"].id, x=40, y=2, width=3, depth=3,
                      version=made["A3"].version)


def test_only_available_booths_are_deleted(kernel, expo, plan, new_customer):
    plan_id = plan()
    generate(kernel, expo["manager"], plan_id, first=1, last=2, columns=2)
    made = booths_of(kernel, plan_id)
    farm = new_customer(expo["seller1"], "寿光蔬菜产业集团")
    with kernel.db.session() as db:
        booth_services.change(db, actor_of(kernel, db, expo["seller1"]), made["A1"].id, "hold", customer_id=farm)
    with kernel.db.session() as db, pytest.raises(Conflict):
        plans.delete_booth(db, actor_of(kernel, db, expo["manager"]), made["A1"].id, made["A1"].version + 1)
    with kernel.db.session() as db:
        plans.delete_booth(db, actor_of(kernel, db, expo["manager"]), made["A2"].id, made["A2"].version)
    assert list(booths_of(kernel, plan_id)) == ["A1"]
    assert booths_of(kernel, plan_id)["A1"].booth_type == "island"


def test_copying_a_plan_offers_each_sold_booth_back_to_its_exhibitor(kernel, expo, plan, new_customer):
    plan_id = plan()
    generate(kernel, expo["manager"], plan_id, first=1, last=4, columns=4)
    made = booths_of(kernel, plan_id)
    farm = new_customer(expo["seller1"], "北大荒农垦集团")
    with kernel.db.session() as db:
        booth_services.change(db, actor_of(kernel, db, expo["seller1"]), made["A2"].id, "sell", customer_id=farm)
        booth_services.change(db, actor_of(kernel, db, expo["manager"]), made["A4"].id, "block")
        source = db.get(Edition, expo["edition"])
        nxt = Edition(org_id=source.org_id, series_id=source.series_id, number=26, name="第二十六届中国国际农业博览会",
                      venue_id=source.venue_id, opens_on=date(2028, 11, 20), previous_id=source.id)
        db.add(nxt)
        db.flush()
        next_id = nxt.id
    with kernel.db.session() as db:
        copied = plans.copy_plan(db, actor_of(kernel, db, expo["manager"]), plan_id, next_id).id
    with kernel.db.session(write=False) as db:
        assert db.get(FloorPlan, copied).edition_id == next_id
    again = booths_of(kernel, copied)
    assert sorted(again) == ["A1", "A2", "A3", "A4"]
    assert (again["A2"].status, again["A2"].customer_id) == ("held", farm)
    assert again["A2"].held_until is not None
    assert {again[n].status for n in ("A1", "A3", "A4")} == {"available"}
    assert (again["A1"].x, again["A1"].booth_type) == (made["A1"].x, made["A1"].booth_type)
    with kernel.db.session() as db, pytest.raises(ValidationError):  # the hall has its plan there now
        plans.copy_plan(db, actor_of(kernel, db, expo["manager"]), plan_id, next_id)


def test_another_organisation_cannot_generate_on_a_plan(kernel, expo, plan):
    from core import NotFound
    plan_id = plan()
    with kernel.db.session() as db, pytest.raises(NotFound):
        plans.generate(db, actor_of(kernel, db, expo["outsider"]), plan_id, spec())
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Booth)) == 0


def test_the_demo_plans_are_drawn_when_the_venues_part_made_halls_and_editions(kernel, expo, new_customer):
    from plugins.exhibitions.services.plan_demo import load_demo

    for i in range(5):
        new_customer(expo["manager"], f"演示参展商{i}")
    with kernel.db.session() as db:
        load_demo(db, {}, {}, {})  # the venues part not merged: nothing
        assert db.scalar(select(func.count()).select_from(FloorPlan)) == 0
        source = db.get(Edition, expo["edition"])
        old = Edition(org_id=source.org_id, series_id=source.series_id, number=24, name="第二十四届中国国际农业博览会",
                      venue_id=source.venue_id, state="closed")
        db.add(old)
        db.flush()
        made = {"halls": {"1": expo["hall"]}, "editions": {24: old.id, 25: source.id}, "org_id": expo["hq"].id,
                "manager_id": expo["manager"].id}
        load_demo(db, {}, {}, made)
        counts = {r[0]: r[1] for r in db.execute(select(Booth.edition_id, func.count())
                                                  .group_by(Booth.edition_id))}
        assert counts == {old.id: 100, source.id: 100}
        sold = db.scalar(select(func.count()).select_from(Booth).where(Booth.edition_id == old.id,
                                                                       Booth.status == "sold"))
        assert sold > 70
        statuses = set(db.scalars(select(Booth.status).where(Booth.edition_id == source.id)))
        assert {"available", "held", "reserved", "sold"} <= statuses
        island = db.scalar(select(Booth).where(Booth.number == "1E105", Booth.edition_id == source.id))
        assert (island.area, island.construction, island.booth_type) == (Decimal(216), "raw", "island")
