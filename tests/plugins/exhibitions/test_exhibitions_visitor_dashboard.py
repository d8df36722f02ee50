"""Counts per day and hall, and the live dashboard: each gate lets into a
hall, so a visitor's day counts in the hall of the gate that admitted them
first; the dashboard shows admissions per day and hall, per hour of the
day (China's hours), by kind, re-entries and qualified buyers, and its
figures refresh (htmx polling the live partial). The gate page offers the
camera (jsQR served from node_modules).
Run on SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from exhibitions_support import actor_of
from selling_support import beijing
from services_support import on

from core import ReportQuery, aggregate
from core.app import Kernel
from plugins.exhibitions.models import Space, VisitorGate
from plugins.exhibitions.services import visitor_counts, visitors

OPEN_DAY, SECOND_DAY = date(2027, 11, 20), date(2027, 11, 21)


@pytest.fixture
def halls(kernel: Kernel, expo: dict[str, Any]) -> dict[str, int]:
    """Hall 1 through 东门 and 南门, hall 2 through 西门."""
    with kernel.db.session() as db:
        hall2 = Space(org_id=expo["hq"].id, venue_id=expo["venue"], kind="hall", code="2", name="2号馆",
                      name_en="Hall 2", area=Decimal("8000"))
        db.add(hall2)
        db.flush()
        for gate, hall in (("东门", expo["hall"]), ("南门", expo["hall"]), ("西门", hall2.id)):
            db.add(VisitorGate(org_id=expo["hq"].id, edition_id=expo["edition"], name=gate, space_id=hall))
        return {"1": expo["hall"], "2": hall2.id}


@pytest.fixture
def gate(make: Any, expo: dict[str, Any]) -> Any:
    return make.user(org=expo["hq"], department=expo["dept"], username="gate1", name="检票员小李",
                     roles=("exhibitions.gate",))


def register(kernel: Kernel, expo: dict[str, Any], name: str, kind: str = "visitor", qualified: bool = False) -> str:
    with kernel.db.session() as db:
        return visitors.register(db, actor_of(kernel, db, expo["manager"]), {
            "edition_id": expo["edition"], "name": name, "mobile": "13900001111", "kind": kind,
            "qualified": qualified}).code


def scan(kernel: Kernel, user: Any, expo: dict[str, Any], code: str, gate: str, day: date, hour: int) -> str:
    with kernel.db.session() as db:
        return visitors.scan(db, actor_of(kernel, db, user), expo["edition"], code, gate=gate,
                             at=beijing(day, hour)).result


def test_admissions_count_per_day_hall_hour_and_kind(kernel, expo, halls, gate):
    buyer = register(kernel, expo, "王采购", "buyer", qualified=True)
    other_buyer = register(kernel, expo, "李采购", "buyer", qualified=True)
    media = register(kernel, expo, "李记者", "media")
    guest = register(kernel, expo, "张观众")
    register(kernel, expo, "没来的人")
    assert scan(kernel, gate, expo, buyer, "东门", OPEN_DAY, 9) == "entered"
    assert scan(kernel, gate, expo, buyer, "西门", OPEN_DAY, 13) == "reentered"  # still counted in hall 1
    assert scan(kernel, gate, expo, media, "西门", OPEN_DAY, 9) == "entered"
    assert scan(kernel, gate, expo, guest, "南门", OPEN_DAY, 10) == "entered"
    assert scan(kernel, gate, expo, guest, "侧门", SECOND_DAY, 11) == "entered"  # a gate of no hall
    assert scan(kernel, gate, expo, buyer, "西门", SECOND_DAY, 9) == "entered"

    with kernel.db.session(write=False) as db:
        board = visitor_counts.dashboard(db, actor_of(kernel, db, expo["manager"]), expo["edition"], OPEN_DAY)
    assert board.by_day_hall == [(OPEN_DAY, halls["1"], 2, 1), (OPEN_DAY, halls["2"], 1, 0),
                                 (SECOND_DAY, halls["2"], 1, 0), (SECOND_DAY, None, 1, 0)]
    assert board.halls == {halls["1"]: "1号馆", halls["2"]: "2号馆"}
    assert board.by_hour == {9: 2, 10: 1}  # first entries on the open day, in China's hours
    assert board.by_kind == {"buyer": (2, 1), "media": (1, 1), "visitor": (2, 1)}
    assert (board.registered, board.admitted, board.reentries, board.day_total) == (5, 3, 1, 3)
    assert (board.qualified, board.qualified_admitted) == (2, 1)
    assert other_buyer  # registered, never came


def test_the_dashboard_page_refreshes_its_figures(kernel, expo, halls, gate, client):
    code = register(kernel, expo, "王采购", "buyer", qualified=True)
    with on(OPEN_DAY):
        client.login("expomanager")
        page = client.get(f"/exhibitions/editions/{expo['edition']}/visitors/dashboard")
        assert page.status_code == 200 and 'hx-trigger="every 5s"' in page.text
        assert 'data-figure="admitted">0<' in page.text
        scan(kernel, gate, expo, code, "西门", OPEN_DAY, 10)
        live = client.get(f"/exhibitions/editions/{expo['edition']}/visitors/dashboard/live?day=2027-11-20")
        assert live.status_code == 200 and live.text.lstrip().startswith('<div id="exh-visitor-dashboard"')
        assert 'data-figure="admitted">1<' in live.text and "2号馆" in live.text
        assert f'data-day="{OPEN_DAY.isoformat()}" data-hall="{halls["2"]}"' in live.text
    client.login("outsider")
    assert client.get(f"/exhibitions/editions/{expo['edition']}/visitors/dashboard").status_code == 404


def test_the_gate_page_offers_the_camera_and_the_edition_gates(kernel, expo, halls, gate, client):
    code = register(kernel, expo, "李记者", "media")
    with on(OPEN_DAY):
        client.login("gate1")
        page = client.get(f"/exhibitions/editions/{expo['edition']}/gate")
        assert 'id="exh-gate-camera-toggle"' in page.text and "/static/vendor/jsqr/jsQR.js" in page.text
        assert '<option value="西门">' in page.text
        answer = client.submit(f"/exhibitions/editions/{expo['edition']}/gate", {"code": code, "gate": "西门"},
                               headers={"HX-Request": "true"})
        assert 'data-result="entered"' in answer.text
    script = client.get("/static/vendor/jsqr/jsQR.js")
    assert script.status_code == 200 and "jsQR" in script.text


def test_the_admissions_dataset_counts_per_day_and_hall_for_the_organisation(kernel, expo, halls, gate):
    buyer, media = register(kernel, expo, "王采购", "buyer"), register(kernel, expo, "李记者", "media")
    scan(kernel, gate, expo, buyer, "东门", OPEN_DAY, 9)
    scan(kernel, gate, expo, buyer, "东门", OPEN_DAY, 11)
    scan(kernel, gate, expo, media, "西门", OPEN_DAY, 9)
    scan(kernel, gate, expo, buyer, "西门", SECOND_DAY, 9)

    def report(user: Any) -> dict[Any, tuple[Any, ...]]:
        with kernel.db.session(write=False) as db:
            result = aggregate(db, actor_of(kernel, db, user), kernel.registry, ReportQuery(
                "exhibitions.admissions", rows=("day", "hall_id"), measures=("visitors", "scans"),
                filters={"edition_id": expo["edition"]}))
            return {r.keys: tuple(r.values) for r in result.rows}

    rows = report(expo["manager"])
    assert sorted(rows.values()) == [(1, 1), (1, 1), (1, 2)] and len(rows) == 3
    assert report(gate) == rows
    assert report(expo["outsider"]) == {}  # another organisation's manager
