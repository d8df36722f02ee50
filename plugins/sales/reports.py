"""The sales plugin's report dataset: contracts and their amounts, grouped
by customer, owner, department, state, kind, currency or signing date
(the dashboard's report builder and ``core.aggregate``)."""

from __future__ import annotations

from core import N_, DatasetDecl
from plugins.sales.models import Contract

DATASETS = [
    DatasetDecl("sales.contracts", N_("Contracts"), Contract,
                ("customer_id", "owner_id", "department_id", "state", "kind", "currency_code", "signed_on",
                 "created_at"),
                {"contracts": "count", "amount": "sum:subtotal", "total": "sum:total"},
                filters=("customer_id", "owner_id", "department_id", "state", "kind", "currency_code",
                         "signed_on", "created_at"),
                labels={"contracts": N_("Contracts"), "amount": N_("Amount excl. tax"), "total": N_("Total"),
                        "created_at": N_("Created on")}),
]
