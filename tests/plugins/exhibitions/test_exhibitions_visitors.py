"""Visitors and the gates: a visitor registered with a ticket code is
admitted once a day, scanned again when they come back (or refused, when
the edition says so); an unknown code, another edition's ticket and a day
the show is closed are refused and write nothing; twenty gates scanning one
ticket at once admit it once. The gate page as gate staff use it.
Run on SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from exhibitions_support import actor_of, race
from selling_support import beijing
from services_support import on
from sqlalchemy import func, select

from core import NotFound, ValidationError
from core.app import Kernel
from plugins.exhibitions.models import Admission, Edition, Visitor
from plugins.exhibitions.services import visitors

OPEN_DAY, SECOND_DAY = date(2027, 11, 20), date(2027, 11, 21)


@pytest.fixture
def gate(make: Any, expo: dict[str, Any]) -> Any:
    return make.user(org=expo["hq"], department=expo["dept"], username="gate1", name="检票员小李",
                     roles=("exhibitions.gate",))


def register(kernel: Kernel, expo: dict[str, Any], **values: Any) -> Visitor:
    """A visitor registered by the exhibition manager."""
    with kernel.db.session() as db:
        return visitors.register(db, actor_of(kernel, db, expo["manager"]), {
            "edition_id": expo["edition"], "name": "王采购", "company": "中粮集团", "mobile": "13900001111",
            "kind": "buyer", **values})


def scan(kernel: Kernel, user: Any, expo: dict[str, Any], code: str, day: date, hour: int = 10) -> visitors.Scan:
    with kernel.db.session() as db:
        return visitors.scan(db, actor_of(kernel, db, user), expo["edition"], code, gate="东门",
                             at=beijing(day, hour))


def admissions(kernel: Kernel) -> list[tuple[date, int]]:
    with kernel.db.session(write=False) as db:
        return [(d, s) for d, s in db.execute(select(Admission.day, Admission.scans).order_by(Admission.day))]


def test_a_visitor_is_admitted_once_a_day_and_counted_when_back(kernel, expo, gate):
    visitor = register(kernel, expo)
    assert len(visitor.code) == visitors.CODE_LENGTH and set(visitor.code) <= set(visitors.CODE_ALPHABET)

    first = scan(kernel, gate, expo, visitor.code.lower(), OPEN_DAY, 9)  # a scanner may send lower case
    assert (first.result, first.scans, first.visitor.name) == ("entered", 1, "王采购")  # type: ignore[union-attr]
    again = scan(kernel, gate, expo, visitor.code, OPEN_DAY, 14)
    assert (again.result, again.scans) == ("reentered", 2)
    next_day = scan(kernel, gate, expo, visitor.code, SECOND_DAY, 9)
    assert next_day.result == "entered"
    assert admissions(kernel) == [(OPEN_DAY, 2), (SECOND_DAY, 1)]
    with kernel.db.session(write=False) as db:
        counts = visitors.day_counts(db, actor_of(kernel, db, gate), expo["edition"])
    assert counts == [(OPEN_DAY, 1, 2), (SECOND_DAY, 1, 1)]


def test_coming_back_is_refused_when_the_edition_says_so(kernel, expo, gate):
    with kernel.db.session() as db:
        db.get(Edition, expo["edition"]).reentry = False  # type: ignore[union-attr]
    visitor = register(kernel, expo)
    assert scan(kernel, gate, expo, visitor.code, OPEN_DAY).result == "entered"
    refused = scan(kernel, gate, expo, visitor.code, OPEN_DAY, 15)
    assert (refused.result, refused.admitted) == ("refused", False)
    assert admissions(kernel) == [(OPEN_DAY, 1)]


def test_what_is_refused_writes_nothing(kernel, expo, gate, make):
    visitor = register(kernel, expo)
    assert scan(kernel, gate, expo, "NOSUCHCODE", OPEN_DAY).result == "unknown"
    assert scan(kernel, gate, expo, visitor.code, date(2027, 11, 19)).result == "closed"  # move-in day
    assert scan(kernel, gate, expo, visitor.code, date(2027, 11, 24)).result == "closed"  # after closing
    with kernel.db.session() as db:  # a ticket of another edition of the organiser
        other = Edition(org_id=expo["hq"].id, series_id=expo["series"], number=26, name="第二十六届",
                        opens_on=OPEN_DAY, closes_on=SECOND_DAY)
        db.add(other)
        db.flush()
        other_id = other.id
    with kernel.db.session() as db:
        assert visitors.scan(db, actor_of(kernel, db, gate), other_id, visitor.code,
                             at=beijing(OPEN_DAY)).result == "unknown"
    assert admissions(kernel) == []


def test_a_code_drawn_twice_is_drawn_again(kernel, expo, monkeypatch):
    first = register(kernel, expo)
    drawn = iter([first.code, first.code, "NEWCDE2345"])
    monkeypatch.setattr(visitors, "new_code", lambda: next(drawn))
    assert register(kernel, expo, name="李四").code == "NEWCDE2345"


def test_a_registration_names_each_bad_field(kernel, expo):
    with pytest.raises(ValidationError) as refused, kernel.db.session() as db:
        visitors.register(db, actor_of(kernel, db, expo["manager"]), {
            "edition_id": expo["edition"], "name": " ", "mobile": "", "email": "not-an-address", "kind": "alien"})
    assert set(refused.value.errors) == {"name", "email", "kind"}
    with pytest.raises(ValidationError) as nowhere, kernel.db.session() as db:
        visitors.register(db, actor_of(kernel, db, expo["manager"]), {"edition_id": expo["edition"], "name": "甲"})
    assert set(nowhere.value.errors) == {"mobile"}
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Visitor)) == 0


GATES = 20


def test_twenty_gates_scanning_one_ticket_admit_it_once(kernel, expo, gate):
    visitor = register(kernel, expo)
    def admit(i: int) -> str:
        with kernel.db.session() as db:
            return visitors.scan(db, actor_of(kernel, db, gate), expo["edition"], visitor.code,
                                 gate=f"门{i}", at=beijing(OPEN_DAY)).result

    results = race(admit, GATES)
    assert sorted(results) == ["entered"] + ["reentered"] * (GATES - 1), results
    assert admissions(kernel) == [(OPEN_DAY, GATES)]


def test_the_gate_page_admits_and_counts(kernel, client, expo, gate):
    visitor = register(kernel, expo, name="李记者", kind="media", company="农民日报")
    with on(OPEN_DAY):
        client.login("gate1")
        page = client.get(f"/exhibitions/editions/{expo['edition']}/gate")
        assert page.status_code == 200 and 'id="exh-gate-code"' in page.text
        answer = client.submit(f"/exhibitions/editions/{expo['edition']}/gate",
                               {"code": visitor.code, "gate": "东门"}, headers={"HX-Request": "true"})
        assert answer.status_code == 200 and answer.text.lstrip().startswith('<div id="exh-gate"')
        assert 'data-result="entered"' in answer.text and "李记者 · 农民日报" in answer.text
        assert f'data-day="{OPEN_DAY.isoformat()}">1<' in answer.text
        unknown = client.submit(f"/exhibitions/editions/{expo['edition']}/gate", {"code": "ZZZZ"},
                                headers={"HX-Request": "true"})
        assert 'data-result="unknown"' in unknown.text and "未知票证" in unknown.text
        # gate staff scan; they do not edit visitors
        assert client.get(f"/exhibitions/visitors/{visitor.id}/edit").status_code == 403


def test_another_organisation_sees_no_visitor_and_no_gate(kernel, client, expo):
    visitor = register(kernel, expo)
    client.login("outsider")
    assert client.get(f"/exhibitions/visitors/{visitor.id}").status_code == 404
    assert client.get(f"/exhibitions/editions/{expo['edition']}/gate").status_code == 404
    with kernel.db.session() as db, pytest.raises(NotFound):
        visitors.scan(db, actor_of(kernel, db, expo["outsider"]), expo["edition"], visitor.code)
