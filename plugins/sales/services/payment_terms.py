"""Payment terms (付款方式) of an organisation: named lists of instalments
(label, percent, days after a basis date) whose percentages add up to 100;
a contract picks one, and the receivables plan is generated from it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, NotFound, ValidationError
from plugins.sales.models import PaymentTerm

#: basis dates of an instalment: the signing date, the contract's start, its end
BASES = {"signed": N_("Signing date"), "start": N_("Start date"), "end": N_("End date")}
MAX_INSTALMENTS = 24

__all__ = ["BASES", "clean_instalments", "create_term", "delete_term", "org_terms", "term_for", "update_term"]


def clean_instalments(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Instalment rows checked: errors keyed ``instalment_<n>`` (n from 1,
    as the form shows them), ``instalments`` when the percentages do not
    add up to 100. A row left empty is dropped."""
    errors: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    if len(rows) > MAX_INSTALMENTS:
        raise ValidationError({"instalments": N_("At most 24 instalments.")})
    total = Decimal(0)
    for n, row in enumerate(rows, start=1):
        label = str(row.get("label") or "").strip()
        raw_percent = str(row.get("percent") or "").strip()
        if not label and not raw_percent:
            continue
        try:
            percent = Decimal(raw_percent)
        except InvalidOperation:
            percent = Decimal(-1)
        try:
            days = int(str(row.get("days") or "0").strip())
        except ValueError:
            days = -1
        basis = str(row.get("basis") or "signed")
        if not label or len(label) > 50:
            errors[f"instalment_{n}"] = N_("Row {n}: name the instalment.")
        elif not percent.is_finite() or percent <= 0 or percent > 100 or percent != percent.quantize(
                Decimal("0.01")):
            errors[f"instalment_{n}"] = N_("Row {n}: the percentage is above 0 and at most 100, with at most "
                                           "two decimals.")
        elif not 0 <= days <= 3650:
            errors[f"instalment_{n}"] = N_("Row {n}: the days are a whole number from 0 to 3650.")
        elif basis not in BASES:
            errors[f"instalment_{n}"] = N_("Row {n}: choose one of the offered values.")
        else:
            total += percent
            out.append({"label": label, "percent": f"{percent.normalize():f}", "days": days, "basis": basis})
    if not out and not errors:
        errors["instalments"] = N_("Add at least one instalment.")
    elif not errors and total != 100:
        errors["instalments"] = N_("The percentages must add up to 100 %.")
    if errors:
        raise ValidationError(errors)
    return out


def _checked(values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = str(values.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = N_("Name the payment terms (at most 100 characters).")
    name_en = str(values.get("name_en") or "").strip()[:100]
    try:
        instalments = clean_instalments(values.get("instalments") or ())
    except ValidationError as exc:
        errors.update(exc.errors)
        instalments = []
    if errors:
        raise ValidationError(errors)
    active = values.get("active", True)
    return {"name": name, "name_en": name_en, "instalments": instalments,
            "active": active if isinstance(active, bool) else str(active) in ("1", "on", "true", "yes")}


def org_terms(db: Session, actor: Actor, *, active_only: bool = False) -> list[PaymentTerm]:
    """The payment terms of the actor's organisation."""
    actor.require("sales.payment_term.read")
    stmt = select(PaymentTerm).where(PaymentTerm.org_id == actor.org_id)
    if active_only:
        stmt = stmt.where(PaymentTerm.active.is_(True))
    return list(db.scalars(stmt.order_by(PaymentTerm.name, PaymentTerm.id)))


def term_for(db: Session, actor: Actor, term_id: Any, action: str = "read") -> PaymentTerm:
    """One of the organisation's payment terms (404 for another's)."""
    actor.require(f"sales.payment_term.{action}")
    try:
        term = db.get(PaymentTerm, int(term_id))
    except (TypeError, ValueError):
        term = None
    if term is None or term.org_id != actor.org_id:
        raise NotFound()
    return term


def create_term(db: Session, actor: Actor, values: Mapping[str, Any]) -> PaymentTerm:
    actor.require("sales.payment_term.create")
    term = PaymentTerm(org_id=actor.org_id, **_checked(values))
    db.add(term)
    db.flush()
    return term


def update_term(db: Session, actor: Actor, term: PaymentTerm, values: Mapping[str, Any]) -> None:
    term_for(db, actor, term.id, "update")
    for key, value in _checked(values).items():
        setattr(term, key, value)
    db.flush()


def delete_term(db: Session, actor: Actor, term_id: Any) -> None:
    """Delete payment terms no contract uses; used ones are made inactive."""
    from plugins.sales.models import Contract

    term = term_for(db, actor, term_id, "delete")
    if db.scalar(select(Contract.id).where(Contract.payment_term_id == term.id).limit(1)) is not None:
        term.active = False
    else:
        db.delete(term)
    db.flush()
