"""The contracts dataset: the dashboard's reports (``core.aggregate``) sum
contract amounts by customer over the rows the reader may read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sales_support import actor_of

from core import ReportQuery, aggregate
from core.app import Kernel


def by_customer(kernel: Kernel, user: Any) -> dict[str, tuple[int, Decimal, Decimal]]:
    with kernel.db.session(write=False) as db:
        result = aggregate(db, actor_of(kernel, db, user), kernel.registry, ReportQuery(
            "sales.contracts", rows=("customer_id",), measures=("contracts", "amount", "total"),
            filters={"state": ["approved", "signed", "executing", "completed"]}))
        names = result.names["customer_id"]
        return {names[row.keys[0]]: (row.values[0], row.values[1], row.values[2]) for row in result.rows}


def test_contract_amounts_add_up_by_customer_within_the_readers_scope(
        kernel: Kernel, team: dict[str, Any], products: dict[str, int], new_customer: Any,
        make_contract: Any) -> None:
    # given two customers of rep1 and one of rep3, and contracts in several states
    north = new_customer(team["rep1"], "北京北辰科技有限公司")
    south = new_customer(team["rep1"], "广州南粤贸易有限公司")
    other = new_customer(team["rep3"], "上海东方物流有限公司")
    server = products["server"]
    make_contract(team["rep1"], north, [(server, "1", "1130.00", "0")])
    make_contract(team["rep1"], north, [(server, "2", "565.00", "0")], state="signed")
    make_contract(team["rep1"], south, [(server, "1", "2260.00", "0")])
    make_contract(team["rep1"], south, [(server, "9", "9999.00", "0")], state="draft")
    make_contract(team["rep3"], other, [(server, "1", "113.00", "0")])

    # when the director and rep1 report the amounts by customer
    director, rep1 = by_customer(kernel, team["director"]), by_customer(kernel, team["rep1"])

    # then the director sees every customer's approved-or-later contracts, a draft counting for nothing
    assert director == {
        "北京北辰科技有限公司": (2, Decimal("2000.00"), Decimal("2260.00")),
        "广州南粤贸易有限公司": (1, Decimal("2000.00"), Decimal("2260.00")),
        "上海东方物流有限公司": (1, Decimal("100.00"), Decimal("113.00")),
    }
    # and rep1 only their own
    assert set(rep1) == {"北京北辰科技有限公司", "广州南粤贸易有限公司"}
