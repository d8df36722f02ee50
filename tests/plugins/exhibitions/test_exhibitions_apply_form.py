"""The public application form of an edition: a good application arrives,
bad input is named and nothing written, a bot is thanked and nothing
stored, a flood gets 429, a closed edition says so; in both languages."""

from __future__ import annotations

from typing import Any

from apply_support import GOOD, applications_of, form_url

from core.app import Kernel
from plugins.exhibitions.models import Edition


def test_a_visitor_applies_and_the_application_arrives(client: Any, kernel: Kernel, expo: dict[str, Any]) -> None:
    edition = expo["edition"]
    page = client.get(form_url(kernel, edition), headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert page.status_code == 200 and "第二十五届中国国际农业博览会" in page.text and "参展申请" in page.text
    response = client.submit(form_url(kernel, edition), GOOD)
    assert response.status_code == 200, response.text
    assert "exhibitions-apply-thanks" in response.text
    [app] = applications_of(kernel, edition)
    assert (app.company, app.company_en, app.contact_name, app.mobile) == (
        "山东寿光蔬菜产业集团有限公司", "Shouguang Vegetable Group", "王立新", "13905361234")
    assert app.categories == ["agriculture", "food"] and str(app.area_wanted) == "54.00"
    assert (app.construction, app.booth_type, app.state, app.customer_id) == ("raw", "corner", "submitted", None)
    assert app.org_id == expo["hq"].id and app.channel == "web"
    assert len(app.ip_hash) == 64 and "testclient" not in app.ip_hash  # a keyed hash, never the address
    # the edition's owner is told, and the manager sees it in the list
    client.login("expomanager")
    listed = client.get(f"/exhibitions/editions/{edition}/applications")
    assert listed.status_code == 200 and "山东寿光蔬菜产业集团有限公司" in listed.text


def test_the_form_speaks_english_when_asked(client: Any, kernel: Kernel, expo: dict[str, Any]) -> None:
    page = client.get(form_url(kernel, expo["edition"]) + "?lang=en")
    assert "Exhibitor application" in page.text and "25th China International Agricultural Expo" in page.text
    assert "Competitors to avoid" in page.text
    # an unknown edition, a bare id or a wrong signature is not found
    assert client.get("/exhibitions/apply/999999").status_code == 404
    assert client.get(f"/exhibitions/apply/{expo['edition']}").status_code == 404
    assert client.get(f"/exhibitions/apply/{expo['edition']}-0000000000").status_code == 404


def test_bad_input_is_named_and_nothing_written(client: Any, kernel: Kernel, expo: dict[str, Any]) -> None:
    edition = expo["edition"]
    client.get(form_url(kernel, edition))
    bad = {**GOOD, "company": "", "mobile": "12345", "email": "nope", "area_wanted": "-3",
           "construction": "tent", "categories[]": ["agriculture", "weapons"]}
    response = client.submit(form_url(kernel, edition), bad)
    assert response.status_code == 422
    for field in ("company", "mobile", "email", "area_wanted", "construction", "categories"):
        assert f'id="ex-ap-{field}' in response.text or field == "categories"
    assert response.text.count("is-invalid") >= 5
    assert "请填写公司名称。" in response.text and "请填写电子邮箱，如 name@example.com。" in response.text
    assert applications_of(kernel, edition) == []
    # no way to reach them: the mobile is named
    response = client.submit(form_url(kernel, edition), {**GOOD, "mobile": "", "email": ""})
    assert response.status_code == 422 and 'id="ex-ap-mobile-err"' in response.text
    assert applications_of(kernel, edition) == []


def test_a_bot_is_thanked_and_nothing_stored(client: Any, kernel: Kernel, expo: dict[str, Any]) -> None:
    edition = expo["edition"]
    client.get(form_url(kernel, edition))
    response = client.submit(form_url(kernel, edition), {**GOOD, "website": "http://spam.example"})
    assert response.status_code == 200 and "exhibitions-apply-thanks" in response.text
    assert applications_of(kernel, edition) == []


def test_more_than_the_hourly_limit_gets_429(client: Any, kernel: Kernel, expo: dict[str, Any]) -> None:
    edition = expo["edition"]
    client.get(form_url(kernel, edition))
    for n in range(5):
        ok = client.submit(form_url(kernel, edition), {**GOOD, "company": f"公司{n}"})
        assert ok.status_code == 200, ok.text
    response = client.submit(form_url(kernel, edition), {**GOOD, "company": "公司6"})
    assert response.status_code == 429 and "exhibitions-apply-limited" in response.text
    assert len(applications_of(kernel, edition)) == 5


def test_an_edition_not_selling_takes_no_application(client: Any, kernel: Kernel, expo: dict[str, Any]) -> None:
    edition = expo["edition"]
    with kernel.db.session() as db:
        db.get(Edition, edition).state = "planning"  # type: ignore[union-attr]
    page = client.get(form_url(kernel, edition))
    assert page.status_code == 200 and "exhibitions-apply-closed" in page.text
    assert "exhibitions-apply-form" not in page.text
    response = client.submit(form_url(kernel, edition), GOOD)
    assert response.status_code == 409 and "exhibitions-apply-closed" in response.text
    assert applications_of(kernel, edition) == []
