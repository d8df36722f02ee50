"""The activity plugin in a real browser: the timeline panel's htmx forms (a
note, a task, a file), a refused form swapped in with its error, and the
"My tasks" page, as the administrator on a demo colleague's record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def open_lina(page: Any) -> Any:
    """李娜's page (a demo user), with its timeline panel."""
    page.goto("/admin/users")
    page.locator("#kit-user-table").get_by_role("link", name="李娜").click()
    timeline = page.locator("#panel-activity-timeline")
    expect(timeline).to_contain_text("熟悉华北区客户名单")  # the demo task
    return timeline


def test_notes_tasks_and_files_join_the_timeline_without_a_reload(admin_page, tmp_path: Path):
    page = admin_page
    timeline = open_lina(page)
    page.evaluate("window.sp_marker = 'same page'")  # gone if the page reloads

    # a note
    timeline.locator("#activity-note-body").fill("试用期目标：三个月内签下两个新客户")
    timeline.locator("#activity-note-form").get_by_role("button", name="保存").click()
    expect(timeline.locator("#activity-entries > li").first).to_contain_text("试用期目标：三个月内签下两个新客户")

    # an empty note is refused in place, the field marked
    timeline.locator("#activity-note-body").fill(" ")
    timeline.locator("#activity-note-form").get_by_role("button", name="保存").click()
    expect(timeline.locator(".invalid-feedback")).to_contain_text("请先填写内容。")

    # a task for the administrator, with a due time
    timeline.get_by_role("tab", name="记录活动").click()
    timeline.locator("#activity-kind").select_option("task")
    timeline.locator("#activity-subject").fill("给李娜安排带访")
    timeline.locator("#activity-due").fill("2030-01-02T10:00")
    timeline.locator("#activity-assignee").select_option(label="系统管理员")
    timeline.locator("#activity-activity-form").get_by_role("button", name="保存").click()
    expect(timeline.locator("#activity-entries > li").first).to_contain_text("给李娜安排带访")
    expect(timeline.locator("#activity-entries > li").first).to_contain_text("负责人：系统管理员")

    # a file, whose Chinese name survives the round trip
    upload = tmp_path / "入职材料.txt"
    upload.write_text("身份证复印件、学历证明", encoding="utf-8")
    timeline.get_by_role("tab", name="上传附件").click()
    timeline.locator("#activity-file").set_input_files(str(upload))
    timeline.get_by_role("button", name="上传").click()
    link = timeline.get_by_role("link", name="入职材料.txt")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "入职材料.txt"

    assert page.evaluate("window.sp_marker") == "same page"


def test_my_tasks_lists_the_task_and_completes_it(admin_page):
    page = admin_page
    timeline = open_lina(page)
    timeline.get_by_role("tab", name="记录活动").click()
    timeline.locator("#activity-kind").select_option("task")
    timeline.locator("#activity-subject").fill("回访北京百度")
    timeline.locator("#activity-assignee").select_option(label="系统管理员")
    timeline.locator("#activity-activity-form").get_by_role("button", name="保存").click()
    expect(timeline.locator("#activity-entries > li").first).to_contain_text("回访北京百度")

    page.locator("aside").get_by_role("link", name="我的任务").click()
    row = page.locator("tr", has_text="回访北京百度")
    expect(row).to_contain_text("李娜")
    row.get_by_role("button", name="标记完成").click()
    expect(page.locator("tr", has_text="回访北京百度")).to_contain_text("已完成")
