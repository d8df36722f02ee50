"""Leads: prospects from web forms, imports, the API and by hand, before
they are qualified and converted (services/conversion.py).

States (a kernel workflow, ``WORKFLOW``): new → contacted → qualified →
converted, and disqualified from any open state (with a reason) and back
to new. ``converted`` is locked: the lead stays as it was, for attribution.
A lead's owner is the salesperson who works it; a lead without an owner
(from a web form with nobody to assign to) is seen by the managers and
directors whose scope reaches its organisation (``org`` scope) — a
department scope does not reach it, as it has no department — until one
of them assigns it (``crm.lead.assign``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core import N_, Actor, Transition, ValidationError, WorkflowDecl, get_for, scope
from plugins.crm import kernel
from plugins.crm.models import Lead, Opportunity
from plugins.crm.models.choices import LEAD_STATES, SOURCES

OPEN_STATES = ("new", "contacted", "qualified")

WORKFLOW = WorkflowDecl(
    model="crm.lead", states=tuple(LEAD_STATES), initial="new", labels=LEAD_STATES,
    transitions=(
        Transition("contact", ("new",), "contacted", "crm.lead.update", label=N_("Mark as contacted")),
        Transition("qualify", ("new", "contacted"), "qualified", "crm.lead.update", label=N_("Qualify")),
        Transition("disqualify", OPEN_STATES, "disqualified", "crm.lead.update", label=N_("Disqualify")),
        Transition("reopen", ("disqualified",), "new", "crm.lead.update", label=N_("Reopen")),
        # fired by the conversion only: the guard wants the customer it made
        Transition("convert", OPEN_STATES, "converted", "crm.lead.update",
                   guard=lambda lead: lead.customer_id is not None, label=N_("Convert")),
    ),
    locked=("converted",))

#: China's mobile numbers: 11 digits from 13 to 19, optionally after +86 / 0086
MOBILE_RE = re.compile(r"^(?:\+?86|0086)?1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normal_mobile(raw: str) -> str:
    """``raw`` without spaces and dashes; ValueError if it is no mobile number of China."""
    compact = re.sub(r"[\s\-()（）]", "", raw)
    if not MOBILE_RE.match(compact):
        raise ValueError(N_("Give a mobile number of 11 digits, such as 13812345678."))
    return compact[-11:]


def create_lead(db: Session, actor: Actor, values: dict[str, Any]) -> Lead:
    """A lead owned by ``actor`` (the kit's form, the API and imports)."""
    clean = check(dict(values))
    clean.setdefault("source", "other")
    lead = Lead(org_id=actor.org_id, owner_id=actor.user_id, department_id=actor.department_id, **clean)
    db.add(lead)
    db.flush()
    return lead


def create_leads(db: Session, actor: Actor, rows: list[dict[str, Any]]) -> list[int]:
    """An import: each row checked as the form checks it; source ``import``."""
    ids = []
    for row in rows:
        ids.append(create_lead(db, actor, {"source": "import", **row}).id)
    return ids


def update_lead(db: Session, actor: Actor, lead: Lead, values: Mapping[str, Any]) -> None:
    for key, value in check(dict(values), partial=True).items():
        setattr(lead, key, value)


def check(values: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """A name and a way to reach the person (mobile, phone or e-mail); the
    mobile in China's format; ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    for key in ("name", "company", "mobile", "phone", "email", "wechat", "position", "campaign", "message"):
        if isinstance(values.get(key), str):
            values[key] = values[key].strip()
    if values.get("mobile"):
        try:
            values["mobile"] = normal_mobile(values["mobile"])
        except ValueError as exc:
            errors["mobile"] = str(exc)
    if values.get("email") and not EMAIL_RE.match(values["email"]):
        errors["email"] = N_("Give an e-mail address such as name@example.com.")
    if values.get("source") and values["source"] not in SOURCES:
        errors["source"] = N_("Choose one of the offered sources.")
    if (not partial or "name" in values) and not values.get("name"):
        errors["name"] = N_("Give the person's name.")
    if not partial and not errors and not (values.get("mobile") or values.get("phone") or values.get("email")):
        errors["mobile"] = N_("Give a mobile number or an e-mail address.")
    if errors:
        raise ValidationError(errors)
    return values


def on_transitioned(session: Session, record: Any, to_state: str, comment: str) -> None:
    """Disqualifying needs a reason (the transition's comment, on the page or
    through the API), kept on the lead; reopening clears it."""
    if getattr(record, "__model_key__", "") != "crm.lead":
        return
    if to_state == "disqualified":
        reason = comment.strip()
        if not reason:
            raise ValidationError({"comment": N_("Give the reason for disqualifying the lead.")})
        record.disqualify_reason = reason[:500]
    elif to_state == "new":
        record.disqualify_reason = ""


def assign_lead(db: Session, actor: Actor, lead_id: int, user_id: int) -> Lead:
    """Give a lead to a salesperson of its organisation (``crm.lead.assign``)."""
    lead = get_for(db, actor, Lead, lead_id, "assign")
    if user_id not in {uid for uid, _ in kernel.org_users(db, lead.org_id)}:
        raise ValidationError({"owner_id": N_("Choose one of the offered people.")})
    lead.owner_id = user_id
    lead.department_id = kernel.department_in(db, user_id, lead.org_id)
    return lead


# ------------------------------------------------------------------ attribution


@dataclass(frozen=True)
class SourceRow:
    """Leads of one source and campaign, and what became of them."""

    source: str
    campaign: str
    leads: int
    converted: int
    won: int
    won_amount: Decimal

    @property
    def conversion(self) -> float:
        return self.converted / self.leads if self.leads else 0.0


def by_source(db: Session, actor: Actor) -> list[SourceRow]:
    """Leads the actor may read by source and campaign: how many, how many
    converted, how many of their opportunities (that the actor may read)
    were won and for how much. Two grouped queries."""
    counts = db.execute(
        select(Lead.source, Lead.campaign, func.count(),
               func.count(Lead.converted_at))
        .where(scope(actor, Lead, "read")).group_by(Lead.source, Lead.campaign)).all()
    won: dict[tuple[str, str], tuple[int, Decimal]] = {}
    if actor.can("crm.opportunity.read"):
        for source, campaign, n, amount in db.execute(
                select(Lead.source, Lead.campaign, func.count(Opportunity.id), func.sum(Opportunity.amount))
                .join(Opportunity, and_(Opportunity.lead_id == Lead.id, Opportunity.state == "won",
                                        scope(actor, Opportunity, "read")))
                .where(scope(actor, Lead, "read")).group_by(Lead.source, Lead.campaign)):
            won[(source, campaign)] = (int(n), Decimal(amount or 0))
    rows = [SourceRow(source, campaign, int(n), int(conv), *won.get((source, campaign), (0, Decimal("0"))))
            for source, campaign, n, conv in counts]
    return sorted(rows, key=lambda r: (-r.leads, r.source, r.campaign))


__all__ = ["WORKFLOW", "SourceRow", "assign_lead", "by_source", "check", "create_lead", "create_leads",
           "normal_mobile", "on_transitioned", "update_lead"]
