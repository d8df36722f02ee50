"""Importing notes in a real browser: the user uploads a GB18030 CSV with one
bad row, sees the detected encoding, the mapping and the dry run naming the
row and column, fixes the file, imports it (the progress bar runs to the
end), finds the notes in the list and undoes the import. The report and the
finished import are shot for the docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shoot

pytestmark = pytest.mark.e2e

HEADER = "标题,内容\r\n"
GOOD = ["华东展会浏览器导入回访", "苏州工业园区客户拜访纪要"]


def upload(page: Any, tmp_path: Path, name: str, rows: list[str]) -> None:
    path = tmp_path / name
    path.write_bytes((HEADER + "".join(rows)).encode("gb18030"))
    page.goto("/dataio/notes.note/import")
    page.locator("#dataio-file").set_input_files(str(path))
    page.get_by_role("button", name="上传").click()
    page.wait_for_url("**/dataio/batches/*")


def test_a_file_is_checked_fixed_imported_and_undone(admin_page: Any, tmp_path: Path):
    page = admin_page
    # given a GB18030 file whose second data row has no title
    upload(page, tmp_path, "便签.csv", [f"{GOOD[0]},电话回访三家客户\r\n", ",这一行缺少标题\r\n",
                                        f"{GOOD[1]},整理会议纪要\r\n"])
    # then the page says the encoding and has matched the columns by their Chinese labels
    expect(page.locator("#dataio-encoding")).to_have_text("GB18030")
    expect(page.locator("#dataio-map-title")).to_have_value("标题")
    expect(page.locator("#dataio-map-body")).to_have_value("内容")
    # when the user runs the check, the report names row 3 and the column 标题
    page.get_by_role("button", name="检查（试导入）").click()
    report = page.locator("#dataio-batch-report")
    expect(report).to_contain_text("错误 1 个")
    error = report.locator("tr.dataio-error")
    expect(error).to_have_count(1)
    expect(error.locator("td").nth(0)).to_have_text("3")
    expect(error.locator("td").nth(1)).to_have_text("标题")
    expect(error).to_contain_text("必填")
    expect(page.get_by_role("button", name="立即导入")).to_have_count(0)
    shoot(page, "dataio-report.png")
    # when the fixed file is uploaded, checked and imported
    upload(page, tmp_path, "便签-已修正.csv", [f"{GOOD[0]},电话回访三家客户\r\n", f"{GOOD[1]},整理会议纪要\r\n"])
    page.get_by_role("button", name="检查（试导入）").click()
    expect(page.locator("#dataio-batch-report")).to_contain_text("错误 0 个")
    page.get_by_role("button", name="立即导入").click()
    # then the progress bar runs to the end and the page shows the result
    progress = page.locator("#dataio-batch-progress")
    expect(progress).to_contain_text("已导入", timeout=30_000)
    expect(progress).to_contain_text("100%")
    expect(progress.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(progress).to_contain_text("新增 2")
    shoot(page, "dataio-import.png")
    # and the notes are in the list
    batch_url = page.url
    page.goto("/notes/?q=浏览器导入")
    expect(page.locator("#kit-note-table")).to_contain_text(GOOD[0])
    # when the user undoes the import, the notes are gone again
    page.goto(batch_url)
    page.get_by_role("button", name="撤销本次导入").click()
    expect(page.locator("#dataio-batch-progress")).to_contain_text("已撤销")
    page.goto("/notes/?q=浏览器导入")
    expect(page.locator("#kit-note-table")).not_to_contain_text(GOOD[0])
