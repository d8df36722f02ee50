"""Exhibitors' applications (参展申请) to an edition.

From the public bilingual form at ``/exhibitions/apply/<edition token>`` (only
an edition that is ``selling`` takes them) or entered by staff. What the
public address guards against, as the CRM's web forms do:

* **bots**: a honeypot field (``website``) that people never see: a
  submission filling it is answered as a success and nothing is stored;
* **floods**: at most :data:`RATE_LIMIT` applications per edition and sender
  address per hour. The address is never stored: the application keeps a
  keyed hash of it (HMAC-SHA256 under the installation's secret key, in
  ``ip_hash``);
* **bad input**: each bad field named, nothing written.

Staff then match the application to CRM customers (the CRM's duplicate
check, :func:`plugins.crm.services.conversion.duplicates`), link it to one
the reader may see or make a new customer and main contact from it, and
approve it (the edition's deal and CRM opportunity at stage "approved")
or reject it with a reason. Every change is in the audit trail (the model
is audited).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, ValidationError, get_for, notify, scope, utcnow
from plugins.crm.models import Customer
from plugins.crm.models.choices import INDUSTRIES
from plugins.crm.services import conversion
from plugins.crm.services import customers as customer_services
from plugins.crm.services.leads import EMAIL_RE, normal_mobile
from plugins.exhibitions.models import Application, Edition, EditionDeal
from plugins.exhibitions.models.choices import BOOTH_TYPES, CONSTRUCTIONS
from plugins.exhibitions.services import pipeline

HONEYPOT = "website"
#: applications per edition and sender address per hour
RATE_LIMIT = 5
#: the public form's text fields and their limits
TEXTS: dict[str, int] = {"company": 200, "company_en": 200, "contact_name": 100, "mobile": 40, "email": 200,
                         "products": 2000, "neighbours_wanted": 1000, "competitors_avoided": 1000}
MAX_AREA = Decimal("100000")


class RateLimited(Exception):
    """The sender reached the edition's applications for this hour (429)."""


class Closed(Exception):
    """The edition takes no applications (it is not selling)."""


def address_hash(secret_key: str, address: str) -> str:
    """A keyed hash of the sender's address (the address cannot be read back)."""
    return hmac.new(secret_key.encode(), f"exhibitions.apply:{address}".encode(), hashlib.sha256).hexdigest()


def is_web(application: Application) -> bool:
    return application.channel == "web"


def edition_token(secret_key: str, edition_id: int) -> str:
    """The public form's address part of an edition: its id and a keyed
    signature of it, so that nobody walks the editions of every organisation
    by counting ids (``/exhibitions/apply/25-3f9a0c12d4``)."""
    digest = hmac.new(secret_key.encode(), f"exhibitions.apply.edition:{edition_id}".encode(), hashlib.sha256)
    return f"{edition_id}-{digest.hexdigest()[:10]}"


def public_edition(db: Session, secret_key: str, token: str) -> Edition | None:
    """The edition of a public address (None: 404, also for a wrong
    signature), whatever its state."""
    head, _, _sig = (token or "").partition("-")
    if not head.isdigit() or len(token) > 40:
        return None
    if not hmac.compare_digest(edition_token(secret_key, int(head)), token):
        return None
    return db.scalar(select(Edition).where(Edition.id == int(head), Edition.deleted_at.is_(None)))


def clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """The application's values from a form, or ValidationError naming each bad field."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, limit in TEXTS.items():
        raw = data.get(name)
        text = raw.strip() if isinstance(raw, str) else ""
        if len(text) > limit:
            errors[name] = N_("This is too long.")
        values[name] = text
    if not values["company"]:
        errors["company"] = N_("Give the company's name.")
    if not values["contact_name"]:
        errors["contact_name"] = N_("Give the contact's name.")
    if values["mobile"]:
        try:
            values["mobile"] = normal_mobile(values["mobile"])
        except ValueError as exc:
            errors["mobile"] = str(exc)
    if values["email"] and not EMAIL_RE.match(values["email"]):
        errors["email"] = N_("Give an e-mail address such as name@example.com.")
    if not values["mobile"] and not values["email"] and "mobile" not in errors:
        errors["mobile"] = N_("Leave a mobile number or an e-mail address, so that we can reach you.")
    raw_categories = data.get("categories")
    if hasattr(data, "getlist"):
        raw_categories = data.getlist("categories")
    categories = [raw_categories] if isinstance(raw_categories, str) else list(raw_categories or [])
    categories = [c for c in dict.fromkeys(str(c) for c in categories) if c]
    if any(c not in INDUSTRIES for c in categories):
        errors["categories"] = N_("Choose among the offered categories.")
    values["categories"] = categories
    area_raw = str(data.get("area_wanted") or "").strip().replace(",", "")
    try:
        area = Decimal(area_raw)
        if not area.is_finite() or area <= 0 or area > MAX_AREA:
            raise InvalidOperation
        values["area_wanted"] = area.quantize(Decimal("0.01"))
    except InvalidOperation:
        errors["area_wanted"] = N_("Give the area in m², a number above 0.")
    booth_type = str(data.get("booth_type") or "")
    if booth_type and booth_type not in BOOTH_TYPES:
        errors["booth_type"] = N_("Choose one of the offered values.")
    values["booth_type"] = booth_type
    construction = str(data.get("construction") or "shell")
    if construction not in CONSTRUCTIONS:
        errors["construction"] = N_("Choose one of the offered values.")
    values["construction"] = construction
    if errors:
        raise ValidationError(errors)
    return values


def submit(db: Session, edition: Edition, data: Mapping[str, Any], *, address: str,
           secret_key: str) -> Application | None:
    """A submission of the public form: the new application, or None for a
    bot. Raises :class:`Closed` when the edition is not selling,
    :class:`RateLimited` beyond the hourly limit of the sender,
    ``ValidationError`` naming each bad field."""
    if edition.state != "selling":
        raise Closed()
    if str(data.get(HONEYPOT) or "").strip():
        return None
    mark = address_hash(secret_key, address)
    since = utcnow() - timedelta(hours=1)
    recent = db.scalar(select(func.count()).select_from(Application).where(
        Application.edition_id == edition.id, Application.ip_hash == mark,
        Application.created_at >= since)) or 0
    if recent >= RATE_LIMIT:
        raise RateLimited()
    values = clean(data)
    application = Application(org_id=edition.org_id, owner_id=edition.owner_id, edition_id=edition.id,
                              channel="web", ip_hash=mark, state="submitted", **values)
    db.add(application)
    db.flush()
    if edition.owner_id:
        notify(db, user_ids=[edition.owner_id], subject=N_("New application to {edition}"),
               body=N_("{company} applied for {area} m²."),
               params={"edition": edition.name, "company": application.company,
                       "area": str(application.area_wanted)},
               link=f"/exhibitions/applications/{application.id}", category="system",
               record=("exhibitions.application", application.id))
    return application


def create(db: Session, actor: Actor, edition_id: int, data: Mapping[str, Any]) -> Application:
    """An application entered by staff on behalf of an exhibitor (a call, a
    visit): ``exhibitions.application.create``, the public form's checks
    (:func:`clean`), ``channel`` "staff". With ``customer_id`` (a customer
    the actor may read) the application is linked to it, and the company,
    contact, mobile and e-mail left empty come from the customer and its
    main contact; without, the typed company is matched on the
    application's page as a public one is (:func:`matches`)."""
    actor.require("exhibitions.application.create")
    edition = get_for(db, actor, Edition, edition_id, "read")
    customer = _picked(db, actor, edition, data.get("customer_id"))
    values = clean(_with_customer(db, actor, customer, data) if customer is not None else data)
    application = Application(org_id=edition.org_id, owner_id=actor.user_id, edition_id=edition.id,
                              channel="staff", state="submitted",
                              customer_id=customer.id if customer is not None else None, **values)
    db.add(application)
    db.flush()
    return application


def _picked(db: Session, actor: Actor, edition: Edition, raw: Any) -> Customer | None:
    """The customer chosen on the staff form (None when none was), or a
    ValidationError naming ``customer_id`` for one the actor may not read."""
    text = str(raw or "").strip()
    if not text:
        return None
    customer = db.scalar(select(Customer).where(Customer.id == int(text), Customer.org_id == edition.org_id,
                                                scope(actor, Customer, "read"))) if text.isdigit() else None
    if customer is None:
        raise ValidationError({"customer_id": N_("Choose an exhibitor among the customers you may see.")})
    return customer


def _with_customer(db: Session, actor: Actor, customer: Customer, data: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values, the empty company and contact fields filled from
    the customer and its main contact (as far as the actor may read them)."""
    from plugins.crm.models import Contact

    hidden = actor.hidden_fields(Customer)
    contact = db.scalar(select(Contact).where(Contact.customer_id == customer.id, scope(actor, Contact, "read"))
                        .order_by(Contact.is_main.desc(), Contact.id).limit(1))
    shown = actor.hidden_fields(Contact)
    known = {"company": customer.name if "name" not in hidden else "",
             "company_en": (customer.name_en or "") if "name_en" not in hidden else ""}
    if contact is not None:
        known.update({k: str(getattr(contact, a) or "") for k, a in (
            ("contact_name", "name"), ("mobile", "mobile"), ("email", "email")) if a not in shown})
    out = dict(data)
    if hasattr(data, "getlist"):
        out["categories"] = data.getlist("categories")
    for name, value in known.items():
        if not str(out.get(name) or "").strip():
            out[name] = value
    return out


# ------------------------------------------------------------------ matching


@dataclass(frozen=True)
class Match:
    """A customer the application may be: ``readable`` ones may be linked;
    others show only that they exist and who owns them."""

    customer_id: int
    readable: bool
    label: str
    owner: str
    exact: bool


def matches(db: Session, actor: Actor, application: Application) -> list[Match]:
    """CRM customers like the applicant (the CRM's duplicate check on the
    company's name and English name, the mobile and the e-mail of the contact)."""
    seen: dict[int, Match] = {}
    for name in (application.company, application.company_en):
        if not name:
            continue
        found = conversion.duplicates(db, actor, {"customer_name": name, "mobile": application.mobile,
                                                  "email": application.email})
        for c in found.customers:
            if c.record_id not in seen:
                seen[c.record_id] = Match(c.record_id, c.readable, c.title if c.readable else "", c.owner,
                                          c.exact)
        for person in found.contacts:
            if not person.readable:
                continue
            from plugins.crm.models import Contact

            cid = db.scalar(select(Contact.customer_id).where(Contact.id == person.record_id))
            if cid is None or cid in seen:
                continue
            customer = db.scalar(select(Customer).where(Customer.id == cid, scope(actor, Customer, "read")))
            if customer is not None:
                seen[cid] = Match(cid, True, customer.name, person.owner, True)
    return sorted(seen.values(), key=lambda m: (not m.exact, not m.readable, m.customer_id))


def _editable(db: Session, actor: Actor, application_id: int) -> Application:
    application = get_for(db, actor, Application, application_id, "update")
    if application.state != "submitted":
        raise Conflict(N_("Only a submitted application can be changed."))
    return application


def link(db: Session, actor: Actor, application_id: int, customer_id: Any) -> Application:
    """Link the application to a customer the actor may read."""
    application = _editable(db, actor, application_id)
    try:
        cid = int(str(customer_id))
    except ValueError:
        cid = 0
    customer = db.scalar(select(Customer).where(Customer.id == cid, Customer.org_id == application.org_id,
                                                scope(actor, Customer, "read")))
    if customer is None:
        raise ValidationError({"customer_id": N_("Choose an exhibitor among the customers you may see.")})
    application.customer_id = customer.id
    db.flush()
    return application


def make_customer(db: Session, actor: Actor, application_id: int, *, confirm_new: bool = False) -> Customer:
    """A new customer and its main contact from the application, which is
    linked to it. Refused when the same customer exists under someone the
    actor may not read (ask them), and, without ``confirm_new``, when similar
    ones exist."""
    application = _editable(db, actor, application_id)
    actor.require("crm.customer.create")
    actor.require("crm.contact.create")
    found = matches(db, actor, application)
    blocking = [m for m in found if m.exact and not m.readable]
    if blocking:
        raise Conflict(N_("This customer exists already and belongs to {owner}: ask them or your manager."),
                       owner=blocking[0].owner or "—")
    if found and not confirm_new:
        raise ValidationError({"confirm_new": N_("Similar customers exist: link the application to one of "
                                                 "them, or confirm that this is a new customer.")})
    industry = next((c for c in application.categories or [] if c in INDUSTRIES), "")
    customer = customer_services.create_customer(db, actor, {
        "name": application.company, "name_en": application.company_en, "kind": "company",
        "email": application.email, "industry": industry, "source": "exhibition"})
    db.flush()
    customer_services.create_contact(db, actor, customer, {
        "name": application.contact_name or application.company, "mobile": application.mobile,
        "email": application.email, "is_main": True})
    application.customer_id = customer.id
    db.flush()
    return customer


def approve(db: Session, actor: Actor, application_id: int) -> Application:
    """Approve (``exhibitions.application.approve``): needs a linked customer;
    makes or moves the edition's deal and CRM opportunity to "approved"."""
    actor.require("exhibitions.application.approve")
    application = _editable(db, actor, application_id)
    if application.customer_id is None:
        raise ValidationError({"customer_id": N_("Link the application to a customer first.")})
    if db.scalar(select(Customer.id).where(Customer.id == application.customer_id,
                                           scope(actor, Customer, "read"))) is None:
        raise ValidationError({"customer_id": N_("Choose an exhibitor among the customers you may see.")})
    edition = db.get(Edition, application.edition_id)
    assert edition is not None
    current = pipeline.deal_of(db, edition.id, application.customer_id)
    area = max(application.area_wanted, current.area if current is not None else Decimal(0))
    amount = current.amount if current is not None else Decimal(0)
    deal: EditionDeal | None = pipeline.record_deal(db, actor, edition, application.customer_id, area=area,
                                                    amount=amount, stage="approved")
    if deal is not None:
        application.opportunity_id = deal.opportunity_id
    application.state, application.reason = "approved", ""
    db.flush()
    return application


def reject(db: Session, actor: Actor, application_id: int, reason: Any) -> Application:
    """Reject with a reason (required)."""
    actor.require("exhibitions.application.approve")
    application = _editable(db, actor, application_id)
    text = str(reason or "").strip()
    if not text:
        raise ValidationError({"reason": N_("Give the reason.")})
    if len(text) > 2000:
        raise ValidationError({"reason": N_("This is too long.")})
    application.state, application.reason = "rejected", text
    db.flush()
    return application


def counts(db: Session, actor: Actor, edition_id: int) -> dict[str, int]:
    """Applications of the edition the reader may see, per state."""
    rows = db.execute(select(Application.state, func.count()).where(
        Application.edition_id == edition_id, Application.deleted_at.is_(None),
        scope(actor, Application, "read")).group_by(Application.state))
    return {state: int(n) for state, n in rows}
