"""A report as an Excel workbook: the table as the page shows it (subtotals
and the total, or the pivot with its totals), numbers as numbers with a
number format, and text that a spreadsheet would run as a formula
neutralised with a leading apostrophe (``=``, ``+``, ``-``, ``@``, tab, CR).
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from plugins.dashboard.services.tables import Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
BOLD = Font(bold=True)
SHADE = PatternFill("solid", fgColor="F3F4F6")


def neutralise(value: object) -> object:
    """Text starting like a formula gets a leading ``'``; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _number(value: Any) -> Any:
    """What a cell holds: numbers as numbers, dates as dates, the rest as text."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    if isinstance(value, int | float | Decimal | date | datetime):
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        return value
    return neutralise(str(value))


def workbook(title: str, table: Table, *, subtitle: str = "") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = (_SHEET_NAME.sub(" ", title).strip() or "Report")[:31]
    sheet.append([neutralise(title)])
    sheet["A1"].font = Font(bold=True, size=13)
    if subtitle:
        sheet.append([neutralise(subtitle)])
    sheet.append([])
    width = len(table.head)
    if table.bands:
        band_row: list[object] = [""] * width
        for label, span in table.bands:
            band_row += [neutralise(label)] + [""] * (span - 1)
        sheet.append(band_row)
        _style_row(sheet, sheet.max_row)
        column = width + 1
        for _label, span in table.bands:
            if span > 1:
                sheet.merge_cells(start_row=sheet.max_row, start_column=column, end_row=sheet.max_row,
                                  end_column=column + span - 1)
            column += span
    sheet.append([neutralise(h) for h in (*table.head, *table.columns)])
    _style_row(sheet, sheet.max_row)
    header_row = sheet.max_row
    for line in table.lines:
        sheet.append([neutralise(label) for label in line.labels] + [_number(c.value) for c in line.cells])
        row = sheet.max_row
        for offset, shown in enumerate(line.cells):
            target = sheet.cell(row=row, column=width + offset + 1)
            if isinstance(shown.value, Decimal):
                target.number_format = "#,##0.00"
            elif isinstance(shown.value, int):
                target.number_format = "#,##0"
            elif isinstance(shown.value, date | datetime):
                target.number_format = "yyyy-mm-dd"
        if line.kind != "group":
            _style_row(sheet, row)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=width + 1).coordinate
    for i in range(1, width + len(table.columns) + 1):
        sheet.column_dimensions[get_column_letter(i)].width = 18 if i <= width else 14
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _style_row(sheet: Any, row: int) -> None:
    for cell in sheet[row]:
        cell.font = BOLD
        cell.fill = SHADE
        cell.alignment = Alignment(vertical="center")
