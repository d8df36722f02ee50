"""The application factory: named routes, the thread limit, the workbench."""

from __future__ import annotations

import anyio
import pytest
from starlette.routing import NoMatchFound


def test_named_routes_resolve_from_the_kernels_table(kernel):
    assert kernel.url_path_for("core:user_detail", id=5) == "/admin/users/5"
    assert kernel.url_path_for("notes:note_list") == "/notes/"
    assert kernel.url_path_for("core:recycle_restore", model="notes.note", id=3) == \
        "/admin/recycle/notes.note/3/restore"
    # parameters are quoted, so a value cannot change the path
    assert kernel.url_path_for("core:plugin_toggle", name="a/../b") == "/admin/plugins/a%2F..%2Fb"
    with pytest.raises(NoMatchFound):
        kernel.url_path_for("core:user_detail")
    with pytest.raises(NoMatchFound):
        kernel.url_path_for("core:nowhere")


def test_the_app_limits_request_threads_per_process(kernel, client):
    # the client fixture ran the application's lifespan on its event loop
    async def tokens() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert client.portal.call(tokens) == kernel.settings.threads == 4


def test_the_kernels_own_workbench_counts_are_bounded(kernel, make, start, browser):
    """Without a plugin answering home_page (the dashboard off), "/" is the
    kernel's workbench: a bounded count of each list the user may read."""
    from core.kit import COUNT_LIMIT
    from core.models import Department

    hq = make.hq()
    with kernel.db.session() as db:
        db.add_all(Department(org_id=hq.id, name=f"部门{n}", path="/") for n in range(COUNT_LIMIT + 5))
    plain = start(plugins=[n for n in kernel.enabled if n != "dashboard"])
    make.user(roles=("admin",), username="root")
    client = browser(plain)
    client.login("root")
    page = client.get("/")
    assert page.status_code == 200
    assert f"{COUNT_LIMIT:,}+" in page.text
    # each tile is a model with a list page, and links to it; bookkeeping tables have none
    assert 'href="/admin/departments"' in page.text
    assert "/admin/jobs" not in page.text.split('id="sp-main"', 1)[1]


def test_a_home_page_plugin_answers_slash(kernel, client, admin):
    """With the dashboard on, "/" is its workbench of widgets (home_page), not the counts."""
    page = client.get("/")
    assert page.status_code == 200
    assert 'hx-get="/dashboard/widgets/' in page.text and 'href="/admin/departments"' not in page.text.split(
        'id="sp-main"', 1)[1]


def test_the_menu_marks_only_the_entry_of_the_current_page(client, admin):
    import re

    # /notes/expenses lies under both 便签 (/notes/) and 报销单 (/notes/expenses): the longer wins
    page = client.get("/notes/expenses").text
    active = re.findall(r'<li class="nav-item active">\s*<a class="nav-link" href="([^"]+)"', page)
    assert active == ["/notes/expenses"]
    assert re.findall(r'<li class="nav-item active">\s*<a class="nav-link" href="([^"]+)"',
                      client.get("/notes/").text) == ["/notes/"]
