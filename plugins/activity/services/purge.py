"""When a record is purged, its timeline goes with it."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from plugins.activity.models import Activity, Note
from plugins.activity.services.attachments import delete_for_record
from plugins.activity.storage import BlobStore


def purge_record(session: Session, store: BlobStore | None, model_key: str, record_id: int) -> None:
    """Delete the notes, activities and attachments of a purged record.

    Without a ``store`` (a purge outside a web request) the rows go and the
    blobs stay on disk.
    """
    for model in (Note, Activity):
        session.execute(delete(model).where(model.record_model == model_key,
                                            model.record_id == record_id))
    delete_for_record(session, store, model_key, record_id)
