"""Catalog: products and services, categories, units, price lists, bundles,
currencies and exchange rates. Sales, purchasing, inventory and
exhibitions sell and buy these products."""

name = "catalog"
label = {"zh_CN": "产品目录", "en": "Catalog"}
version = "0.1.0"
depends = ["core"]
optional_depends = ["search", "dataio", "customfields", "api", "printing"]
default_enabled = True
description = {
    "zh_CN": "产品与服务、分类树、计量单位、价目表（按客户等级、币种、有效期）、组合产品、币种与汇率",
    "en": "Products and services, a category tree, units, price lists by customer level, currency and "
          "validity, bundles, currencies and exchange rates by date",
}
