"""Read the statement traces a served SQLite installation writes when its
setting ``sql_trace_dir`` is set (core.db: one file per connection, one
JSON string per statement, as SQLite ran it) and check the kernel's
discipline on every connection: the four PRAGMAs first, and every write
inside a transaction begun with ``BEGIN IMMEDIATE``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

#: what core.db sets on every SQLite connection, in its order
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=30000",
           "PRAGMA synchronous=NORMAL")
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
BEGIN = re.compile(r"^\s*BEGIN\b\s*(\w*)", re.IGNORECASE)
END = re.compile(r"^\s*(COMMIT|END|ROLLBACK)\s*(TRANSACTION)?\s*;?\s*$", re.IGNORECASE)


@dataclass
class Report:
    connections: int = 0
    #: processes whose connections wrote a trace
    processes: set[str] = field(default_factory=set)
    statements: int = 0
    transactions: dict[str, int] = field(default_factory=dict)
    writes: int = 0
    problems: list[str] = field(default_factory=list)


def check(folder: Path) -> Report:
    report = Report()
    for path in sorted(folder.glob("*.sql")):
        statements = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        report.connections += 1
        report.processes.add(path.name.split("-", 1)[0])
        report.statements += len(statements)
        _check_connection(path.name, statements, report)
    return report


def _check_connection(name: str, statements: list[str], report: Report) -> None:
    first = tuple(s.strip() for s in statements[:len(PRAGMAS)])
    if first != PRAGMAS:
        report.problems.append(f"{name}: the connection began with {first!r}, not the kernel's PRAGMAs")
    mode: str | None = None  # the BEGIN of the open transaction, None outside one
    for number, statement in enumerate(statements, 1):
        if begun := BEGIN.match(statement):
            if mode is not None:
                report.problems.append(f"{name}:{number}: BEGIN inside a transaction")
            mode = (begun.group(1) or "DEFERRED").upper()
            report.transactions[mode] = report.transactions.get(mode, 0) + 1
        elif END.match(statement):
            mode = None
        elif WRITE.match(statement):
            report.writes += 1
            if mode != "IMMEDIATE":
                where = "outside a transaction" if mode is None else f"in a {mode} transaction"
                report.problems.append(f"{name}:{number}: a write {where}: {statement[:120]!r}")
