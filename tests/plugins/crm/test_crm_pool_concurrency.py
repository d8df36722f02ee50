"""Twenty salespeople race for the same hundred customers, each in their own
thread and transaction (SQLite: one writer at a time; PostgreSQL: truly
concurrent). Nobody may get a customer someone else got, nor pass a cap."""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any

from crm_pool_support import call, make_pool, pooled
from sqlalchemy import func, select

from core import Conflict
from core.app import Kernel
from plugins.crm.models import Customer, OwnershipLog
from plugins.crm.services import pools

HOLDING_CAP, DAILY_CAP = 6, 4


def test_twenty_salespeople_racing_for_a_hundred_customers_never_share_one_nor_pass_a_cap(
        kernel: Kernel, make: Any, new_customer: Any, sales: dict[str, Any]) -> None:
    # given a pool of 100 customers, 6 per person at most, 4 claims a day
    pool = make_pool(kernel, sales["hq"].id, "抢客公海", holding_cap=HOLDING_CAP, daily_claim_cap=DAILY_CAP)
    ids = pooled(kernel, pool, *(f"抢手客户{i:03d}" for i in range(100)))
    # and 20 salespeople, the first ten already holding 3 customers each
    people = [make.user(org=sales["hq"], department=sales["one"], username=f"racer{i}", name=f"抢客{i}",
                        roles=("crm.salesperson",)) for i in range(20)]
    for person in people[:10]:
        for k in range(3):
            new_customer(person, f"{person.username}的老客户{k}")
    outcome: Counter[str] = Counter()
    errors: list[BaseException] = []
    start = threading.Barrier(len(people))

    def race(person: Any, seed: int) -> None:
        order = ids[:]
        random.Random(seed).shuffle(order)
        singles = 0  # after a refused pair, its two are tried one by one
        start.wait()
        try:
            while order:
                size = 1 if singles or seed % 2 == 0 else 2  # half of them claim two at a time
                batch, order = order[:size], order[size:]
                singles = max(0, singles - 1)
                try:
                    call(kernel, person, pools.claim, pool, batch)
                    outcome["claimed"] += len(batch)
                except Conflict as refused:
                    if len(batch) > 1:
                        order, singles = batch + order, 2
                    elif "cap" in refused.params:
                        outcome["capped"] += 1
                        return
                    else:
                        outcome["lost"] += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    # when they all claim at once
    threads = [threading.Thread(target=race, args=(p, i)) for i, p in enumerate(people)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    assert not errors, errors[:3]
    # then every customer was claimed at most once, by the person who owns it now
    with kernel.db.session(write=False) as db:
        claims = db.execute(select(OwnershipLog.customer_id, OwnershipLog.to_user_id)
                            .where(OwnershipLog.action == "claim")).all()
        per_customer = Counter(cid for cid, _ in claims)
        assert max(per_customer.values()) == 1
        owners = dict(db.execute(select(Customer.id, Customer.owner_id).where(Customer.id.in_(ids))).all())
        assert all(owners[cid] == uid for cid, uid in claims)
        assert sum(1 for cid in ids if owners[cid] is not None) == len(claims) == outcome["claimed"]
        # and nobody passed a cap; everyone who could reached theirs
        for i, person in enumerate(people):
            held = db.scalar(select(func.count()).select_from(Customer).where(Customer.owner_id == person.id))
            got = sum(1 for _, uid in claims if uid == person.id)
            assert held is not None and held <= HOLDING_CAP and got <= DAILY_CAP
            assert got == (HOLDING_CAP - 3 if i < 10 else DAILY_CAP)
    assert outcome["claimed"] == 10 * 3 + 10 * 4 and outcome["capped"] == 20
