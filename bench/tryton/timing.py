"""Timing shared by both sides of ``bench/tryton_compare.py`` (standard
library only): wall time, and the CPU time of the measuring process, which
on a loaded machine moves less than the wall time. On SQLite the database
runs inside the process, so its CPU time is counted; PostgreSQL's server
processes are not."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


class Stopwatch:
    """``with Stopwatch() as s: ...``, then ``s.wall`` and ``s.cpu`` in seconds."""

    wall = cpu = 0.0

    def __enter__(self) -> Stopwatch:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def summary(samples: list[tuple[float, float]]) -> dict[str, Any]:
    """p50 and p95 of the wall times, p50 of the CPU times (ms)."""
    walls = sorted(w for w, _ in samples)
    cpus = sorted(c for _, c in samples)
    return {"p50_ms": round(statistics.median(walls) * 1000, 3),
            "p95_ms": round(walls[max(0, int(len(walls) * 0.95) - 1)] * 1000, 3),
            "cpu_p50_ms": round(statistics.median(cpus) * 1000, 3), "n": len(walls)}


def rate(count: int, s: Stopwatch) -> dict[str, Any]:
    """A bulk step's figures: items per second of wall time and of CPU time."""
    return {"count": count, "seconds": round(s.wall, 2), "cpu_seconds": round(s.cpu, 2),
            "per_s": round(count / s.wall, 2), "per_cpu_s": round(count / s.cpu, 2) if s.cpu else None}


def sample(fn: Callable[[], Any], repeat: int, warm: int = 5) -> tuple[dict[str, Any], Any]:
    """``fn`` run ``warm`` times, then ``repeat`` times measured: the summary and the last result."""
    result = None
    for _ in range(warm):
        result = fn()
    samples = []
    for _ in range(repeat):
        with Stopwatch() as s:
            result = fn()
        samples.append((s.wall, s.cpu))
    return summary(samples), result
