"""The floor plans of the demo data (filled in below)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """Plans for the venues part's halls and editions, when it made them."""
    if not made.get("halls") or not made.get("editions"):
        return
