"""Web forms: public pages at ``/crm/f/<key>`` whose submissions become
leads (source ``web``, the form's campaign, owned by the form's assignee
or by nobody).

What the public address guards against:

* **bots**: a honeypot field (``website``, hidden from people) that a bot
  fills: the submission is answered as a success and nothing is stored;
* **floods**: at most ``rate_limit`` leads per form and sender address per
  hour. The address is never stored: a lead keeps an HMAC-SHA256 of it
  under the installation's secret key (``Settings.secret_key``), which is
  what the limit counts; beyond it the page answers 429;
* **bad input**: a name and a mobile number or an e-mail address, the
  mobile in China's format, each error shown on the form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import N_, Actor, ValidationError, utcnow
from plugins.crm import kernel
from plugins.crm.models import Lead, WebForm
from plugins.crm.services.leads import check

#: the field people never see and bots fill
HONEYPOT = "website"
#: what the public form takes, with its limits (the lead's columns)
PUBLIC_FIELDS = {"name": 100, "company": 200, "position": 100, "mobile": 40, "email": 200, "message": 2000}


class RateLimited(Exception):
    """The sender reached the form's submissions for this hour (429)."""


@dataclass(frozen=True)
class Submitted:
    """What a submission did: ``lead`` is None when the honeypot caught it."""

    form: WebForm
    lead: Lead | None


def new_key() -> str:
    """The unguessable part of a form's public address."""
    return secrets.token_urlsafe(12)


def create_webform(db: Session, actor: Actor, values: dict[str, Any]) -> WebForm:
    actor.require("crm.webform.update")
    clean = _check_form(db, actor.org_id, values)
    form = WebForm(org_id=actor.org_id, key=new_key(), **clean)
    db.add(form)
    db.flush()
    return form


def update_webform(db: Session, actor: Actor, form: WebForm, values: Mapping[str, Any]) -> None:
    for key, value in _check_form(db, form.org_id, dict(values)).items():
        setattr(form, key, value)


def _check_form(db: Session, org_id: int, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if values.get("assign_to_id") not in (None, ""):
        if int(values["assign_to_id"]) not in {uid for uid, _ in kernel.org_users(db, org_id)}:
            errors["assign_to_id"] = N_("Choose one of the offered people.")
    else:
        values["assign_to_id"] = None
    rate = values.get("rate_limit")
    if rate is not None and not 1 <= int(rate) <= 1000:
        errors["rate_limit"] = N_("Allow between 1 and 1,000 submissions per hour.")
    if errors:
        raise ValidationError(errors)
    return values


def public_form(db: Session, key: str) -> WebForm | None:
    """The active form with this key, or None (the page answers 404)."""
    if not key or len(key) > 40:
        return None
    return db.scalar(select(WebForm).where(WebForm.key == key, WebForm.active.is_(True)))


def address_hash(secret_key: str, address: str) -> str:
    """A keyed hash of the sender's address: the same address gives the same
    value in this installation, and the value does not give the address back."""
    return hmac.new(secret_key.encode(), f"crm.webform:{address}".encode(), hashlib.sha256).hexdigest()


def submit(db: Session, form: WebForm, data: Mapping[str, Any], *, address: str, secret_key: str) -> Submitted:
    """A submission of ``form``: a new lead, or nothing for a bot.

    Raises ``RateLimited`` beyond the form's hourly limit for this sender,
    ``ValidationError`` naming each bad field."""
    if str(data.get(HONEYPOT) or "").strip():
        return Submitted(form, None)
    ip_hash = address_hash(secret_key, address)
    since = utcnow() - timedelta(hours=1)
    recent = db.scalar(select(func.count()).select_from(Lead).where(
        Lead.webform_id == form.id, Lead.ip_hash == ip_hash, Lead.created_at >= since)) or 0
    if recent >= form.rate_limit:
        raise RateLimited()
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, limit in PUBLIC_FIELDS.items():
        raw = data.get(name)
        text = raw.strip() if isinstance(raw, str) else ""
        if len(text) > limit:
            errors[name] = N_("This is too long.")
        values[name] = text
    try:
        values = check(values)
    except ValidationError as invalid:
        errors = {**invalid.errors, **errors}
    if errors:
        raise ValidationError(errors)
    owner = form.assign_to_id if form.assign_to_id and kernel.is_active_user(db, form.assign_to_id) else None
    lead = Lead(org_id=form.org_id, owner_id=owner,
                department_id=kernel.department_in(db, owner, form.org_id) if owner else None,
                source="web", campaign=form.campaign, webform_id=form.id, ip_hash=ip_hash, **values)
    db.add(lead)
    db.flush()
    if owner:
        from core import notify

        notify(db, user_ids=[owner], subject=N_("New lead from the web form {form}"),
               body=N_("{name} ({company}) left their details."),
               params={"form": form.name, "name": lead.name, "company": lead.company or "—"},
               link=f"/crm/leads/{lead.id}", category="system", record=("crm.lead", lead.id))
    return Submitted(form, lead)


__all__ = ["HONEYPOT", "RateLimited", "Submitted", "address_hash", "create_webform", "new_key", "public_form",
           "submit", "update_webform"]
