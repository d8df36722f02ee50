"""The notification bell in a real browser: a notification created by
another process reaches the badge without a page reload (server-sent events)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core import notify
from core.app import Kernel
from core.config import load_settings
from core.models import User
from tests.e2e.conftest import shoot

pytestmark = pytest.mark.e2e


def notify_admin(server: Any) -> None:
    """From another session (this process, on the served database)."""
    settings = load_settings(var_dir=server.var_dir, inprocess_worker=False,
                             database_url=f"sqlite:///{(server.var_dir / 'suanpan.db').as_posix()}")
    kernel = Kernel(settings)
    try:
        with kernel.db.session() as db:
            admin_id = db.scalar(select(User.id).where(User.username == "admin"))
            notify(db, user_ids=[admin_id], subject="Test message from Suanpan",
                   body="If you can read this, {channel} works.", params={"channel": "E-mail"},
                   link="/activity/tasks", category="task")
    finally:
        kernel.db.dispose()


def test_the_bell_counts_a_new_notification_without_a_reload(admin_page, server):
    page = admin_page
    # other browser tests on this server may have left notifications: start from none unread
    page.goto("/activity/notifications")
    if page.locator("#activity-read-all").count():
        page.locator("#activity-read-all").click()
    page.goto("/")
    badge = page.locator("#activity-bell-count")
    expect(badge).to_be_hidden()
    page.evaluate("window.sp_marker = 'same page'")
    notify_admin(server)
    expect(badge).to_have_text("1", timeout=15_000)
    expect(badge).to_be_visible()
    assert page.evaluate("window.sp_marker") == "same page"
    shoot(page, "activity-bell.png", full_page=False)
    page.locator("#activity-bell").click()
    expect(page.locator("#activity-notifications")).to_contain_text("算盘测试消息")
    shoot(page, "activity-notifications.png", full_page=False)
