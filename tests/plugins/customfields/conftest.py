"""Factories for the customfields tests: fields added through the admin
pages, notes of the example plugin written through its form."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.app import Kernel
from plugins.customfields.models import Field

NOTES = "/customfields/models/notes.note"


@pytest.fixture
def add_field(client: Any, admin: Any, kernel: Kernel) -> Any:
    """``add_field(label_en, kind, **more)``: add a field to notes through the
    admin form (as the logged-in administrator); returns its name."""

    def add(label_en: str, kind: str = "text", **more: Any) -> str:
        data = {"label_zh": more.pop("label_zh", label_en + "（中）"), "label_en": label_en, "kind": kind,
                **{k: str(v) for k, v in more.items()}}
        response = client.submit(NOTES, data, follow_redirects=False)
        assert response.status_code == 303, response.text
        with kernel.db.session(write=False) as db:
            name = db.scalar(select(Field.name).where(Field.label_en == label_en).order_by(Field.id.desc()))
        assert name is not None
        return name

    return add


@pytest.fixture
def note_values(kernel: Kernel) -> Any:
    """``note_values(title)``: the ``extra`` of the note with that title."""

    def values(title: str) -> dict[str, Any]:
        from suanpan_notes.models import Note

        with kernel.db.session(write=False) as db:
            return dict(db.scalar(select(Note.extra).where(Note.title == title)) or {})

    return values
