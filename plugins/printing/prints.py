"""Printing one record: which document types a model has, the record if
the reader may read it (404 otherwise), its PDF in the chosen language."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from core import Actor, Forbidden, NotFound, PrintDecl, get_for
from plugins.printing.engine import Prepared, Printer, Rendered
from plugins.printing.formats import LANGS

_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def decl_for(registry: Any, key: str) -> PrintDecl:
    """The document type ``key`` (of an enabled plugin), else NotFound."""
    decl: PrintDecl | None = registry.prints.get(key)
    if decl is None:
        raise NotFound()
    return decl


def decls_of(registry: Any, model_key: str) -> list[PrintDecl]:
    """The document types that print records of ``model_key``."""
    return [d for d in registry.prints.values() if d.model.__model_key__ == model_key]


def lang_of(value: str | None, default: str) -> str:
    """The print's language: ``zh_CN``, ``en`` or ``both``; the reader's own otherwise."""
    if value in LANGS:
        return str(value)
    return default if default in LANGS else "zh_CN"


def readable(session: Session, actor: Actor, decl: PrintDecl, record_id: Any, action: str = "read") -> Any:
    """The record if the actor may read it (then ``action`` it), else NotFound:
    without the read permission, or outside its scope, a record does not exist."""
    try:
        record = get_for(session, actor, decl.model, record_id)
    except Forbidden:
        raise NotFound() from None
    if action != "read":
        record = get_for(session, actor, decl.model, record_id, action)
    return record


def prepare(session: Session, actor: Actor, printer: Printer, decl: PrintDecl, record_id: Any,
            lang: str) -> Prepared:
    record = readable(session, actor, decl, record_id)
    return printer.prepare(session, actor, decl, record, lang)


def print_record(session: Session, actor: Actor, printer: Printer, decl: PrintDecl, record_id: Any,
                 lang: str) -> tuple[Rendered, str]:
    """The PDF of one record and its file name."""
    prepared = prepare(session, actor, printer, decl, record_id, lang)
    return printer.pdf(prepared.html), file_name(printer.speaker(lang)(decl.label), prepared.number)


def file_name(label: str, number: str) -> str:
    """``费用报销单-BX-2026-0007.pdf``: no characters a file system refuses."""
    return _UNSAFE_NAME.sub("_", f"{label}-{number}").strip(" .")[:150] + ".pdf"
