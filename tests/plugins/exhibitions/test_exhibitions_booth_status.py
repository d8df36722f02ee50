"""A booth's status through the services: hold, reserve, sell, vacate,
block, move, lapsed holds; refusals name what is wrong and write nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from exhibitions_support import actor_of
from sqlalchemy import select

from core import Conflict, NotFound, ValidationError, utcnow
from plugins.activity.models import InboxItem
from plugins.exhibitions.models import Booth
from plugins.exhibitions.services import booths


def status(kernel: Any, booth_id: int) -> tuple[str, int | None]:
    with kernel.db.session(write=False) as db:
        found = db.get(Booth, booth_id)
        return found.status, found.customer_id


def act(kernel: Any, user: Any, booth_id: int, action: str, **kw: Any) -> Any:
    with kernel.db.session() as db:
        return booths.change(db, actor_of(kernel, db, user), booth_id, action, **kw).before


def test_a_booth_is_held_reserved_sold_and_vacated(kernel, expo, plan, booth, new_customer):
    a101 = booth(plan(), "A101")
    farm = new_customer(expo["seller1"], "北京绿源农业科技有限公司")
    act(kernel, expo["seller1"], a101, "hold", customer_id=farm)
    assert status(kernel, a101) == ("held", farm)
    with kernel.db.session(write=False) as db:
        held = db.get(Booth, a101)
        assert held.owner_id == expo["seller1"].id
        assert held.held_until - utcnow() > timedelta(days=6)  # the edition's 7 hold days
    assert act(kernel, expo["seller1"], a101, "reserve", customer_id=farm) == "held"
    assert act(kernel, expo["seller1"], a101, "sell", customer_id=farm) == "reserved"
    assert status(kernel, a101) == ("sold", farm)
    act(kernel, expo["manager"], a101, "vacate")
    assert status(kernel, a101) == ("available", None)


def test_a_booth_kept_for_one_exhibitor_is_not_sold_to_another(kernel, expo, plan, booth, new_customer):
    a101 = booth(plan(), "A101")
    first = new_customer(expo["seller1"], "山东寿光蔬菜集团")
    second = new_customer(expo["seller2"], "黑龙江北大荒农业股份有限公司")
    act(kernel, expo["seller1"], a101, "hold", customer_id=first)
    with pytest.raises(Conflict):
        act(kernel, expo["seller2"], a101, "reserve", customer_id=second)
    with pytest.raises(Conflict):
        act(kernel, expo["seller2"], a101, "hold", customer_id=second)
    assert status(kernel, a101) == ("held", first)


def test_a_seller_holds_only_for_customers_they_may_see(kernel, expo, plan, booth, new_customer):
    a101 = booth(plan(), "A101")
    theirs = new_customer(expo["seller2"], "新疆天山果业有限公司")
    with pytest.raises(ValidationError) as refused:
        act(kernel, expo["seller1"], a101, "hold", customer_id=theirs)
    assert set(refused.value.errors) == {"customer_id"}
    with pytest.raises(ValidationError):
        act(kernel, expo["seller1"], a101, "hold")
    assert status(kernel, a101) == ("available", None)


def test_blocked_booths_and_stale_versions_are_refused(kernel, expo, plan, booth, new_customer):
    a101 = booth(plan(), "A101")
    farm = new_customer(expo["seller1"], "云南普洱茶业集团")
    act(kernel, expo["manager"], a101, "block")
    with pytest.raises(Conflict):
        act(kernel, expo["seller1"], a101, "hold", customer_id=farm)
    act(kernel, expo["manager"], a101, "unblock")
    with pytest.raises(Conflict):  # the seller saw version 1; blocking and unblocking made it 3
        act(kernel, expo["seller1"], a101, "hold", customer_id=farm, version=1)
    assert status(kernel, a101) == ("available", None)


def test_another_organisation_cannot_reach_the_booth(kernel, expo, plan, booth):
    a101 = booth(plan(), "A101")
    with pytest.raises(NotFound):
        act(kernel, expo["outsider"], a101, "block")


def test_an_exhibitor_moves_to_a_free_booth_with_its_status(kernel, expo, plan, booth, new_customer):
    floor = plan()
    a101, a102 = booth(floor, "A101"), booth(floor, "A102", x=3)
    farm = new_customer(expo["seller1"], "内蒙古伊利实业集团")
    act(kernel, expo["seller1"], a101, "reserve", customer_id=farm)
    with kernel.db.session() as db:
        booths.move(db, actor_of(kernel, db, expo["seller1"]), a101, a102)
    assert status(kernel, a101) == ("available", None)
    assert status(kernel, a102) == ("reserved", farm)


def test_a_lapsed_hold_is_released_and_its_seller_told(kernel, expo, plan, booth, new_customer):
    a101 = booth(plan(), "A101")
    farm = new_customer(expo["seller1"], "福建安溪铁观音集团")
    act(kernel, expo["seller1"], a101, "hold", customer_id=farm)
    with kernel.db.session() as db:
        db.get(Booth, a101).held_until = utcnow() - timedelta(minutes=1)
    with kernel.db.session() as db:
        assert booths.release_lapsed(db) == [a101]
    assert status(kernel, a101) == ("available", None)
    with kernel.db.session(write=False) as db:
        subjects = list(db.scalars(select(InboxItem.subject).where(InboxItem.user_id == expo["seller1"].id)))
    assert subjects == ["Your hold on booth {number} lapsed"]
