"""The special-decoration pages as the reviewer uses them: a project made
through its form, drawings uploaded, changes asked and the second round
approved, the fee charged and the deposit received on the page, the permit
issued and printed (its number in the PDF), its code checked on the verify
page; the list's overdue filter; another organisation gets 404."""

from __future__ import annotations

import subprocess
from datetime import date
from typing import Any

import pytest
from decoration_support import builder, rules
from services_support import on
from sqlalchemy import select

from plugins.exhibitions.models import DecorationProject


@pytest.fixture
def reviewer(make: Any, expo: dict[str, Any]) -> Any:
    return make.user(org=expo["hq"], department=expo["dept"], username="reviewer", name="审图小刘",
                     roles=("exhibitions.decoration",))


def the_project(kernel: Any) -> DecorationProject:
    with kernel.db.session(write=False) as db:
        made = db.scalar(select(DecorationProject))
        assert made is not None
        db.expunge(made)
        return made


def test_the_reviewer_takes_a_project_from_drawings_to_the_printed_permit(
        kernel, client, expo, reviewer, catalogue, plan, booth, new_customer, tmp_path):
    customer = new_customer(expo["manager"], "北大荒农垦集团")
    raw = booth(plan(), "E101", width=12, depth=6, construction="raw", status="sold", customer_id=customer)
    good = builder(kernel, expo, "北京华展搭建工程有限公司", licence_no="京建字 2019-0231")
    builder(kernel, expo, "天津速建展台工程部", blacklisted=True, blacklist_reason="遗留垃圾")
    rules(kernel, expo, due=date(2027, 10, 17))
    with on(date(2027, 10, 8)):
        client.login("reviewer")
        form = client.get(f"/exhibitions/decoration/new?edition_id={expo['edition']}")
        assert form.status_code == 200 and "E101 · 北大荒农垦集团" in form.text
        assert "北京华展搭建工程有限公司" in form.text and "天津速建展台工程部" not in form.text
        made = client.submit("/exhibitions/decoration", {
            "edition_id": str(expo["edition"]), "booth_id": str(raw), "builder_id": str(good), "height": "6",
            "two_storey": "on"}, follow_redirects=False)
        assert made.status_code == 303, made.text[:2000]
        page_url = made.headers["location"]
        project_id = int(page_url.rstrip("/").split("/")[-1])
        base = f"/exhibitions/decoration/{project_id}"

        empty = client.submit(f"{base}/submit", {}, follow_redirects=True)
        assert "请上传图纸。" in empty.text
        client.submit(f"{base}/submit", {}, files=[("file[]", ("平面图.pdf", b"%PDF-1.4 plan", "application/pdf")),
                                                   ("file[]", ("效果图.pdf", b"%PDF-1.4 view", "application/pdf"))])
        client.submit(f"{base}/start-review", {})
        client.submit(f"{base}/review", {"verdict": "changes", "comment": "二层需补充结构计算书"})
        page = client.get(base).text
        assert "平面图.pdf" in page and "效果图.pdf" in page and "二层需补充结构计算书" in page
        assert the_project(kernel).state == "changes_requested"
    with on(date(2027, 10, 20)):
        client.submit(f"{base}/submit", {}, files={"file[]": ("结构计算书.pdf", b"%PDF-1.4 calc", "application/pdf")})
        client.submit(f"{base}/start-review", {})
        client.submit(f"{base}/review", {"verdict": "approve", "comment": "同意"})
        refused = client.submit(f"{base}/permit", {}, follow_redirects=True)
        assert "请先收取特装管理费，再发放施工证。" in refused.text
        client.submit(f"{base}/fee", {})
        client.submit(f"{base}/deposit", {"amount": "5000"})
        page = client.get(base).text
        assert 'data-round="2"' in page and 'id="exh-deco-late"' in page
        issued = client.submit(f"{base}/permit", {}, follow_redirects=True)
        assert issued.status_code == 200 and 'id="exh-deco-permit-print"' in issued.text
    project = the_project(kernel)
    assert project.state == "permit_issued" and project.fee_order_id is not None

    pdf = client.get(f"/printing/documents/exhibitions.decoration_permit/{project_id}")
    assert pdf.status_code == 200, pdf.text[:2000]
    path = tmp_path / "permit.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert project.permit_number in text and "北大荒农垦集团" in text and "E101" in text

    valid = client.get(f"/exhibitions/decoration/verify?code={project.permit_code}")
    assert 'id="exh-permit-valid"' in valid.text and project.permit_number in valid.text
    forged = client.get(f"/exhibitions/decoration/verify?code={project.permit_number}.deadbeefdeadbeef")
    assert 'id="exh-permit-invalid"' in forged.text

    client.login("outsider")
    for path_ in (base, f"{base}/edit"):
        assert client.get(path_).status_code == 404, path_
    assert client.submit(f"{base}/permit", {}).status_code == 404
    outsider_check = client.get(f"/exhibitions/decoration/verify?code={project.permit_code}")
    assert 'id="exh-permit-invalid"' in outsider_check.text


def test_the_list_filters_overdue_drawings(kernel, client, expo, reviewer, plan, booth, new_customer):
    customer = new_customer(expo["manager"], "寿光蔬菜产业集团")
    floor = plan()
    late = booth(floor, "E101", width=6, depth=6, construction="raw", status="sold", customer_id=customer)
    sent = booth(floor, "E102", x=10, width=6, depth=6, construction="raw", status="sold", customer_id=customer)
    good = builder(kernel, expo, "北京华展搭建工程有限公司")
    rules(kernel, expo, due=date(2027, 10, 17))
    from decoration_support import call, drawings, new_project, store

    from plugins.exhibitions.services import decoration

    with on(date(2027, 10, 8)):
        new_project(kernel, reviewer, expo, late, good, note="overdue")
        done = new_project(kernel, reviewer, expo, sent, good)
        call(kernel, reviewer, decoration.submit, done, store(kernel), drawings())
    with on(date(2027, 10, 20)):
        client.login("reviewer")
        everything = client.get("/exhibitions/decoration").text
        overdue = client.get("/exhibitions/decoration?overdue=1").text
    with kernel.db.session(write=False) as db:
        numbers = dict(db.execute(select(DecorationProject.booth_id, DecorationProject.number)).all())
    assert numbers[late] in everything and numbers[sent] in everything
    assert numbers[late] in overdue and numbers[sent] not in overdue
