"""Each organisation's letterhead: what its prints show at the top (logo,
name, address, phone), at the bottom (tax id, bank details) and where the
company seal goes. An organisation without one prints its own name."""

from __future__ import annotations

import re
from typing import Any, cast

from sqlalchemy import String, select
from sqlalchemy.orm import Session

from core import N_, Actor, NotFound, ValidationError, check_version
from plugins.printing import images
from plugins.printing.models import Letterhead

CODE = "printing.letterhead.update"
#: the text fields of the settings form, in its order
TEXT_FIELDS = ("name", "name_en", "address", "address_en", "phone", "tax_id", "bank_name", "bank_account")
IMAGE_FIELDS = ("logo", "seal")
#: 统一社会信用代码: 18 digits and capital letters
TAX_ID = re.compile(r"[0-9A-Z]{18}")
PHONE = re.compile(r"[0-9+()\- ]{3,40}")


def may_configure(actor: Actor, org_id: int) -> bool:
    """Letterheads are an organisation's settings: the code held with the
    scope ``org`` in that organisation, or ``all``."""
    return any(g.scope == "all" or (g.scope == "org" and g.org_id == org_id)
               for g in actor.grants.get(CODE, ()))


def configurable_orgs(session: Session, actor: Actor, registry: Any) -> list[Any]:
    """The organisations whose letterhead the actor may set, by name."""
    org = registry.models["core.org"]
    stmt = select(org).where(org.active.is_(True)).order_by(org.path, org.id)
    return [o for o in session.scalars(stmt) if may_configure(actor, o.id)]


def org_for(session: Session, actor: Actor, registry: Any, org_id: int) -> Any:
    """An organisation whose letterhead the actor may set, else NotFound."""
    org = session.get(registry.models["core.org"], org_id)
    if org is None or not may_configure(actor, org_id):
        raise NotFound()
    return org


def letterhead_of(session: Session, org_id: int | None) -> Letterhead | None:
    if org_id is None:
        return None
    return session.scalar(select(Letterhead).where(Letterhead.org_id == org_id))


def for_print(session: Session, registry: Any, org_id: int | None) -> dict[str, str]:
    """``org`` as a template reads it: the letterhead, the organisation's own
    name, address and phone where the letterhead has none."""
    org = session.get(registry.models["core.org"], org_id) if org_id is not None else None
    head = letterhead_of(session, org_id)
    own = {"name": getattr(org, "name", ""), "name_en": getattr(org, "name_en", ""),
           "address": getattr(org, "address", ""), "phone": getattr(org, "phone", "")}
    out = {name: (getattr(head, name, "") or own.get(name, "") or "") for name in TEXT_FIELDS}
    out["logo"] = images.data_url(head.logo, head.logo_type) if head else ""
    out["seal"] = images.data_url(head.seal, head.seal_type) if head else ""
    return out


def save(session: Session, actor: Actor, registry: Any, org_id: int, values: dict[str, str],
         uploads: dict[str, bytes], remove: set[str], version: str | None) -> Letterhead:
    """Store an organisation's letterhead: the text ``values``, new images in
    ``uploads``, images named in ``remove`` dropped. ValidationError names
    each bad field (a message id taking ``{label}``); nothing is stored then."""
    org_for(session, actor, registry, org_id)
    head = letterhead_of(session, org_id)
    if head is not None:
        check_version(head, version)
    clean, errors = _clean_text(values)
    kinds: dict[str, str] = {}
    for name, data in uploads.items():
        try:
            kinds[name] = images.check(data)
        except images.BadImage as exc:
            errors[name] = str(exc)
    if errors:
        raise ValidationError(errors)
    if head is None:
        head = Letterhead(org_id=org_id)
        session.add(head)
    for name, value in clean.items():
        setattr(head, name, value)
    for name in IMAGE_FIELDS:
        if name in uploads:
            setattr(head, name, uploads[name])
            setattr(head, f"{name}_type", kinds[name])
        elif name in remove:
            setattr(head, name, None)
            setattr(head, f"{name}_type", "")
    session.flush()
    return head


def _clean_text(values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    columns = Letterhead.__table__.columns
    for name in TEXT_FIELDS:
        value = " ".join((values.get(name) or "").split())
        limit = cast(String, columns[name].type).length
        if limit is not None and len(value) > limit:
            errors[name] = N_("{label} is too long.")
        elif name == "tax_id" and value and not TAX_ID.fullmatch(value.upper()):
            errors[name] = N_("{label} has 18 digits and capital letters.")
        elif name == "phone" and value and not PHONE.fullmatch(value):
            errors[name] = N_("{label} may hold digits, spaces, +, - and brackets only.")
        clean[name] = value.upper() if name == "tax_id" else value
    return clean, errors
