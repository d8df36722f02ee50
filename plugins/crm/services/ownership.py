"""Moving customers between owners and pools: the one place that changes
``crm_customer.owner_id``. Claims, assignments, transfers, recalls,
releases and the automatic return all end here, so the customer's
contacts, follow-ups, care records, sequence runs and open opportunities
move with it and every move leaves an ownership log row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from core import Actor, utcnow
from plugins.crm import kernel
from plugins.crm.models import Care, Contact, Customer, Enrollment, FollowUp, Opportunity, OwnershipLog

#: the statements below change rows the session does not hold
NO_SYNC = {"synchronize_session": False}

#: records that follow their customer's owner and department
FOLLOWERS = (Contact, FollowUp, Care, Enrollment)


def move(session: Session, actor: Actor | None, org_id: int, moves: Sequence[tuple[int, int | None]], *,
         action: str, to_user_id: int | None, pool_id: int | None = None, reason: str = "",
         at: datetime | None = None) -> int:
    """Give the customers ``moves`` (``(customer id, present owner id)``, all
    of ``org_id``) to ``to_user_id``, or put them in ``pool_id`` when it is
    None. The caller has checked permissions and rules; this writes, in the
    caller's transaction, with one statement per table (it serves the
    nightly job over many customers as well as one claim). Returns how many
    moved."""
    if not moves:
        return 0
    session.flush()  # the statements below bypass the unit of work
    when = at or utcnow()
    department_id = kernel.department_in(session, to_user_id, org_id) if to_user_id else None
    ids = [customer_id for customer_id, _ in moves]
    for chunk in _chunks(ids):
        session.execute(update(Customer).where(Customer.id.in_(chunk)).values(
            owner_id=to_user_id, department_id=department_id, pool_id=None if to_user_id else pool_id,
            owned_since=when if to_user_id else None, return_warned_on=None,
            version=Customer.version + 1, updated_at=when), execution_options=NO_SYNC)
        for model in FOLLOWERS:
            session.execute(update(model).where(model.customer_id.in_(chunk)).values(
                owner_id=to_user_id, department_id=department_id), execution_options=NO_SYNC)
        if to_user_id is not None:
            # a customer in the pool keeps its closed deals with their owners; open ones follow
            session.execute(update(Opportunity).where(
                Opportunity.customer_id.in_(chunk), Opportunity.state == "open").values(
                owner_id=to_user_id, department_id=department_id), execution_options=NO_SYNC)
    session.execute(insert(OwnershipLog), [
        {"org_id": org_id, "customer_id": customer_id, "action": action, "from_user_id": from_user,
         "to_user_id": to_user_id, "pool_id": pool_id, "actor_id": actor.user_id if actor else None,
         "reason": reason, "at": when} for customer_id, from_user in moves])
    session.expire_all()
    return len(moves)


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]
