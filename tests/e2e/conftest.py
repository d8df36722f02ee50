"""Real-browser fixtures: a ``suanpan serve`` subprocess on its own SQLite
database with the demo data, and Chromium driven by Playwright.

The served app always runs on SQLite in a temporary var dir, whatever
``SUANPAN_DATABASE_URL`` says: the in-process suite may be using the
PostgreSQL ``test`` database at the same time.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ADMIN_PASSWORD = "e2e-admin-password-算盘"
DESKTOP = {"width": 1366, "height": 800}


@dataclass(frozen=True)
class Server:
    url: str
    admin_password: str
    var_dir: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(var_dir: Path, plugins: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUANPAN_")}
    env.update({
        "SUANPAN_VAR_DIR": str(var_dir),
        "SUANPAN_DATABASE_URL": f"sqlite:///{(var_dir / 'suanpan.db').as_posix()}",
        "SUANPAN_CONFIG": str(var_dir / "no-suanpan.toml"),  # ignore a developer's suanpan.toml
        "SUANPAN_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PYTHONPATH": os.pathsep.join(p for p in (str(plugins), env.get("PYTHONPATH", "")) if p),
        "PYTHONWARNINGS": "ignore",
    })
    return env


def demo_ids(server: Any, plugins: Path, script: str) -> dict[str, Any]:
    """Run ``script`` (Python that prints one JSON object last) against the
    server's database, in the server's environment: the ids of demo records
    a browser test opens. A script that fails fails the test with its stderr."""
    import json

    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=_server_env(server.var_dir, plugins),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"suanpan serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"suanpan serve did not answer within {timeout}s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, example_plugin: Path) -> Iterator[Server]:
    """``suanpan setup`` then ``suanpan serve`` on a free port, with the notes plugin."""
    var_dir = tmp_path_factory.mktemp("e2e-var")
    env = _server_env(var_dir, example_plugin)
    setup = subprocess.run([str(BIN / "suanpan"), "setup"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert setup.returncode == 0, f"suanpan setup failed:\n{setup.stdout}\n{setup.stderr}"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = var_dir / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BIN / "suanpan"), "serve", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(proc, url, log)
        yield Server(url, ADMIN_PASSWORD, var_dir, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


_OPEN_REQUESTS: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def _track_requests(page: Any) -> None:
    """Remember the requests ``page`` has open, so a page that never settles says which."""
    open_ = _OPEN_REQUESTS.setdefault(page, set())
    page.on("request", lambda r: open_.add(f"{r.resource_type} {r.url}"))
    page.on("requestfinished", lambda r: open_.discard(f"{r.resource_type} {r.url}"))
    page.on("requestfailed", lambda r: open_.discard(f"{r.resource_type} {r.url}"))


def _open_requests(page: Any) -> set[str]:
    return _OPEN_REQUESTS.get(page, set())


@pytest.fixture(scope="session")
def browser(chromium: Any) -> Any:
    """The process's Chromium (tests/conftest.py)."""
    return chromium


@pytest.fixture
def new_page(browser: Any, server: Server) -> Iterator[Any]:
    """Open pages in fresh browser contexts (own cookies), all closed afterwards."""
    contexts: list[Any] = []

    def factory(viewport: dict[str, int] = DESKTOP, locale: str = "zh-CN") -> Any:
        context = browser.new_context(base_url=server.url, viewport=viewport, locale=locale,
                                      timezone_id="Asia/Shanghai")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        _track_requests(page)
        return page

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Any) -> Any:
    """An anonymous desktop page (1366x800, zh-CN browser)."""
    return new_page()


def log_in(page: Any, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
    page.goto("/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def login() -> Any:
    """``login(page, username="admin", password=<admin password>)`` through the form."""
    return log_in


@pytest.fixture
def admin_page(page: Any) -> Any:
    """A desktop page logged in as the administrator."""
    log_in(page)
    return page


#: where the screenshots the docs show are saved
SCREENSHOTS = ROOT / "docs" / "screenshots"

#: a screenshot waits this long for its page to settle (a slow CI day, not a speed check)
SETTLE_MS = 30_000

_SETTLED = """() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')
  && document.fonts.status === 'loaded'
  && Array.from(document.images).every(img => img.complete)"""


def settle(page: Any) -> None:
    """Wait until ``page`` is ready to be photographed: loaded, no htmx request in
    flight or swapping, fonts and images in. Not Playwright's "networkidle": it
    waits for 500 ms without any request, which a busy CI machine twice failed
    to give within 30 s on a plain page; what a picture needs is named here."""
    try:
        page.wait_for_load_state("load", timeout=SETTLE_MS)
        page.wait_for_function(_SETTLED, timeout=SETTLE_MS, polling=100)
    except PlaywrightTimeoutError as exc:
        raise AssertionError(f"{page.url} did not settle within {SETTLE_MS} ms; requests still open: "
                             f"{sorted(_open_requests(page)) or 'none'}") from exc


def shoot(page: Any, target: str | Path, *, full_page: bool = True, tall: bool = False) -> None:
    """Save a screenshot of ``page`` once it settled: at ``target``, a path, or
    ``docs/screenshots/<target>`` for a bare name (".png" added when missing).

    ``full_page``: the whole scrolled page (else the viewport). ``tall``: a
    viewport as tall as the page, so the fixed sidebar reaches the bottom as it
    does on screen."""
    path = Path(target) if isinstance(target, Path) else SCREENSHOTS / target
    if not path.suffix:
        path = path.with_suffix(".png")
    settle(page)
    path.parent.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    if tall:
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    try:
        page.screenshot(path=str(path), animations="disabled", caret="hide", full_page=full_page and not tall)
    finally:
        if tall:
            page.set_viewport_size(viewport)
