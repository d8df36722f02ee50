"""The organisation's sales settings (one SalesSettings row per
organisation, made with the model's defaults on first use): what targets
count (signed contracts or receipts), and how many days before an
instalment is due its owner is reminded and how many days after it is
escalated (read by the receivables reminders)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, Forbidden, ValidationError, covers
from plugins.sales.models import SalesSettings
from plugins.sales.models.choices import TARGET_BASES

#: the most days a reminder or an escalation may wait
MAX_DAYS = 365


def settings_of(db: Session, org_id: int) -> SalesSettings:
    """The sales settings of ``org_id``, made (with the defaults: targets
    count signed contracts, remind 7 days before due, escalate 15 days
    after) when the organisation has none yet."""
    settings = db.scalar(select(SalesSettings).where(SalesSettings.org_id == org_id))
    if settings is None:
        settings = SalesSettings(org_id=org_id, target_basis="contracts", remind_days=7, escalate_days=15)
        db.add(settings)
        db.flush()
    return settings


def _days(raw: Any, field: str, errors: dict[str, str]) -> int:
    text = str(raw if raw is not None else "").strip()
    if not text.isdigit() or int(text) > MAX_DAYS:
        errors[field] = N_("Enter a whole number of days from 0 to 365.")
        return 0
    return int(text)


def save_settings(db: Session, actor: Actor, values: dict[str, Any]) -> SalesSettings:
    """Change the actor's organisation's sales settings (``sales.settings.update``
    in that organisation). ValidationError naming the field; nothing written then."""
    if not covers(actor, actor.org_id, "sales.settings.update", "org"):
        raise Forbidden("sales.settings.update")
    errors: dict[str, str] = {}
    basis = str(values.get("target_basis") or "").strip()
    if basis not in TARGET_BASES:
        errors["target_basis"] = N_("Choose what counts towards targets.")
    remind = _days(values.get("remind_days"), "remind_days", errors)
    escalate = _days(values.get("escalate_days"), "escalate_days", errors)
    if errors:
        raise ValidationError(errors)
    settings = settings_of(db, actor.org_id)
    settings.target_basis, settings.remind_days, settings.escalate_days = basis, remind, escalate
    db.flush()
    return settings
