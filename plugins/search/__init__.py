"""Global search: one box that finds records across every enabled plugin."""

name = "search"
label = {"zh_CN": "全局搜索", "en": "Search"}
version = "0.1.0"
depends = ["core"]
default_enabled = True
description = {
    "zh_CN": "一个搜索框查找所有插件中有权查看的记录：中英文片段、拼音全拼与首字母、电话、邮箱、单据编号",
    "en": "One search box across every plugin's records the user may see: Chinese and Latin substrings, "
          "pinyin and initials, phone numbers, e-mail and document numbers",
}
