"""Rendering never fetches anything outside the installation (design rule
10): images, stylesheets and @imports of other hosts or files are refused
without a request, the print still comes out without them, the editor says
which URL was refused, and such a template is not saved.

A local HTTP server stands in for "outside": it must never see a request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from printing_support import pdf_pages

from core import static_dirs
from plugins.printing.fetcher import BASE_URL, LocalFetcher, Refused

EDITOR = "/printing/templates/notes.expense"


class Recorder(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        Recorder.seen.append(self.path)
        body = b"body { color: red }" if self.path.endswith(".css") else b"\x89PNG\r\n\x1a\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the standard library's name
        pass


@pytest.fixture
def outside() -> Iterator[str]:
    """``http://127.0.0.1:<port>``: a server on this machine that records every request."""
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_local_server_answers_when_asked_directly(outside):
    """The control: the server does record what reaches it."""
    import urllib.request

    with urllib.request.urlopen(f"{outside}/probe.css", timeout=5) as answer:
        assert answer.status == 200
    assert Recorder.seen == ["/probe.css"]


def test_images_stylesheets_imports_and_files_from_outside_are_refused_without_a_request(
        kernel, client, admin, hq, expense, outside):
    claim = expense(admin)
    urls = [f"{outside}/logo.png", f"{outside}/print.css", f"{outside}/imported.css", f"{outside}/bg.png",
            "file:///etc/passwd", "https://example.com/tracker.gif"]
    source = f"""{{% extends "print/layout.html" %}}
{{% block content %}}
<style>@import url({urls[2]});</style>
<link rel="stylesheet" href="{urls[1]}">
<p style="background: url({urls[3]})">{{{{ doc.title }}}}</p>
<img src="{urls[0]}"><img src="{urls[4]}"><img src="{urls[5]}">
{{% endblock %}}"""
    # when an administrator previews the template on a real claim
    preview = client.submit(f"{EDITOR}/preview", {"source": source, "record": str(claim)})
    # then the PDF still comes out, every outside URL is named as not loaded, and none was requested
    assert 'src="data:application/pdf;base64,' in preview.text
    for url in urls:
        assert f"未加载：{url}" in preview.text, url
    assert Recorder.seen == []
    # and saving the template is refused, for the same reasons
    saved = client.submit(EDITOR, {"source": source, "record": str(claim)})
    assert saved.status_code == 422 and f"未加载：{urls[0]}" in saved.text
    assert Recorder.seen == []


def test_the_suites_own_static_files_and_data_urls_are_served(kernel):
    fetcher = LocalFetcher(static_dirs(kernel.settings))
    css = fetcher.fetch(f"{BASE_URL}static/theme/suanpan.css")
    assert css.content_type == "text/css" and css.read()
    data = fetcher.fetch("data:text/plain;base64,5Lit5paH")
    assert data.read().decode() == "中文"
    assert fetcher.refused == []


@pytest.mark.parametrize("url", [
    f"{BASE_URL}static/theme/../../../../etc/passwd",
    f"{BASE_URL}static/theme/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    f"{BASE_URL}static/vendor/htmx/../../../pyproject.toml",
    f"{BASE_URL}etc/passwd",
    "https://suanpan.invalid.example.com/static/theme/suanpan.css",
    "http://suanpan.invalid/static/theme/suanpan.css",
    "file:///etc/passwd",
    "ftp://127.0.0.1/x",
])
def test_paths_out_of_the_static_folders_are_refused(kernel, url):
    fetcher = LocalFetcher(static_dirs(kernel.settings))
    with pytest.raises(Refused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_a_symlink_out_of_a_static_folder_is_refused(tmp_path: Path):
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "secret").symlink_to("/etc/passwd")
    fetcher = LocalFetcher({"/static/theme": folder})
    with pytest.raises(Refused):
        fetcher.fetch(f"{BASE_URL}static/theme/secret")


def test_a_printed_document_with_a_refused_image_still_prints(kernel, client, admin, hq, expense, outside):
    # given a saved template naming an outside image (saved with no record to preview on, the
    # editor checks only the template's text), written here as a version directly
    from printing_support import actor_of

    from plugins.printing import versions

    claim = expense(admin)
    source = f'{{% extends "print/layout.html" %}}{{% block content %}}<img src="{outside}/x.png">ok{{% endblock %}}'
    with kernel.db.session() as db:
        versions.save(db, actor_of(kernel, admin), kernel.registry.prints["notes.expense"], source)
    response = client.get(f"/printing/documents/notes.expense/{claim}")
    assert response.status_code == 200 and pdf_pages(response.content) == 1
    assert Recorder.seen == []
