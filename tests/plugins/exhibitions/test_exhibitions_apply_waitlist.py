"""The waitlist: only when no booth of the kind is available, ordered by
priority points then date, and offer_next holds a freed booth for the first
waiting exhibitor and tells the seller."""

from __future__ import annotations

from typing import Any

from apply_support import application, backdate, earlier_edition, sold
from exhibitions_support import actor_of
from sqlalchemy import select

from core.app import Kernel
from plugins.activity.models import InboxItem
from plugins.exhibitions.models import Booth, WaitlistEntry
from plugins.exhibitions.services import waitlist


def _entries(kernel: Kernel) -> list[WaitlistEntry]:
    with kernel.db.session(write=False) as db:
        rows = list(db.scalars(select(WaitlistEntry).order_by(WaitlistEntry.id)))
        db.expunge_all()
        return rows


def test_the_waitlist_orders_by_points_then_date_and_offers_the_first(
        client: Any, kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> None:
    early = new_customer(expo["seller1"], "甲农业公司")
    loyal = new_customer(expo["seller2"], "乙农业公司")
    late = new_customer(expo["seller1"], "丙农业公司")
    # loyal exhibited at the 24th: 10 + 1 points
    sold(kernel, expo, earlier_edition(kernel, expo, 24), loyal, "Z1", 9)
    p = plan()
    a1 = booth(p, "A101", width=6, depth=6, construction="raw", booth_type="corner", status="sold")
    url = f"/exhibitions/editions/{expo['edition']}/waitlist"
    client.login("expomanager")
    for customer in (early, loyal, late):
        ok = client.submit(url, {"customer_id": str(customer), "construction": "raw", "booth_type": "",
                                 "area_wanted": "36"}, follow_redirects=False)
        assert ok.status_code == 303, ok.text
    entries = _entries(kernel)
    backdate(kernel, WaitlistEntry, entries[0].id, 3)
    backdate(kernel, WaitlistEntry, entries[2].id, 1)
    # shell space is still available: no waitlist for it
    booth(p, "S1", x=10, construction="shell", status="available")
    refused = client.submit(url, {"customer_id": str(early), "construction": "shell"})
    assert refused.status_code == 422 and "此类展位仍有空余" in refused.text
    page = client.get(url)
    order = [page.text.index(n) for n in ("乙农业公司", "甲农业公司", "丙农业公司")]
    assert order == sorted(order)
    with kernel.db.session(write=False) as db:
        ordered = waitlist.ordered_all(db, expo["edition"])
        assert [e.customer_id for e in ordered] == [loyal, early, late]
    # when the raw corner booth comes free, the plans part calls offer_next
    with kernel.db.session() as db:
        row = db.get(Booth, a1)
        row.status, row.customer_id = "available", None  # type: ignore[union-attr]
    with kernel.db.session() as db:
        entry = waitlist.offer_next(db, actor_of(kernel, db, expo["manager"]), a1)
        assert entry is not None and entry.customer_id == loyal
    with kernel.db.session(write=False) as db:
        held = db.get(Booth, a1)
        assert held is not None and (held.status, held.customer_id) == ("held", loyal)
        assert held.held_until is not None
    offered = [e for e in _entries(kernel) if e.customer_id == loyal][0]
    assert (offered.state, offered.booth_id) == ("offered", a1)
    # the customer's seller is told (the manager put them on the list and offered it)
    with kernel.db.session(write=False) as db:
        told = db.scalars(select(InboxItem).where(InboxItem.user_id == expo["seller2"].id)).all()
        assert told, "the customer's seller is told"
    # nobody waits for a shell booth: nothing is offered
    with kernel.db.session() as db:
        shell = db.scalar(select(Booth.id).where(Booth.number == "S1"))
        assert waitlist.offer_next(db, actor_of(kernel, db, expo["manager"]), shell) is None


def test_the_button_offers_available_booths_and_an_application_goes_on_the_list(
        client: Any, kernel: Kernel, expo: dict[str, Any], plan: Any, booth: Any, new_customer: Any) -> None:
    farm = new_customer(expo["seller1"], "北京绿源农业科技有限公司")
    p = plan()
    b = booth(p, "A101", width=6, construction="shell", booth_type="inline", status="sold")  # 18 m², as wanted
    app_id = application(kernel, expo, customer_id=farm, construction="shell", booth_type="inline")
    client.login("seller1")
    page = client.get(f"/exhibitions/applications/{app_id}")
    assert "加入候补名单" in page.text
    ok = client.submit(f"/exhibitions/applications/{app_id}/waitlist", {}, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    [entry] = _entries(kernel)
    assert (entry.customer_id, entry.construction, entry.booth_type, entry.state) == (farm, "shell", "inline",
                                                                                      "waiting")
    with kernel.db.session() as db:
        row = db.get(Booth, b)
        row.status, row.customer_id = "available", None  # type: ignore[union-attr]
    done = client.submit(f"/exhibitions/editions/{expo['edition']}/waitlist/offer", {}, follow_redirects=False)
    assert done.status_code == 303
    [entry] = _entries(kernel)
    assert (entry.state, entry.booth_id) == ("offered", b)
    with kernel.db.session(write=False) as db:
        assert db.get(Booth, b).status == "held"  # type: ignore[union-attr]
    placed = client.submit(f"/exhibitions/waitlist/{entry.id}/state", {"state": "placed"}, follow_redirects=False)
    assert placed.status_code == 303 and _entries(kernel)[0].state == "placed"
