"""Notes: the smallest useful Suanpan plugin, for third parties to copy."""

name = "notes"
label = {"zh_CN": "便签", "en": "Notes"}
version = "0.1.0"
depends = ["core"]
description = {"zh_CN": "示例插件：按机构与负责人管理的便签", "en": "Example plugin: notes scoped by org and owner"}
