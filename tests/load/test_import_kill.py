"""``kill -9`` of the server whose job worker runs a customer import, twice,
at random points, then the import run to success (tests/load/importkill.py
says what each round checks). bench/import_kill.py runs the full version:
100,000 rows, 10 kills."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.load.importkill import STOPPED_TEXT, ImportKill, Outcome
from tests.load.served import Installation

ROWS, KILLS = 10_000, 2
#: the kill comes 0..LONGEST s after the server's worker claimed the job: within the
#: job's re-check of the file or its writing (a 10,000-row import takes seconds)
LONGEST = 1.5


@pytest.fixture(scope="module")
def killed(installation: Installation) -> Iterator[tuple[ImportKill, Outcome]]:
    seed = int(os.environ.get("SUANPAN_KILL_SEED", "0")) or None
    driver = ImportKill(installation, rows=ROWS, seed=seed, log=lambda msg: print(msg, flush=True))
    try:
        driver.start()
        outcome = driver.run(kills=KILLS, longest=LONGEST)
        yield driver, outcome
    finally:
        driver.close()


def test_a_killed_import_leaves_an_intact_database_and_no_partial_rows(killed: tuple[ImportKill, Outcome]) -> None:
    _driver, outcome = killed
    assert len(outcome.rounds) == KILLS
    for found in outcome.rounds:
        # killed while the import's job was at work (about to begin its transaction, or in
        # it), never after it finished
        assert found.job_state == "running" and found.batch_state in ("queued", "writing"), found
        assert found.integrity == [], found
        # no table gained or lost a row but the job system's own (the job the click queued, the
        # schedule rows and scheduled jobs a starting worker writes): nothing of the import
        assert {t: n for t, n in found.changed.items() if not t.startswith("core_job")} == {}, found
        assert found.changed.get("core_job", 0) >= 1, found


def test_the_killed_job_shows_as_failed_and_the_import_runs_again_to_success(
        killed: tuple[ImportKill, Outcome]) -> None:
    driver, outcome = killed
    # each dead job was parked once the restarted server's worker found its lease run out
    assert outcome.job_states == ["parked"] * KILLS
    assert all(found.detected < 120 for found in outcome.rounds), outcome.rounds
    # the last rerun imported every row once, and the database is intact
    assert outcome.imported == ROWS and driver.imported() == ROWS
    assert outcome.final_integrity == []
    # and the page shows the import done, with no trace of the failures but the job log
    page = driver.page()
    assert "已导入" in page and STOPPED_TEXT not in page

    # and while it was failed, the batch page said why, and offered the check again
    for found in outcome.rounds:
        assert STOPPED_TEXT in found.page and "失败" in found.page
        assert f'action="/dataio/batches/{driver.batch_id}/check"' in found.page
