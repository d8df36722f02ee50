"""Demo timeline entries on the kernel's demo people."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from core import utcnow
from plugins.activity import kernel
from plugins.activity.models import Activity, Note


def load_demo(session: Session, users: Mapping[str, int]) -> None:
    """Zhang Wei welcomes Li Na on her record and gives her, and the
    administrator, tasks there."""
    if not {"zhangwei", "lina"} <= set(users):
        return
    lina: Any = session.get(kernel.user_model(), users["lina"])
    if lina is None:
        return
    link = {"record_model": "core.user", "record_id": users["lina"], "org_id": lina.org_id,
            "owner_id": users["zhangwei"]}
    session.add(Note(body="新同事，负责华北区重点客户。下周一起拜访北京百度。", **link))
    session.add(Activity(kind="task", subject="熟悉华北区客户名单", content="先看近一年成交的客户。",
                         due_at=utcnow() + timedelta(days=3), assignee_id=users["lina"], **link))
    if "admin" in users:  # the administrator's "My tasks" is not empty in the demo
        session.add(Activity(kind="task", subject="确认李娜的入职材料", assignee_id=users["admin"],
                             due_at=utcnow() - timedelta(days=1), **link))
        session.add(Activity(kind="task", subject="给李娜开通报销审批", assignee_id=users["admin"],
                             due_at=utcnow() + timedelta(days=2), **link))
