"""Helpers shared by the dashboard's tests: expense claims of the example
plugin written in bulk, people with grants, and the SVG and XLSX a report
page or export gives."""

from __future__ import annotations

import io
import random
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from core.models import RoleAssignment

STATES = ("draft", "submitted", "approved", "paid", "cancelled")
CATEGORIES = ("travel", "meals", "equipment")
SVG = "{http://www.w3.org/2000/svg}"


def expense_model() -> Any:
    from suanpan_notes.models import Expense

    return Expense


def claim(owner: Any, *, amount: str = "100.00", state: str = "paid", category: str = "travel",
          at: datetime | None = None, title: str = "报销") -> dict[str, Any]:
    moment = at or datetime(2026, 3, 10, 2, tzinfo=UTC)
    return {"org_id": owner.org_id, "owner_id": owner.id, "department_id": owner.department_id, "title": title,
            "amount": Decimal(amount), "state": state, "category": category, "created_at": moment,
            "updated_at": moment}


def add_claims(kernel: Any, rows: list[dict[str, Any]]) -> None:
    with kernel.db.session() as db:
        db.execute(insert(expense_model()), rows)


def generate(kernel: Any, owners: list[Any], n: int = 300, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` claims spread over the owners, the first half of 2026 and every state and category."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        owner = owners[i % len(owners)]
        day = date(2026, 1, 1) + timedelta(days=rng.randrange(181))
        at = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=rng.randrange(1440))
        rows.append(claim(owner, amount=f"{rng.randrange(100, 900_000) / 100:.2f}", state=rng.choice(STATES),
                          category=rng.choice(CATEGORIES), at=at, title=f"报销{i:03d}"))
    add_claims(kernel, rows)
    return rows


def role_of(kernel: Any, user: Any) -> int:
    """The role a factory user's ``grants`` made."""
    with kernel.db.session(write=False) as db:
        return int(db.scalars(select(RoleAssignment.role_id).where(RoleAssignment.user_id == user.id)
                              .order_by(RoleAssignment.id.desc())).first())


def svgs(html: str) -> list[ET.Element]:
    """Every chart of a page, parsed (a chart that is not valid XML fails here)."""
    return [ET.fromstring(found) for found in re.findall(r"<svg\b.*?</svg>", html, re.S)]


def count(svg: ET.Element, cls: str) -> int:
    return sum(1 for e in svg.iter() if cls in (e.get("class") or "").split())


def sheet_rows(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]
