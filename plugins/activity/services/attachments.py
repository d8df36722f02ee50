"""Attachments: files on a record, stored once per content (see storage)."""

from __future__ import annotations

import unicodedata
from pathlib import PureWindowsPath
from typing import IO, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import N_, Actor, NotFound, ValidationError
from plugins.activity.models import Attachment
from plugins.activity.services.records import Models, check_parent, get_entry, owned_by, require
from plugins.activity.sniff import sniff
from plugins.activity.storage import BlobStore, TooLarge, lock, release

#: control characters; and invisible ones: format (bidi overrides, zero
#: widths, the BOM) and line or paragraph separators, with which a name
#: shows other than it is ("invoice\u202efdp.exe" reads "invoiceexe.pdf")
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def add_attachment(session: Session, actor: Actor, store: BlobStore, parent: Any, *,
                   filename: object, stream: IO[bytes] | None) -> Attachment:
    """Store a file on a record the actor can read (``activity.attachment.create``).

    The content type is sniffed from the bytes; the name is kept as given (for
    display and download only: the blob's path is its digest).
    """
    actor.require("activity.attachment.create")
    parent = check_parent(session, actor, parent)
    name = clean_filename(filename)
    if stream is None or not name:
        raise ValidationError({"file": N_("Choose a file to upload.")})
    try:
        spooled = store.spool(stream)
    except TooLarge:
        raise ValidationError({"file": N_("The file is larger than the upload limit.")}) from None
    if spooled.size == 0:
        spooled.path.unlink(missing_ok=True)
        raise ValidationError({"file": N_("The file is empty.")})
    ctype = sniff(spooled.path, name)
    lock(session.connection(), spooled.sha256)
    release(session, store, [spooled.sha256])  # if this transaction rolls back
    store.keep(spooled)
    attachment = Attachment(record_model=parent.__model_key__, record_id=parent.id, filename=name,
                            content_type=ctype, size=spooled.size, sha256=spooled.sha256,
                            **owned_by(actor, parent))
    session.add(attachment)
    session.flush()
    return attachment


def clean_filename(filename: object) -> str:
    """The name as the user gave it, without folders, control characters or
    characters that change how it reads without showing."""
    raw = filename if isinstance(filename, str) else ""
    name = PureWindowsPath(raw).name  # "C:\\fakepath\\合同.pdf" and "a/b.pdf" alike
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c) not in _INVISIBLE)
    name = name.strip().strip(".")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) < 16 else name[:255]
    return name


def get_attachment(session: Session, actor: Actor, models: Models, store: BlobStore,
                   attachment_id: Any) -> Attachment:
    """An attachment whose parent the actor can read, and whose blob exists."""
    attachment, _parent = get_entry(session, actor, models, Attachment, attachment_id)
    if not store.exists(attachment.sha256):
        raise NotFound()
    return attachment


def delete_attachment(session: Session, actor: Actor, models: Models, store: BlobStore,
                      attachment_id: Any) -> Attachment:
    """Delete one's own attachment, or another's with ``activity.attachment.delete``
    in its scope; the blob goes when no attachment names it any more."""
    attachment, _parent = get_entry(session, actor, models, Attachment, attachment_id)
    require(session, actor, attachment, "delete")
    session.delete(attachment)
    session.flush()
    release(session, store, [attachment.sha256])
    return attachment


def delete_for_record(session: Session, store: BlobStore | None, model_key: str, record_id: int) -> None:
    """Remove the attachments of a purged record (their blobs, if unused, after commit)."""
    where = (Attachment.record_model == model_key, Attachment.record_id == record_id)
    digests = set(session.scalars(select(Attachment.sha256).where(*where)))
    if not digests:
        return
    session.execute(delete(Attachment).where(*where))
    if store is not None:
        release(session, store, digests)
