"""Issued copies: a document printed *and kept* (an explicit action, for
document types declared with ``keep_issued``), with the data as printed.

A copy belongs to its record (design rule 4): whoever may read the record
may list and download its copies, unless a copy shows a field hidden from
them (field rules), or in clear one masked for them — then it is refused. Issuing needs ``<model>.print`` on
the record. Copies are never changed; they go when the record is purged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import (
    N_,
    Actor,
    Conflict,
    Forbidden,
    NotFound,
    PrintDecl,
    extra_fields_of,
    get_for,
    is_masked,
    looks_masked,
)
from plugins.printing import document, prints
from plugins.printing.engine import Printer
from plugins.printing.models import IssuedCopy


def issue(session: Session, actor: Actor, printer: Printer, decl: PrintDecl, record_id: Any,
          lang: str) -> IssuedCopy:
    """Print ``record_id`` and keep the PDF with the data it shows."""
    if not decl.keep_issued:
        raise Conflict(N_("Copies of this document type are not kept: print it instead."))
    record = prints.readable(session, actor, decl, record_id, "print")
    prepared = printer.prepare(session, actor, decl, record, lang, issuing=True)
    rendered = printer.pdf(prepared.html)
    copy = IssuedCopy(doc_key=decl.key, record_model=decl.model.__model_key__, record_id=record.id,
                      org_id=document.org_of(record), number=prepared.number, lang=lang,
                      template_version=prepared.template_version, data=document.as_json(prepared.doc),
                      pdf=rendered.pdf, size=len(rendered.pdf), sha256=hashlib.sha256(rendered.pdf).hexdigest(),
                      created_by_id=actor.user_id)
    session.add(copy)
    session.flush()
    return copy


@dataclass(frozen=True)
class CopyRow:
    """An issued copy as the record's panel lists it (without its PDF)."""

    id: int
    number: str
    lang: str
    size: int
    issued_at: datetime
    issued_by: str


def copies_of(session: Session, registry: Any, model_key: str, record_id: int) -> list[CopyRow]:
    """The copies issued of a record (whose reader the caller checked), the newest first."""
    user = registry.models["core.user"]
    stmt = (select(IssuedCopy.id, IssuedCopy.number, IssuedCopy.lang, IssuedCopy.size, IssuedCopy.created_at,
                   func.coalesce(user.display_name, ""))
            .outerjoin(user, user.id == IssuedCopy.created_by_id)
            .where(IssuedCopy.record_model == model_key, IssuedCopy.record_id == record_id)
            .order_by(IssuedCopy.id.desc()).limit(100))
    return [CopyRow(*row) for row in session.execute(stmt)]


def get_copy(session: Session, actor: Actor, registry: Any, copy_id: Any) -> IssuedCopy:
    """A copy the actor may open: NotFound unless they may read its record;
    Forbidden when it shows a field hidden from them, or one masked for them
    other than masked (a copy someone issued who reads it in clear)."""
    try:
        copy = session.get(IssuedCopy, int(copy_id))
    except (TypeError, ValueError):
        copy = None
    model = registry.models.get(copy.record_model) if copy is not None else None
    if copy is None or model is None:
        raise NotFound()
    try:
        get_for(session, actor, model, copy.record_id)
    except Forbidden:
        raise NotFound() from None
    hidden = actor.hidden_fields(model) - actor.masked_fields(model)
    shown = {k for k, v in copy.data.items() if v is not None}
    if hidden & shown or ("extra" in hidden and any(k.startswith("x_") for k in shown)):
        raise Forbidden(f"{copy.record_model}.read")
    fields = set(model.__table__.columns.keys()) | {f.name for f in extra_fields_of(session, copy.record_model)}
    if any(is_masked(actor, model, k) and not looks_masked(copy.data[k]) for k in shown & fields):
        raise Forbidden(f"{copy.record_model}.read")
    return copy


def purge_record(session: Session, model_key: str, record_id: int) -> None:
    """A purged record takes its issued copies along."""
    session.execute(delete(IssuedCopy).where(IssuedCopy.record_model == model_key,
                                             IssuedCopy.record_id == record_id))
