"""``suanpan serve`` hands uvicorn what the suite needs from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from core import cli


def test_serve_gives_its_worker_processes_a_minute_to_answer_before_replacing_them(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # uvicorn's supervisor kills a worker that does not answer its health ping in time;
    # at its default of 5 s, workers still importing the suite on a busy machine were
    # killed and started again without end (seen with `--workers 2` under load)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append({"app": app, **kw}))
    monkeypatch.setenv("SUANPAN_VAR_DIR", str(tmp_path))
    result = CliRunner().invoke(cli.main, ["serve", "--workers", "2", "--port", "8123"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [call] = calls
    assert (call["app"], call["workers"], call["port"]) == ("core.app:create_app", 2, 8123)
    assert call["timeout_worker_healthcheck"] == cli.WORKER_HEALTHCHECK_SECONDS >= 60

