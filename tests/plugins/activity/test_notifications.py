"""The in-app inbox and the routing of notifications to channels: what
``on_notification`` stores and queues, the inbox pages (own notifications
only), the bell in the top bar (``topbar_items``), the live unread count,
preferences, and a channel added by another plugin
(``activity_notification_channels``)."""

from __future__ import annotations

import http.client
import re
import socket
import sys
import threading
import time
from dataclasses import replace
from types import ModuleType
from typing import Any

import pytest
import uvicorn
from activity_notify_support import count, deliveries, inbox_of, jobs, reachable, run_jobs, send
from sqlalchemy import select, update

from core import hookimpl, notify
from core.app import Kernel
from core.models import Job, User
from core.notify import CATEGORIES
from core.plugins import Manifest
from plugins.activity.api import Channel
from plugins.activity.models import ChannelSettings, Delivery, InboxItem
from plugins.activity.services.notifications import CATEGORY_LABELS


def switch_on(kernel: Kernel, org_id: int, *channels: str) -> None:
    with kernel.db.session() as db:
        for channel in channels:
            db.add(ChannelSettings(org_id=org_id, channel=channel, enabled=True, config={}))


# ------------------------------------------------------------------ on_notification


def test_on_notification_puts_one_row_in_each_active_recipients_inbox(kernel, make):
    # given two colleagues and one who has left
    wang, li, gone = make.user(name="王芳"), make.user(name="李娜"), make.user(name="离职")
    with kernel.db.session() as db:
        db.execute(update(User).where(User.id == gone.id).values(active=False))
    # when a notification for all three is sent (the kernel fires on_notification)
    send(kernel, wang, li, gone, link="/notes/7", category="approval", record=("notes.note", 7))
    # then the two active ones have it, unread, and the one who left does not
    assert [(i.subject, i.category, i.link, i.record_id, i.read_at) for i in inbox_of(kernel, wang)] == [
        ("Test message from Suanpan", "approval", "/notes/7", 7, None)]
    assert len(inbox_of(kernel, li)) == 1
    assert inbox_of(kernel, gone) == []


def test_mail_and_sms_are_queued_as_the_org_and_the_recipient_allow(kernel, make):
    hq = make.hq()
    reachable_one = reachable(kernel, make.user(), email="wang@example.cn", phone="13800138000")
    no_address = make.user()
    # nothing leaves the suite while the organisation has not switched a channel on
    send(kernel, reachable_one, no_address, urgent=True)
    assert deliveries(kernel) == []
    # then e-mail for everything, SMS for urgent notifications only
    switch_on(kernel, hq.id, "email", "sms")
    send(kernel, reachable_one, no_address)
    assert deliveries(kernel) == [("email", "wang@example.cn", "queued")]
    send(kernel, reachable_one, urgent=True)
    assert deliveries(kernel)[1:] == [("email", "wang@example.cn", "queued"),
                                      ("sms", "13800138000", "queued")]
    # one job per delivery, keyed by it, for the organisation's administrators to see
    with kernel.db.session(write=False) as db:
        ids = list(db.scalars(select(Delivery.id).order_by(Delivery.id)))
    assert [(j.key, j.payload, j.org_id) for j in jobs(kernel)] == [
        (f"activity.deliver:{i}", {"delivery_id": i}, hq.id) for i in ids]


def test_a_recipient_switches_a_channel_off_for_a_category(kernel, make, client):
    user = reachable(kernel, make.user(username="wang"), email="wang@example.cn")
    switch_on(kernel, user.org_id, "email")
    client.login("wang")
    assert ticked(client.get("/activity/notifications/preferences").text, "email:approval")
    # every box but e-mail for approvals stays ticked
    keep = {f"{ch}:{cat}": "on" for ch in ("email", "sms") for cat in CATEGORIES if (ch, cat) != ("email", "approval")}
    assert client.submit("/activity/notifications/preferences", keep, follow_redirects=False).status_code == 303
    send(kernel, user, category="approval")
    send(kernel, user, category="task")
    assert deliveries(kernel) == [("email", "wang@example.cn", "queued")]
    assert [i.category for i in inbox_of(kernel, user)] == ["approval", "task"], "the inbox gets everything"
    page = client.get("/activity/notifications/preferences").text
    assert not ticked(page, "email:approval") and ticked(page, "email:task")


def ticked(page: str, name: str) -> bool:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match is not None, name
    return " checked" in match.group(0)


def test_a_rolled_back_transaction_stores_and_sends_nothing(kernel, make):
    user = reachable(kernel, make.user(), email="wang@example.cn")
    switch_on(kernel, user.org_id, "email")
    with pytest.raises(RuntimeError), kernel.db.session() as db:
        notify(db, user_ids=[user.id], subject="Test message from Suanpan")
        assert db.scalar(select(InboxItem.id)) is not None  # there, inside the transaction
        raise RuntimeError("the change failed")
    assert count(kernel, InboxItem) == count(kernel, Delivery) == count(kernel, Job) == 0
    assert run_jobs(kernel) == 0


def test_the_plugin_categories_are_the_kernels():
    assert tuple(CATEGORY_LABELS) == CATEGORIES


# ------------------------------------------------------------------ the inbox pages


@pytest.fixture
def two_inboxes(kernel, make, client):
    """王芳 (logged in on ``client``) with two notifications, 李娜 with one."""
    wang = make.user(username="wang", name="王芳", roles=())
    li = make.user(username="li", name="李娜", roles=())
    send(kernel, wang, params={"channel": "王芳的第一条"}, link="/notes/1")
    send(kernel, wang, params={"channel": "王芳的第二条"}, link="//evil.example/phish")
    send(kernel, li, params={"channel": "李娜的私信"})
    client.login("wang")
    return wang, li


def test_the_inbox_lists_only_ones_own_notifications_unread_first(client, two_inboxes, kernel):
    wang, li = two_inboxes
    page = client.get("/activity/notifications").text
    assert "王芳的第一条" in page and "王芳的第二条" in page
    assert "李娜的私信" not in page
    assert page.index("王芳的第二条") < page.index("王芳的第一条"), "newest first"


def test_marking_read_updates_the_count_and_someone_elses_notification_is_not_found(client, two_inboxes,
                                                                                     kernel):
    wang, li = two_inboxes
    first, second = (i.id for i in inbox_of(kernel, wang))
    (hers,) = (i.id for i in inbox_of(kernel, li))
    for path in (f"/activity/notifications/{hers}/read", f"/activity/notifications/{hers}/open"):
        assert client.submit(path).status_code == 404
    assert inbox_of(kernel, li)[0].read_at is None
    # mark one read with htmx: the row comes back without its "mark read" button
    row = client.post(f"/activity/notifications/{first}/read", headers={
        "HX-Request": "true", "X-CSRF-Token": client.csrf()})
    assert row.status_code == 200 and f'id="activity-notification-{first}"' in row.text
    assert "/read" not in row.text
    assert bell_count(client) == "1"
    # read ones sink below unread ones
    page = client.get("/activity/notifications").text
    assert page.index("王芳的第二条") < page.index("王芳的第一条")
    client.submit("/activity/notifications/read-all")
    assert bell_count(client) is None
    assert inbox_of(kernel, li)[0].read_at is None, "someone else's stay unread"


def test_opening_a_notification_marks_it_read_and_goes_only_to_a_suite_path(client, two_inboxes, kernel):
    wang, _ = two_inboxes
    first, second = (i.id for i in inbox_of(kernel, wang))
    opened = client.submit(f"/activity/notifications/{first}/open", follow_redirects=False)
    assert (opened.status_code, opened.headers["location"]) == (303, "/notes/1")
    # a link that would leave the site goes to the inbox instead
    opened = client.submit(f"/activity/notifications/{second}/open", follow_redirects=False)
    assert opened.headers["location"] == "/activity/notifications"
    assert all(i.read_at is not None for i in inbox_of(kernel, wang))


def bell_count(client: Any) -> str | None:
    """The badge of the bell in the top bar (``topbar_items``), None when hidden."""
    page = client.get("/").text
    start = page.index('id="activity-bell-count"')
    tag_end = page.index(">", start)
    if " hidden" in page[start:tag_end]:
        return None
    return page[tag_end + 1:page.index("<", tag_end)]


def test_the_bell_in_the_top_bar_shows_the_unread_count(client, two_inboxes):
    # topbar_items: the activity plugin's bell links to the inbox and carries the count
    page = client.get("/").text
    assert 'class="ti ti-bell"' in page and 'href="/activity/notifications"' in page
    assert bell_count(client) == "2"
    assert 'data-stream="/activity/notifications/stream"' in page


def test_the_stream_sends_the_unread_count_at_once(client, two_inboxes, kernel):
    # a client that does not ask for a stream (EventSource does) gets the first event and the end
    answer = client.get("/activity/notifications/stream")
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert answer.text == "retry: 5000\nevent: unread\ndata: 2\n\n"


def test_the_channel_settings_need_the_permission(client, two_inboxes):
    assert client.get("/activity/notifications/channels").status_code == 403


# ------------------------------------------------------------------ live count, on a real server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(kernel):
    """The test kernel behind uvicorn on a loopback port, polling fast."""
    kernel.settings = replace(kernel.settings, threads=2, extra={
        **kernel.settings.extra, "notification_poll_seconds": 0.1, "notification_stream_seconds": 30})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(kernel.asgi(), host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(10)


def open_stream(port: int, cookie: str) -> tuple[http.client.HTTPConnection, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/activity/notifications/stream",
                 headers={"Cookie": cookie, "Accept": "text/event-stream"})
    response = conn.getresponse()
    assert response.status == 200
    return conn, response


def next_count(response: Any) -> str:
    """The data of the next ``unread`` event."""
    event = ""
    while True:
        line = response.fp.readline().decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == "unread":
            return line[6:]


def test_the_stream_pushes_a_new_count_and_holds_no_request_thread(served, kernel, make, client):
    wang = make.user(username="wang")
    client.login("wang")
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    # more open streams than the server has request threads (2)
    streams = [open_stream(served, cookie) for _ in range(4)]
    assert [next_count(r) for _, r in streams] == ["0"] * 4
    # a page still answers (were the streams holding the request threads, it
    # would wait for one until the socket's timeout and raise)
    conn = http.client.HTTPConnection("127.0.0.1", served, timeout=5)
    conn.request("GET", "/activity/notifications", headers={"Cookie": cookie})
    assert conn.getresponse().status == 200
    conn.close()
    # a notification from another transaction reaches every open stream
    send(kernel, wang)
    assert [next_count(r) for _, r in streams] == ["1"] * 4
    for c, _ in streams:
        c.close()


# ------------------------------------------------------------------ a channel of another plugin


SENT: list[tuple[str, str, str]] = []


class RecordingChannel(Channel):
    """A chat channel of a throwaway plugin: it "sends" by remembering."""

    key = "chat"
    label = "Chat"

    def address_of(self, user: Any) -> str:
        return f"chat-user-{user.id}"

    def enabled_for(self, session: Any, org_id: int) -> bool:
        return True

    def send(self, ctx: Any, delivery: Any, user: Any, rendered: Any) -> None:
        SENT.append((delivery.address, rendered.subject, rendered.short))


@pytest.fixture
def chat_kernel(kernel, base_settings, monkeypatch):
    SENT.clear()

    def activity_notification_channels() -> list[Channel]:
        return [RecordingChannel()]

    module = ModuleType("suanpan_test_chat")
    module.__path__ = []  # type: ignore[attr-defined]
    module.activity_notification_channels = hookimpl(activity_notification_channels)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    manifest = Manifest(name="chat", module=module.__name__, path=base_settings.var_dir, depends=("activity",))
    started = Kernel(base_settings, extra_plugins=[(manifest, module)])
    assert "chat" in started.enabled, started.errors
    yield started
    started.db.dispose()


def test_a_plugin_adds_a_channel_through_activity_notification_channels(chat_kernel, make, client):
    user = make.user(username="wang")
    with chat_kernel.db.session() as db:
        db.execute(update(User).where(User.id == user.id).values(locale="en"))
    send(chat_kernel, user)
    assert deliveries(chat_kernel) == [("chat", f"chat-user-{user.id}", "queued")]
    assert run_jobs(chat_kernel) == 1
    sent = [(f"chat-user-{user.id}", "Test message from Suanpan", "[Suanpan] Test message from Suanpan")]
    assert sent == SENT
    assert deliveries(chat_kernel) == [("chat", f"chat-user-{user.id}", "sent")]
    # the channel is offered on the preferences page like the built-in ones
    with type(client)(chat_kernel.asgi(), base_url="http://testserver") as browser:
        browser.login("wang")
        assert 'name="chat:system"' in browser.get("/activity/notifications/preferences").text
