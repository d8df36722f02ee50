"""Outgoing webhooks: signed, queued with the change, retried, logged, replayed."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
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
from plugins.api import webhook_targets
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
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """The local receiver, let through the loopback rule for this test only.

    Webhooks may not go to the server itself; these tests' receiver is on
    127.0.0.1, so its exact address and port go into ``EXEMPT`` (empty in
    an installation, fillable only by code, restored after the test)."""
    r = Receiver()
    monkeypatch.setattr(webhook_targets, "EXEMPT", frozenset({("127.0.0.1", r.port)}))
    yield r
    r.close()


@pytest.fixture
def bare_receiver() -> Iterator[Receiver]:
    """A local receiver without the exemption: what an installation sees."""
    r = Receiver()
    yield r
    r.close()


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


# ------------------------------------------------------------------ where webhooks may go


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://[::1]/", "http://169.254.169.254/latest"])
def test_a_webhook_to_the_server_itself_or_the_metadata_address_is_refused_on_the_url(kernel, make, client, url):
    make.user(username="root")
    client.login("root")
    # when the administrator saves a webhook to the server itself or the cloud metadata address
    refused = client.submit("/api/webhooks", {"name": "内网", "url": url, "events": "notes.note.created"})
    # then the form comes back with the error under the URL, naming it, and nothing is saved
    assert refused.status_code == 422
    error = re.search(r'id="f-url-err">([^<]*)<', refused.text)
    assert error and error.group(1).startswith("网址：该主机"), refused.text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Webhook)) is None


def test_the_refusal_is_in_the_readers_language(make, client):
    make.user(username="root")
    client.login("root")
    refused = client.submit("/api/webhooks", {"name": "x", "url": "http://169.254.169.254/latest",
                                              "events": "notes.note.created"}, headers={"Accept-Language": "en"})
    error = re.search(r'id="f-url-err">([^<]*)<', refused.text)
    assert error and error.group(1).startswith("URL: this host has a link-local address")


def test_a_webhook_to_a_private_network_address_is_accepted(kernel, make, client):
    make.user(username="root")
    client.login("root")
    response = client.submit("/api/webhooks", {"name": "ERP", "url": "http://10.1.2.3/hook",
                                               "events": "notes.note.created", "active": "1"},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Webhook.url)) == "http://10.1.2.3/hook"


def test_the_api_refuses_a_webhook_to_the_server_itself_naming_the_url(make, api):
    root = make.user(username="root")
    refused = api(root).post("/api/v1/api/webhook", json={"name": "x", "url": "http://localhost/",
                                                         "events": "notes.note.created"})
    assert refused.status_code == 422
    [problem] = refused.json()["errors"]
    assert problem["name"] == "url" and problem["detail"].startswith("网址：该主机就是本服务器（环回地址）")


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.1.2.3", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("64:ff9b::7f00:1", "loopback"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("0.0.0.0", "unspecified"), ("0.1.2.3", "unspecified"), ("::", "unspecified"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("10.1.2.3", None), ("172.16.0.9", None), ("192.168.1.20", None), ("fd12:3456::1", None),
    ("::ffff:192.168.1.20", None), ("100.64.0.1", None), ("8.8.8.8", None), ("2001:4860::8888", None),
])
def test_which_addresses_webhooks_may_reach(address, kind):
    assert webhook_targets.problem(address) == kind


def test_a_delivery_to_a_host_that_resolves_to_loopback_is_refused_and_logged_failed(
        kernel, make, api, bare_receiver, subscribe):
    # given a webhook to "localhost" (saved before the rule, or written around the form),
    # and something listening there
    root = make.user(username="root")
    subscribe(root, f"http://localhost:{bare_receiver.port}/hook")
    api(root).post("/api/v1/notes/note", json={"title": "本机"})
    # when the job runs
    Worker(kernel).run_pending()
    # then nothing is sent and the delivery is logged as failed, saying why
    assert bare_receiver.requests == []
    [delivery] = _deliveries(kernel)
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("failed", None, 1)
    assert "loopback address" in delivery.response_excerpt
    with kernel.db.session(write=False) as db:
        job = db.scalar(select(Job).where(Job.task == "api.deliver"))
        assert job.state == "queued" and "loopback" in job.log


def test_a_name_that_resolves_to_loopback_after_saving_is_refused_at_delivery(
        kernel, make, client, api, bare_receiver, monkeypatch):
    # given a webhook to a name that resolved to a LAN address when it was saved
    answers = {"erp.example.test": "10.1.2.3"}
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kw: Any) -> Any:
        if host in answers:
            return real(answers[host], port, *args, **kw)
        return real(host, port, *args, **kw)

    monkeypatch.setattr(webhook_targets.socket, "getaddrinfo", getaddrinfo)
    root = make.user(username="root")
    client.login("root")
    saved = client.submit("/api/webhooks", {"name": "ERP", "url": f"http://erp.example.test:{bare_receiver.port}/h",
                                            "events": "notes.note.created", "active": "1"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    # when the name now resolves to the server itself (DNS rebinding)
    answers["erp.example.test"] = "127.0.0.1"
    api(root).post("/api/v1/notes/note", json={"title": "换绑"})
    Worker(kernel).run_pending()
    # then the delivery is refused before any connection
    assert bare_receiver.requests == []
    [delivery] = _deliveries(kernel)
    assert delivery.status == "failed" and "127.0.0.1 is a loopback address" in delivery.response_excerpt


def test_a_delivery_goes_to_the_address_that_was_checked_under_the_urls_host(
        kernel, make, api, receiver, subscribe, monkeypatch):
    real = socket.getaddrinfo
    looked_up: list[str] = []

    def getaddrinfo(host: str, port: Any, *args: Any, **kw: Any) -> Any:
        looked_up.append(host)
        return real("127.0.0.1" if host == "erp.example.test" else host, port, *args, **kw)

    monkeypatch.setattr(webhook_targets.socket, "getaddrinfo", getaddrinfo)
    root = make.user(username="root")
    subscribe(root, f"http://erp.example.test:{receiver.port}/hook?src=suanpan")
    api(root).post("/api/v1/notes/note", json={"title": "固定地址"})
    assert Worker(kernel).run_pending() == 1
    # the name resolved once (then only the checked address, numeric), connected to with the name as Host
    assert looked_up.count("erp.example.test") == 1 and set(looked_up) <= {"erp.example.test", "127.0.0.1"}
    headers, _body = receiver.requests[0]
    assert headers["Host"] == f"erp.example.test:{receiver.port}"
    assert _deliveries(kernel)[0].status == "delivered"


def test_a_redirect_is_not_followed(kernel, make, api, receiver, subscribe):
    root = make.user(username="root")
    subscribe(root, receiver.url)
    receiver.statuses = [302]
    api(root).post("/api/v1/notes/note", json={"title": "跳转"})
    Worker(kernel).run_pending()
    [delivery] = _deliveries(kernel)
    assert (delivery.status, delivery.response_code) == ("failed", 302) and len(receiver.requests) == 1
