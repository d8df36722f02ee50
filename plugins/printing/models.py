"""The printing plugin's tables: each organisation's letterhead, the saved
versions of the document types' templates, the issued copies kept as
printed, and batches of many documents in one PDF."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import N_, AuditedMixin, Base, BigId, IdMixin, TimestampMixin, UTCDateTime, VersionedMixin, utcnow

#: the languages a document prints in: Chinese, English, or both side by side
LANGUAGES: dict[str, str] = {"zh_CN": N_("Chinese"), "en": N_("English"), "both": N_("Chinese and English")}

#: states of a batch print
BATCH_STATES: dict[str, str] = {
    "queued": N_("Queued"),
    "running": N_("Printing"),
    "done": N_("Done"),
    "failed": N_("Failed"),
}


class Letterhead(IdMixin, TimestampMixin, VersionedMixin, AuditedMixin, Base):
    """What heads an organisation's prints; empty names fall back to the
    organisation's own. Images are stored in the row (at most
    ``images.MAX_BYTES`` each, PNG or JPEG, checked before they are kept)."""

    __tablename__ = "printing_letterhead"
    __label__ = N_("Letterhead")
    __scope_columns__: ClassVar[dict[str, str]] = {"org": "org_id"}
    __audit_exclude__: ClassVar[frozenset[str]] = frozenset({"logo", "seal"})
    __shareable__ = False

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="CASCADE"), unique=True,
                                        info={"label": N_("Organisation")})
    name: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Name on prints")})
    name_en: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("English name on prints")})
    address: Mapped[str] = mapped_column(String(400), default="", info={"label": N_("Address")})
    address_en: Mapped[str] = mapped_column(String(400), default="", info={"label": N_("English address")})
    phone: Mapped[str] = mapped_column(String(40), default="", info={"label": N_("Phone")})
    tax_id: Mapped[str] = mapped_column(String(40), default="",
                                        info={"label": N_("Unified social credit code")})
    bank_name: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Bank")})
    bank_account: Mapped[str] = mapped_column(String(60), default="", info={"label": N_("Bank account")})
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, info={"label": N_("Logo")})
    logo_type: Mapped[str] = mapped_column(String(20), default="", info={"label": N_("Logo type")})
    seal: Mapped[bytes | None] = mapped_column(LargeBinary, info={"label": N_("Company seal")})
    seal_type: Mapped[str] = mapped_column(String(20), default="", info={"label": N_("Seal type")})


class PrintTemplate(IdMixin, Base):
    """One saved version of a document type's template. The newest version
    is the one in use; ``source`` empty means "the plugin's default" (a
    revert to it), so an upgrade of the default reaches the installation."""

    __tablename__ = "printing_template"
    __table_args__ = (UniqueConstraint("doc_key", "number"),)
    __label__ = N_("Print template")

    doc_key: Mapped[str] = mapped_column(String(120), info={"label": N_("Document type")})
    number: Mapped[int] = mapped_column(Integer, info={"label": N_("Version")})
    source: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Template")})
    comment: Mapped[str] = mapped_column(String(200), default="", info={"label": N_("Comment")})
    #: the version this one copies (a revert), if any
    reverted_from: Mapped[int | None] = mapped_column(Integer, info={"label": N_("Reverted from")})
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("core_user.id", ondelete="SET NULL"), info={"label": N_("Saved by")})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, info={"label": N_("Saved")})

    @property
    def is_default(self) -> bool:
        return not self.source


class IssuedCopy(IdMixin, Base):
    """A PDF as it was issued (printed and kept), with the data it showed.

    Readable by whoever may read the record it was issued from (design rule
    4), unless it shows a field hidden from them, or in clear one masked for them."""

    __tablename__ = "printing_issued_copy"
    __table_args__ = (Index("ix_printing_issued_copy_record", "record_model", "record_id"),)
    __label__ = N_("Issued copy")

    doc_key: Mapped[str] = mapped_column(String(120), info={"label": N_("Document type")})
    record_model: Mapped[str] = mapped_column(String(120), info={"label": N_("Record type")})
    record_id: Mapped[int] = mapped_column(BigId, info={"label": N_("Record")})
    org_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="SET NULL"),
                                               info={"label": N_("Organisation")})
    number: Mapped[str] = mapped_column(String(120), default="", info={"label": N_("Document number")})
    lang: Mapped[str] = mapped_column(String(10), info={"label": N_("Language")})
    template_version: Mapped[int | None] = mapped_column(Integer, info={"label": N_("Template version")})
    #: ``doc`` as the template read it (JSON: dates as ISO text, amounts as decimal text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info={"label": N_("Data as printed")})
    pdf: Mapped[bytes] = mapped_column(LargeBinary, default=b"", info={"label": N_("PDF")})
    size: Mapped[int] = mapped_column(Integer, info={"label": N_("Size")})
    sha256: Mapped[str] = mapped_column(String(64), info={"label": N_("Checksum")})
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("core_user.id", ondelete="SET NULL"), info={"label": N_("Issued by")})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, info={"label": N_("Issued")})


class Batch(IdMixin, Base):
    """Many records of one document type printed into one PDF by a job, for
    the user who asked (only they see it); kept for ``batches.KEEP_DAYS``."""

    __tablename__ = "printing_batch"
    __label__ = N_("Batch print")

    #: who asked for it: the batch is theirs alone
    owner_id: Mapped[int] = mapped_column(BigId, ForeignKey("core_user.id", ondelete="CASCADE"), index=True,
                                          info={"label": N_("Requested by")})
    org_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("core_org.id", ondelete="SET NULL"),
                                               info={"label": N_("Organisation")})
    doc_key: Mapped[str] = mapped_column(String(120), info={"label": N_("Document type")})
    lang: Mapped[str] = mapped_column(String(10), info={"label": N_("Language")})
    record_ids: Mapped[list[int]] = mapped_column(JSON, default=list, info={"label": N_("Records")})
    state: Mapped[str] = mapped_column(String(20), default="queued", info={"label": N_("State")})
    total: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Documents")})
    done: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Printed")})
    skipped: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Skipped")})
    pages: Mapped[int] = mapped_column(Integer, default=0, info={"label": N_("Pages")})
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, info={"label": N_("PDF")})
    error: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Error")})
    job_id: Mapped[int | None] = mapped_column(BigId, info={"label": N_("Job")})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, info={"label": N_("Created")})
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info={"label": N_("Finished")})


MODELS: tuple[type[Base], ...] = (Letterhead, PrintTemplate, IssuedCopy, Batch)
