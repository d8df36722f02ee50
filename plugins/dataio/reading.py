"""Reading an uploaded file into a header and rows of text: CSV in UTF-8,
UTF-8 with BOM or GB18030 (detected, in that order, and reported), and XLSX
(the first sheet)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from core import N_

#: what :func:`decode` reports, by the codec that read the file
ENCODINGS = (("utf-8-sig", "UTF-8 BOM"), ("utf-8", "UTF-8"), ("gb18030", "GB18030"))


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    file_format: str
    encoding: str = ""


class Unreadable(ValueError):
    """The file is no CSV or XLSX the import can read (a message id)."""


def decode(data: bytes) -> tuple[str, str]:
    """The text of ``data`` and the name of its encoding: UTF-8 with a byte
    order mark, else UTF-8, else GB18030 (which also reads GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "UTF-8 BOM"
    for codec, label in ENCODINGS[1:]:
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise Unreadable(N_("The file is neither UTF-8 nor GB18030 text."))


def read_table(filename: str, data: bytes) -> Table:
    if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return read_xlsx(data)
    return read_csv(data)


def read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # "".join(r).strip(): a row with any text in it, in one call instead of one per cell
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), dialect) if "".join(r).strip()]
    if not rows:
        raise Unreadable(N_("The file has no rows."))
    return Table([h.strip() for h in rows[0]], rows[1:], "csv", encoding)


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise Unreadable(N_("The file is no XLSX workbook.")) from None
    try:
        sheet = book.worksheets[0]
        rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise Unreadable(N_("The file has no rows."))
    return Table([h.strip() for h in rows[0]], rows[1:], "xlsx")


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a form would have received."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(Decimal(repr(value)))
    return str(value)
