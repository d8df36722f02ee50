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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

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
        return context.new_page()

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


def shoot_full_page(page: Any, path: Path) -> None:
    """Save a full-page screenshot of ``page`` at ``path`` once its requests and fonts settled."""
    page.wait_for_load_state("networkidle", timeout=30_000)  # a screenshot, not a speed check
    page.evaluate("document.fonts.ready")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), animations="disabled", caret="hide", full_page=True)
