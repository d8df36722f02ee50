"""Visitor registration and check-in in a real browser, on the demo: a
visitor registers for the 25th 中国国际农业博览会 on the public form
(answering the edition's required question), opens the e-ticket; the show
opens (the administrator moves its dates to today, and back afterwards);
at the gate page the ticket's code is typed into the scanner field and the
day's count goes up, then the camera mode reads the e-ticket's QR (a canvas
streamed as the camera) and admits the visitor again; the visitor dashboard shows the admission in the
gate's hall. Screenshots (Chinese) in docs/screenshots: the form, the
e-ticket, the gate and the 24th edition's dashboard."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, shoot

pytestmark = pytest.mark.e2e


#: getUserMedia answers a stream of a canvas showing the QR image ``src`` (what a camera held to it sees)
CAMERA_SHOWS = """async (src) => {
  const img = new Image(); img.src = src; await img.decode();
  const canvas = document.createElement("canvas"); canvas.width = 480; canvas.height = 480;
  const g = canvas.getContext("2d");
  const draw = () => { g.fillStyle = "#fff"; g.fillRect(0, 0, 480, 480); g.drawImage(img, 60, 60, 360, 360); };
  draw(); setInterval(draw, 100);
  const stream = canvas.captureStream(10);
  if (!navigator.mediaDevices) { Object.defineProperty(navigator, "mediaDevices", {value: {}}); }
  navigator.mediaDevices.getUserMedia = async () => stream;
}"""


def edition_id(staff: Any, server: Any, name: str) -> str:
    staff.goto(f"{server.url}/exhibitions/applications")
    staff.locator("#exhibitions-application-editions").get_by_role("link", name=name).click()
    return re.search(r"/editions/(\d+)/applications", staff.url).group(1)  # type: ignore[union-attr]


def set_dates(staff: Any, server: Any, edition: str, dates: dict[str, str]) -> dict[str, str]:
    """Write the edition's dates through its edit form; the dates it had."""
    staff.goto(f"{server.url}/exhibitions/editions/{edition}/edit")
    before = {name: staff.locator(f"form [name={name}]").input_value() for name in dates}
    for name, value in dates.items():
        staff.locator(f"form [name={name}]").fill(value)
    staff.locator("form [name=opens_on]").evaluate("el => el.form.requestSubmit()")
    staff.wait_for_url(re.compile(rf"/exhibitions/editions/{edition}$"))
    expect(staff.locator(".is-invalid")).to_have_count(0)
    return before


def test_a_visitor_registers_and_is_admitted_at_the_gate(admin_page: Any, new_page: Any, server: Any) -> None:
    staff = admin_page
    edition = edition_id(staff, server, "第二十五届中国国际农业博览会")
    staff.goto(f"{server.url}/exhibitions/editions/{edition}/registration")
    public = staff.locator("#exh-setup-public a").get_attribute("href")
    assert public and "/exhibitions/register/" in public

    visitor = new_page()
    visitor.goto(public)
    form = visitor.locator("#exh-register-form")
    expect(form).to_be_visible()
    visitor.locator("#exh-rg-name").fill("赵采购")
    visitor.locator("#exh-rg-company").fill("北京首农食品集团")
    visitor.locator("#exh-rg-title").fill("采购经理")
    visitor.locator("#exh-rg-mobile").fill("13811112222")
    visitor.locator("#exh-rg-email").fill("zhao@shounong.example")
    visitor.get_by_label("采购商", exact=True).check()
    visitor.locator("#exh-rg-purchasing_role").select_option("decides")
    visitor.locator("#exh-rg-budget").select_option("1m_10m")
    shoot(visitor, SCREENSHOTS / "exhibitions-visitor-register.png")
    form.get_by_role("button", name="登记").click()
    expect(visitor.locator("[data-field^=question_] .invalid-feedback").first).to_be_visible()  # required
    visitor.get_by_label("微信公众号").check()
    visitor.locator("#exh-register-form").get_by_role("button", name="登记").click()
    done = visitor.locator("#exh-register-tickets li")
    expect(done).to_have_count(1)
    code = done.first.get_attribute("data-code")
    assert code and re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", code)
    done.first.get_by_role("link").click()
    expect(visitor.locator("#exh-ticket-code")).to_have_text(code)
    assert code not in visitor.url
    qr = visitor.locator("#exh-ticket-qr").get_attribute("src")
    shoot(visitor, SCREENSHOTS / "exhibitions-visitor-ticket.png")

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    dates = {"move_in_on": (today - timedelta(days=2)).isoformat(), "opens_on": today.isoformat(),
             "closes_on": (today + timedelta(days=3)).isoformat(),
             "move_out_on": (today + timedelta(days=4)).isoformat()}
    before = set_dates(staff, server, edition, dates)
    try:
        staff.goto(f"{server.url}/exhibitions/editions/{edition}/gate")
        counted = staff.locator(f'#exh-gate-counts [data-day="{today.isoformat()}"]')
        already = int(counted.inner_text()) if counted.count() else 0
        staff.locator("#exh-gate-name").fill("东门")
        staff.locator("#exh-gate-code").fill(code.lower())  # a scanner may type lower case
        staff.locator("#exh-gate-code").press("Enter")
        expect(staff.locator("#exh-gate-result")).to_have_attribute("data-result", "entered")
        expect(staff.locator("#exh-gate-result")).to_contain_text("赵采购 · 北京首农食品集团")
        expect(staff.locator(f'#exh-gate-counts [data-day="{today.isoformat()}"]')).to_have_text(str(already + 1))
        expect(staff.locator("#exh-gate-camera-toggle")).to_be_visible()
        shoot(staff, SCREENSHOTS / "exhibitions-visitor-gate.png")
        # the camera: a phone held to the e-ticket (its QR drawn into a canvas, streamed as the camera's video)
        staff.evaluate(CAMERA_SHOWS, qr)
        staff.locator("#exh-gate-camera-toggle").click()
        expect(staff.locator("#exh-gate-result")).to_have_attribute("data-result", "reentered", timeout=15_000)
        expect(staff.locator("#exh-gate-camera-status")).to_have_text(code)
        staff.goto(f"{server.url}/exhibitions/editions/{edition}/visitors/dashboard")
        expect(staff.locator('[data-figure="today"]')).to_have_text(str(already + 1))
        expect(staff.locator("#exh-dashboard-halls")).to_contain_text("1号馆")
    finally:
        set_dates(staff, server, edition, before)

    past = edition_id(staff, server, "第二十四届中国国际农业博览会")
    staff.goto(f"{server.url}/exhibitions/editions/{past}/visitors/dashboard")
    expect(staff.locator("#exh-dashboard-halls tbody tr").first).to_be_visible()
    shoot(staff, SCREENSHOTS / "exhibitions-visitor-dashboard.png", tall=True)
