"""Import and export: CSV and XLSX import with a dry run and undo, list
exports, and the duplicate service (match rules, candidates, merge)."""

name = "dataio"
label = {"zh_CN": "导入导出", "en": "Import and export"}
version = "0.1.0"
depends = ["core"]
default_enabled = True
description = {
    "zh_CN": "CSV/XLSX 导入（字段映射、试导入、整批提交与撤销）、列表导出，以及查重与合并",
    "en": "CSV and XLSX import (column mapping, dry run, all-or-nothing commit, undo), list export, "
          "and duplicate detection with a merge wizard",
}
