"""Factories for the dataio tests: custom fields added through the
customfields plugin's admin page (as the logged-in administrator)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.app import Kernel

NOTE_FIELDS = "/customfields/models/notes.note"


@pytest.fixture
def add_field(client: Any, admin: Any, kernel: Kernel) -> Any:
    """``add_field(label_en, kind, **more)``: a custom field of notes, added
    through the admin form; returns its name (``x_...``). Its Chinese label
    is ``label_zh`` or the English one followed by （中）."""
    from plugins.customfields.models import Field

    def add(label_en: str, kind: str = "text", **more: Any) -> str:
        data = {"label_zh": more.pop("label_zh", label_en + "（中）"), "label_en": label_en, "kind": kind,
                **{k: str(v) for k, v in more.items()}}
        response = client.submit(NOTE_FIELDS, data, follow_redirects=False)
        assert response.status_code == 303, response.text
        with kernel.db.session(write=False) as db:
            name = db.scalar(select(Field.name).where(Field.label_en == label_en).order_by(Field.id.desc()))
        assert name is not None
        return name

    return add
