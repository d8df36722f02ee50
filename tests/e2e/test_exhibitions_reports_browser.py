"""The reports in a real browser, on the demo data: the selling edition's
reports page (occupancy per hall, revenue per m², the heat maps) and its
first hall's plan coloured by revenue per m²; both shot for the docs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shoot

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

FIND = r'''
import json
from sqlalchemy import select
from core.app import create_app
from plugins.exhibitions.models import Booth, Edition, FloorPlan

kernel = create_app().state.kernel
with kernel.db.session(write=False) as db:
    edition = db.scalar(select(Edition).where(Edition.state == "selling").order_by(Edition.id))
    plan = db.scalar(select(FloorPlan).where(FloorPlan.edition_id == edition.id)
                     .order_by(FloorPlan.title, FloorPlan.id))
    priced = db.scalar(select(Booth.id).where(Booth.plan_id == plan.id, Booth.price > 0,
                                              Booth.status != "blocked").order_by(Booth.id))
    print(json.dumps({"edition": edition.id, "plan": plan.id, "priced": priced}))
'''


def demo(server: Any, plugins: Path) -> dict[str, Any]:
    from tests.e2e.conftest import _server_env  # the server's environment

    done = subprocess.run([sys.executable, "-c", FIND], cwd=ROOT, env=_server_env(server.var_dir, plugins),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_reports_page_and_the_heat_map(admin_page: Any, server: Any, example_plugin: Path):
    made = demo(server, example_plugin)
    page = admin_page
    page.goto(f"/exhibitions/editions/{made['edition']}")
    page.locator("#exhibitions-edition-work").get_by_role("link", name="报表").click()
    expect(page.locator("h1.page-title")).to_contain_text("本届报表")
    expect(page.locator("#exh-report-halls")).to_contain_text("出租率")
    expect(page.locator("#exh-report-halls tbody tr").first).to_contain_text("%")
    expect(page.locator("#exh-report-heat svg").first).to_be_visible()
    shoot(page, "exhibitions-reports.png")
    # the plan: the toggle colours it by revenue per m², with the legend of the range
    page.goto(f"/exhibitions/plans/{made['plan']}")
    page.locator("#exh-colour-revenue").click()
    expect(page).to_have_url(f"{server.url}/exhibitions/plans/{made['plan']}?colour=revenue")
    expect(page.locator("#exh-heat-legend-card")).to_contain_text("每平米收入")
    fill = page.locator(f"#exh-booth-{made['priced']} rect, #exh-booth-{made['priced']} polygon").first
    assert "fill:" in (fill.get_attribute("style") or "")
    shoot(page, "exhibitions-heat-map.png")
    page.locator("#exh-colour-status").click()
    assert not page.locator(f"#exh-booth-{made['priced']} rect[style]").count()
