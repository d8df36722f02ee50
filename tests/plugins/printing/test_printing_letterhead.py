"""Print settings: each organisation's letterhead (names, address, phone,
tax id, bank details, logo and seal), set by whoever holds
printing.letterhead.update in that organisation; images are checked by
their bytes and size; an organisation without one prints its own name."""

from __future__ import annotations

from printing_support import pdf_images, pdf_text, png, squash
from sqlalchemy import select

from plugins.printing.models import Letterhead


def settings_url(org) -> str:
    return f"/printing/letterheads/{org.id}"


def post(client, org, values=None, files=None, **kw):
    data = {"csrf_token": client.csrf(), **(values or {})}
    return client.post(settings_url(org), data=data, files=files or {}, follow_redirects=False, **kw)


def letterhead(kernel, org) -> Letterhead | None:
    with kernel.db.session(write=False) as db:
        return db.scalar(select(Letterhead).where(Letterhead.org_id == org.id))


def test_an_organisation_without_a_letterhead_prints_its_own_name(client, admin, hq, expense):
    text = squash(pdf_text(client.get(f"/printing/documents/notes.expense/{expense(admin)}").content))
    assert "上海华信科技有限公司" in text and "021-50801234" in text


def test_the_administrator_sets_the_letterhead_and_prints_carry_it(kernel, client, admin, hq, expense):
    # given the settings page of the head office
    page = client.get("/printing/letterheads").text
    assert "上海华信科技有限公司" in page and settings_url(hq) in page
    # when the administrator fills it in, with a logo and a seal
    response = post(client, hq, {
        "name": "上海华信科技股份有限公司", "address_en": "88 Zhangjiang Road, Pudong, Shanghai",
        "tax_id": "91310115ma1h7xxx2k", "bank_name": "招商银行上海张江支行", "bank_account": "1219 0876 5410 001",
    }, {"logo": ("logo.png", png(), "image/png"), "seal": ("seal.png", png(300, 300, seal=True), "image/png")})
    assert response.status_code == 303, response.text
    head = letterhead(kernel, hq)
    assert head is not None and head.tax_id == "91310115MA1H7XXX2K" and head.logo_type == "image/png"
    assert client.get(f"{settings_url(hq)}/logo").headers["content-type"] == "image/png"
    # then prints show the new name, the English address in English, the tax id and the bank
    claim = expense(admin)
    zh = client.get(f"/printing/documents/notes.expense/{claim}").content
    text = squash(pdf_text(zh))
    assert "上海华信科技股份有限公司" in text and "91310115MA1H7XXX2K" in text and "招商银行上海张江支行" in text
    assert "上海市浦东新区张江路88号" in text  # the organisation's own address where none was set
    en = squash(pdf_text(client.get(f"/printing/documents/notes.expense/{claim}?lang=en").content))
    assert "88ZhangjiangRoad,Pudong,Shanghai" in en and "Bank" in en
    assert pdf_images(zh) == 1  # the logo; the seal is for issued copies
    # and the images can be removed again
    assert post(client, hq, {"remove_logo": "1", "version": str(head.version)}).status_code == 303
    head = letterhead(kernel, hq)
    assert head is not None and head.logo is None and head.seal is not None


def test_images_are_checked_by_their_bytes_and_size(kernel, client, admin, hq):
    cases = [
        ({"logo": ("logo.png", b"GIF89a" + b"\x00" * 40, "image/png")}, "标志：只能使用 PNG 或 JPEG 图片。"),
        ({"seal": ("seal.png", b"\x89PNG\r\n\x1a\n" + b"not really", "image/png")},
         "公司印章：图片已损坏，或并非真正的 PNG / JPEG 文件。"),
        ({"logo": ("big.png", png(4200, 10), "image/png")}, "标志：图片超过 4000 × 4000 像素。"),
        ({"logo": ("huge.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024 + 10), "image/png")},
         "标志：图片超过 1 MB。"),
        ({"seal": ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://x"/></svg>',
                   "image/svg+xml")}, "公司印章：只能使用 PNG 或 JPEG 图片。"),
    ]
    for files, message in cases:
        response = post(client, hq, {"name": "不该保存"}, files)
        assert response.status_code == 422, files
        assert message in response.text
    assert letterhead(kernel, hq) is None


def test_bad_text_fields_are_named(kernel, client, admin, hq):
    response = post(client, hq, {"tax_id": "1234", "phone": "call me"})
    assert response.status_code == 422
    assert "统一社会信用代码应为 18 位数字或大写字母。" in response.text
    assert "电话只能包含数字、空格、+、- 和括号。" in response.text
    assert letterhead(kernel, hq) is None


def test_a_stale_form_does_not_overwrite_a_newer_save(kernel, client, admin, hq):
    assert post(client, hq, {"phone": "021-1111 1111"}).status_code == 303
    assert post(client, hq, {"phone": "021-2222 2222", "version": "1"}).status_code == 303
    assert post(client, hq, {"phone": "021-3333 3333", "version": "1"}).status_code == 409


def test_only_the_organisations_own_settings_holders_set_its_letterhead(kernel, client, make, hq):
    branch = make.org("杭州分公司")
    make.user(org=branch, roles=("printing.designer",), username="designer")
    client.login("designer")
    assert client.get("/printing/letterheads").text.count("/printing/letterheads/") == 1
    assert client.get(settings_url(branch)).status_code == 200
    assert client.get(settings_url(hq)).status_code == 404
    assert post(client, hq, {"name": "篡改"}).status_code == 404
    assert letterhead(kernel, hq) is None
    make.user(roles=(), username="staff", grants={"notes.expense.read": "org"})
    client.login("staff")
    assert client.get("/printing/letterheads").status_code == 403
