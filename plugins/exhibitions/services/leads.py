"""Lead retrieval (展商留资): an exhibitor's staff scan a visitor's badge at
the booth (a scanner types the ticket code), rate the lead hot, warm or
cold and note it, and export their leads as CSV. A visitor is a lead of an
exhibitor once (the unique (customer, visitor) decides a race of two
scanners); only the exhibitor's own leads are read, through
:func:`plugins.exhibitions.services.portal.portal_scope`."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import N_, ValidationError, utcnow
from plugins.exhibitions.models import Edition, Lead, PortalAccount, Visitor
from plugins.exhibitions.models.choices import LEAD_RATINGS
from plugins.exhibitions.services.portal import own, portal_scope

MAX_NOTE = 2000


def scan(db: Session, account: PortalAccount, edition: Edition, code: str) -> tuple[Lead, bool]:
    """The lead of the visitor whose ticket ``code`` is, made on the first
    scan (True) or found again (False). A code of no visitor of ``edition``
    is a ValidationError on ``code``."""
    code = code.strip().upper()
    visitor = db.scalar(select(Visitor).where(Visitor.code == code, Visitor.edition_id == edition.id,
                                              Visitor.org_id == account.org_id)) if code else None
    if visitor is None:
        raise ValidationError({"code": N_("No visitor of this edition has this ticket code.")})
    found = _lead(db, account, visitor.id)
    if found is not None:
        return found, False
    lead = Lead(org_id=account.org_id, edition_id=edition.id, customer_id=account.customer_id,
                visitor_id=visitor.id, scanned_by_id=account.id, scanned_at=utcnow())
    try:
        with db.begin_nested():
            db.add(lead)
            db.flush()
    except IntegrityError:  # a colleague scanned the same visitor at the same moment
        again = _lead(db, account, visitor.id)
        assert again is not None
        return again, False
    return lead, True


def _lead(db: Session, account: PortalAccount, visitor_id: int) -> Lead | None:
    return db.scalars(portal_scope(select(Lead), Lead, account).where(Lead.visitor_id == visitor_id)).first()


def rate(db: Session, account: PortalAccount, lead_id: Any, values: Mapping[str, Any]) -> Lead:
    """Rate and note one of the exhibitor's leads (another's is not found)."""
    lead: Lead = own(db, Lead, lead_id, account)
    rating = str(values.get("rating") or "")
    note = str(values.get("note") or "").strip()
    errors: dict[str, str] = {}
    if rating and rating not in LEAD_RATINGS:
        errors["rating"] = N_("Choose hot, warm or cold.")
    if len(note) > MAX_NOTE:
        errors["note"] = N_("This is too long.")
    if errors:
        raise ValidationError(errors)
    lead.rating, lead.note = rating, note
    db.flush()
    return lead


def leads_of(db: Session, account: PortalAccount, edition_id: int | None = None,
             rating: str = "") -> list[tuple[Lead, Visitor]]:
    """The exhibitor's leads with their visitors, the latest scan first."""
    stmt = portal_scope(select(Lead, Visitor), Lead, account).join(Visitor, Visitor.id == Lead.visitor_id)
    if edition_id is not None:
        stmt = stmt.where(Lead.edition_id == edition_id)
    if rating in LEAD_RATINGS:
        stmt = stmt.where(Lead.rating == rating)
    return [(lead, v) for lead, v in db.execute(stmt.order_by(Lead.scanned_at.desc(), Lead.id.desc())
                                                .limit(5000))]


def lead_of(db: Session, account: PortalAccount, lead_id: Any) -> tuple[Lead, Visitor]:
    lead: Lead = own(db, Lead, lead_id, account)
    visitor = db.get(Visitor, lead.visitor_id)
    assert visitor is not None
    return lead, visitor


def export_csv(rows: list[tuple[Lead, Visitor]], t: Any) -> bytes:
    """The leads as CSV for Excel: UTF-8 with a byte-order mark, a header
    in the reader's language, one row a lead."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([t.gettext(h) for h in (N_("Scanned at"), N_("Name"), N_("Company"), N_("Job title"),
                                            N_("Mobile"), N_("E-mail"), N_("Rating"), N_("Note"),
                                            N_("Ticket code"))])
    for lead, v in rows:
        writer.writerow([t.datetime(lead.scanned_at), *map(safe_cell, (v.name, v.company, v.title, v.mobile,
                                                                       v.email)),
                         t.gettext(LEAD_RATINGS[lead.rating]) if lead.rating in LEAD_RATINGS else "",
                         safe_cell(lead.note), v.code])
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def safe_cell(value: str) -> str:
    """A cell Excel will not run as a formula (CSV injection): a leading
    ``= + - @`` gets a quote in front."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
