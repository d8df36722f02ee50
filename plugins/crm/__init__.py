"""CRM: customers, contacts, leads, the public pool, follow-ups, opportunities,
customer value, SFA sequences and the customer 360 view."""

name = "crm"
label = {"zh_CN": "客户关系", "en": "CRM"}
version = "0.1.0"
depends = ["core", "activity", "dataio"]
optional_depends = ["search", "dashboard", "printing", "customfields", "api"]
default_enabled = True
description = {
    "zh_CN": "客户与联系人、线索、公海与归属规则、联系记录、商机与销售漏斗、客户价值与分群、SFA 方案、客户全貌",
    "en": "Customers and contacts, leads, the public pool and ownership rules, follow-ups, opportunities "
          "and the sales funnel, customer value and segments, SFA sequences, the customer 360 view",
}
