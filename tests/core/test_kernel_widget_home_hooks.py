"""The kernel's side of two workbench hooks, through throwaway plugins:
``register_widgets`` is checked at start-up, ``home_page`` lets the first
plugin that answers own the page at ``/``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from starlette.responses import HTMLResponse

from core import WidgetDecl, hookimpl
from core.plugins import Manifest


@pytest.fixture
def throwaway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[Manifest, ModuleType]]:
    def make_plugin(name: str, **hooks: Callable[..., Any]) -> tuple[Manifest, ModuleType]:
        package = f"suanpan_test_{name}"
        module = ModuleType(package)
        module.__path__ = []  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, package, module)
        for hook_name, fn in hooks.items():
            setattr(module, hook_name, hookimpl(fn))
        return Manifest(name=name, module=package, path=tmp_path), module

    return make_plugin


def test_register_widgets_keeps_a_valid_widget(throwaway, start):
    def register_widgets():
        return [WidgetDecl("board.today", "Today", "board/_today.html", lambda ctx: {}, size="sm")]

    kernel = start(throwaway("board", register_widgets=register_widgets))
    assert "board" not in kernel.errors
    assert kernel.registry.widgets["board.today"].size == "sm"


def test_register_widgets_refuses_an_unknown_size_or_permission(throwaway, start):
    def register_widgets():
        return [WidgetDecl("board.huge", "Huge", "board/_huge.html", lambda ctx: {}, size="xl",
                           permission="board.widget.read")]

    kernel = start(throwaway("board", register_widgets=register_widgets))
    assert "widget 'board.huge' needs an undeclared permission" in kernel.errors["board"]
    assert "board.huge" not in kernel.registry.widgets


def without_dashboard(kernel) -> list[str]:
    """The enabled plugins but the dashboard, whose workbench answers home_page too."""
    return [name for name in kernel.enabled if name != "dashboard"] + ["board"]


def test_home_page_of_the_first_plugin_that_answers_is_the_workbench(kernel, throwaway, start, browser, make):
    def home_page(ctx):
        return HTMLResponse(f"<h1>{ctx.user.display_name} 的工作台</h1>")

    kernel = start(throwaway("board", home_page=home_page), plugins=without_dashboard(kernel))
    make.user(username="lina", name="李娜")
    client = browser(kernel)
    client.login("lina")
    assert "李娜 的工作台" in client.get("/").text


def test_home_page_answering_none_leaves_the_kernels_workbench(kernel, throwaway, start, browser, make):
    kernel = start(throwaway("board", home_page=lambda ctx: None), plugins=without_dashboard(kernel))
    make.user(username="lina")
    client = browser(kernel)
    client.login("lina")
    response = client.get("/")
    assert response.status_code == 200 and "李娜 的工作台" not in response.text
    assert 'href="/notes/"' in response.text  # the kernel's counts of the lists lina may read
