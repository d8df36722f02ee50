"""The floor plan's pages as a seller uses them: the interactive plan with
its booths coloured by status, the booth panel and its actions (the booth's
new look comes back without a reload), generating a range, dragging a booth,
the booth list, another organisation's plan (404), the printed A3 plan."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal

from plans_support import booth_row, grid


def test_the_plan_shows_each_booth_coloured_by_status_with_the_exhibitor_a_seller_may_see(
        kernel, expo, plan, new_client, new_customer):
    plan_id = plan()
    ids = grid(kernel, expo["manager"], plan_id)
    theirs = new_customer(expo["seller2"], "黑龙江北大荒农业股份有限公司", short_name="北大荒")
    mine = new_customer(expo["seller1"], "山东寿光蔬菜产业集团", short_name="寿光蔬菜")
    seller1, seller2 = new_client(), new_client()
    seller1.login("seller1")
    seller2.login("seller2")
    for client, booth, customer in ((seller2, "A101", theirs), (seller1, "A102", mine)):
        r = client.submit(f"/exhibitions/booths/{ids[booth]}/status", {"action": "hold", "customer_id": customer},
                          follow_redirects=False)
        assert r.status_code == 303, r.text
    page = seller1.get(f"/exhibitions/plans/{plan_id}")
    assert page.status_code == 200
    svg = page.text
    assert re.search(rf'id="exh-booth-{ids["A101"]}" class="exh-booth exh-held', svg)
    assert re.search(rf'id="exh-booth-{ids["A103"]}" class="exh-booth exh-available', svg)
    assert "寿光蔬菜" in svg  # the seller's own customer
    assert "北大荒" not in svg  # another seller's customer, which seller1 may not read
    legend = re.search(r'id="exh-plan-legend".*?</table>', svg, re.S).group(0)
    assert re.search(r'data-status="held">.*?<td class="text-end">2</td>', legend, re.S)


def test_holding_a_booth_from_its_panel_answers_the_booth_in_its_new_colour(kernel, expo, plan, client,
                                                                          new_customer):
    plan_id = plan()
    ids = grid(kernel, expo["manager"], plan_id)
    farm = new_customer(expo["seller1"], "寿光蔬菜产业集团", short_name="寿光蔬菜")
    client.login("seller1")
    panel = client.get(f"/exhibitions/booths/{ids['A103']}/panel", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and 'value="hold"' in panel.text and "寿光蔬菜产业集团" in panel.text
    version = booth_row(kernel, ids["A103"]).version
    r = client.submit(f"/exhibitions/booths/{ids['A103']}/status",
                      {"action": "hold", "customer_id": farm, "version": version}, headers={"HX-Request": "true"})
    assert r.status_code == 200, r.text
    changed = json.loads(r.headers["HX-Trigger"])["exh-booths-changed"]["booths"]
    assert 'class="exh-booth exh-held' in changed[0] and "寿光蔬菜" in changed[0]
    assert 'id="exh-plan-legend" hx-swap-oob="true"' in r.text
    # the same click again, on the version seen before: taken meanwhile
    again = client.submit(f"/exhibitions/booths/{ids['A103']}/status",
                          {"action": "hold", "customer_id": farm, "version": version}, headers={"HX-Request": "true"})
    assert again.status_code == 409
    assert "alert-danger" in again.text
    assert booth_row(kernel, ids["A103"]).status == "held"


def test_generating_a_range_from_the_page_and_a_clash_names_the_numbers(kernel, expo, plan, client):
    plan_id = plan()
    client.login("expomanager")
    form = client.get(f"/exhibitions/plans/{plan_id}/generate")
    assert form.status_code == 200
    data = {"prefix": "B", "first": "1", "last": "20", "columns": "10", "width": "3", "depth": "3", "aisle": "4",
            "x": "10", "y": "10", "construction": "shell", "zone_id": "", "pavilion": "山东馆", "back_to_back": "1"}
    r = client.submit(f"/exhibitions/plans/{plan_id}/generate", data, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(f"/exhibitions/plans/{plan_id}")
    assert page.text.count('class="exh-booth ') == 20
    clash = client.submit(f"/exhibitions/plans/{plan_id}/generate", {**data, "first": "15", "last": "25",
                                                                     "y": "40"})
    assert clash.status_code == 422
    assert "B15, B16" in clash.text
    listed = client.get(f"/exhibitions/booths?plan_id={plan_id}&sort=number&dir=asc")
    assert listed.status_code == 200 and "B1" in listed.text and "山东馆" in listed.text
    # a bad field is named on the form again (a construction that does not exist, a size of none)
    bad = client.submit(f"/exhibitions/plans/{plan_id}/generate", {**data, "first": "30", "last": "31",
                                                                   "construction": "marble"})
    assert bad.status_code == 422 and 'id="exh-g-numbers-err"' not in bad.text
    assert "<span data-field=\"construction\">搭建方式: " in bad.text
    assert page.text.count('class="exh-booth ') == 20


def test_dragging_a_booth_saves_its_shape_and_a_stale_drag_is_a_conflict(kernel, expo, plan, client):
    plan_id = plan()
    ids = grid(kernel, expo["manager"], plan_id, first=1, last=2, columns=2)
    client.login("expomanager")
    before = booth_row(kernel, ids["A2"])
    moved = client.submit(f"/exhibitions/booths/{ids['A2']}/shape",
                          {"x": "20.3", "y": "20", "width": "6", "depth": "3", "version": before.version},
                          headers={"Accept": "application/json"})
    assert moved.status_code == 200, moved.text
    after = booth_row(kernel, ids["A2"])
    assert (after.x, after.area, after.booth_type) == (Decimal(20), Decimal(18), "island")
    assert booth_row(kernel, ids["A1"]).booth_type == "island"
    stale = client.submit(f"/exhibitions/booths/{ids['A2']}/shape",
                          {"x": "30", "y": "20", "width": "6", "depth": "3", "version": before.version},
                          headers={"Accept": "application/json"})
    assert stale.status_code == 409
    assert booth_row(kernel, ids["A2"]).x == Decimal(20)


def test_another_organisation_gets_404_for_the_plan_and_its_booths(kernel, expo, plan, client):
    plan_id = plan()
    ids = grid(kernel, expo["manager"], plan_id, first=1, last=1, columns=1)
    client.login("outsider")
    assert client.get(f"/exhibitions/plans/{plan_id}").status_code == 404
    assert client.get(f"/exhibitions/booths/{ids['A1']}/panel").status_code == 404
    assert client.get(f"/exhibitions/plans/{plan_id}/svg").status_code == 404
    r = client.submit(f"/exhibitions/booths/{ids['A1']}/status", {"action": "block"})
    assert r.status_code == 404
    assert booth_row(kernel, ids["A1"]).status == "available"


def test_the_printed_plan_is_an_a3_page_with_the_booth_numbers_and_the_legend(kernel, expo, plan, client,
                                                                          tmp_path):
    plan_id = plan()
    grid(kernel, expo["manager"], plan_id, first=101, last=112, columns=6)
    client.login("expomanager")
    r = client.get(f"/printing/documents/exhibitions.floor_plan/{plan_id}")
    assert r.status_code == 200, r.text[:2000]
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for number in ("A101", "A106", "A112"):
        assert number in text
    assert "可售" in text or "Available" in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
    assert size and float(size.group(1)) > 1150 and float(size.group(2)) < 850  # A3 landscape: 1191 × 842 pt
