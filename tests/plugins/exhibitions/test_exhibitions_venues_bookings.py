"""Bookings of a space: two bookings that are not released never share a
day (the refusal names ``starts_on``, the clashing booking and its days),
ten people booking the same days at once leave exactly one booking, an
edition books its halls for its days in one go, and lapsed holds are
released by the job with a notice to their owner."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from exhibitions_support import actor_of
from sqlalchemy import func, select

from core import ValidationError
from core.app import Kernel
from plugins.activity.models import InboxItem
from plugins.exhibitions.models import Space, SpaceBooking
from plugins.exhibitions.services import venues


def book(kernel: Kernel, user: Any, space: int, starts: date, ends: date, **kw: Any) -> int:
    with kernel.db.session() as db:
        return venues.book(db, actor_of(kernel, db, user), space, starts, ends, **kw).id


def live(kernel: Kernel, space: int) -> list[tuple[date, date, str]]:
    with kernel.db.session(write=False) as db:
        return [(b.starts_on, b.ends_on, b.state) for b in db.scalars(
            select(SpaceBooking).where(SpaceBooking.space_id == space, SpaceBooking.state != "released")
            .order_by(SpaceBooking.starts_on))]


def test_a_booking_that_shares_a_day_is_refused_naming_the_other(kernel, expo):
    hall = expo["hall"]
    book(kernel, expo["manager"], hall, date(2027, 5, 10), date(2027, 5, 14), title="全国糖酒会", state="confirmed")
    for starts, ends in ((date(2027, 5, 14), date(2027, 5, 16)), (date(2027, 5, 8), date(2027, 5, 10)),
                         (date(2027, 5, 11), date(2027, 5, 12)), (date(2027, 5, 1), date(2027, 5, 31))):
        with pytest.raises(venues.Clash) as refused:
            book(kernel, expo["manager"], hall, starts, ends, title="另一个展会")
        assert set(refused.value.errors) == {"starts_on", "space_id"}
        assert refused.value.params == {"title": "全国糖酒会", "starts": "2027-05-10", "ends": "2027-05-14"}
    # the days before and after are free
    book(kernel, expo["manager"], hall, date(2027, 5, 15), date(2027, 5, 16), title="次日活动")
    book(kernel, expo["manager"], hall, date(2027, 5, 7), date(2027, 5, 9), title="前日活动")
    assert len(live(kernel, hall)) == 3


def test_a_released_booking_frees_its_days_and_a_hold_is_confirmed(kernel, expo):
    hall = expo["hall"]
    first = book(kernel, expo["manager"], hall, date(2027, 6, 1), date(2027, 6, 3), title="先订")
    with kernel.db.session() as db:
        actor = actor_of(kernel, db, expo["manager"])
        assert venues.confirm(db, actor, first).state == "confirmed"
        with pytest.raises(ValidationError):
            venues.confirm(db, actor, first)
        venues.release(db, actor, first)
    second = book(kernel, expo["manager"], hall, date(2027, 6, 2), date(2027, 6, 2), title="后订")
    assert live(kernel, hall) == [(date(2027, 6, 2), date(2027, 6, 2), "hold")]
    assert second != first


def test_bad_input_is_named_and_nothing_is_written(kernel, expo):
    hall = expo["hall"]
    cases = [
        ((hall, date(2027, 7, 5), date(2027, 7, 1)), {}, "ends_on"),
        ((hall, None, date(2027, 7, 1)), {}, "starts_on"),
        ((hall, date(2027, 7, 1), date(2027, 7, 2)), {"purpose": "party"}, "purpose"),
        ((hall, date(2027, 7, 1), date(2027, 7, 2)), {"state": "released"}, "state"),
        ((hall, date(2027, 7, 1), date(2027, 7, 2)), {"hold_until": date(2020, 1, 1)}, "hold_until"),
        ((999999, date(2027, 7, 1), date(2027, 7, 2)), {}, "space_id"),
    ]
    for args, kw, field in cases:
        with pytest.raises(ValidationError) as refused:
            book(kernel, expo["manager"], *args, **kw)
        assert field in refused.value.errors, (field, refused.value.errors)
    assert live(kernel, hall) == []


def test_a_space_of_another_organisation_cannot_be_booked(kernel, expo):
    with pytest.raises(ValidationError) as refused:
        book(kernel, expo["outsider"], expo["hall"], date(2027, 7, 1), date(2027, 7, 2))
    assert set(refused.value.errors) == {"space_id"}
    assert live(kernel, expo["hall"]) == []


def test_ten_people_booking_the_same_days_at_once_leave_exactly_one_booking(kernel, expo):
    hall = expo["hall"]
    start = threading.Barrier(10)
    won: list[int] = []
    clashed: list[str] = []
    errors: list[BaseException] = []

    def attempt(n: int) -> None:
        start.wait()
        try:
            won.append(book(kernel, expo["manager"], hall, date(2027, 9, 1 + n % 3), date(2027, 9, 5),
                            title=f"抢订{n}"))
        except venues.Clash:
            clashed.append(f"抢订{n}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(won) == 1 and len(clashed) == 9
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(SpaceBooking)
                         .where(SpaceBooking.space_id == hall)) == 1


def test_an_edition_books_its_halls_for_move_in_show_and_move_out_at_once(kernel, expo):
    with kernel.db.session() as db:
        hall2 = Space(org_id=expo["hq"].id, venue_id=expo["venue"], kind="hall", code="2", name="2号馆")
        db.add(hall2)
        db.flush()
        hall2_id = hall2.id
    with kernel.db.session() as db:
        made = venues.book_edition(db, actor_of(kernel, db, expo["manager"]), expo["edition"])
        assert len(made) == 6
    # move-in 17–19, show 20–23, move-out 24 November 2027, in both halls
    expected = [(date(2027, 11, 17), date(2027, 11, 19), "hold"), (date(2027, 11, 20), date(2027, 11, 23), "hold"),
                (date(2027, 11, 24), date(2027, 11, 24), "hold")]
    assert live(kernel, expo["hall"]) == expected and live(kernel, hall2_id) == expected
    # a second go clashes and books nothing more (all or nothing)
    with pytest.raises(venues.Clash), kernel.db.session() as db:
        venues.book_edition(db, actor_of(kernel, db, expo["manager"]), expo["edition"])
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(SpaceBooking)) == 6


def test_lapsed_holds_are_released_and_their_owner_told(kernel, expo):
    hall = expo["hall"]
    today = venues.today()
    lapsing = book(kernel, expo["manager"], hall, date(2027, 3, 1), date(2027, 3, 2), title="暂留", hold_until=today)
    kept = book(kernel, expo["manager"], hall, date(2027, 3, 5), date(2027, 3, 6), title="确认",
                state="confirmed")
    with kernel.db.session() as db:
        assert venues.release_lapsed(db, today) == []  # a hold lasts through its last day
        assert venues.release_lapsed(db, today + timedelta(days=1)) == [lapsing]
    with kernel.db.session(write=False) as db:
        assert db.get(SpaceBooking, lapsing).state == "released"
        assert db.get(SpaceBooking, kept).state == "confirmed"
        notes = db.scalars(select(InboxItem).where(InboxItem.user_id == expo["manager"].id)).all()
        assert len(notes) == 1
    assert "exhibitions.release_space_holds" in kernel.registry.tasks
