"""Server-rendered SVG diagrams: workflows and approval chains (core/diagram.py)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from core.diagram import Edge, StepBox, chain_svg, text_width, workflow_svg

NS = "{http://www.w3.org/2000/svg}"
Point = tuple[float, float]
Rect = tuple[float, float, float, float]          # x, y, width, height

CONTRACT_ZH = {"draft": "草稿", "pending": "待审批", "approved": "已批准", "signed": "已签署",
               "executing": "执行中", "completed": "已完成", "terminated": "已终止", "cancelled": "已取消"}
CONTRACT_EDGES = [
    Edge("submit", ("draft",), "pending", "提交审批", approval=True),
    Edge("approve", ("pending",), "approved", "批准"),
    Edge("reject", ("pending",), "draft", "驳回"),
    Edge("sign", ("approved",), "signed", "签署"),
    Edge("start", ("signed",), "executing", "开始执行"),
    Edge("complete", ("executing",), "completed", "完成"),
    Edge("terminate", ("signed", "executing"), "terminated", "终止"),
    Edge("cancel", ("approved",), "cancelled", "取消"),
]
LOCKED = {"approved", "signed", "executing", "completed", "terminated", "cancelled"}


def contract(**options: object) -> str:
    return workflow_svg(list(CONTRACT_ZH), "draft", CONTRACT_EDGES, state_label=CONTRACT_ZH.__getitem__,
                        locked=LOCKED, title="合同流程", **options)  # type: ignore[arg-type]


def twelve_states() -> str:
    """12 states, 20 transitions: a long main line, jumps ahead, returns, a self-loop."""
    states = [f"s{i}" for i in range(12)]
    edges = [Edge(f"next{i}", (f"s{i}",), f"s{i + 1}", f"前进 {i}") for i in range(11)]
    edges += [Edge("back1", ("s5",), "s2", "退回修改"), Edge("restart", ("s9",), "s0", "重新开始"),
              Edge("fast", ("s1",), "s6", "快速通道"), Edge("skip", ("s3",), "s8", "跳过"),
              Edge("void", ("s4", "s7"), "s11", "作废", approval=True), Edge("remind", ("s6",), "s6", "催办"),
              Edge("review", ("s10",), "s4", "重审"), Edge("branch", ("s2",), "s10", "Branch")]
    return workflow_svg(states, "s0", edges, state_label=lambda s: "状态 " + s.upper(), locked={"s11"})


def chain() -> str:
    return chain_svg([[StepBox("部门经理审批", ("角色：部门经理", "超时 24 小时"), "approved")],
                      [StepBox("销售总监审批", ("角色：销售总监", "需 2 人", "条件：折扣 > 10"), "active"),
                       StepBox("财务审批", ("角色：财务",), "waiting")],
                      [StepBox("总经理审批", ("角色：总经理",))]],
                     start_label="提交", end_label="完成", title="审批链")


# --- reading the SVG back ---------------------------------------------------------------------

def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text")]


def rect_of(el: ET.Element) -> Rect:
    return tuple(float(el.get(k, "0")) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


def state_boxes(root: ET.Element) -> dict[str, Rect]:
    return {g.get("data-state", ""): rect_of(g.find(f"{NS}rect"))  # type: ignore[arg-type]
            for g in root.iter(f"{NS}g") if g.get("data-state") is not None}


def edges(root: ET.Element) -> list[tuple[str, str, str, str]]:
    """(source, target, label, path data) of every drawn arrow."""
    return [(g.get("data-source", ""), g.get("data-target", ""), g.findtext(f"{NS}title", ""),
             g.find(f"{NS}path").get("d", ""))  # type: ignore[union-attr]
            for g in root.iter(f"{NS}g") if "sp-edge " in (g.get("class", "") + " ")
            and g.get("data-source") is not None]


def label_pills(root: ET.Element) -> list[Rect]:
    return [rect_of(g.find(f"{NS}rect")) for g in root.iter(f"{NS}g")  # type: ignore[arg-type]
            if g.get("class") == "sp-edge-label"]


def sample(d: str, steps: int = 24) -> list[Point]:
    """Points along a path made of absolute M, L, Q and C commands."""
    tokens = re.findall(r"[MLQC]|-?\d+(?:\.\d+)?", d)
    points: list[Point] = []
    i, here = 0, (0.0, 0.0)
    while i < len(tokens):
        cmd, n = tokens[i], {"M": 1, "L": 1, "Q": 2, "C": 3}[tokens[i]]
        nums = [float(v) for v in tokens[i + 1:i + 1 + 2 * n]]
        ctrl = [here, *zip(nums[::2], nums[1::2], strict=True)]
        for k in range(steps + 1) if cmd != "M" else [steps]:
            t = k / steps
            if cmd == "Q":
                (x0, y0), (x1, y1), (x2, y2) = ctrl
                points.append(((1 - t) ** 2 * x0 + 2 * (1 - t) * t * x1 + t * t * x2,
                               (1 - t) ** 2 * y0 + 2 * (1 - t) * t * y1 + t * t * y2))
            elif cmd == "C":
                (x0, y0), (x1, y1), (x2, y2), (x3, y3) = ctrl
                c = ((1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t ** 3)
                points.append((c[0] * x0 + c[1] * x1 + c[2] * x2 + c[3] * x3,
                               c[0] * y0 + c[1] * y1 + c[2] * y2 + c[3] * y3))
            else:
                points.append((ctrl[0][0] + (ctrl[-1][0] - ctrl[0][0]) * t,
                               ctrl[0][1] + (ctrl[-1][1] - ctrl[0][1]) * t))
        here = ctrl[-1]
        i += 1 + 2 * n
    return points


def overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def inside(p: Point, r: Rect, inset: float = 1.0) -> bool:
    return r[0] + inset < p[0] < r[0] + r[2] - inset and r[1] + inset < p[1] < r[1] + r[3] - inset


def on_border(p: Point, r: Rect, tolerance: float = 1.5) -> bool:
    x, y, w, h = r
    near_x = x - tolerance <= p[0] <= x + w + tolerance
    near_y = y - tolerance <= p[1] <= y + h + tolerance
    return near_x and near_y and not inside(p, r, tolerance)


# --- workflows ----------------------------------------------------------------------------------

def test_contract_workflow_is_one_well_formed_svg_showing_every_state_and_transition():
    root = parse(contract())
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img" and root.get("aria-label") == "合同流程"
    assert "sp-diagram" in root.get("class", "").split()
    assert "Noto Sans CJK SC" in root.get("font-family", "")
    assert root.findtext(f"{NS}title") == "合同流程"
    shown = texts(root)
    for label in [*CONTRACT_ZH.values(), "提交审批", "批准", "驳回", "签署", "开始执行", "完成", "终止", "取消"]:
        assert label in shown
    assert set(state_boxes(root)) == set(CONTRACT_ZH)


@pytest.mark.parametrize("render", [contract, twelve_states], ids=["contract", "twelve-states"])
def test_state_boxes_never_overlap(render):
    boxes = list(state_boxes(parse(render())).values())
    assert all(not overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


@pytest.mark.parametrize("render", [contract, twelve_states], ids=["contract", "twelve-states"])
def test_every_arrow_starts_on_its_source_box_and_ends_on_its_target_box(render):
    root = parse(render())
    boxes = state_boxes(root)
    for source, target, label, d in edges(root):
        points = sample(d)
        assert on_border(points[0], boxes[source]), (label, points[0], boxes[source])
        assert on_border(points[-1], boxes[target]), (label, points[-1], boxes[target])


@pytest.mark.parametrize("render", [contract, twelve_states], ids=["contract", "twelve-states"])
def test_no_arrow_passes_through_a_box(render):
    root = parse(render())
    boxes = state_boxes(root)
    for _, _, label, d in edges(root):
        for p in sample(d):
            crossed = [s for s, r in boxes.items() if inside(p, r)]
            assert not crossed, (label, p, crossed)


def test_back_edges_curve_around_below_the_boxes():
    root = parse(contract())
    boxes = state_boxes(root)
    (d,) = [d for s, t, _, d in edges(root) if (s, t) == ("pending", "draft")]
    lowest = max(y for _, y in sample(d))
    assert lowest > max(y + h for _, y, _, h in boxes.values())


@pytest.mark.parametrize("render", [contract, twelve_states], ids=["contract", "twelve-states"])
def test_transition_labels_never_overlap_each_other_or_a_box(render):
    root = parse(render())
    pills = label_pills(root)
    assert all(not overlap(a, b) for i, a in enumerate(pills) for b in pills[i + 1:])
    assert all(not overlap(p, b) for p in pills for b in state_boxes(root).values())


def test_transitions_between_the_same_two_states_are_merged_into_one_arrow():
    both = [Edge("submit", ("draft",), "pending", "Submit"), Edge("resubmit", ("draft",), "pending", "Resubmit"),
            Edge("withdraw", ("pending",), "draft", "Withdraw")]
    root = parse(workflow_svg(["draft", "pending"], "draft", both, state_label=str.title))
    arrows = [(s, t, label) for s, t, label, _ in edges(root)]
    assert arrows.count(("draft", "pending", "Submit / Resubmit")) == 1
    assert [a for a in arrows if a[:2] == ("pending", "draft")] == [("pending", "draft", "Withdraw")]
    assert "Submit / Resubmit" in texts(root)


def test_a_transition_from_several_states_draws_one_arrow_from_each():
    root = parse(contract())
    assert {(s, t) for s, t, label, _ in edges(root) if label == "终止"} == {
        ("signed", "terminated"), ("executing", "terminated")}


def test_a_self_loop_is_drawn_on_top_of_its_box():
    root = parse(workflow_svg(["open", "closed"], "open", [Edge("remind", ("open",), "open", "Remind"),
                                                          Edge("close", ("open",), "closed", "Close")],
                              state_label=str.title))
    box = state_boxes(root)["open"]
    (d,) = [d for s, t, _, d in edges(root) if s == t == "open"]
    points = sample(d)
    assert on_border(points[0], box) and on_border(points[-1], box)
    assert min(y for _, y in points) < box[1] - 20
    assert "Remind" in texts(root)


def test_user_text_is_escaped_and_never_becomes_markup():
    svg = workflow_svg(["a", "b"], "a", [Edge("x", ("a",), "b", "<script>x</script> & co")],
                       state_label=lambda s: f'<b id="x">{s}</b>&"', title="<svg onload=1>")
    root = parse(svg)
    assert "<script>" not in svg and "<b " not in svg
    assert not list(root.iter(f"{NS}script")) and not list(root.iter(f"{NS}b"))
    assert "<script>x</script> & co" in texts(root)
    assert '<b id="x">a</b>&"' in texts(root)
    assert root.get("aria-label") == "<svg onload=1>"


def test_the_same_workflow_renders_the_same_markup():
    assert contract() == contract()
    assert twelve_states() == twelve_states()


def test_two_diagrams_on_one_page_have_distinct_marker_ids():
    first, second = parse(contract()), parse(contract(current="pending"))
    ids = [{m.get("id") for m in root.iter(f"{NS}marker")} for root in (first, second)]
    assert ids[0] and ids[1] and not ids[0] & ids[1]
    for root in (first, second):
        uid = root.get("id", "")
        assert all(m.get("id", "").startswith(uid + "-") for m in root.iter(f"{NS}marker"))


def test_a_chinese_label_gets_a_wider_box_than_a_latin_one_of_the_same_length():
    def width(label: str) -> float:
        root = parse(workflow_svg(["only"], "only", [], state_label=lambda _: label))
        return state_boxes(root)["only"][2]

    assert text_width("合同审批流程草稿状态", 13) > text_width("abcdefghij", 13)
    assert width("合同审批流程草稿状态") > width("abcdefghij")
    assert width("合同审批流程草稿状态") >= text_width("合同审批流程草稿状态", 13)


def test_a_label_too_long_for_its_box_is_cut_with_an_ellipsis_and_a_tooltip():
    long = "A very long state label that would never fit into any reasonable box at all"
    root = parse(workflow_svg(["x"], "x", [], state_label=lambda _: long))
    (shown,) = texts(root)
    assert shown.endswith("…") and long.startswith(shown[:-1])
    assert long in [t.text for t in root.iter(f"{NS}title")]
    assert text_width(shown, 13) <= state_boxes(root)["x"][2]


def test_locked_initial_and_current_states_are_marked():
    root = parse(contract(current="pending"))
    groups = {g.get("data-state"): g for g in root.iter(f"{NS}g") if g.get("data-state")}
    assert "sp-locked" in groups["signed"].get("class", "") and "sp-locked" not in groups["draft"].get("class", "")
    assert "sp-current" in groups["pending"].get("class", "")
    fills = {s: g.find(f"{NS}rect").get("fill") for s, g in groups.items()}  # type: ignore[union-attr]
    assert len({fills["draft"], fills["pending"], fills["signed"]}) == 3
    (initial,) = [g for g in root.iter(f"{NS}g") if g.get("class") == "sp-initial"]
    end = sample(initial.find(f"{NS}path").get("d", ""))[-1]  # type: ignore[union-attr]
    assert on_border(end, state_boxes(root)["draft"])


def test_a_transition_that_starts_an_approval_chain_is_drawn_distinctly():
    root = parse(contract())
    styles = {label: g.find(f"{NS}path").attrib for g in root.iter(f"{NS}g")  # type: ignore[union-attr]
              if (label := g.findtext(f"{NS}title")) in ("提交审批", "批准")}
    assert styles["提交审批"].get("stroke-dasharray") and not styles["批准"].get("stroke-dasharray")
    assert styles["提交审批"]["stroke"] != styles["批准"]["stroke"]


def test_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="ghost"):
        workflow_svg(["a"], "a", [Edge("x", ("a",), "ghost", "X")], state_label=str)
    with pytest.raises(ValueError, match="initial"):
        workflow_svg(["a"], "b", [], state_label=str)


# --- approval chains ----------------------------------------------------------------------------

def step_boxes(root: ET.Element) -> list[tuple[str, Rect, ET.Element]]:
    return [(g.findtext(f".//{NS}text", ""), rect_of(g.find(f"{NS}rect")), g)  # type: ignore[arg-type]
            for g in root.iter(f"{NS}g") if "sp-step" in g.get("class", "").split()]


def test_parallel_steps_of_a_stage_share_a_column():
    root = parse(chain())
    boxes = {title: rect for title, rect, _ in step_boxes(root)}
    director, finance = boxes["销售总监审批"], boxes["财务审批"]
    assert director[0] == finance[0] and director[1] != finance[1]
    assert not overlap(director, finance)
    assert boxes["部门经理审批"][0] + boxes["部门经理审批"][2] < director[0]
    assert director[0] + director[2] < boxes["总经理审批"][0]


def test_a_chain_shows_start_end_titles_and_smaller_lines():
    root = parse(chain())
    assert root.get("aria-label") == "审批链"
    shown = texts(root)
    for text in ("提交", "完成", "部门经理审批", "角色：销售总监", "需 2 人", "条件：折扣 > 10", "超时 24 小时"):
        assert text in shown
    sizes = {t.text: float(t.get("font-size", "0")) for t in root.iter(f"{NS}text")}
    ys = {t.text: float(t.get("y", "0")) for t in root.iter(f"{NS}text")}
    assert sizes["需 2 人"] < sizes["销售总监审批"] and ys["需 2 人"] > ys["销售总监审批"]


def test_connectors_fan_out_and_in_between_stages():
    root = parse(chain())
    boxes = [rect for _, rect, _ in step_boxes(root)]
    boxes += [rect_of(g.find(f"{NS}rect")) for g in root.iter(f"{NS}g")  # type: ignore[arg-type]
              if g.get("class") == "sp-terminal"]
    connectors = [p.get("d", "") for p in root.iter(f"{NS}path") if p.get("class") == "sp-connector"]
    assert len(connectors) == 1 + 2 + 2 + 1          # start→1, 1→(2 parallel), (2 parallel)→3, 3→end
    for d in connectors:
        points = sample(d)
        assert any(on_border(points[0], b) for b in boxes) and any(on_border(points[-1], b) for b in boxes)
        assert not any(inside(p, b) for p in points for b in boxes)


def test_each_status_has_its_own_fill():
    statuses = ["", "waiting", "active", "approved", "rejected", "skipped"]
    root = parse(chain_svg([[StepBox(f"step {s}", (), s)] for s in statuses], start_label="S", end_label="E"))
    fills = {g.get("class"): rect[2] and g.find(f"{NS}rect").get("fill")  # type: ignore[union-attr]
             for _, rect, g in step_boxes(root)}
    assert len(set(fills.values())) == len(statuses)
    skipped = next(g for _, _, g in step_boxes(root) if "sp-step-skipped" in g.get("class", ""))
    assert skipped.find(f"{NS}rect").get("stroke-dasharray")  # type: ignore[union-attr]


def test_a_chain_escapes_text_and_refuses_an_unknown_status():
    root = parse(chain_svg([[StepBox("<img src=x>", ("a & b",))]], start_label="<s>", end_label="&"))
    assert {"<img src=x>", "a & b", "<s>", "&"} <= set(texts(root))
    with pytest.raises(ValueError, match="done"):
        chain_svg([[StepBox("x", (), "done")]], start_label="S", end_label="E")


def test_the_same_chain_renders_the_same_markup():
    assert chain() == chain()
