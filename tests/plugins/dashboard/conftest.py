"""Fixtures of the dashboard's tests: an organisation with two departments
and people who may read expense claims at different scopes."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def office(make: Any) -> dict[str, Any]:
    """Head office (sales and ops) and the east branch, with:
    ``boss`` (reads all claims of head office, may use reports and users),
    ``lina`` and ``wang`` in sales, ``zhang`` in ops (each reads their own claims
    and may use reports), ``chen`` in the east branch (reads all of the east)."""
    hq, east = make.hq(), make.org("华东分公司")
    sales, ops = make.department(hq, "销售部"), make.department(hq, "运营部")
    analyst = {"dashboard.report.read": "own", "dashboard.report.create": "own", "dashboard.report.share": "own",
               "dashboard.report.export": "own", "dashboard.schedule.create": "own"}
    own = {**analyst, "notes.expense.read": "own"}
    return {
        "hq": hq, "east": east, "sales": sales, "ops": ops,
        "boss": make.user(org=hq, department=sales, username="boss", name="赵总", roles=(),
                          grants={**analyst, "notes.expense.read": "org", "core.user.read": "org"}),
        "lina": make.user(org=hq, department=sales, username="lina", name="李娜", roles=(), grants=own),
        "wang": make.user(org=hq, department=sales, username="wang", name="王芳", roles=(), grants=own),
        "zhang": make.user(org=hq, department=ops, username="zhang", name="张伟", roles=(), grants=own),
        "chen": make.user(org=east, username="chen", name="陈杰", roles=(),
                          grants={**analyst, "notes.expense.read": "org"}),
    }
