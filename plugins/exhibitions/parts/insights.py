"""What the insights part registers (gathered by plugins.exhibitions.hooks):
the demo's history over three editions (the 23rd made here), the
customer 360 view's panel "Exhibitor insights" (segment, rebooking
likelihood and its reasons, the editions side by side), and the pre-show
service plans' job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """The 23rd edition and the exhibitors' history in the 23rd and 24th (services/insights_demo.py)."""
    from plugins.exhibitions.services import insights_demo

    insights_demo.load_demo(session, made)
