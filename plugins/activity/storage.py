"""The blob store: attachment bytes, stored once per content.

A blob lives at ``<root>/ab/cd/<sha256>`` (the first two pairs of hex digits
as folders), so the same file uploaded to ten records is stored once. A blob
is removed when the last attachment naming it is gone; see :func:`release`.

The root is the setting ``attachments_dir`` (``suanpan.toml``), by default
``<var_dir>/attachments``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from plugins.activity.models import Attachment

log = logging.getLogger("suanpan.activity")
SHA256 = re.compile(r"[0-9a-f]{64}")
CHUNK = 1 << 16
DEFAULT_MAX_MB = 20
_TOUCHED = "activity.blobs"
_LISTENING = "activity.blobs.listening"


class TooLarge(Exception):
    """The upload is larger than the limit."""


@dataclass(frozen=True)
class Spooled:
    """An upload copied into the store's scratch folder, not yet a blob."""

    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class BlobStore:
    root: Path
    max_bytes: int

    @classmethod
    def from_settings(cls, settings: Any) -> BlobStore:
        extra = getattr(settings, "extra", {}) or {}
        root = Path(extra.get("attachments_dir") or Path(settings.var_dir) / "attachments")
        max_mb = float(extra.get("attachment_max_mb", DEFAULT_MAX_MB))
        return cls(root=root, max_bytes=int(max_mb * 1024 * 1024))

    def path(self, sha256: str) -> Path:
        if not SHA256.fullmatch(sha256):
            raise ValueError("not a sha256 digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        """Whether the blob is there; never for a stored digest that is none
        (a damaged row), which would otherwise name a path outside the store."""
        return SHA256.fullmatch(sha256) is not None and self.path(sha256).is_file()

    def spool(self, stream: IO[bytes]) -> Spooled:
        """Copy ``stream`` into a scratch file, hashing it; TooLarge past the limit."""
        scratch = self.root / "tmp"
        scratch.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, name = tempfile.mkstemp(dir=scratch)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise TooLarge()
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Spooled(Path(name), digest.hexdigest(), size)

    def keep(self, spooled: Spooled) -> None:
        """Make the spooled file the blob of its digest (or drop it: it exists)."""
        target = self.path(spooled.sha256)
        if target.is_file():
            spooled.path.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(spooled.path, 0o640)
        os.replace(spooled.path, target)

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)


# ------------------------------------------------------------------ removal


def lock(connection: Any, sha256: str) -> None:
    """Serialise work on one blob across processes until the transaction ends.

    On PostgreSQL an advisory lock keyed on the digest; SQLite writes are
    serialised already (one writer, ``BEGIN IMMEDIATE``).
    """
    if connection.dialect.name == "postgresql":
        key = int.from_bytes(bytes.fromhex(sha256[:16]), "big", signed=True)
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def release(session: Session, store: BlobStore, digests: Iterable[str]) -> None:
    """Once this transaction ends (commit or rollback), remove each blob in
    ``digests`` that no attachment names any more.

    Uploads call it too, so a blob written by a transaction that then rolled
    back does not stay behind. The check runs in a transaction of its own
    under the blob's lock, which an upload of the same content holds while it
    writes the blob and its row: one of them sees the other's result.
    """
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        event.listen(session, "after_commit", _collect)
        event.listen(session, "after_rollback", _collect)
    pending: dict[str, BlobStore] = session.info.setdefault(_TOUCHED, {})
    for sha in digests:
        pending[sha] = store


def _collect(session: Session) -> None:
    pending: dict[str, BlobStore] = session.info.pop(_TOUCHED, None) or {}
    if not pending:
        return
    engine = session.get_bind().engine  # the session's own engine, with its options
    for sha, store in pending.items():
        try:
            with engine.begin() as conn:
                lock(conn, sha)
                refs = conn.scalar(select(func.count()).select_from(Attachment)
                                   .where(Attachment.sha256 == sha))
                if not refs:
                    store.remove(sha)
        except Exception:  # noqa: BLE001 - never fail a finished transaction; the blob stays
            log.exception("could not check blob %s; it stays on disk", sha)
