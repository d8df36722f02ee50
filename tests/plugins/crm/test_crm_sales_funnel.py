"""The sales funnel, the win/loss by competitor, the report dataset and the
"my pipeline" widget on a small data set whose numbers are worked out by
hand below.

Standard pipeline: 初步接洽 (S1) → 需求确认 (S2) → 方案报价 (S3) → 商务谈判 (S4)
→ 赢单 (W), or 输单 (L). Everything starts on day 0:

=====  ======  =====================================  ===========  =============
deal   owner   path (day of each move)                  amount       now
=====  ======  =====================================  ===========  =============
A      rep1    S1 → S2 (2) → S3 (6) → W (7)            100,000      won
B      rep1    S1 → S2 (4) → L (6), lost to 金蝶          50,000      lost
C      rep1    S2 → S4 (6)                             200,000      S4, 75 %
D      rep1    S1                                       30,000      S1, 10 %
E      rep3    S1 → S3 (3)                              80,000      S3, 50 %
=====  ======  =====================================  ===========  =============

Reached (entered the step or a later one): S1 5 (all), S2 4 (A B C E), S3 3
(A C E), S4 2 (A C), W 1 (A); so conversions 4/5, 3/4, 2/3, 1/2. Days in S1
before leaving: A 2, B 4, E 3 (median 3); in S2: A 4, B 2, C 6 (median 4);
in S3: A 1. Won 1, lost 1: win rate 50 %.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import crm_sales_support as support
import pytest
from crm_sales_support import actor_of, pipeline_id

from core import ReportQuery, aggregate
from core.app import Kernel
from plugins.crm.models import Pipeline
from plugins.crm.services.board import my_pipeline
from plugins.crm.services.funnel import Funnel, FunnelFilter, funnel, win_loss

clock = support.clock  # a fixture
move = support.move  # a fixture
new_competitor = support.new_competitor  # a fixture
new_opportunity = support.new_opportunity  # a fixture


@pytest.fixture
def deals(kernel: Kernel, sales: dict[str, Any], new_customer: Any, new_opportunity: Any, move: Any,
          new_competitor: Any, clock: Any) -> dict[str, int]:
    kingdee = new_competitor(sales["hq"].id, "金蝶", "high")
    yonyou = new_competitor(sales["hq"].id, "用友")
    rep1, rep3 = sales["rep1"], sales["rep3"]
    c1 = new_customer(rep1, "北京百度网讯科技有限公司")
    c3 = new_customer(rep3, "广州白云山医药")
    start = clock.current
    ids = {
        "A": new_opportunity(rep1, c1, "A", amount=Decimal("100000"), competitor_ids=[kingdee]),
        "B": new_opportunity(rep1, c1, "B", amount=Decimal("50000"), competitor_ids=[kingdee]),
        "C": new_opportunity(rep1, c1, "C", stage="需求确认", amount=Decimal("200000"), competitor_ids=[yonyou]),
        "D": new_opportunity(rep1, c1, "D", amount=Decimal("30000")),
        "E": new_opportunity(rep3, c3, "E", amount=Decimal("80000")),
    }

    def on(day: int) -> None:
        clock.current = start + timedelta(days=day)

    on(2)
    move(rep1, ids["A"], "需求确认")
    on(3)
    move(rep3, ids["E"], "方案报价")
    on(4)
    move(rep1, ids["B"], "需求确认")
    on(6)
    move(rep1, ids["A"], "方案报价")
    move(rep1, ids["B"], "输单", lost_reason="price", lost_to_id=kingdee)
    move(rep1, ids["C"], "商务谈判")
    on(7)
    move(rep1, ids["A"], "赢单")
    return {**ids, "kingdee": kingdee, "yonyou": yonyou}


def funnel_of(kernel: Kernel, user: Any, flt: FunnelFilter | None = None) -> Funnel:
    with kernel.db.session(write=False) as db:
        pipeline = db.get(Pipeline, pipeline_id(kernel, user.org_id))
        assert pipeline is not None
        return funnel(db, actor_of(kernel, db, user), pipeline, flt or FunnelFilter())


def by_name(f: Funnel) -> dict[str, Any]:
    return {s.stage.name: s for s in f.stages}


def test_the_director_sees_the_whole_funnel(kernel: Kernel, sales: dict[str, Any], deals: dict[str, int]) -> None:
    f = funnel_of(kernel, sales["director"])
    rows = by_name(f)
    # deals now in each stage, with amounts and weighted amounts (amount × probability)
    assert {n: (r.count, r.totals.get("CNY"), r.weighted.get("CNY")) for n, r in rows.items()} == {
        "初步接洽": (1, Decimal("30000.00"), Decimal("3000.00")),
        "需求确认": (0, None, None),
        "方案报价": (1, Decimal("80000.00"), Decimal("40000.00")),
        "商务谈判": (1, Decimal("200000.00"), Decimal("150000.00")),
        "赢单": (1, Decimal("100000.00"), Decimal("100000.00")),
        "输单": (1, Decimal("50000.00"), Decimal("0.00")),
    }
    # reached, conversion to the next step, median days
    assert [(s.stage.name, s.reached) for s in f.chain] == [
        ("初步接洽", 5), ("需求确认", 4), ("方案报价", 3), ("商务谈判", 2), ("赢单", 1)]
    assert [s.conversion for s in f.chain] == [pytest.approx(0.8), pytest.approx(0.75), pytest.approx(2 / 3),
                                               pytest.approx(0.5), None]
    assert rows["输单"].reached is None
    assert {n: r.median_days for n, r in rows.items()} == {
        "初步接洽": 3.0, "需求确认": 4.0, "方案报价": 1.0, "商务谈判": None, "赢单": None, "输单": None}
    assert (f.won, f.lost, f.open, f.win_rate) == (1, 1, 3, 0.5)


def test_a_salesperson_and_the_filters_count_only_their_deals(kernel: Kernel, sales: dict[str, Any],
                                                               deals: dict[str, int], clock: Any) -> None:
    # rep1 may read A to D only
    mine = funnel_of(kernel, sales["rep1"])
    assert [s.reached for s in mine.chain] == [4, 3, 2, 2, 1]
    assert by_name(mine)["初步接洽"].median_days == 3.0  # A 2, B 4
    assert by_name(mine)["方案报价"].count == 0
    # the director filtering on 销售二部 sees E only
    team = funnel_of(kernel, sales["director"], FunnelFilter(department_id=sales["two"].id))
    assert [s.reached for s in team.chain] == [1, 1, 1, 0, 0]
    # the manager of 销售一部 filtering on rep3's deals sees nothing: E is outside their department
    assert funnel_of(kernel, sales["manager"], FunnelFilter(owner_id=sales["rep3"].id)).chain[0].reached == 0
    # closed on day 7 (China's date): A only
    day7 = clock.current.astimezone(ZoneInfo("Asia/Shanghai")).date()
    closed = funnel_of(kernel, sales["director"], FunnelFilter(period_field="closed", date_from=day7, date_to=day7))
    assert (closed.won, closed.lost, closed.win_rate) == (1, 0, 1.0)
    # created after day 0: none
    later = funnel_of(kernel, sales["director"], FunnelFilter(date_from=day7))
    assert later.chain[0].reached == 0 and later.win_rate is None


def test_the_funnel_page_draws_and_tabulates_it(client: Any, sales: dict[str, Any], deals: dict[str, int]) -> None:
    client.login("director")
    page = client.get("/crm/funnel").text
    assert '<svg class="crm-funnel"' in page
    assert "初步接洽: 5" in page and "↓ 80%" in page  # the drawing's tooltip and conversion
    assert 'id="crm-funnel-win-rate">50%' in page
    assert "¥150,000.00" in page  # S4's weighted amount


def test_win_loss_by_competitor(client: Any, kernel: Kernel, sales: dict[str, Any], deals: dict[str, int]) -> None:
    with kernel.db.session(write=False) as db:
        rows = {r.competitor.name: r for r in win_loss(db, actor_of(kernel, db, sales["director"]), sales["hq"].id)}
        kingdee, yonyou = rows["金蝶"], rows["用友"]
        assert (kingdee.met, kingdee.won, kingdee.lost, kingdee.open) == (2, 1, 1, 0)
        assert (kingdee.won_amount, kingdee.lost_amount) == (Decimal("100000.00"), Decimal("50000.00"))
        assert (kingdee.lost_to, kingdee.lost_to_amount, kingdee.win_rate) == (1, Decimal("50000.00"), 0.5)
        assert (yonyou.met, yonyou.open, yonyou.lost_to, yonyou.win_rate) == (1, 1, 0, None)
        # rep3 met neither on the deals they may read
        theirs = {r.competitor.name: r.met for r in win_loss(db, actor_of(kernel, db, sales["rep3"]), sales["hq"].id)}
        assert theirs == {"金蝶": 0, "用友": 0}
    client.login("director")
    table = client.get("/crm/competitors/winloss").text
    assert "金蝶" in table and "¥50,000.00" in table
    detail = client.get(f"/crm/competitors/{deals['kingdee']}").text
    assert "与该对手的输赢" in detail
    assert ">A<" in detail and ">B<" in detail


def test_the_report_dataset_and_the_widget(client: Any, kernel: Kernel, sales: dict[str, Any],
                                           deals: dict[str, int]) -> None:
    with kernel.db.session(write=False) as db:
        director = actor_of(kernel, db, sales["director"])
        result = aggregate(db, director, kernel.registry, ReportQuery(
            "crm.opportunities", rows=("state",), measures=("count", "amount")))
        assert {row.keys[0]: row.values for row in result.rows} == {
            "open": (3, Decimal("310000.00")), "won": (1, Decimal("100000.00")), "lost": (1, Decimal("50000.00"))}
        lost = aggregate(db, director, kernel.registry, ReportQuery(
            "crm.opportunities", rows=("lost_reason",), measures=("count",), filters={"state": ["lost"]}))
        assert [(r.keys[0], r.values[0]) for r in lost.rows] == [("price", 1)]
        assert lost.label("lost_reason", "price") == "Price too high"
        rep3 = aggregate(db, actor_of(kernel, db, sales["rep3"]), kernel.registry,
                         ReportQuery("crm.opportunities", measures=("count",)))
        assert rep3.totals == (1,)
        # my pipeline: rep1's open deals per stage
        rows = my_pipeline(db, actor_of(kernel, db, sales["rep1"]))
        assert [(r["stage"], r["count"], r["amount"], r["weighted"]) for r in rows] == [
            ("初步接洽", 1, Decimal("30000.00"), Decimal("3000.00")),
            ("商务谈判", 1, Decimal("200000.00"), Decimal("150000.00"))]
    # and the widget on rep1's workbench
    client.login("rep1")
    widget = client.get(kernel.url_path_for("dashboard:widget_detail", key="crm.my_pipeline"))
    assert widget.status_code == 200
    assert "标准产品销售" in widget.text and "¥150,000.00" in widget.text
    assert "¥100,000.00" not in widget.text  # A is won: no longer in the pipeline
