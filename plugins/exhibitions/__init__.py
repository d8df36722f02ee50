"""Exhibitions: show series and editions, venues with their halls and
zones, the interactive floor plan, booth pricing, and booth sales from the
exhibitor's application to the paid contract. The first industry bundle:
an exhibition organiser or venue selling space and services to exhibitors."""

name = "exhibitions"
label = {"zh_CN": "展会管理", "en": "Exhibitions"}
version = "0.1.0"
depends = ["core", "activity", "crm", "catalog", "sales"]
optional_depends = ["printing", "dashboard", "dataio", "search", "api", "customfields"]
default_enabled = True
description = {
    "zh_CN": "展会系列与届次、场馆与展厅、交互式展位图、展位定价，以及从参展申请到收款的展位销售",
    "en": "Show series and editions, venues and halls, the interactive floor plan, booth pricing, "
          "and booth sales from the exhibitor's application to the paid contract",
}
