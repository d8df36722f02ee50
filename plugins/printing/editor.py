"""The template editor's work: previews on a real record, and saves that
are refused when the template fails, reaches beyond its document, or asks
for anything from outside the installation."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import Actor, PrintDecl, scope
from plugins.printing import prints, versions
from plugins.printing.document import TITLE_ATTRS
from plugins.printing.engine import Printer
from plugins.printing.models import PrintTemplate
from plugins.printing.sandbox import TemplateProblem, problems

#: records offered for the preview
SAMPLES = 30


@dataclass
class Preview:
    """What a template makes of a record: the PDF, or what went wrong."""

    problems: list[TemplateProblem] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    pdf: bytes | None = None
    pages: int = 0
    millis: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.refused


class Unsaved(Exception):
    """A template not saved, and why (its preview)."""

    def __init__(self, preview: Preview) -> None:
        super().__init__("template refused")
        self.preview = preview


def preview(session: Session, actor: Actor, printer: Printer, decl: PrintDecl, source: str,
            record_id: int | None, lang: str) -> Preview:
    """``source`` checked, and printed on ``record_id`` (one the actor may read) when given."""
    versions.require_editor(actor)
    found = problems(printer.sandbox.env, source)
    if found or record_id is None:
        return Preview(problems=found)
    record = prints.readable(session, actor, decl, record_id)
    started = time.perf_counter()
    try:
        prepared = printer.prepare(session, actor, decl, record, lang, source=source)
    except TemplateProblem as problem:
        return Preview(problems=[problem])
    rendered = printer.pdf(prepared.html)
    return Preview(refused=rendered.refused, pdf=rendered.pdf, pages=rendered.pages,
                   millis=round((time.perf_counter() - started) * 1000))


def save(session: Session, actor: Actor, printer: Printer, decl: PrintDecl, source: str, comment: str,
         record_id: int | None, lang: str) -> PrintTemplate:
    """A new version of the template, if it passes its preview (on the
    record chosen, else the checks that need none); Unsaved otherwise."""
    result = preview(session, actor, printer, decl, source, record_id, lang)
    if not result.ok:
        raise Unsaved(result)
    same_as_default = source.replace("\r\n", "\n").strip() == printer.default_source(decl).strip()
    return versions.save(session, actor, decl, "" if same_as_default else source.replace("\r\n", "\n"),
                         comment)


def samples(session: Session, actor: Actor, registry: Any, decl: PrintDecl) -> list[tuple[int, str]]:
    """Recent records the actor may read, to preview on: (id, title)."""
    model = decl.model
    columns = model.__table__.columns
    search = registry.search.get(model.__model_key__)
    attr = search.title if search is not None else next((a for a in TITLE_ATTRS if a in columns), "id")
    if attr in actor.hidden_fields(model):
        attr = "id"
    if not actor.can(f"{model.__model_key__}.read"):
        return []
    stmt = (select(columns["id"], columns[attr]).where(scope(actor, model, "read"))
            .order_by(columns["id"].desc()).limit(SAMPLES))
    return [(int(ident), f"#{ident} {title}") for ident, title in session.execute(stmt)]
