"""The floor plan in a real browser: a seller opens the plan, clicks a free
booth, holds it for an exhibitor from the booth panel and sees its colour
change without a reload; the plan and its A3 print are shot for the docs.

The e2e server's demo data has plans only once the venues part is merged,
so the test draws its own (venue, hall, edition, 40 booths, a few sold)
through the services, in a subprocess on the server's database."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, shoot

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

BUILD = r'''
import json
import re
from decimal import Decimal
from sqlalchemy import select
from core import load_actor
from core.app import create_app
from core.models import User
from plugins.crm.models import Customer
from plugins.crm.services.customers import create_customer
from plugins.exhibitions.models import Booth, Edition, FloorPlan, ShowSeries, Space, Venue
from plugins.exhibitions.services import booths, plans

kernel = create_app().state.kernel
with kernel.db.session() as db:
    admin = db.scalar(select(User).where(User.username == "admin"))
    actor = load_actor(db, admin, all_codes=set(kernel.registry.permissions))
    plan = db.scalar(select(FloorPlan).join(Edition, Edition.id == FloorPlan.edition_id)
                     .where(Edition.state == "selling").order_by(FloorPlan.id))
    if plan is None:
        venue = Venue(org_id=admin.org_id, name="全国农业展览馆", city="北京市")
        db.add(venue); db.flush()
        hall = Space(org_id=admin.org_id, venue_id=venue.id, kind="hall", code="1", name="1号馆")
        series = ShowSeries(org_id=admin.org_id, name="中国国际农业博览会", short_name="农博会")
        db.add_all([hall, series]); db.flush()
        edition = Edition(org_id=admin.org_id, series_id=series.id, number=25, venue_id=venue.id,
                          name="第二十五届中国国际农业博览会", state="selling")
        db.add(edition); db.flush()
        plan = plans.create_plan(db, actor, {"edition_id": edition.id, "space_id": hall.id, "title": "1号馆展位图",
                                             "width": Decimal(66), "depth": Decimal(40), "grid": Decimal(1)})
        for block, (prefix, pavilion) in enumerate((("A", "山东馆"), ("B", "黑龙江馆"), ("C", "国际馆"))):
            plans.generate(db, actor, plan.id, plans.GridSpec(
                prefix=prefix, first=101, last=120, columns=10, width=Decimal(3), depth=Decimal(3),
                aisle=Decimal(4), x=Decimal(4), y=Decimal(4 + block * 10), pavilion=pavilion))
        plans.generate(db, actor, plan.id, plans.GridSpec(
            prefix="D", first=101, last=103, columns=3, width=Decimal(6), depth=Decimal(6), aisle=Decimal(0),
            x=Decimal(44), y=Decimal(4), construction="raw", pavilion="农机展区"))
        names = ["北大荒农垦集团", "寿光蔬菜产业集团", "中化农业", "袁隆平农业高科技", "新希望六和"]
        made = [create_customer(db, actor, {"name": f"{n}有限公司", "short_name": n}) for n in names]
        db.flush()
        by_number = {b.number: b.id for b in db.scalars(select(Booth).where(Booth.plan_id == plan.id))}
        for number, customer, action in (("A101", 0, "sell"), ("A102", 1, "sell"), ("A111", 2, "reserve"),
                                         ("B105", 3, "sell"), ("B115", 4, "hold"), ("D101", 0, "sell")):
            booths.change(db, actor, by_number[number], action, customer_id=made[customer].id)
        booths.change(db, actor, by_number["C120"], "block")
    # a free booth (the demo's plan, or the one made above) and the exhibitor of a sold one
    free, number = db.execute(select(Booth.id, Booth.number).where(
        Booth.plan_id == plan.id, Booth.status == "available").order_by(Booth.y, Booth.x)).first()
    customer = db.scalar(select(Booth.customer_id).where(
        Booth.plan_id == plan.id, Booth.status == "sold").order_by(Booth.id))
    short = db.scalar(select(Customer.short_name).where(Customer.id == customer))
    print(json.dumps({"plan": plan.id, "free": free, "number": number, "customer": customer, "short": short}))
'''


def build_plan(server: Any, plugins: Path) -> dict[str, Any]:
    from tests.e2e.conftest import _server_env  # the server's environment

    env = _server_env(server.var_dir, plugins)
    done = subprocess.run([sys.executable, "-c", BUILD], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_seller_holds_a_free_booth_from_the_plan_and_sees_its_colour_change(admin_page: Any, server: Any,
                                                                              example_plugin: Path, tmp_path: Path):
    made = build_plan(server, example_plugin)
    page = admin_page
    page.goto(f"/exhibitions/plans/{made['plan']}")
    booth = page.locator(f"#exh-booth-{made['free']}")
    expect(booth).to_have_class(re.compile(r"\bexh-available\b"))
    expect(page.locator("#exh-plan-legend")).to_contain_text("可售")
    booth.click()
    panel = page.locator("#exh-booth-panel")
    expect(panel).to_contain_text(made["number"])
    picker = panel.locator("#exh-customer")
    option = picker.locator("option:not([value=''])").first  # the first exhibitor the picker offers
    chosen, name = option.get_attribute("value"), option.inner_text().strip()
    picker.select_option(chosen)
    panel.get_by_role("button", name="预留").click()
    expect(page.locator(f"#exh-booth-{made['free']}")).to_have_class(re.compile(r"\bexh-held\b.*\bexh-selected\b"))
    expect(panel.locator(".badge")).to_contain_text("预留")
    expect(panel).to_contain_text(name)
    shoot(page, "exhibitions-floor-plan.png")
    # the printed plan: an A3 PDF; its first page shot for the docs
    pdf = page.request.get(f"/printing/documents/exhibitions.floor_plan/{made['plan']}")
    assert pdf.headers["content-type"] == "application/pdf"
    (tmp_path / "plan.pdf").write_bytes(pdf.body())
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(tmp_path / "plan.pdf"),
                    str(SCREENSHOTS / "exhibitions-floor-plan-print")], check=True, timeout=60)
    assert (SCREENSHOTS / "exhibitions-floor-plan-print.png").stat().st_size > 10_000
