"""No double sale: twenty sellers reserve the same booth at the same moment,
each in their own transaction, for twenty different exhibitors; through the
services, the pages and an API token. Exactly one wins, nineteen are told
the booth was taken, and the booth is reserved for the winner. Run on
SQLite and, with SUANPAN_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from exhibitions_support import actor_of, race
from plans_support import booth_row, grid
from starlette.testclient import TestClient

from core import Conflict
from plugins.exhibitions.services import booths

SELLERS = 20


def customers(new_customer: Any, owner: Any) -> list[int]:
    return [new_customer(owner, f"参展商{i:02d}农业科技有限公司") for i in range(SELLERS)]


@pytest.mark.parametrize("action", ["reserve", "hold"])
def test_twenty_sellers_taking_one_booth_through_the_services_one_wins(kernel, expo, plan, new_customer, action):
    a101 = grid(kernel, expo["manager"], plan(), first=101, last=101, columns=1)["A101"]
    exhibitors = customers(new_customer, expo["manager"])
    seen = booth_row(kernel, a101).version

    def reserve(i: int) -> int:
        with kernel.db.session() as db:
            booths.change(db, actor_of(kernel, db, expo["manager"]), a101, action,
                          customer_id=exhibitors[i], version=seen)
            return i

    results = race(reserve, SELLERS)
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1
    assert Counter(type(r) for r in results if not isinstance(r, int)) == {Conflict: SELLERS - 1}
    won = booth_row(kernel, a101)
    assert (won.status, won.customer_id) == ({"reserve": "reserved", "hold": "held"}[action],
                                             exhibitors[winners[0]])


def test_twenty_sellers_reserving_one_booth_through_the_pages_one_wins(kernel, expo, plan, new_customer,
                                                                     new_client):
    a101 = grid(kernel, expo["manager"], plan(), first=101, last=101, columns=1)["A101"]
    exhibitors = customers(new_customer, expo["manager"])
    seen = booth_row(kernel, a101).version
    clients = [new_client() for _ in range(SELLERS)]
    for c in clients:
        c.login("expomanager")

    def reserve(i: int) -> int:
        r = clients[i].submit(f"/exhibitions/booths/{a101}/status",
                              {"action": "reserve", "customer_id": exhibitors[i], "version": seen},
                              headers={"HX-Request": "true"})
        return r.status_code

    codes = Counter(race(reserve, SELLERS))
    assert codes == {200: 1, 409: SELLERS - 1}
    won = booth_row(kernel, a101)
    assert won.status == "reserved" and won.customer_id in exhibitors


def test_twenty_api_clients_reserving_one_booth_one_wins(kernel, expo, plan, new_customer):
    from core.auth import create_api_token

    a101 = grid(kernel, expo["manager"], plan(), first=101, last=101, columns=1)["A101"]
    exhibitors = customers(new_customer, expo["manager"])
    with kernel.db.session() as db:
        tokens = [create_api_token(db, db.get(type(expo["manager"]), expo["manager"].id), f"t{i}")[1]
                  for i in range(SELLERS)]
    clients = [TestClient(kernel.asgi(), base_url="http://testserver",
                          headers={"Authorization": f"Bearer {tokens[i]}", "Accept": "application/json"})
               for i in range(SELLERS)]

    def reserve(i: int) -> int:
        r = clients[i].post(f"/exhibitions/booths/{a101}/status",
                            data={"action": "reserve", "customer_id": exhibitors[i]}, follow_redirects=False)
        return r.status_code

    codes = Counter(race(reserve, SELLERS))
    assert codes == {303: 1, 409: SELLERS - 1}
    assert booth_row(kernel, a101).status == "reserved"
    # the booth as the API's resource reads it
    one = clients[0].get(f"/api/v1/exhibitions/booth/{a101}")
    assert one.status_code == 200 and one.json()["status"] == "reserved"
