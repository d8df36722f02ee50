"""What the notes plugin gives the printing plugin: the expense claim's lines.

Only plain values (text, numbers, dates), never the ORM record, and only
fields the reader may see (a hidden amount stays hidden here too).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core import Actor
from suanpan_notes.models import CATEGORIES, Expense

#: a claim form has this many lines, blank ones included
FORM_LINES = 5


def expense_context(session: Session, actor: Actor, claim: Expense) -> dict[str, Any]:
    """The claim as the lines of a 报销单: one line per expense (this example
    keeps one per claim), and the blank lines of the printed form."""
    hidden = actor.hidden_fields(Expense)
    line = {"date": claim.created_at.date() if claim.created_at else None,
            "category": CATEGORIES.get(claim.category, claim.category) if "category" not in hidden else "",
            "item": claim.title if "title" not in hidden else "",
            "amount": claim.amount if "amount" not in hidden else None}
    return {"lines": [line], "blank_lines": FORM_LINES - 1}
