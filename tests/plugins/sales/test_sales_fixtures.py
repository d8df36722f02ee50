"""The fixtures hold what they promise (a wrong fixture would make every
other sales test wrong)."""

from __future__ import annotations

from decimal import Decimal

from plugins.sales.models import Contract


def test_a_contract_made_by_the_factory_carries_its_lines_totals(kernel, team, new_customer, products,
                                                                make_contract):
    customer = new_customer(team["rep1"], "北京星河科技有限公司")
    contract_id = make_contract(team["rep1"], customer, [(products["server"], "2", "48000.00", "5"),
                                                         (products["install"], "1", "3500.00", "0")])
    with kernel.db.session(write=False) as db:
        contract = db.get(Contract, contract_id)
        # 2 × 48,000 × 95 % = 91,200.00 and 3,500.00, tax included at 13 % (the factory's rate)
        assert contract.total == Decimal("94700.00")
        assert contract.subtotal + contract.tax_total == contract.total
        assert (contract.owner_id, contract.state, contract.max_discount) == (team["rep1"].id, "approved",
                                                                              Decimal("5"))
