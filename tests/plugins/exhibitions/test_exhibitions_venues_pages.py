"""The venues part's pages as a user meets them: venues, halls and zones
made through the forms, bad input named, records of another organisation
404; editions checked, the next edition made from one, an edition's halls
booked from its page, and the hall calendar showing the bookings."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.app import Kernel
from plugins.exhibitions.models import Edition, FloorPlan, Space, SpaceBooking, Venue, Zone


def created_id(response: Any) -> int:
    assert response.status_code == 303, response.text
    return int(re.search(r"/(\d+)$", response.headers["location"]).group(1))  # type: ignore[union-attr]


def test_a_venue_its_hall_and_zones_are_made_through_the_forms(kernel: Kernel, client: Any, expo: dict) -> None:
    client.login("expomanager")
    venue = created_id(client.submit("/exhibitions/venues", {
        "name": "上海新国际博览中心", "name_en": "SNIEC", "city": "上海市", "address": "上海市浦东新区龙阳路2345号"},
        follow_redirects=False))
    # the venue's page offers to add a hall, with the venue chosen already
    page = client.get(f"/exhibitions/venues/{venue}")
    assert page.status_code == 200 and f"/exhibitions/spaces/new?venue_id={venue}" in page.text
    form = client.get(f"/exhibitions/spaces/new?venue_id={venue}")
    assert re.search(rf'<option value="{venue}"\s+selected', form.text)
    hall = created_id(client.submit("/exhibitions/spaces", {
        "venue_id": venue, "kind": "hall", "code": "W1", "name": "W1馆", "area": "11500", "capacity": "9000",
        "ceiling_height": "17", "floor_load": "50", "sequence": "10", "active": "1"}, follow_redirects=False))
    # the same code twice in one venue is refused, naming the field
    again = client.submit("/exhibitions/spaces", {"venue_id": venue, "kind": "hall", "code": "W1", "name": "重复"})
    assert again.status_code == 422 and 'id="f-code-err"' in again.text
    for code in ("A", "B"):
        created_id(client.submit("/exhibitions/zones", {"space_id": hall, "code": code, "name": f"{code}区"},
                                 follow_redirects=False))
    dup = client.submit("/exhibitions/zones", {"space_id": hall, "code": "A", "name": "又一个A区"})
    assert dup.status_code == 422
    # the venue lists its hall, the hall its zones
    assert "W1馆" in client.get(f"/exhibitions/venues/{venue}").text
    hall_page = client.get(f"/exhibitions/spaces/{hall}").text
    assert "A区" in hall_page and "B区" in hall_page
    with kernel.db.session(write=False) as db:
        made = db.get(Space, hall)
        assert made.org_id == expo["hq"].id and made.area == Decimal("11500") and made.venue_id == venue
        assert db.scalar(select(Zone.code).where(Zone.space_id == hall, Zone.code == "A")) == "A"


def test_another_organisations_records_answer_404(kernel: Kernel, client: Any, expo: dict) -> None:
    client.login("outsider")
    for path in (f"/exhibitions/venues/{expo['venue']}", f"/exhibitions/spaces/{expo['hall']}",
                 f"/exhibitions/series/{expo['series']}", f"/exhibitions/editions/{expo['edition']}",
                 f"/exhibitions/editions/{expo['edition']}/edit"):
        assert client.get(path).status_code == 404, path
    assert client.submit(f"/exhibitions/editions/{expo['edition']}/next").status_code == 404
    assert client.submit(f"/exhibitions/editions/{expo['edition']}/book").status_code == 404
    # a hall of another organisation cannot be given a zone, nor booked
    refused = client.submit("/exhibitions/zones", {"space_id": expo["hall"], "code": "X", "name": "X区"})
    assert refused.status_code == 422
    refused = client.submit("/exhibitions/bookings", {"space_id": expo["hall"], "starts_on": "2027-01-01",
                                                      "ends_on": "2027-01-02", "purpose": "event", "state": "hold"})
    assert refused.status_code == 422
    # their lists do not show it
    assert "全国农业展览馆" not in client.get("/exhibitions/venues").text
    assert "第二十五届" not in client.get("/exhibitions/editions").text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Zone.id)) is None and db.scalar(select(SpaceBooking.id)) is None


def test_an_editions_dates_run_in_order_and_its_number_is_unique(kernel: Kernel, client: Any, expo: dict) -> None:
    client.login("expomanager")
    good = {"series_id": expo["series"], "number": "26", "name": "第二十六届中国国际农业博览会", "state": "planning",
            "venue_id": expo["venue"], "move_in_on": "2028-11-14", "opens_on": "2028-11-17",
            "closes_on": "2028-11-20", "move_out_on": "2028-11-21", "target_area": "25000",
            "target_revenue": "36000000", "hold_days": "7", "deposit_percent": "30", "deposit_days": "15",
            "balance_days": "30"}
    wrong_order = client.submit("/exhibitions/editions", {**good, "closes_on": "2028-11-16"})
    assert wrong_order.status_code == 422 and 'id="f-closes_on-err"' in wrong_order.text
    move_out_early = client.submit("/exhibitions/editions", {**good, "move_out_on": "2028-11-19"})
    assert move_out_early.status_code == 422 and 'id="f-move_out_on-err"' in move_out_early.text
    taken = client.submit("/exhibitions/editions", {**good, "number": "25"})
    assert taken.status_code == 422 and 'id="f-number-err"' in taken.text
    made = created_id(client.submit("/exhibitions/editions", good, follow_redirects=False))
    edit = client.submit(f"/exhibitions/editions/{made}", {**good, "opens_on": "2028-11-13", "version": "1"})
    assert edit.status_code == 422 and 'id="f-opens_on-err"' in edit.text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Edition.opens_on).where(Edition.id == made)) == date(2028, 11, 17)
        assert len(db.scalars(select(Edition)).all()) == 2


def test_the_next_edition_is_made_from_the_edition_page(kernel: Kernel, client: Any, expo: dict) -> None:
    client.login("expomanager")
    with kernel.db.session() as db:
        old = db.get(Edition, expo["edition"])
        old.penalties = [{"until": "2027-08-20", "percent": "30"}]
        old.deposit_percent = Decimal("40")
    page = client.get(f"/exhibitions/editions/{expo['edition']}")
    assert page.status_code == 200 and f"/exhibitions/editions/{expo['edition']}/next" in page.text
    new_id = created_id(client.submit(f"/exhibitions/editions/{expo['edition']}/next", follow_redirects=False))
    with kernel.db.session(write=False) as db:
        new = db.get(Edition, new_id)
        assert (new.number, new.name, new.previous_id) == (26, "第二十六届中国国际农业博览会", expo["edition"])
        assert new.name_en == "26th China International Agricultural Expo"
        assert (new.move_in_on, new.opens_on, new.closes_on, new.move_out_on) == (
            date(2028, 11, 17), date(2028, 11, 20), date(2028, 11, 23), date(2028, 11, 24))
        assert new.venue_id == expo["venue"] and new.target_area == Decimal("8000")
        assert new.deposit_percent == Decimal("40") and new.penalties == [{"until": "2028-08-20", "percent": "30"}]
        assert new.state == "planning" and new.org_id == expo["hq"].id
    # the series has a 26th now: making it again is refused, nothing written
    again = client.submit(f"/exhibitions/editions/{expo['edition']}/next", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].endswith(f"/editions/{expo['edition']}")
    with kernel.db.session(write=False) as db:
        assert len(db.scalars(select(Edition)).all()) == 2


def test_an_edition_page_books_its_halls_shows_its_plans_and_the_calendar_shows_bookings(
        kernel: Kernel, client: Any, expo: dict) -> None:
    client.login("expomanager")
    with kernel.db.session() as db:
        plan = FloorPlan(org_id=expo["hq"].id, edition_id=expo["edition"], space_id=expo["hall"], title="1号馆展位图")
        db.add(plan)
        db.flush()
        plan_id = plan.id
    page = client.get(f"/exhibitions/editions/{expo['edition']}")
    assert f'href="/exhibitions/plans/{plan_id}"' in page.text and "1号馆展位图" in page.text
    booked = client.submit(f"/exhibitions/editions/{expo['edition']}/book",
                           {"space_ids[]": [str(expo["hall"])], "state": "confirmed"}, follow_redirects=False)
    assert booked.status_code == 303
    with kernel.db.session(write=False) as db:
        rows = db.scalars(select(SpaceBooking).order_by(SpaceBooking.starts_on)).all()
        assert [(b.purpose, b.state) for b in rows] == [("move_in", "confirmed"), ("show", "confirmed"),
                                                        ("move_out", "confirmed")]
    # booking again clashes: the page says with what, and nothing more is booked
    client.submit(f"/exhibitions/editions/{expo['edition']}/book", {"space_ids[]": [str(expo["hall"])]})
    with kernel.db.session(write=False) as db:
        assert len(db.scalars(select(SpaceBooking)).all()) == 3
    # the calendar of November 2027 shows the three bars in hall 1
    cal = client.get(f"/exhibitions/calendar?venue={expo['venue']}&month=2027-11")
    assert cal.status_code == 200
    assert cal.text.count('data-state="confirmed"') == 3 and "1号馆" in cal.text
    assert "grid-column: 18 / 21" in cal.text  # move-in 17–19 November
    # the htmx paging answers the grid alone; October is empty
    october = client.get(f"/exhibitions/calendar?venue={expo['venue']}&month=2027-10", headers={"HX-Request": "true"})
    assert october.status_code == 200 and "<html" not in october.text and 'data-state="' not in october.text
    assert 'month=2027-09' in october.text and 'month=2027-11' in october.text
    assert client.get("/exhibitions/calendar?month=2027-13").status_code == 400


def test_a_booking_form_names_the_clash(kernel: Kernel, client: Any, expo: dict) -> None:
    client.login("expomanager")
    first = {"space_id": expo["hall"], "title": "全国糖酒会", "starts_on": "2027-04-01", "ends_on": "2027-04-05",
             "purpose": "event", "state": "hold"}
    made = created_id(client.submit("/exhibitions/bookings", first, follow_redirects=False))
    clash = client.submit("/exhibitions/bookings", {**first, "title": "另一个", "starts_on": "2027-04-05",
                                                    "ends_on": "2027-04-06"})
    assert clash.status_code == 422 and 'id="f-starts_on-err"' in clash.text
    assert "全国糖酒会" in clash.text and "2027-04-01" in clash.text
    # confirm, then release from the booking's page
    assert client.submit(f"/exhibitions/bookings/{made}/confirm", follow_redirects=False).status_code == 303
    assert client.submit(f"/exhibitions/bookings/{made}/release", follow_redirects=False).status_code == 303
    with kernel.db.session(write=False) as db:
        assert db.get(SpaceBooking, made).state == "released"
        assert db.scalar(select(Venue.name).where(Venue.id == expo["venue"])) == "全国农业展览馆"
