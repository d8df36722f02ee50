"""Dashboard: report builder, charts and exports, and the workbench of widgets."""

name = "dashboard"
label = {"zh_CN": "报表与工作台", "en": "Reports and workbench"}
version = "0.1.0"
depends = ["core"]
default_enabled = True
description = {
    "zh_CN": "按权限在数据库中汇总各插件声明的数据集：分组表、透视表、图表、导出 Excel、保存与共享、定时邮件；"
             "由各插件小组件组成、可自行排列的工作台",
    "en": "Reports on the datasets plugins declare, aggregated in the database under each reader's "
          "permissions: grouped tables, pivots, charts, Excel export, saved and shared reports, scheduled "
          "e-mails; a workbench of widgets users arrange themselves",
}
