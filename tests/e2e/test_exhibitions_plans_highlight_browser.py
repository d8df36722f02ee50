"""The floor plan in a real browser, its gaps of issue 9: the heat map stays
through a booth action from the panel; the highlight by industry lights
exactly the booths of that industry's exhibitors; a planner draws a booth
as a polygon (click the corners, click the first one to close) and sees it
with its area. The plan with an industry highlighted is shot for the docs.

The test draws its own plan (a venue, a hall, an edition in planning, so
that the other plan test's "first selling edition" stays its own) through
the services, in a subprocess on the server's database."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shoot

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

BUILD = r'''
import json
from decimal import Decimal
from sqlalchemy import select
from core import load_actor
from core.app import create_app
from core.models import User
from plugins.crm.services.customers import create_customer
from plugins.exhibitions.models import Booth, Edition, ShowSeries, Space, Venue
from plugins.exhibitions.services import booths, plans

kernel = create_app().state.kernel
with kernel.db.session() as db:
    admin = db.scalar(select(User).where(User.username == "admin"))
    actor = load_actor(db, admin, all_codes=set(kernel.registry.permissions))
    venue = Venue(org_id=admin.org_id, name="国家会展中心（上海）", city="上海市")
    db.add(venue); db.flush()
    hall = Space(org_id=admin.org_id, venue_id=venue.id, kind="hall", code="7", name="7号馆")
    series = ShowSeries(org_id=admin.org_id, name="中国国际食品与农业机械展", short_name="食农展")
    db.add_all([hall, series]); db.flush()
    edition = Edition(org_id=admin.org_id, series_id=series.id, number=3, venue_id=venue.id,
                      name="第三届中国国际食品与农业机械展", state="planning")
    db.add(edition); db.flush()
    plan = plans.create_plan(db, actor, {"edition_id": edition.id, "space_id": hall.id, "title": "7号馆展位图",
                                         "width": Decimal(50), "depth": Decimal(30), "grid": Decimal(1)})
    for block, (prefix, pavilion) in enumerate((("F", "食品馆"), ("G", "农机馆"))):
        plans.generate(db, actor, plan.id, plans.GridSpec(
            prefix=prefix, first=101, last=120, columns=10, width=Decimal(3), depth=Decimal(3),
            aisle=Decimal(4), x=Decimal(3), y=Decimal(3 + block * 10), pavilion=pavilion))
    people = [("中粮福临门食品有限公司", "福临门", "food"), ("山东五征农机集团", "五征农机", "agriculture"),
              ("雷沃重工股份有限公司", "雷沃重工", "manufacturing"), ("三全食品股份有限公司", "三全食品", "food")]
    made = [create_customer(db, actor, {"name": n, "short_name": s, "industry": i}) for n, s, i in people]
    db.flush()
    ids = {b.number: b for b in db.scalars(select(Booth).where(Booth.plan_id == plan.id))}
    for i, b in enumerate(sorted(ids.values(), key=lambda b: b.number)):
        b.price = Decimal(8100 + 300 * (i % 12))
    db.flush()
    for number, who, action in (("F101", 0, "sell"), ("F102", 0, "sell"), ("F111", 3, "reserve"),
                                ("G101", 1, "sell"), ("G105", 2, "hold"), ("G112", 1, "reserve")):
        booths.change(db, actor, ids[number].id, action, customer_id=made[who].id)
    food = sorted(b.id for n, b in ids.items() if n in ("F101", "F102", "F111"))
    free = ids["F105"].id
print(json.dumps({"plan": plan.id, "food": food, "free": free, "customer": made[3].id}))
'''


def build_plan(server: Any, plugins: Path) -> dict[str, Any]:
    from tests.e2e.conftest import _server_env  # the server's environment

    env = _server_env(server.var_dir, plugins)
    done = subprocess.run([sys.executable, "-c", BUILD], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _fill(page: Any, booth_id: int) -> str:
    return str(page.locator(f"#exh-booth-{booth_id} > rect, #exh-booth-{booth_id} > polygon").first.evaluate(
        "el => el.style.fill"))


def test_heat_map_industry_highlight_and_a_polygon_booth(admin_page: Any, server: Any, example_plugin: Path):
    made = build_plan(server, example_plugin)
    page = admin_page
    # the heat map: a booth action from the panel keeps the plan on it
    page.goto(f"/exhibitions/plans/{made['plan']}?colour=revenue")
    expect(page.locator("#exh-plan-svg")).to_have_class(re.compile(r"\bexh-heatmap\b"))
    free = page.locator(f"#exh-booth-{made['free']}")
    before = _fill(page, made["free"])
    assert before.startswith("rgb")  # coloured by its price per m², not by its status
    free.click()
    panel = page.locator("#exh-booth-panel")
    panel.locator("#exh-customer").select_option(str(made["customer"]))
    panel.get_by_role("button", name="预留").click()
    expect(page.locator(f"#exh-booth-{made['free']}")).to_have_class(re.compile(r"\bexh-held\b"))
    assert _fill(page, made["free"]) == before  # still its heat colour
    expect(page.locator("#exh-plan-svg")).to_have_class(re.compile(r"\bexh-heatmap\b"))
    expect(page.locator("#exh-heat-legend-card")).to_be_visible()
    # the highlight by industry: exactly the food exhibitors' booths (the one just held among them)
    page.goto(f"/exhibitions/plans/{made['plan']}")
    bar = page.locator("#exh-f-industry")
    expect(bar.locator("option")).to_have_text(["行业: 全部", "制造业", "农业", "食品饮料"])
    bar.select_option("food")
    matched = page.locator("#exh-plan-svg .exh-booth.exh-match")
    expect(matched).to_have_count(4)
    assert sorted(int(i) for i in matched.evaluate_all("els => els.map(e => e.dataset.id)")) == sorted(
        [*made["food"], made["free"]])
    page.locator("#exh-plan-svg").scroll_into_view_if_needed()
    shoot(page, "exhibitions-plan-highlight.png")
    bar.select_option("")
    # a polygon booth: an L of 6 corners clicked on empty floor, closed on the first corner
    page.locator("label[for=exh-mode-polygon]").click()
    svg = page.locator("#exh-plan-svg")
    box = svg.bounding_box()
    assert box is not None
    scale = box["width"] / 52  # the viewBox is the hall (50 m) and a metre each side

    def at(x: float, y: float) -> dict[str, float]:
        return {"x": (x + 1) * scale, "y": (y + 1) * scale + (box["height"] - 32 * scale) / 2}

    page.once("dialog", lambda dialog: dialog.accept("H1"))
    for x, y in ((36, 4), (44, 4), (44, 8), (40, 8), (40, 12), (36, 12), (36, 4)):
        svg.click(position=at(x, y))
    booth = page.locator('#exh-plan-svg .exh-booth[data-n="H1"]')
    expect(booth).to_have_attribute("data-a", "48")  # 8 × 8 less 4 × 4
    expect(booth.locator("polygon")).to_have_attribute("points", "36,4 44,4 44,8 40,8 40,12 36,12")
