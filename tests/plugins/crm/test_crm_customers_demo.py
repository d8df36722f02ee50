"""The CRM demo: a sales organisation of twelve, 2,000 customers with
plausible names and valid credit codes, contacts, follow-ups,
opportunities across stages and a public pool. How long loading takes is
measured by bench/run.py (`suanpan setup` with the demo), not asserted here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select

from core.app import Kernel
from core.models import Role, RoleAssignment, User
from core.setup import load_demo
from plugins.crm.models import Contact, Customer, FollowUp, Opportunity, Pool, PoolRule, Stage
from plugins.crm.regions import check
from plugins.dataio.normalise import uscc_valid

PASSWORD = "demo-password-演示"


def test_the_demo_is_a_plausible_sales_organisation(kernel: Kernel, client: Any) -> None:
    assert load_demo(kernel, PASSWORD)
    with kernel.db.session(write=False) as db:
        # twelve people hold the sales roles: a director, three managers, eight salespeople
        held = dict(db.execute(select(Role.key, func.count(distinct(RoleAssignment.user_id)))
                               .join(RoleAssignment, RoleAssignment.role_id == Role.id)
                               .where(Role.key.like("crm.%")).group_by(Role.key)).all())
        assert held == {"crm.director": 1, "crm.manager": 3, "crm.salesperson": 8}
        # 2,000 customers with unique names, valid credit codes and regions that hang together
        customers = db.scalars(select(Customer)).all()
        assert len(customers) == 2000 and len({c.name for c in customers}) == 2000
        assert all(uscc_valid(c.uscc) for c in customers)
        for c in customers[:200]:
            check(c.province, c.city, c.district)
        assert {c.initial for c in customers} > {"B", "S", "H"}
        # some in the default pool, which has rules; groups with subsidiaries
        pool = db.scalar(select(Pool).where(Pool.is_default.is_(True)))
        assert pool is not None and db.scalar(select(func.count()).select_from(PoolRule)) >= 3
        assert sum(1 for c in customers if c.pool_id == pool.id and c.owner_id is None) == 150
        assert sum(1 for c in customers if c.parent_id) > 20
        # contacts (one to three each, one main), follow-ups, opportunities in every stage
        assert db.scalar(select(func.count(distinct(Contact.customer_id)))) == 2000
        assert db.scalar(select(func.count()).select_from(Contact).where(Contact.is_main.is_(True))) == 2000
        assert db.scalar(select(func.count()).select_from(FollowUp)) > 2000
        stages = set(db.scalars(select(Stage.name).join(Opportunity, Opportunity.stage_id == Stage.id)))
        assert len(stages) >= 5
        assert db.scalar(select(func.count()).select_from(Customer).where(Customer.last_followup_at.is_not(None)))
    # a salesperson signs in with the demo password and sees their own customers only
    client.login("sunhao", PASSWORD)
    page = client.get("/crm/customers").text
    assert "1,000+" not in page
    with kernel.db.session(write=False) as db:
        sunhao = db.scalar(select(User.id).where(User.username == "sunhao"))
        own = db.scalar(select(func.count()).select_from(Customer).where(Customer.owner_id == sunhao))
        assert own and 200 < own < 300
