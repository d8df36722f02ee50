"""The demo of the special-decoration, storage and manual parts: builders
(one blacklisted), projects on the 25th edition's raw booths in three
states, the six forms of the manual with some done, storage receipts; and
their pages open on that data for the manager (张伟)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.app import Kernel
from core.setup import load_demo
from plugins.exhibitions.models import (
    Booth,
    Builder,
    DecorationProject,
    Edition,
    ManualForm,
    ManualSubmission,
    StorageReceipt,
)

PASSWORD = "demo-password-演示"


def test_the_demo_has_projects_forms_and_receipts_and_their_pages_open(kernel: Kernel, client: Any) -> None:
    assert load_demo(kernel, PASSWORD)
    with kernel.db.session(write=False) as db:
        edition = db.scalar(select(Edition).where(Edition.number == 25))
        assert edition is not None
        assert db.scalar(select(func.count()).select_from(Builder).where(Builder.blacklisted.is_(True))) == 1
        projects = db.scalars(select(DecorationProject).order_by(DecorationProject.id)).all()
        assert [p.state for p in projects] == ["draft", "in_review", "approved"]
        assert all(db.get(Booth, p.booth_id).construction == "raw" for p in projects)  # type: ignore[union-attr]
        assert sorted(db.scalars(select(ManualForm.kind).where(ManualForm.edition_id == edition.id))) == sorted(
            ["profile", "fascia", "badges", "drawings", "power", "insurance"])
        assert db.scalar(select(func.count()).select_from(ManualSubmission)) > 0
        receipts = db.scalars(select(StorageReceipt.id)).all()
        assert len(receipts) == 2
        project_ids = [p.id for p in projects]
    client.login("zhangwei", PASSWORD)
    for path in ("/exhibitions/builders", "/exhibitions/decoration", "/exhibitions/decoration?overdue=1",
                 f"/exhibitions/decoration/{project_ids[1]}", f"/exhibitions/decoration/{project_ids[2]}",
                 "/exhibitions/decoration-rules", "/exhibitions/manual-forms",
                 f"/exhibitions/editions/{edition.id}/manual", f"/exhibitions/editions/{edition.id}/manual?overdue=1",
                 "/exhibitions/storage", f"/exhibitions/storage/{receipts[0]}",
                 f"/exhibitions/storage/{receipts[0]}/edit", "/exhibitions/decoration/verify?code=x.y"):
        assert client.get(path).status_code == 200, path
