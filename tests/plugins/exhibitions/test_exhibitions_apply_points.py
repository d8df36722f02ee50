"""Priority points: years exhibited, m² and spend over the series' earlier
editions, plus manual adjustments with a reason; the ranking page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apply_support import contract, earlier_edition, sold
from exhibitions_support import actor_of
from sqlalchemy import select

from core.app import Kernel
from plugins.exhibitions.models import Edition, PointsAdjustment
from plugins.exhibitions.services import points


def test_the_formula(kernel: Kernel, expo: dict[str, Any], new_customer: Any) -> None:
    farm = new_customer(expo["seller1"], "北京绿源农业科技有限公司")
    rice = new_customer(expo["seller1"], "黑龙江北大荒米业有限公司")
    e23, e24 = earlier_edition(kernel, expo, 23), earlier_edition(kernel, expo, 24)
    # farm: two editions, 18 + 36 + 20 m², contracts ¥45,000 and ¥60,000 (a cancelled one does not count)
    c1 = contract(kernel, expo, farm, "45000")
    c2 = contract(kernel, expo, farm, "60000")
    c3 = contract(kernel, expo, farm, "99000", state="cancelled")
    sold(kernel, expo, e23, farm, "A1", 18, c1)
    sold(kernel, expo, e24, farm, "A1", 36, c2)
    sold(kernel, expo, e24, farm, "A2", 20, c2)  # the same contract counts once
    sold(kernel, expo, e24, farm, "A3", 9, c3)
    # rice: one edition, 9 m², no contract; a booth of this very edition does not count
    sold(kernel, expo, e24, rice, "B1", 9)
    sold(kernel, expo, expo["edition"], rice, "B9", 90)
    with kernel.db.session() as db:
        edition = db.get(Edition, expo["edition"])
        assert edition is not None
        got = points.points_of(db, edition)
        p = got[farm]
        assert (p.years, p.area, p.spend) == (2, Decimal("83"), Decimal("105000"))
        assert (p.year_points, p.area_points, p.spend_points, p.total) == (20, 9, 10, 39)
        r = got[rice]
        assert (r.years, r.area_points, r.spend_points, r.total) == (1, 1, 0, 11)
        # an adjustment counts, with its sign
        points.adjust(db, actor_of(kernel, db, expo["manager"]), edition.id, rice, "+30", "协办单位推荐")
        points.adjust(db, actor_of(kernel, db, expo["manager"]), edition.id, rice, "-1", "迟交资料")
        assert points.points_of(db, edition, [rice])[rice].total == 40
        ranking = points.ranking(db, actor_of(kernel, db, expo["manager"]), edition.id)
        assert [(r.rank, r.customer_id, r.points.total) for r in ranking] == [(1, rice, 40), (2, farm, 39)]


def test_adjustments_need_a_reason_and_the_permission(client: Any, kernel: Kernel, expo: dict[str, Any],
                                                      new_customer: Any) -> None:
    farm = new_customer(expo["seller1"], "北京绿源农业科技有限公司")
    url = f"/exhibitions/editions/{expo['edition']}/points"
    client.login("expomanager")
    bad = client.submit(url, {"customer_id": str(farm), "points": "10", "reason": ""})
    assert bad.status_code == 422 and "请填写原因。" in bad.text
    zero = client.submit(url, {"customer_id": str(farm), "points": "0", "reason": "x"})
    assert zero.status_code == 422
    ok = client.submit(url, {"customer_id": str(farm), "points": "15", "reason": "连续参展十年"},
                       follow_redirects=False)
    assert ok.status_code == 303
    page = client.get(url)
    assert page.status_code == 200 and "连续参展十年" in page.text and "周经理" in page.text
    assert f'data-customer="{farm}"' in page.text and "+15" in page.text
    with kernel.db.session(write=False) as db:
        [row] = db.scalars(select(PointsAdjustment)).all()
        assert (row.points, row.owner_id) == (15, expo["manager"].id)
    # a seller reads the points but may not adjust them
    client.get("/logout")
    client.login("seller1")
    page = client.get(url)
    assert page.status_code == 200 and 'id="exhibitions-points-adjust"' not in page.text
    refused = client.submit(url, {"customer_id": str(farm), "points": "50", "reason": "我自己加"})
    assert refused.status_code == 403
    with kernel.db.session(write=False) as db:
        assert len(db.scalars(select(PointsAdjustment)).all()) == 1
