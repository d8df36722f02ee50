"""The plan's highlight by the exhibitors' industry (only exhibitors the
reader may read, read in one query for the whole plan, labelled in the
reader's language) and the heat map kept through the booth panel's actions."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from plans_support import booth_row, grid
from sqlalchemy import event, select


def _statements(kernel, run):
    seen: list[str] = []

    def record(conn, cursor, statement, *args):  # noqa: ARG001 - the event's signature
        seen.append(statement)

    event.listen(kernel.db.engine, "before_cursor_execute", record)
    try:
        result = run()
    finally:
        event.remove(kernel.db.engine, "before_cursor_execute", record)
    return result, seen


def test_booths_carry_their_exhibitors_industry_for_the_reader_who_may_read_them(kernel, expo, plan, new_client,
                                                                                 new_customer):
    plan_id = plan()
    ids = grid(kernel, expo["manager"], plan_id)
    mine = new_customer(expo["seller1"], "山东寿光蔬菜产业集团", short_name="寿光蔬菜", industry="agriculture")
    also = new_customer(expo["seller1"], "中粮食品", short_name="中粮", industry="food")
    theirs = new_customer(expo["seller2"], "北京机械厂", short_name="北机", industry="manufacturing")
    seller1, seller2 = new_client(), new_client()
    seller1.login("seller1")
    seller2.login("seller2")
    for client, number, customer in ((seller1, "A101", mine), (seller1, "A102", also), (seller1, "A103", mine),
                                     (seller2, "A104", theirs)):
        r = client.submit(f"/exhibitions/booths/{ids[number]}/status", {"action": "hold", "customer_id": customer},
                          follow_redirects=False)
        assert r.status_code == 303, r.text
    page, seen = _statements(kernel, lambda: seller1.get(f"/exhibitions/plans/{plan_id}",
                                                         headers={"Accept-Language": "zh-CN"}))
    assert page.status_code == 200
    marked = dict(re.findall(r'data-n="(A\d+)"[^>]*?data-ind="([a-z]+)"', page.text))
    assert marked == {"A101": "agriculture", "A102": "food", "A103": "agriculture"}  # not A104: seller2's
    bar = re.search(r'<select[^>]*id="exh-f-industry".*?</select>', page.text, re.S).group(0)
    assert re.findall(r'<option value="([a-z]+)">([^<]+)</option>', bar) == [("agriculture", "农业"),
                                                                           ("food", "食品饮料")]
    assert "manufacturing" not in bar
    customers = [s for s in seen if "FROM crm_customer" in s]
    assert len(customers) == 1, customers  # names and industries of all the plan's exhibitors at once
    english = seller1.get(f"/exhibitions/plans/{plan_id}?lang=en", headers={"Accept-Language": "en"})
    bar = re.search(r'<select[^>]*id="exh-f-industry".*?</select>', english.text, re.S).group(0)
    assert ">Agriculture</option>" in bar and ">Food and beverage</option>" in bar
    # the manager reads every customer: all three industries
    manager = new_client()
    manager.login("expomanager")
    assert manager.get(f"/exhibitions/plans/{plan_id}").text.count('data-ind="') == 4


def test_a_hidden_industry_is_neither_on_the_booths_nor_in_the_bar(kernel, expo, plan, client, new_customer):
    from core.admin import services
    from core.models import Role

    plan_id = plan()
    ids = grid(kernel, expo["manager"], plan_id)
    mine = new_customer(expo["seller1"], "寿光蔬菜产业集团", industry="agriculture")
    client.login("seller1")
    client.submit(f"/exhibitions/booths/{ids['A101']}/status", {"action": "hold", "customer_id": mine})
    assert 'data-ind="agriculture"' in client.get(f"/exhibitions/plans/{plan_id}").text
    # given the field rule of the salesperson's role: a customer's industry hidden
    with kernel.db.session() as db:
        role = db.scalar(select(Role).where(Role.key == "crm.salesperson"))
        services.set_field_rules(db, role, {("crm.customer", "industry"): "hidden"}, kernel.registry)
    page = client.get(f"/exhibitions/plans/{plan_id}").text
    assert 'data-ind="' not in page and 'id="exh-f-industry"' not in page
    assert "寿光蔬菜产业集团" in page  # the name still shown


def _priced(kernel, ids):
    from plugins.exhibitions.models import Booth

    with kernel.db.session() as db:
        for i, (_number, booth_id) in enumerate(sorted(ids.items())):
            db.get(Booth, booth_id).price = Decimal(9000 + 900 * i)  # type: ignore[union-attr]


def test_a_booth_action_on_the_heat_map_answers_the_booth_on_the_heat_scale(kernel, expo, plan, client,
                                                                          new_customer):
    plan_id = plan()
    ids = grid(kernel, expo["manager"], plan_id)
    _priced(kernel, ids)
    farm = new_customer(expo["seller1"], "寿光蔬菜产业集团", short_name="寿光蔬菜")
    client.login("seller1")
    page = client.get(f"/exhibitions/plans/{plan_id}?colour=revenue")
    scale = re.search(r'class="exh-plan exh-heatmap" data-heat="([^"]+)"', page.text).group(1)
    assert scale == "1000.00:1900.00"
    panel = client.get(f"/exhibitions/booths/{ids['A103']}/panel?colour=revenue", headers={"HX-Request": "true"})
    assert 'name="colour" value="revenue"' in panel.text  # the status form carries the colours
    r = client.submit(f"/exhibitions/booths/{ids['A103']}/status",
                      {"action": "hold", "customer_id": farm, "version": booth_row(kernel, ids["A103"]).version,
                       "colour": "revenue"}, headers={"HX-Request": "true"})
    assert r.status_code == 200, r.text
    changed = json.loads(r.headers["HX-Trigger"])["exh-booths-changed"]
    assert changed["heat"] == scale  # the range did not move: the plan swaps just this booth
    assert 'class="exh-booth exh-held' in changed["booths"][0]
    assert re.search(r'<rect [^>]*style="fill:#[0-9a-f]{6}"', changed["booths"][0])
    assert 'name="colour" value="revenue"' in r.text  # the panel again, still on the heat map
    # blocking the dearest booth moves the range: the event says so, and the plan reloads
    blocked = client.submit(f"/exhibitions/booths/{ids['A110']}/status",
                            {"action": "block", "version": booth_row(kernel, ids["A110"]).version,
                             "colour": "revenue"}, headers={"HX-Request": "true"})
    assert blocked.status_code == 200, blocked.text
    assert json.loads(blocked.headers["HX-Trigger"])["exh-booths-changed"]["heat"] == "1000.00:1800.00"
    canvas = client.get(f"/exhibitions/plans/{plan_id}/svg?colour=revenue")
    assert 'data-heat="1000.00:1800.00"' in canvas.text
    assert 'id="exh-heat-legend-card" hx-swap-oob="true"' in canvas.text
    assert 'id="exh-plan-legend" hx-swap-oob="true"' in canvas.text
    # on the status colours nothing changes: no fill, no scale
    plain = client.submit(f"/exhibitions/booths/{ids['A104']}/status",
                          {"action": "hold", "customer_id": farm, "version": booth_row(kernel, ids["A104"]).version},
                          headers={"HX-Request": "true"})
    event_ = json.loads(plain.headers["HX-Trigger"])["exh-booths-changed"]
    assert "heat" not in event_ and "style=" not in event_["booths"][0]
    # without htmx, back to the plan in its colours
    back = client.submit(f"/exhibitions/booths/{ids['A105']}/status",
                         {"action": "hold", "customer_id": farm, "version": booth_row(kernel, ids["A105"]).version,
                          "colour": "revenue"}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"].endswith(f"/plans/{plan_id}?colour=revenue")
    assert client.submit(f"/exhibitions/booths/{ids['A106']}/status",
                         {"action": "hold", "customer_id": farm, "colour": "pink"}).status_code == 400
