"""What comes out: real PDFs from WeasyPrint, read back with poppler.

Chinese prints as Chinese (Noto CJK, no boxes), a long document numbers its
pages "第 N 页 / 共 M 页", English prints in English and a bilingual print
carries both languages."""

from __future__ import annotations

from printing_support import assert_cjk_prints, pdf_pages, pdf_text, squash

from plugins.printing.amounts import rmb_upper


def test_an_expense_claim_prints_in_chinese_with_the_letterhead(client, admin, hq, expense):
    # given an expense claim of the head office
    claim = expense(admin, title="北京出差：拜访百度与中关村客户", amount="3456.70")
    # when it is printed in Chinese
    response = client.get(f"/printing/documents/notes.expense/{claim}?lang=zh_CN")
    # then it is a one-page PDF, shown inline, with the letterhead, the claim and its amount in words
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    assert pdf_pages(response.content) == 1
    assert_cjk_prints(response.content, "上海华信科技有限公司", "上海市浦东新区张江路 88 号", "报销单",
                      "北京出差：拜访百度与中关村客户", "¥3,456.70", "人民币叁仟肆佰伍拾陆元柒角整",
                      "第 1 页 / 共 1 页")


def test_a_long_contract_numbers_its_pages_in_chinese(contracts, browser, make, hq, contract):
    # given a sales contract with enough goods for three pages
    seller = make.user(username="zhangwei", name="张伟")
    number = contract(seller, lines=45)
    client = browser(contracts)
    client.login("zhangwei")
    # when it is printed
    pdf = client.get(f"/printing/documents/contracts.sales/{number}?lang=zh_CN").content
    # then it has three pages, each numbered of three, the goods table's header repeated
    assert pdf_pages(pdf) == 3
    for page in (1, 2, 3):
        assert f"第 {page} 页 / 共 3 页" in pdf_text(pdf, page=page)
    assert "规格型号" in pdf_text(pdf, page=2)
    assert_cjk_prints(pdf, "销售合同", "北京百度网讯科技有限公司", "工业以太网交换机", "不间断电源",
                      "甲方（盖章）")
    # and the running header names the contract from page 2 on
    assert "销售合同" in pdf_text(pdf, page=3)


def test_an_english_print_speaks_english(client, admin, hq, expense):
    claim = expense(admin, amount="980.00", category="meals")
    pdf = client.get(f"/printing/documents/notes.expense/{claim}?lang=en").content
    text = pdf_text(pdf)
    assert "Shanghai Huaxin Technology Co., Ltd." in text
    assert "Expense claim" in text and "Meals" in text and "Page 1 of 1" in text
    assert "报销单" not in text and "第 1 页" not in text


def test_a_bilingual_print_carries_both_languages_side_by_side(contracts, browser, make, hq, contract):
    seller = make.user(username="lina", name="李娜")
    number = contract(seller, lines=3)
    client = browser(contracts)
    client.login("lina")
    pdf = client.get(f"/printing/documents/contracts.sales/{number}?lang=both").content
    text = squash(pdf_text(pdf))
    pages = pdf_pages(pdf)
    # labels as "合同编号 Contract No.", the title in both, the letterhead in both, page numbers in both
    for words in ("合同编号ContractNo.", "销售合同", "SALESCONTRACT", "上海华信科技有限公司",
                  "ShanghaiHuaxinTechnologyCo.,Ltd.", f"第1页/共{pages}页", f"Page1of{pages}", "交货：",
                  "Delivery:"):
        assert words in text, words
    assert_cjk_prints(pdf, "甲方（卖方） Seller", "乙方（买方） Buyer")


def test_catalog_words_print_in_both_languages_in_a_bilingual_expense(client, admin, hq, expense):
    claim = expense(admin, category="travel")
    text = squash(pdf_text(client.get(f"/printing/documents/notes.expense/{claim}?lang=both").content))
    # _() of a bilingual print: the Chinese, then the English
    assert "报销人Claimant" in text and "差旅Travel" in text and "合计Total" in text


def test_the_reader_may_download_instead_of_viewing(client, admin, hq, expense):
    claim = expense(admin)
    response = client.get(f"/printing/documents/notes.expense/{claim}?download=1")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" in disposition and f"-{claim}.pdf" in disposition


def test_amounts_are_written_in_chinese_capital_digits():
    assert rmb_upper("1234.50") == "壹仟贰佰叁拾肆元伍角整"
    assert rmb_upper("100010.05") == "壹拾万零壹拾元零伍分"
    assert rmb_upper("100001000") == "壹亿零壹仟元整"
    assert rmb_upper("0") == "零元整"
    assert rmb_upper("0.05") == "伍分"
    assert rmb_upper("-12.3") == "负壹拾贰元叁角整"
