"""``suanpan serve`` keeps the malloc arenas of its workers to two: glibc's
default of one per thread that allocates (up to eight per CPU) kept a
printing worker at 556 MB instead of 349 MB (docs/performance.md)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from core.app import Kernel
from core.cli import MALLOC_ARENAS
from core.config import Settings

SUANPAN = Path(sys.executable).parent / "suanpan"


def _group(pgid: int) -> list[int]:
    """The live processes of a process group."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_served_workers_start_with_two_malloc_arenas(kernel: Kernel, base_settings: Settings,
                                                     unused_port: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUANPAN_") and k != "MALLOC_ARENA_MAX"}
    env.update(SUANPAN_VAR_DIR=str(base_settings.var_dir), SUANPAN_DATABASE_URL=base_settings.database_url,
               SUANPAN_SECRET_KEY=base_settings.secret_key, SUANPAN_INPROCESS_WORKER="0",
               SUANPAN_CONFIG=str(base_settings.var_dir / "no-such.toml"))
    log = base_settings.var_dir / "serve-arenas.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(SUANPAN), "serve", "--port", str(unused_port), "--workers", "2"],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120  # a worker's start is 1-2 s; a busy machine takes longer
        while True:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"no answer within 120 s:\n{log.read_text()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{unused_port}/login", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        workers = [pid for pid in _group(proc.pid) if pid != proc.pid
                   and b"multiprocessing.spawn" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(workers) >= 2, log.read_text()  # (and a third while uvicorn replaces one)
        for pid in workers:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            assert f"MALLOC_ARENA_MAX={MALLOC_ARENAS}".encode() in environ
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
