"""Choice lists of the catalog (stored value -> label)."""

from __future__ import annotations

from core import N_

PRODUCT_KINDS = {"goods": N_("Goods"), "service": N_("Service")}

#: China's VAT rates (增值税税率), in percent: the form offers these, any 0-100 is accepted
TAX_RATES = ("13", "9", "6", "3", "1", "0")
