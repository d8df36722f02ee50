"""The sales plugin's models, one module per concept; imported from here."""

from __future__ import annotations

from plugins.sales.models.contracts import Contract, ContractLine, PaymentTerm
from plugins.sales.models.logistics import Delivery, DeliveryLine, ReturnLine, SalesReturn
from plugins.sales.models.quotes import Quote, QuoteLine
from plugins.sales.models.receivables import Instalment, Receipt, ReceiptAllocation
from plugins.sales.models.targets import (
    CommissionEntry,
    CommissionRule,
    CommissionStatement,
    SalesSettings,
    Target,
)

__all__ = [
    "CommissionEntry", "CommissionRule", "CommissionStatement", "Contract", "ContractLine", "Delivery",
    "DeliveryLine", "Instalment", "PaymentTerm", "Quote", "QuoteLine", "Receipt", "ReceiptAllocation",
    "ReturnLine", "SalesReturn", "SalesSettings", "Target", "MODELS",
]

#: every model, in the order register_models gives them (parents first)
MODELS = [SalesSettings, PaymentTerm, Quote, QuoteLine, Contract, ContractLine, Instalment, Delivery,
          DeliveryLine, SalesReturn, ReturnLine, Receipt, ReceiptAllocation, Target, CommissionRule,
          CommissionStatement, CommissionEntry]
