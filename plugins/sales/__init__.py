"""Sales: quotes, contracts and orders, receivable plans and receipts,
delivery notes, returns, sales targets and commissions, with their
printed documents."""

name = "sales"
label = {"zh_CN": "销售管理", "en": "Sales"}
version = "0.1.0"
depends = ["core", "activity", "crm", "catalog"]
optional_depends = ["printing", "dashboard", "dataio", "search", "api", "customfields"]
default_enabled = True
description = {
    "zh_CN": "报价单、合同与订单、回款计划与收款、发货单、退货单、销售目标与提成，以及打印的单据",
    "en": "Quotes, contracts and orders, receivable plans and receipts, delivery notes, returns, "
          "sales targets and commissions, with their printed documents",
}
