"""Batch assign, transfer and recall from the customer list, and starting
an SFA sequence on many customers.

These go through the services of other CRM areas, coded against the fixed
interfaces (docs/plugins/crm.md): ``plugins.crm.services.pools.assign`` and
``recall`` (the pool area) and ``plugins.crm.services.sfa.start_sequence``
(the value area). They pass once those branches are merged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.app import Kernel
from plugins.crm.models import Customer, Enrollment, Pool, Sequence, SequenceStep


def test_a_manager_transfers_selected_customers_to_a_colleague(client: Any, kernel: Kernel, new_customer: Any,
                                                               sales: dict[str, Any]) -> None:
    ids = [new_customer(sales["rep1"], "青岛啤酒股份有限公司"), new_customer(sales["rep1"], "青岛海信电器有限公司")]
    client.login("manager")
    response = client.submit("/crm/customers/batch", {"action": "assign", "to_user_id": str(sales["rep2"].id),
                                                      "reason": "孙销售调岗", "ids[]": [str(i) for i in ids]},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        assert set(db.scalars(select(Customer.owner_id).where(Customer.id.in_(ids)))) == {sales["rep2"].id}


def test_a_transfer_with_one_customer_out_of_scope_moves_nobody(client: Any, kernel: Kernel, new_customer: Any,
                                                                sales: dict[str, Any]) -> None:
    mine = new_customer(sales["rep1"], "大连万达商业管理有限公司")
    other = new_customer(sales["rep3"], "大连港集团有限公司")
    client.login("manager")
    response = client.submit("/crm/customers/batch", {"action": "assign", "to_user_id": str(sales["rep2"].id),
                                                      "ids[]": [str(mine), str(other)]}, follow_redirects=False)
    assert response.status_code in (403, 404)
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Customer.owner_id).where(Customer.id == mine)) == sales["rep1"].id


def test_a_manager_recalls_selected_customers_to_the_default_pool(client: Any, kernel: Kernel,
                                                                  new_customer: Any, sales: dict[str, Any]) -> None:
    with kernel.db.session() as db:
        db.add(Pool(org_id=sales["hq"].id, name="公共客户池", is_default=True))
    ids = [new_customer(sales["rep1"], "济南重汽有限公司"), new_customer(sales["rep2"], "济南二机床有限公司")]
    client.login("manager")
    response = client.submit("/crm/customers/batch", {"action": "recall", "reason": "长期未跟进",
                                                      "ids[]": [str(i) for i in ids]}, follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        rows = db.execute(select(Customer.owner_id, Customer.pool_id).where(Customer.id.in_(ids))).all()
        assert all(owner is None and pool is not None for owner, pool in rows)


def test_a_sequence_is_started_on_the_selected_customers(client: Any, kernel: Kernel, new_customer: Any,
                                                         sales: dict[str, Any]) -> None:
    with kernel.db.session() as db:
        sequence = Sequence(org_id=sales["hq"].id, owner_id=sales["director"].id, name="新客户七日跟进")
        db.add(sequence)
        db.flush()
        db.add(SequenceStep(sequence_id=sequence.id, position=1, name="首次电话", offset_days=0))
        sequence_id = sequence.id
    ids = [new_customer(sales["rep1"], "郑州宇通客车股份有限公司"), new_customer(sales["rep2"], "郑州三全食品有限公司")]
    client.login("manager")
    response = client.submit("/crm/customers/batch", {"action": "sequence", "sequence_id": str(sequence_id),
                                                      "ids[]": [str(i) for i in ids]}, follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.customer_id.in_(ids))) == 2
