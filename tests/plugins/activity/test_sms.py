"""SMS through the HTTP gateway: a local HTTP server (a thread of the test)
plays the provider, checks nothing itself and records every request, so the
tests read what the suite sent and verify its signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from activity_notify_support import deliveries, jobs, reachable, run_jobs, send
from sqlalchemy import select

from core import clock
from core.clock import FakeClock
from plugins.activity.models import ChannelSettings

KEY = "gw-key-0123456789abcdef"


class Gateway(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Recorder)
        self.requests: list[dict[str, Any]] = []
        self.status = 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sms/send"


class Recorder(BaseHTTPRequestHandler):
    server: Gateway

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        answer = json.dumps({"id": f"msg-{len(self.server.requests)}"}).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway():
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def sms_on(client, admin, gateway):
    answer = client.submit("/activity/notifications/channels/sms", {
        "enabled": "on", "url": gateway.url, "api_key": KEY, "sender": "算盘"}, follow_redirects=False)
    assert answer.status_code == 303


def test_an_urgent_notification_is_sent_as_a_signed_sms(kernel, make, sms_on, gateway):
    user = reachable(kernel, make.user(), phone="13800138000")
    send(kernel, user)  # not urgent: no SMS
    send(kernel, user, urgent=True, subject="Test message from Suanpan")
    assert run_jobs(kernel) == 1
    (request,) = gateway.requests
    body = request["body"]
    assert json.loads(body) == {"to": "13800138000", "text": "【算盘】算盘测试消息", "sender": "算盘"}
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"
    expected = hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request["headers"]["X-Suanpan-Signature"], expected)
    assert request["headers"]["Idempotency-Key"].startswith("activity.deliver:")
    assert deliveries(kernel) == [("sms", "13800138000", "sent")]


def test_a_gateway_error_fails_the_job_which_is_retried(kernel, make, sms_on, gateway):
    user = reachable(kernel, make.user(), phone="13800138000")
    gateway.status = 500
    fake = FakeClock(datetime.now(UTC).replace(microsecond=0))
    with clock.use(fake):
        send(kernel, user, urgent=True)
        assert run_jobs(kernel) == 1
        (job,) = jobs(kernel)
        assert (job.state, job.attempts, job.last_error) == ("queued", 1, "RuntimeError: SMS gateway answered 500")
        assert deliveries(kernel) == [("sms", "13800138000", "failed")]
        gateway.status = 200
        fake.advance(minutes=5)
        assert run_jobs(kernel) == 1
    assert len(gateway.requests) == 2, "one refused, one accepted"
    assert deliveries(kernel) == [("sms", "13800138000", "sent")]
    assert jobs(kernel)[0].state == "done"


def test_the_api_key_is_write_only(kernel, client, sms_on):
    page = client.get("/activity/notifications/channels").text
    assert KEY not in page
    client.submit("/activity/notifications/channels/sms", {"enabled": "on", "url": "https://sms.example.cn/send",
                                                         "api_key": "", "sender": "算盘"})
    with kernel.db.session(write=False) as db:
        config = db.scalar(select(ChannelSettings.config).where(ChannelSettings.channel == "sms"))
    assert config == {"url": "https://sms.example.cn/send", "sender": "算盘", "api_key": KEY}


def test_a_key_that_cannot_travel_in_a_header_is_refused(client, sms_on):
    answer = client.submit("/activity/notifications/channels/sms", {
        "enabled": "on", "url": "https://sms.example.cn/send", "api_key": "密钥", "sender": ""})
    assert answer.status_code == 422 and "is-invalid" in answer.text


def test_the_test_button_sends_an_sms_at_once(client, sms_on, gateway):
    answer = client.submit("/activity/notifications/channels/sms/test", {"to": "13900139000"})
    assert answer.status_code == 200 and "13900139000" in answer.text
    assert json.loads(gateway.requests[0]["body"])["to"] == "13900139000"
