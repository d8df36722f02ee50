"""The sales plugin's models, one module per concept; imported from here."""

from __future__ import annotations

from plugins.sales.models.contracts import Contract, ContractLine, PaymentTerm
from plugins.sales.models.quotes import Quote, QuoteLine

__all__ = ["Contract", "ContractLine", "PaymentTerm", "Quote", "QuoteLine", "MODELS"]

#: every model, in the order register_models gives them (parents first)
MODELS = [PaymentTerm, Quote, QuoteLine, Contract, ContractLine]
