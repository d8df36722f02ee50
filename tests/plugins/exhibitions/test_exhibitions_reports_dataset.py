"""The booths dataset: the dashboard's reports (``core.aggregate``) count
booths, m² and prices by hall and status over the booths the reader may read."""

from __future__ import annotations

from decimal import Decimal

from exhibitions_support import actor_of
from reports_support import known  # noqa: F401 - the fixture

from core import ReportQuery, aggregate


def _by(kernel, user, edition, rows):
    with kernel.db.session(write=False) as db:
        result = aggregate(db, actor_of(kernel, db, user), kernel.registry, ReportQuery(
            "exhibitions.booths", rows=rows, measures=("booths", "area", "revenue", "exhibitors"),
            filters={"edition_id": edition}))
        return {row.keys: tuple(row.values) for row in result.rows}, result


def test_booths_m2_and_prices_by_status_within_the_readers_org(kernel, expo, known):  # noqa: F811
    mine, result = _by(kernel, expo["manager"], expo["edition"], ("status",))
    assert {k[0]: (n, Decimal(a), Decimal(p)) for k, (n, a, p, _) in mine.items()} == {
        "sold": (2, Decimal(45), Decimal(54000)), "reserved": (1, Decimal(9), Decimal(12150)),
        "held": (1, Decimal(9), Decimal(10800)), "available": (1, Decimal(9), Decimal(10800)),
        "blocked": (1, Decimal(9), Decimal(0))}
    assert mine[("sold",)][3] == 1  # 绿源 on two sold booths, once
    by_plan, result = _by(kernel, expo["manager"], expo["edition"], ("plan_id",))
    assert list(by_plan) == [(known["plan"],)] and result.names["plan_id"][known["plan"]] == "1号馆展位图"
    theirs, _ = _by(kernel, expo["outsider"], expo["edition"], ("status",))
    # the booth of their own hall names a customer of another organisation: not counted as an exhibitor
    assert theirs == {("sold",): (1, Decimal(100), Decimal(999999), 0)}
