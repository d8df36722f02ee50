"""What the selling part registers (gathered by plugins.exhibitions.hooks):
MENU, JOBS, SEQUENCES, SEARCH, PRINTS, DATASETS, WIDGETS, load_demo and
customer_panels, each optional."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import JobDecl
from plugins.exhibitions.services import contracts

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core import Actor

JOBS = [JobDecl("exhibitions.deposit_reminders", contracts.deposit_reminders, "0 9 * * *")]


def on_contract_approved(session: Session, actor: Actor | None, contract: Any) -> None:
    """The sales hook ``sales_contract_approved``: booths on it become sold."""
    contracts.on_contract_approved(session, actor, contract)


def load_demo(session: Session, orgs: dict[str, int], users: dict[str, int], made: dict[str, Any]) -> None:
    """Price rules and booth contracts for the editions the venues part made
    (``made["editions"]``), on the booths the plans part drew; else nothing."""
