"""After the show, in a real browser on the demo data: the 24th edition's
exhibitor insights (segments, the chance to rebook and its reasons, the
model's held-out evaluation), its exhibitor survey's results with the NPS
trend, its rebooking offers, and the 25th's reports across editions; each
shot for the docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import demo_ids, shoot

pytestmark = pytest.mark.e2e

FIND = r'''
import json
from sqlalchemy import select
from core.app import create_app
from plugins.exhibitions.models import Edition, Survey

kernel = create_app().state.kernel
with kernel.db.session(write=False) as db:
    editions = {e.number: e.id for e in db.scalars(select(Edition))}
    survey = db.scalar(select(Survey.id).where(Survey.edition_id == editions[24], Survey.audience == "exhibitors"))
    print(json.dumps({"e24": editions[24], "e25": editions[25], "survey": survey}))
'''


def test_insights_survey_results_rebooking_and_the_reports_across_editions(admin_page: Any, server: Any,
                                                                           example_plugin: Path):
    made = demo_ids(server, example_plugin, FIND)
    page = admin_page
    page.goto(f"/exhibitions/editions/{made['e24']}")
    page.locator("#exhibitions-edition-work").get_by_role("link", name="展商洞察").click()
    expect(page.locator("h1.page-title")).to_contain_text("展商洞察")
    expect(page.locator("#exh-insights-evaluation")).to_contain_text("AUC")
    expect(page.locator("#exh-insights-table tbody tr").first).to_contain_text("%")
    shoot(page, "exhibitions-insights.png", full_page=False)
    page.goto(f"/exhibitions/surveys/{made['survey']}/results")
    expect(page.locator("#exh-results-trend")).to_contain_text("第二十三届")
    shoot(page, "exhibitions-survey-results.png")
    page.goto(f"/exhibitions/editions/{made['e24']}/rebooking")
    expect(page.locator("#exh-rebooking-offers tbody tr").first).to_contain_text("待答复")
    shoot(page, "exhibitions-rebooking.png")
    page.goto(f"/exhibitions/editions/{made['e25']}/reports/cycle")
    expect(page.locator("#exh-reports-cycle tbody tr")).to_have_count(3)
    expect(page.locator('#exh-reports-cycle tr[data-edition="25"] td[data-rate]')).to_contain_text("%")
    shoot(page, "exhibitions-reports-cycle.png")
