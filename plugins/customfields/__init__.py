"""Custom fields: administrators add fields to any model in the browser."""

name = "customfields"
label = {"zh_CN": "自定义字段", "en": "Custom fields"}
version = "0.1.0"
depends = ["core"]
default_enabled = True
description = {
    "zh_CN": "管理员在浏览器中为任意业务对象添加字段：立即出现在表单、列表、详情、接口、导入导出与打印中",
    "en": "Administrators add fields to any model in the browser; they appear at once on forms, lists, "
          "detail pages, the API, imports, exports and prints",
}
