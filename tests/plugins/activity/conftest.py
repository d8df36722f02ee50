"""Factories for the activity plugin's tests: parent records (the example
plugin's notes make good parents) and the blob store of the test kernel."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from core.app import Kernel
from plugins.activity.storage import BlobStore


def memo_model() -> Any:
    from suanpan_notes.models import Note

    return Note


@pytest.fixture
def memo(kernel: Kernel) -> Any:
    """``memo(owner, title)``: a note of the example plugin, the parent record."""

    def make_memo(owner: Any, title: str = "拜访北京百度的准备") -> int:
        with kernel.db.session() as db:
            record = memo_model()(org_id=owner.org_id, owner_id=owner.id, title=title)
            db.add(record)
            db.flush()
            return int(record.id)

    return make_memo


@pytest.fixture
def store(kernel: Kernel) -> BlobStore:
    return BlobStore.from_settings(kernel.settings)


@pytest.fixture
def upload_limit(kernel: Kernel) -> Any:
    """``upload_limit(mb)``: set the setting ``attachment_max_mb`` for this kernel."""

    def set_limit(mb: float) -> None:
        kernel.settings = replace(kernel.settings, extra={**kernel.settings.extra,
                                                          "attachment_max_mb": mb})

    return set_limit

