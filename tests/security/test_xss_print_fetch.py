"""Printing never fetches (design rule 10), for every print declaration.

A canary on 127.0.0.1 counts every TCP connection it accepts (an HTTP
request, a TLS handshake, a redirect's next hop alike) and redirects
``/r1`` -> ``/r2`` -> ``file:///etc/passwd``.

Given, for every declared print (``kernel.registry.prints``), a record of
its model whose every free-text column holds a URL of the canary (plain,
https, the redirect, ``file:///etc/passwd``, markup naming them); when the
document prints with its default template, with an administrator's template
that pulls images, stylesheets, fonts, objects and attachments from those
URLs and from each field's value, and in the template editor's preview;
then every print comes out as a PDF, none has an embedded file, and the
canary never saw a connection.
"""

from __future__ import annotations

import html
import re
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import xss_support
from sqlalchemy import select
from xss_support import AppClient, Packer, Payload, seed

from core.app import Kernel
from core.models import User
from core.permissions import load_actor


class Canary(ThreadingHTTPServer):
    """Counts connections before reading a byte of them."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CanaryHandler)
        self.connections = 0
        self.paths: list[str] = []

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.connections += 1
        return True

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class CanaryHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        server = self.server
        assert isinstance(server, Canary)
        server.paths.append(self.path)
        hops = {"/r1": "/r2", "/r2": "file:///etc/passwd"}
        if self.path in hops:
            self.send_response(302)
            self.send_header("Location", hops[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"body { color: red }" if self.path.endswith(".css") else b"\x89PNG\r\n\x1a\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the standard library's name
        pass


@pytest.fixture
def canary() -> Iterator[Canary]:
    server = Canary()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def hostile_urls(base: str) -> list[str]:
    """What a field may hold that names something outside the installation."""
    host = base.removeprefix("http://")
    return [
        f"{base}/field.png", f"https://{host}/field.css", f"{base}/r1", "file:///etc/passwd",
        f"//{host}/protocol-relative.png", f'<img src="{base}/markup.png">',
        f'<link rel="attachment" href="{base}/attachment.txt">', f"url({base}/css.png)",
        '<a rel="attachment" href="file:///etc/passwd">x</a>', f"{base}/r1#x",
    ]


def hostile_template(base: str) -> str:
    """An administrator's template that asks for the outside in every way
    WeasyPrint loads something, and uses every field's value as a URL."""
    host = base.removeprefix("http://")
    return f"""{{% extends "print/layout.html" %}}
{{% block content %}}
<style>
@import url({base}/import.css);
@font-face {{ font-family: x; src: url({base}/font.woff); }}
body {{ background: url({base}/bg.png); font-family: x; }}
li {{ list-style-image: url(https://{host}/bullet.png); }}
p::before {{ content: url({base}/r1); }}
div {{ border-image: url(file:///etc/passwd) 30; }}
</style>
<link rel="stylesheet" href="{base}/style.css">
<link rel="attachment" href="{base}/attached.txt">
<link rel="attachment" href="file:///etc/passwd">
<a rel="attachment" href="{base}/r1">attached</a>
<img src="{base}/img.png"><img src="{base}/r1"><img src="file:///etc/passwd"><img src="//{host}/pr.png">
<object data="{base}/object.svg"></object><embed src="{base}/embed.svg">
<svg width="10" height="10"><image href="{base}/svg-image.png" width="10" height="10"/></svg>
<input type="image" src="{base}/input.png"><video src="{base}/v.mp4"></video><iframe src="{base}/frame"></iframe>
<ul><li>x</li></ul><p>x</p><div>x</div>
{{% for f in fields %}}<img src="{{{{ f.value }}}}"><a rel="attachment" href="{{{{ f.value }}}}">{{{{ f.label }}}}</a>
<div style="background: url('{{{{ f.value }}}}')">{{{{ f.text }}}}</div>{{% endfor %}}
{{% endblock %}}"""


def embedded_files(pdf: bytes) -> list[str]:
    """pdfdetach's list: the files a PDF carries."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:  # pdfdetach seeks: no pipe
        file.write(pdf)
        file.flush()
        done = subprocess.run(["pdfdetach", "-list", file.name], capture_output=True, check=True, timeout=60)
    lines = done.stdout.decode().splitlines()
    assert lines and lines[0].endswith("embedded files"), lines
    return lines[1:]


def test_the_canary_sees_a_request_and_follows_its_redirects(canary: Canary) -> None:
    """The control: a connection to the canary is counted, and /r1 redirects."""
    with pytest.raises(urllib.error.URLError):  # urllib follows to /r2, then refuses file:
        urllib.request.urlopen(f"{canary.base}/r1", timeout=5)
    assert canary.connections == 2 and canary.paths == ["/r1", "/r2"]


def test_pdfdetach_lists_an_embedded_file(kernel: Kernel) -> None:
    """The control: a PDF with an attachment (WeasyPrint's own) is seen as one."""
    from weasyprint import HTML, Attachment

    pdf = HTML(string="<p>x</p>").write_pdf(attachments=[Attachment(string="x", base_url="/")])
    assert len(embedded_files(pdf)) == 1


@pytest.fixture
def owner(make: Any) -> User:
    return xss_support.make_owner(make)


@pytest.fixture
def app_client(kernel: Kernel, owner: User) -> Iterator[AppClient]:
    with xss_support.app_client(kernel, owner.username) as client:
        yield client


def test_no_print_fetches_anything(kernel: Kernel, owner: User, app_client: AppClient, canary: Canary) -> None:
    if "printing" not in kernel.enabled:
        pytest.fail("the printing plugin is not enabled")
    from plugins.printing import versions

    prints = kernel.registry.prints
    assert prints, "no print is declared"
    urls = [Payload(n, url) for n, url in enumerate(hostile_urls(canary.base), 1)]
    seeded = seed(kernel, owner, Packer(urls, one_each=True), per_model=1)
    with kernel.db.session(write=False) as db:
        user = db.get(User, owner.id)
        assert user is not None
        actor = load_actor(db, user, all_codes=set(kernel.registry.permissions))
    failures: list[str] = []
    template = hostile_template(canary.base)
    for key, decl in prints.items():
        record_id = seeded.first(decl.model.__model_key__)
        if record_id is None:
            failures.append(f"{key}: no record of {decl.model.__model_key__} ({seeded.failed})")
            continue
        path = kernel.url_path_for("printing:document_pdf", key=key, id=record_id)
        failures += _printed(app_client, f"{key} (default template)", path)
        with kernel.db.session() as db:
            versions.save(db, actor, decl, template, "xss")
        failures += _printed(app_client, f"{key} (hostile template)", path)
        preview = app_client.post(kernel.url_path_for("printing:template_preview", key=key), data={
            "csrf_token": app_client.csrf(), "source": template, "record": str(record_id)})
        if preview.status_code != 200 or "data:application/pdf;base64," not in preview.text:
            failures.append(f"{key} (preview): {preview.status_code} {preview.text[:200]}")
            continue
        # the preview names what it did not load: the template's URLs and the fields' values were asked for
        refused = set(re.findall(r"(?:https?:|file:)//[!#-&(-;=?-~]+", html.unescape(preview.text)))
        for wanted in (f"{canary.base}/img.png", f"{canary.base}/import.css", "file:///etc/passwd"):
            if wanted not in refused:
                failures.append(f"{key} (preview): {wanted} was not even asked for")
        if not refused & {u.text for u in urls}:
            failures.append(f"{key} (preview): no field's URL was asked for: {sorted(refused)}")
    assert not failures, "\n".join(failures)
    assert canary.connections == 0, f"prints reached the canary: {canary.paths}"
    with kernel.db.session(write=False) as db:
        from plugins.printing.models import PrintTemplate

        assert len(db.scalars(select(PrintTemplate)).all()) == len(prints), "every print used the hostile template"


def _printed(client: Any, label: str, path: str) -> list[str]:
    response = client.get(path)
    if response.status_code != 200 or not response.content.startswith(b"%PDF"):
        return [f"{label}: {response.status_code} {response.text[:300]}"]
    problems = []
    if embedded_files(response.content):
        problems.append(f"{label}: the PDF carries files {embedded_files(response.content)}")
    message = EmailMessage()
    message["Content-Disposition"] = response.headers["content-disposition"]
    if not message.get_filename() or "/" in message.get_filename("") or "\r" in response.headers["content-disposition"]:
        problems.append(f"{label}: Content-Disposition {response.headers['content-disposition']!r}")
    return problems
