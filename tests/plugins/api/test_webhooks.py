"""Outgoing webhooks: signed, queued with the change, retried, logged, replayed."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from core import clock
from core.jobs import Worker
from core.models import Job
from plugins.api.models import Delivery, Webhook


class Receiver:
    """A local HTTP server that records what it gets and answers ``status``."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"boom")

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def subscribe(kernel: Any) -> Any:
    def make_hook(owner: Any, url: str, events: str = "notes.note.created") -> int:
        with kernel.db.session() as db:
            hook = Webhook(org_id=owner.org_id, owner_id=owner.id, name="ERP", url=url,
                           secret="s3cret", events=events, active=True)
            db.add(hook)
            db.flush()
            return int(hook.id)

    return make_hook


def _deliveries(kernel: Any) -> list[Delivery]:
    with kernel.db.session(write=False) as db:
        return list(db.scalars(select(Delivery).order_by(Delivery.id)))


def test_a_created_note_is_posted_signed_with_the_secret(kernel, make, api, receiver, subscribe):
    root = make.user(username="root")
    subscribe(root, receiver.url)
    created = api(root).post("/api/v1/notes/note", json={"title": "新客户"}).json()
    assert Worker(kernel).run_pending() == 1
    headers, body = receiver.requests[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Suanpan-Signature"] == expected
    assert headers["X-Suanpan-Event"] == "notes.note.created"
    payload = json.loads(body)
    assert payload["id"] == created["id"] and payload["record"]["title"] == "新客户"
    [delivery] = _deliveries(kernel)
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("delivered", 200, 1)


def test_a_500_is_logged_and_retried(kernel, make, api, receiver, subscribe):
    root = make.user(username="root")
    subscribe(root, receiver.url)
    receiver.statuses = [500]
    api(root).post("/api/v1/notes/note", json={"title": "重试"})
    Worker(kernel).run_pending()
    [delivery] = _deliveries(kernel)
    assert (delivery.status, delivery.response_code, delivery.response_excerpt) == ("failed", 500, "boom")
    with kernel.db.session(write=False) as db:
        job = db.scalar(select(Job).where(Job.task == "api.deliver"))
        assert job.state == "queued" and job.attempts == 1
    with clock.use(clock.FakeClock(clock.now() + timedelta(minutes=5))):
        Worker(kernel).run_pending()
    assert len(receiver.requests) == 2
    [delivery] = _deliveries(kernel)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


def test_replay_sends_a_delivery_again(kernel, make, api, receiver, subscribe, client):
    root = make.user(username="root")
    subscribe(root, receiver.url)
    api(root).post("/api/v1/notes/note", json={"title": "重放"})
    Worker(kernel).run_pending()
    client.login("root")
    assert "notes.note.created" in client.get("/api/webhooks/deliveries").text
    first = _deliveries(kernel)[0]
    response = client.submit(f"/api/webhooks/deliveries/{first.id}/replay", follow_redirects=False)
    assert response.status_code == 303
    Worker(kernel).run_pending()
    assert len(receiver.requests) == 2 and receiver.requests[0][1] == receiver.requests[1][1]
    assert _deliveries(kernel)[1].replay_of_id == first.id


def test_a_rolled_back_change_sends_nothing(kernel, make, api, receiver, subscribe):
    root = make.user(username="root")
    subscribe(root, receiver.url)
    refused = api(root).post("/api/v1/notes/note", json={"title": ""})
    assert refused.status_code == 422
    with pytest.raises(RuntimeError), kernel.db.session() as db:
        from suanpan_notes.models import Note

        db.add(Note(org_id=root.org_id, owner_id=root.id, title="回滚"))
        db.flush()
        raise RuntimeError("the change fails after the flush")
    assert Worker(kernel).run_pending() == 0
    assert receiver.requests == [] and _deliveries(kernel) == []


def test_another_orgs_records_do_not_reach_this_orgs_webhook(kernel, make, api, receiver, subscribe):
    root = make.user(username="root")
    subscribe(root, receiver.url)
    other = make.user(org=make.org("乙公司"), username="other")
    api(other).post("/api/v1/notes/note", json={"title": "乙的笔记"})
    assert Worker(kernel).run_pending() == 0 and receiver.requests == []


def test_webhooks_are_set_up_on_their_pages(kernel, make, client, receiver):
    make.user(username="root")
    client.login("root")
    response = client.submit("/api/webhooks", {"name": "ERP", "url": receiver.url,
                                               "events": "notes.note.created\nnotes.note.transitioned",
                                               "active": "1"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    bad = client.submit("/api/webhooks", {"name": "x", "url": "ftp://x", "events": "nope.created"})
    assert bad.status_code == 422
    with kernel.db.session(write=False) as db:
        hook = db.scalar(select(Webhook))
        assert hook.secret and hook.wants("notes.note.transitioned")


def test_a_webhooks_secret_is_never_shown_back(kernel, make, client, api, receiver):
    root = make.user(username="root")
    client.login("root")
    client.submit("/api/webhooks", {"name": "ERP", "url": receiver.url, "events": "notes.note.created",
                                    "secret": "s3cret-value", "active": "1"})
    with kernel.db.session(write=False) as db:
        hook_id = db.scalar(select(Webhook.id))
    assert "s3cret-value" not in client.get(f"/api/webhooks/{hook_id}/edit").text
    assert "s3cret-value" not in client.get(f"/api/webhooks/{hook_id}").text
    shown = api(root).get(f"/api/v1/api/webhook/{hook_id}")
    assert shown.status_code == 200 and "secret" not in shown.json()
    # saving the form with the field left empty keeps it
    version = shown.json()["version"]
    client.submit(f"/api/webhooks/{hook_id}", {"name": "ERP", "url": receiver.url, "events": "notes.note.created",
                                               "secret": "", "active": "1", "version": str(version)})
    with kernel.db.session(write=False) as db:
        assert db.get(Webhook, hook_id).secret == "s3cret-value"
