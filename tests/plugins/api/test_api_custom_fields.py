"""Custom fields through the API: written and validated like on the pages
(core.clean_extra), read back under their names."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from plugins.customfields.models import Field


@pytest.fixture
def field(client: Any, admin: Any, kernel: Any) -> Any:
    """``field(label_en, kind, **more)``: a custom field on notes, added through the admin page."""

    def add(label_en: str, kind: str = "text", **more: Any) -> str:
        data = {"label_zh": label_en + "（中）", "label_en": label_en, "kind": kind,
                **{k: str(v) for k, v in more.items()}}
        assert client.submit("/customfields/models/notes.note", data, follow_redirects=False).status_code == 303
        with kernel.db.session(write=False) as db:
            name = db.scalar(select(Field.name).where(Field.label_en == label_en))
        assert name is not None
        return name

    return add


def test_custom_fields_are_written_validated_and_read_through_the_api(api, admin, field):
    budget = field("Budget", "money", required="on")
    level = field("Level", "choice", choices="gold|金牌|Gold\nsilver|银牌|Silver")
    client = api(admin)
    # missing required and an unknown choice: 422 naming both, nothing written
    refused = client.post("/api/v1/notes/note", json={"title": "展会", level: "bronze"})
    assert refused.status_code == 422
    named = {e["name"] for e in refused.json()["errors"]}
    assert {budget, level} <= named
    assert client.get("/api/v1/notes/note").json()["items"] == []
    # created with both, read back under their names
    created = client.post("/api/v1/notes/note", json={"title": "展会", budget: "12500.50", level: "gold"})
    assert created.status_code == 201, created.text
    note = created.json()
    assert (note[budget], note[level]) == ("12500.50", "gold")
    # a partial update changes one and keeps the other
    patched = client.patch(f"/api/v1/notes/note/{note['id']}", json={"version": note["version"], level: "silver"})
    assert patched.status_code == 200, patched.text
    assert (patched.json()[budget], patched.json()[level]) == ("12500.50", "silver")


def test_a_custom_field_can_be_asked_for_alone(api, admin, field):
    budget = field("Budget", "money")
    client = api(admin)
    made = client.post("/api/v1/notes/note", json={"title": "展会", budget: "88.00"}).json()
    listed = client.get("/api/v1/notes/note", params={"fields": budget}).json()["items"]
    assert listed == [{"id": made["id"], budget: "88.00"}]
    one = client.get(f"/api/v1/notes/note/{made['id']}", params={"fields": f"title,{budget}"}).json()
    assert one == {"id": made["id"], "title": "展会", budget: "88.00"}
