"""Polygon booths: the geometry (a simple outline, overlaps by the area two
booths share, open sides by their edges), a planner drawing an L-shaped
booth on the plan with its area computed, and the outlines refused (a
crossing one, too few corners, outside the hall, over another booth) with
the field named and nothing written."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from exhibitions_support import actor_of
from plans_support import booth_row
from sqlalchemy import func, select

from core import ValidationError
from plugins.exhibitions.models import Booth
from plugins.exhibitions.services import geometry, plans
from plugins.exhibitions.services.geometry import Box

L_SHAPE = [[10, 10], [16, 10], [16, 13], [13, 13], [13, 16], [10, 16]]  # 6 × 6 less a 3 × 3 corner: 27 m²
BOWTIE = [[0, 0], [4, 4], [4, 0], [0, 4]]


def test_an_outline_is_simple_unless_it_crosses_itself_folds_back_or_has_no_area():
    assert geometry.is_simple([(10, 10), (16, 10), (16, 13), (13, 13), (13, 16), (10, 16)])
    assert not geometry.is_simple([(0, 0), (4, 4), (4, 0), (0, 4)])  # a bow tie
    assert not geometry.is_simple([(0, 0), (2, 0), (4, 0)])  # a line
    assert not geometry.is_simple([(0, 0), (4, 0), (2, 0), (2, 3)])  # folds back on itself
    assert not geometry.is_simple([(0, 0), (4, 0)])


def test_a_rectangle_fits_the_notch_of_an_l_but_not_over_its_arms():
    ell = Box(1, 10, 10, 6, 6, tuple((float(x), float(y)) for x, y in L_SHAPE))
    assert geometry.overlapping([Box(2, 13, 13, 3, 3)], [ell]) == []  # the notch: touching only
    assert geometry.overlapping([Box(3, 12, 12, 3, 3)], [ell])  # over the corner of the arms
    assert geometry.overlapping([Box(4, 12.97, 13, 3, 3)], [ell]) == []  # 3 cm over: still touching


def test_open_sides_of_polygons_count_their_edges_against_the_neighbours():
    ell = Box(1, 10, 10, 6, 6, tuple((float(x), float(y)) for x, y in L_SHAPE))
    notch = Box(2, 13, 13, 3, 3)
    sides = geometry.open_sides([ell, notch])
    assert sides == {1: 4, 2: 2}  # the L's two inner edges closed; the rectangle is a corner booth
    halves = [Box(3, 0, 0, 3, 3, ((0, 0), (3, 0), (0, 3))), Box(4, 0, 0, 3, 3, ((3, 0), (3, 3), (0, 3)))]
    assert geometry.open_sides(halves) == {3: 2, 4: 2}  # the diagonal closes one side of each
    # rectangles are counted as before: a block of 2 × 3, its ends corners, its middle inline
    block = [Box(10 + i, (i % 3) * 3, (i // 3) * 3, 3, 3) for i in range(6)]
    assert geometry.open_sides(block) == {10: 2, 11: 1, 12: 2, 13: 2, 14: 1, 15: 2}


def test_a_label_sits_inside_the_polygon():
    x, y = geometry.label_point([[0, 0], [9, 0], [9, 1], [1, 1], [1, 9], [0, 9]])  # a thin L: centroid outside
    assert geometry.is_simple([(0, 0), (9, 0), (9, 1), (1, 1), (1, 9), (0, 9)])
    assert (0 <= x <= 1) or (0 <= y <= 1)


def _create(kernel, user, plan_id, **values):
    with kernel.db.session() as db:
        booth = plans.create_booth(db, actor_of(kernel, db, user), {"plan_id": plan_id, **values})
        db.flush()
        return booth.id


def _count(kernel, plan_id):
    with kernel.db.session(write=False) as db:
        return db.scalar(select(func.count()).select_from(Booth).where(Booth.plan_id == plan_id))


def test_a_polygon_booth_keeps_its_box_and_area_and_its_neighbour_its_type(kernel, expo, plan):
    plan_id = plan()
    ell = _create(kernel, expo["manager"], plan_id, number="L1", points=L_SHAPE)
    notch = _create(kernel, expo["manager"], plan_id, number="N1", x=13, y=13, width=3, depth=3)
    b = booth_row(kernel, ell)
    assert (b.x, b.y, b.width, b.depth, b.area) == (10, 10, 6, 6, Decimal("27.00"))
    assert b.points == [[10.0, 10.0], [16.0, 10.0], [16.0, 13.0], [13.0, 13.0], [13.0, 16.0], [10.0, 16.0]]
    assert (b.open_sides, b.booth_type) == (4, "island")
    n = booth_row(kernel, notch)
    assert (n.open_sides, n.booth_type) == (2, "corner")


@pytest.mark.parametrize(("points", "message"), [
    (BOWTIE, "crosses itself"),
    ([[0, 0], [3, 0]], "3 to 64 corners"),
    ([[0, 0], [3, "x"], [0, 3]], "pair of numbers"),
    ([[118, 0], [123, 0], [123, 3]], "inside the plan"),  # the plan is 120 m wide
    ([[11, 11], [14, 11], [14, 14]], "over another booth"),  # over the L
])
def test_an_outline_refused_names_the_points_and_writes_nothing(kernel, expo, plan, points, message):
    plan_id = plan()
    _create(kernel, expo["manager"], plan_id, number="L1", points=L_SHAPE)
    with pytest.raises(ValidationError) as refused:
        _create(kernel, expo["manager"], plan_id, number="X1", points=points)
    assert list(refused.value.errors) == ["points"] and message in refused.value.errors["points"]
    assert _count(kernel, plan_id) == 1


def test_moving_a_polygon_booth_moves_its_corners(kernel, expo, plan):
    plan_id = plan()
    ell = _create(kernel, expo["manager"], plan_id, number="L1", points=L_SHAPE)
    with kernel.db.session() as db:
        plans.reshape(db, actor_of(kernel, db, expo["manager"]), ell, x="20", y="10", width="12", depth="6",
                      version=booth_row(kernel, ell).version)
    b = booth_row(kernel, ell)
    assert b.points[:3] == [[20.0, 10.0], [32.0, 10.0], [32.0, 13.0]]  # moved 10 m right, twice as wide
    assert b.area == Decimal("54.00")


def test_a_planner_draws_a_polygon_booth_on_the_plan_page(kernel, expo, plan, client):
    plan_id = plan()
    client.login("expomanager")
    r = client.submit(f"/exhibitions/plans/{plan_id}/booths",
                      {"number": "P1", "points": json.dumps([[10.2, 10], [16, 9.9], [16, 13], [13, 13], [13, 16],
                                                             [10, 16]])},
                      headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    made = r.json()
    assert made["area"] == "27.00"  # the corners snapped to the plan's 1 m grid
    page = client.get(f"/exhibitions/plans/{plan_id}")
    assert f'id="exh-booth-{made["id"]}"' in page.text
    assert 'data-n="P1" data-a="27"' in page.text
    assert '<polygon points="10,10 16,10 16,13 13,13 13,16 10,16"' in page.text
    bad = client.submit(f"/exhibitions/plans/{plan_id}/booths", {"number": "P2", "points": json.dumps(BOWTIE)})
    assert bad.status_code == 422 and list(bad.json()["errors"]) == ["points"]
    garbled = client.submit(f"/exhibitions/plans/{plan_id}/booths", {"number": "P3", "points": "[[1,2],"})
    assert garbled.status_code == 422 and "每个角" in garbled.json()["errors"]["points"]
    assert _count(kernel, plan_id) == 1
