"""The chart module on its own: valid SVG (parsed with xml.etree) with a
title and a description, one bar, point, slice or stage per value, text
escaped, and the empty and unusual cases drawn sensibly."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dashboard_support import SVG, count

from plugins.dashboard import charts
from plugins.dashboard.charts import PALETTE, Series


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def series(name: str, *values: float | None) -> Series:
    return Series(name, values, tuple("—" if v is None else f"{v:,.2f}" for v in values))


def test_a_bar_chart_has_a_title_a_description_and_a_bar_per_value():
    svg = parse(charts.bar_chart("各月报销", ["1月", "2月", "3月"], [series("金额", 120.5, 0, 33)], empty="无"))
    assert svg.get("role") == "img" and svg.get("aria-labelledby")
    assert svg.find(f"{SVG}title").text == "各月报销"
    assert svg.find(f"{SVG}desc").text == "金额: 1月 120.50; 2月 0.00; 3月 33.00"
    assert count(svg, "sp-bar") == 3
    tips = [e.find(f"{SVG}title").text for e in svg.iter(f"{SVG}rect") if e.get("class") == "sp-bar"]
    assert tips == ["1月: 120.50", "2月: 0.00", "3月: 33.00"]
    assert "Noto Sans CJK SC" in svg.get("font-family")


def test_grouped_bars_use_the_colour_blind_safe_palette_and_a_legend():
    svg = parse(charts.bar_chart("x", ["甲", "乙"], [series("差旅", 1, 2), series("餐费", 3, None)], empty="无"))
    assert count(svg, "sp-bar") == 3 and count(svg, "sp-legend") == 2  # no bar for a missing value
    fills = {e.get("fill") for e in svg.iter(f"{SVG}rect") if e.get("class") == "sp-bar"}
    assert fills == {PALETTE[0], PALETTE[1]}


def test_negative_values_hang_below_the_zero_line():
    svg = parse(charts.bar_chart("退款", ["甲", "乙"], [series("金额", 50, -20)], empty="无"))
    bars = [e for e in svg.iter(f"{SVG}rect") if e.get("class") == "sp-bar"]
    assert float(bars[1].get("y")) >= float(bars[0].get("y")) + float(bars[0].get("height")) - 0.5


def test_text_is_escaped():
    svg = charts.bar_chart('<script>alert("x")</script>', ["a&b"], [series("<m>", 1)], empty="无")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&amp;b" in svg
    parse(svg)


def test_a_line_chart_has_a_point_per_value_and_dashes_the_second_series():
    svg = parse(charts.line_chart("趋势", ["1月", "2月", "3月"], [series("甲", 1, 2, 3), series("乙", 3, None, 1)],
                                  empty="无"))
    assert count(svg, "sp-point") == 5 and count(svg, "sp-line") == 2
    lines = [e for e in svg.iter(f"{SVG}polyline")]
    assert lines[0].get("stroke-dasharray") is None and lines[1].get("stroke-dasharray") == "6 3"


def test_a_pie_gathers_the_small_slices_into_others():
    labels = [f"类{i}" for i in range(10)]
    values = [float(100 - i) for i in range(10)]
    svg = parse(charts.pie_chart("构成", labels, values, [f"{v:.0f}" for v in values], other="其他", empty="无"))
    assert count(svg, "sp-slice") == charts.MAX_SLICES + 1
    tips = [e.find(f"{SVG}title").text for e in svg.iter() if e.get("class") == "sp-slice"]
    assert tips[-1].startswith("其他: ") and tips[0].startswith("类0: 100 (")
    one = parse(charts.pie_chart("全部", ["唯一"], [5.0], ["5"], other="其他", empty="无"))
    assert count(one, "sp-slice") == 1  # a whole circle


def test_a_funnel_keeps_the_stages_order_and_their_share_of_the_first():
    svg = parse(charts.funnel_chart("转化", ["线索", "商机", "成交"], [200, 50, 10], ["200", "50", "10"], empty="无"))
    tips = [e.find(f"{SVG}title").text for e in svg.iter(f"{SVG}rect") if e.get("class") == "sp-stage"]
    assert tips == ["线索: 200 · 100%", "商机: 50 · 25%", "成交: 10 · 5%"]


def test_nothing_to_draw_says_so():
    for svg in (charts.bar_chart("空", [], [], empty="暂无数据。"),
                charts.pie_chart("空", ["a"], [0.0], ["0"], other="其他", empty="暂无数据。"),
                charts.funnel_chart("空", [], [], [], empty="暂无数据。"),
                charts.line_chart("空", ["a"], [], empty="暂无数据。")):
        parsed = parse(svg)
        assert "暂无数据。" in "".join(parsed.itertext())


def test_long_labels_are_shortened_with_the_whole_label_in_a_tooltip():
    long = "华东区上海市浦东新区张江高科技园区分公司"
    labels = [long, "乙", "丙", "丁", "戊", "己"]
    svg = parse(charts.bar_chart("x", labels, [series("n", 1, 2, 3, 4, 5, 6)], empty="无"))
    shown = next(t for t in svg.iter(f"{SVG}text") if t.find(f"{SVG}title") is not None
                 and t.find(f"{SVG}title").text == long)
    visible = shown.find(f"{SVG}title").tail
    assert visible.endswith("…") and long.startswith(visible[:-1]) and len(visible) < len(long)
