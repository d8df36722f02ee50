#!/usr/bin/env python3
"""``kill -9`` of the server at random points of a big customer import, N
times, then the import run to success.

    .venv/bin/python bench/import_kill.py                      # SQLite: 100,000 rows, 10 kills
    .venv/bin/python bench/import_kill.py --postgres
    .venv/bin/python bench/import_kill.py --rows 20000 --kills 2 --seed 7

The driver is tests/load/importkill.py (the CI test runs it with 20,000
rows and 2 kills). A fresh installation under /tmp (``suanpan setup
--no-demo``; with --postgres the database ``--pg-database``, dropped and
created again, dropped at the end), served by ``suanpan serve`` (one
process; its in-process job worker runs the import, with a 2 s job lease).

First one uninterrupted import of another file of as many rows measures how
long the job runs (T). Then the user's file is uploaded and checked through
the pages, and N times: *Import now*, the worker's claim, a wait drawn
uniformly from 0..0.9 T (``--seed``), SIGKILL of the server; the database's
integrity check and row counts (nothing but the job tables may change), the
server started again, the batch shown as failed, the check again. Last, the import runs to the
end. Exit 1 if anything is wrong; results in bench/results/import-kill-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import harness as bench  # noqa: E402

from tests.load.importkill import STOPPED_TEXT, ImportKill  # noqa: E402
from tests.load.served import Installation  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--postgres", action="store_true")
    ap.add_argument("--pg-database", default="suanpan_bench_kill")
    ap.add_argument("--keep", action="store_true", help="keep the var dir")
    args = ap.parse_args()
    if not 100 <= args.rows <= 1_000_000 or not 1 <= args.kills <= 100:
        ap.error("rows 100..1,000,000, kills 1..100")
    workdir = Path(tempfile.mkdtemp(prefix="suanpan-kill-"))
    url = bench.pg_recreate(args.pg_database) if args.postgres else None
    inst = Installation(workdir, url) if url else Installation.sqlite(workdir)
    out: dict[str, Any] = {"command": " ".join(sys.argv), "machine": bench.machine_info(),
                           "at": datetime.now(UTC).isoformat(timespec="seconds"),
                           "backend": "postgresql" if url else "sqlite", "rows": args.rows, "kills": args.kills,
                           "loadavg": [bench.loadavg()]}
    driver = ImportKill(inst, rows=args.rows, seed=args.seed, log=bench.log)
    problems: list[str] = []
    try:
        inst.setup()
        driver.start()
        started = time.monotonic()
        out["uninterrupted_seconds"] = round(driver.timed_import("校准", first=args.rows), 2)
        bench.log(f"an uninterrupted import of {args.rows:,} rows: {out['uninterrupted_seconds']} s "
                  f"(whole run so far {time.monotonic() - started:.0f} s)")
        outcome = driver.run(kills=args.kills, longest=0.9 * out["uninterrupted_seconds"])
        out["seed"] = driver.seed
        out["rounds"] = [{k: v for k, v in asdict(r).items() if k != "page"} for r in outcome.rounds]
        out["final_seconds"] = round(outcome.final_seconds, 2)
        out["imported"] = outcome.imported
        out["job_states"] = outcome.job_states
        for r in outcome.rounds:
            if r.job_state != "running" or r.batch_state not in ("queued", "writing"):
                problems.append(f"round {r.number}: killed with the job {r.job_state}, "
                                f"the batch {r.batch_state}")
            if r.integrity:
                problems.append(f"round {r.number}: integrity: {r.integrity[:5]}")
            if {t: n for t, n in r.changed.items() if not t.startswith("core_job")}:
                problems.append(f"round {r.number}: rows changed: {r.changed}")
            if STOPPED_TEXT not in r.page:
                problems.append(f"round {r.number}: the batch page does not say the import stopped")
        if outcome.job_states != ["parked"] * args.kills:
            problems.append(f"job states after the kills: {outcome.job_states}")
        if outcome.imported != args.rows or driver.imported() != args.rows:
            problems.append(f"imported {outcome.imported}, stored {driver.imported()} of {args.rows}")
        problems += [f"final integrity: {p}" for p in outcome.final_integrity[:5]]
    except Exception as exc:  # noqa: BLE001 - recorded, and the run fails
        problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        driver.close()
        if url:
            bench.pg_drop(args.pg_database)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    out["loadavg"].append(bench.loadavg())
    out["problems"] = problems
    bench.RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (bench.RESULTS / f"import-kill-{stamp}.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))
    for r in out.get("rounds", []):
        bench.log(f"round {r['number']}: killed {r['delay']:.2f} s after the claim ({r['batch_state']}), "
                  f"integrity {'ok' if not r['integrity'] else r['integrity'][:2]}, rows changed "
                  f"{r['changed']}, failed shown after {r['detected']:.1f} s")
    bench.log(f"final import {out.get('final_seconds')} s, {out.get('imported')} rows; "
              f"problems: {problems or 'none'}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
