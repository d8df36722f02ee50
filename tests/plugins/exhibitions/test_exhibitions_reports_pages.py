"""The reports page and the heat map as a user sees them: the figures in the
reader's language, the plan coloured by price per m², ``?colour=`` refused
outside its allowlist, another organisation's edition and plan a 404."""

from __future__ import annotations

import re
from decimal import Decimal

from reports_support import known  # noqa: F401 - the fixture

from plugins.exhibitions.services import plan_view


def test_the_reports_page_in_chinese_and_english(client, expo, known):  # noqa: F811 - the fixture
    client.login("expomanager")
    url = f"/exhibitions/editions/{expo['edition']}/reports"
    page = client.get(url, headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200, page.text[:500]
    text = page.text
    assert "66.7" in text and "1号馆展位图" in text
    assert "¥1,225.00" in text  # revenue per m² of the hall
    assert "HT-1" in text and "¥33,200.00" in text and "HT-2" not in text.split('id="exh-report-unpaid"')[1]
    assert "北京市" in text and "山东省" in text
    assert "外人的展位图" not in text
    assert 'id="exh-heat-' in text and "fill:#" in text  # the small heat maps
    assert f'href="/exhibitions/editions/{expo["edition"]}/reports"' in client.get(
        f"/exhibitions/editions/{expo['edition']}").text  # linked from the edition page


def test_another_org_gets_404(client, expo, known):  # noqa: F811 - the fixture
    client.login("outsider")
    assert client.get(f"/exhibitions/editions/{expo['edition']}/reports").status_code == 404
    assert client.get(f"/exhibitions/plans/{known['plan']}?colour=revenue").status_code == 404


def _fills(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-n="([^"]+)"[^>]*>(?:<rect|<polygon)[^>]*style="fill:(#[0-9a-f]{6})"', html))


def test_the_heat_map_colours_by_price_per_m2(client, expo, known):  # noqa: F811 - the fixture
    client.login("expomanager")
    plain = client.get(f"/exhibitions/plans/{known['plan']}")
    assert plain.status_code == 200 and "fill:#" not in plain.text.split('id="exh-plan-svg"')[1].split("</svg>")[0]
    page = client.get(f"/exhibitions/plans/{known['plan']}?colour=revenue")
    assert page.status_code == 200
    fills = _fills(page.text)
    # A1, A3, A4, A6: 1,200 per m² (the low end); A2: 1,350 (the high end); A5 blocked: grey
    low, high = plan_view.heat_colour(0), plan_view.heat_colour(1)
    assert fills == {"A1": low, "A2": high, "A3": low, "A4": low, "A5": plan_view.HEAT_NONE, "A6": low}
    assert "exh-heat-legend-card" in page.text and "¥1,200.00" in page.text and "¥1,350.00" in page.text
    assert f'data-svg-url="/exhibitions/plans/{known["plan"]}/svg?colour=revenue"' in page.text
    canvas = client.get(f"/exhibitions/plans/{known['plan']}/svg?colour=revenue")
    assert canvas.status_code == 200 and _fills(canvas.text) == fills


def test_the_colour_parameter_is_allowlisted(client, expo, known):  # noqa: F811 - the fixture
    client.login("expomanager")
    for bad in ("price", "REVENUE", "<script>"):
        assert client.get(f"/exhibitions/plans/{known['plan']}", params={"colour": bad}).status_code == 400
        assert client.get(f"/exhibitions/plans/{known['plan']}/svg", params={"colour": bad}).status_code == 400
    assert client.get(f"/exhibitions/plans/{known['plan']}?colour=status").status_code == 200


def test_the_scale_in_between_and_unpriced():
    scale = plan_view.HeatScale(Decimal(1000), Decimal(2000))
    assert scale.colour(None) == plan_view.HEAT_NONE
    assert scale.colour(Decimal(1000)) == "#ffffcc" and scale.colour(Decimal(2000)) == "#e31a1c"
    assert scale.colour(Decimal(1500)) == "#feb24c"
    assert plan_view.HeatScale(Decimal(5), Decimal(5)).colour(Decimal(5)) == "#e31a1c"
    assert plan_view.heat_scale([{"rate": None}]) == plan_view.HeatScale(None, None)
