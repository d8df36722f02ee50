"""Fixtures of the printing tests: the org's letterhead, expense claims of
the example plugin, the contract sample's kernel and browser."""

from __future__ import annotations

from typing import Any

import pytest
from printing_support import contract_body, contract_plugin, make_expense, note_model
from sqlalchemy import select, update

from core.app import Kernel
from core.models import Org


@pytest.fixture
def hq(kernel: Kernel) -> Org:
    """The head office as prints show it: a Chinese company with an address and a phone."""
    with kernel.db.session() as db:
        db.execute(update(Org).where(Org.code == "HQ").values(
            name="上海华信科技有限公司", name_en="Shanghai Huaxin Technology Co., Ltd.",
            address="上海市浦东新区张江路 88 号", phone="021-5080 1234"))
        org = db.scalar(select(Org).where(Org.code == "HQ"))
        assert org is not None
        return org


@pytest.fixture
def expense(kernel: Kernel) -> Any:
    """``expense(owner, title=..., amount=..., category=...)``: a claim, its id."""
    return lambda owner, **kw: make_expense(kernel, owner, **kw)


@pytest.fixture
def contracts(start: Any, monkeypatch: pytest.MonkeyPatch) -> Kernel:
    """A kernel with the contract sample enabled (on the fixture kernel's database)."""
    kernel = start(contract_plugin(monkeypatch))
    assert "contracts" in kernel.pm.manifests, kernel.errors
    return kernel


@pytest.fixture
def contract(contracts: Kernel) -> Any:
    """``contract(owner, lines)``: a note printed as a sales contract of ``lines`` goods lines."""

    def make(owner: Any, lines: int = 8, buyer: str = "北京百度网讯科技有限公司") -> int:
        with contracts.db.session() as db:
            note = note_model()(org_id=owner.org_id, owner_id=owner.id, title=f"销售合同：{buyer}",
                                body=contract_body(lines))
            db.add(note)
            db.flush()
            return int(note.id)

    return make
