"""The administrators' versions of a document type's template.

Every save is a new version; the newest one is in use. Going back to an
older version, or to the plugin's default, saves a new version too, so the
list is the whole history and nothing is ever overwritten. Templates are
the installation's: editing them needs ``printing.template.update`` with
the scope ``all``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import N_, Actor, Conflict, Forbidden, NotFound, PrintDecl, ValidationError
from plugins.printing.models import PrintTemplate

CODE = "printing.template.update"
MAX_CHARS = 200_000


def require_editor(actor: Actor) -> None:
    """Templates print for every organisation: only an installation-wide grant edits them."""
    if not any(g.scope == "all" for g in actor.grants.get(CODE, ())):
        raise Forbidden(CODE)


def current(session: Session, doc_key: str) -> PrintTemplate | None:
    """The version in use: the newest."""
    return session.scalar(select(PrintTemplate).where(PrintTemplate.doc_key == doc_key)
                          .order_by(PrintTemplate.number.desc()).limit(1))


def history(session: Session, doc_key: str) -> list[PrintTemplate]:
    """Every version of a document type's template, the newest first."""
    return list(session.scalars(select(PrintTemplate).where(PrintTemplate.doc_key == doc_key)
                                .order_by(PrintTemplate.number.desc())))


def editors(session: Session, registry: Any, saved: list[PrintTemplate]) -> dict[int, str]:
    """Who saved each of ``saved``: user id -> name."""
    user = registry.models["core.user"]
    ids = {v.created_by_id for v in saved} - {None}
    if not ids:
        return {}
    return {ident: name for ident, name in session.execute(select(user.id, user.display_name)
                                                            .where(user.id.in_(ids)))}


def get(session: Session, doc_key: str, number: int) -> PrintTemplate:
    found = session.scalar(select(PrintTemplate).where(PrintTemplate.doc_key == doc_key,
                                                       PrintTemplate.number == number))
    if found is None:
        raise NotFound()
    return found


def save(session: Session, actor: Actor, decl: PrintDecl, source: str, comment: str = "", *,
         reverted_from: int | None = None) -> PrintTemplate:
    """A new version (``source`` "" is the plugin's default). The caller has
    checked the template; two editors saving at once: one gets Conflict."""
    require_editor(actor)
    if len(source) > MAX_CHARS:
        raise ValidationError({"source": N_("The template is longer than 200,000 characters.")})
    last = session.scalar(select(func.max(PrintTemplate.number)).where(PrintTemplate.doc_key == decl.key))
    version = PrintTemplate(doc_key=decl.key, number=(last or 0) + 1, source=source,
                            comment=comment.strip()[:200], reverted_from=reverted_from,
                            created_by_id=actor.user_id)
    try:
        with session.begin_nested():
            session.add(version)
    except IntegrityError:
        raise Conflict(N_("Someone else saved this template meanwhile. Reload it and save again.")) from None
    return version


def revert(session: Session, actor: Actor, decl: PrintDecl, number: int) -> PrintTemplate:
    """Use version ``number`` again, as a new version."""
    require_editor(actor)
    old = get(session, decl.key, number)
    return save(session, actor, decl, old.source, reverted_from=old.number)


def reset(session: Session, actor: Actor, decl: PrintDecl) -> PrintTemplate:
    """Back to the plugin's default template, as a new version."""
    return save(session, actor, decl, "")
