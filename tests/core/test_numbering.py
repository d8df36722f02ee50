"""Document numbering: per org, per year, gap-free and unique under concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.errors import ValidationError
from core.numbering import check_pattern, next_number, set_pattern
from core.registry import SequenceDecl


def _take(kernel, org_id: int, *, at: datetime | None = None, key: str = "notes.note") -> str:
    with kernel.db.session() as db:
        return next_number(db, kernel.registry, key, org_id, at=at)


def test_register_sequences_declares_the_notes_sequence(kernel):
    assert kernel.registry.sequences["notes.note"].pattern == "BQ-{year}-{seq:04}"


def test_numbers_count_per_org_and_restart_each_year(kernel, make):
    hq, branch = make.hq(), make.org("华东分公司")
    new_year_eve = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)   # 23:59 in Beijing
    new_year = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)        # 00:00 in Beijing
    assert _take(kernel, hq.id, at=new_year_eve) == "BQ-2026-0001"
    assert _take(kernel, hq.id, at=new_year_eve) == "BQ-2026-0002"
    assert _take(kernel, branch.id, at=new_year_eve) == "BQ-2026-0001"
    assert _take(kernel, hq.id, at=new_year) == "BQ-2027-0001"


def test_a_rolled_back_document_gives_its_number_back(kernel, make):
    hq = make.hq()
    assert _take(kernel, hq.id) .endswith("-0001")
    with pytest.raises(RuntimeError), kernel.db.session() as db:
        taken = next_number(db, kernel.registry, "notes.note", hq.id)
        assert taken.endswith("-0002")
        raise RuntimeError("the document failed to save")
    assert _take(kernel, hq.id).endswith("-0002")


def test_an_administrator_changes_the_pattern_for_one_org(kernel, make):
    hq, branch = make.hq(), make.org("华南分公司")
    at = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    with kernel.db.session() as db:
        set_pattern(db, kernel.registry, "notes.note", branch.id, "{org}-{yy}{month:02}-{seq:03}")
    assert _take(kernel, branch.id, at=at) == f"{branch.code}-2607-001"
    assert _take(kernel, hq.id, at=at) == "BQ-2026-0001"
    with pytest.raises(ValidationError) as caught, kernel.db.session() as db:
        set_pattern(db, kernel.registry, "notes.note", branch.id, "HT-{year}")
    assert "pattern" in caught.value.errors
    with kernel.db.session() as db:  # an empty pattern restores the default
        set_pattern(db, kernel.registry, "notes.note", branch.id, "")
    assert _take(kernel, branch.id, at=at) == "BQ-2026-0002"


@pytest.mark.parametrize("pattern, problem", [
    ("HT-{year}", "no {seq}"),
    ("HT-{year}-{seq:06}-{colour}", "unknown fields"),
    ("HT-{seq:06", "malformed"),
    ("HT-{seq:Q}", "cannot be formatted"),
])
def test_bad_patterns_are_refused_with_the_reason(pattern, problem):
    assert problem in (check_pattern(pattern) or "")


def test_a_plugin_with_a_bad_default_pattern_is_left_out(kernel, base_settings, tmp_path, monkeypatch):
    import sys
    from types import ModuleType

    from core import hookimpl
    from core.app import Kernel
    from core.plugins import Manifest

    module = ModuleType("suanpan_test_seq")
    module.__path__ = []  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "suanpan_test_seq", module)
    module.register_sequences = hookimpl(lambda: [SequenceDecl("seq.doc", "Doc", "DOC-{year}")])  # type: ignore[attr-defined]
    other = Kernel(base_settings, extra_plugins=[(Manifest(name="seq", module="suanpan_test_seq",
                                                            path=tmp_path), module)])
    try:
        assert "sequence seq.doc: pattern 'DOC-{year}' has no {seq}" in other.errors["seq"]
    finally:
        other.db.dispose()


def test_twenty_concurrent_creators_get_twenty_numbers_without_gaps(kernel, make):
    # given 20 threads, each creating a document in its own transaction at once
    hq = make.hq()
    start = threading.Barrier(20)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def create() -> None:
        try:
            start.wait(timeout=30)
            number = _take(kernel, hq.id)
            with lock:
                numbers.append(number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # then every creator got a number, none twice, none skipped
    assert not errors, errors
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(1, 21))
    from core.models import Sequence

    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Sequence.next_value).where(Sequence.org_id == hq.id)) == 21


def test_an_administrator_sets_a_pattern_on_the_numbering_page(kernel, make, client, admin):
    hq = make.hq()
    page = client.get("/admin/sequences")
    assert page.status_code == 200 and "BQ-{year}-{seq:04}" in page.text
    # a bad pattern is refused on its row, nothing saved
    bad = client.submit("/admin/sequences", {"org": str(hq.id), "key": "notes.note", "pattern": "BQ-{year}"})
    assert bad.status_code == 422 and 'id="seq-notes.note-err"' in bad.text
    ok = client.submit("/admin/sequences", {"org": str(hq.id), "key": "notes.note",
                                            "pattern": "NOTE-{seq:05}"}, follow_redirects=False)
    assert ok.status_code == 303
    assert _take(kernel, hq.id) == "NOTE-00001"


def test_numbering_of_another_org_is_out_of_reach(kernel, make, client):
    branch = make.org("华东分公司")
    make.user(username="boss", roles=(), grants={"core.sequence.manage": "org", "core.org.read": "org"})
    client.login("boss")
    assert client.get(f"/admin/sequences?org={branch.id}").status_code == 404
    refused = client.submit("/admin/sequences", {"org": str(branch.id), "key": "notes.note",
                                                 "pattern": "X-{seq}"})
    assert refused.status_code == 404
