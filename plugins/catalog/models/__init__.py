"""The catalog's models, one module per concept; imported from here."""

from __future__ import annotations

from plugins.catalog.models.currencies import Currency, ExchangeRate
from plugins.catalog.models.prices import PriceList, PriceListItem
from plugins.catalog.models.products import BundleItem, Category, Product, ProductImage, Unit

__all__ = ["BundleItem", "Category", "Currency", "ExchangeRate", "PriceList", "PriceListItem", "Product",
           "ProductImage", "Unit", "MODELS"]

#: every model, in the order register_models gives them (parents first)
MODELS = [Currency, ExchangeRate, Unit, Category, Product, ProductImage, BundleItem, PriceList, PriceListItem]
