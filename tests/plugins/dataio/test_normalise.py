"""The normalisers behind duplicate detection, on realistic Chinese data."""

from __future__ import annotations

import pytest

from plugins.dataio.normalise import company_name, email, name_similarity, phone, uscc, uscc_check_char


@pytest.mark.parametrize(("a", "b"), [
    ("北京百度网讯科技有限公司", "北京百度網訊科技有限公司"),          # traditional characters
    ("北京百度网讯科技有限公司", "北京百度网讯科技（有限公司）"),      # brackets
    ("华为技术有限公司", "華為技術股份有限公司"),                    # suffix and script
    ("万达集团", "万达集团有限公司"),
    ("万达集团股份有限公司", "万达"),
    ("阿里巴巴（中国）网络技术有限公司", "阿里巴巴(中国)网络技术"),   # full-width brackets
    ("ＡＣＭＥ Co., Ltd.", "acme"),                                    # full-width Latin
    ("Acme Corporation", "ACME Inc."),
    ("上海 浦东 发展银行", "上海浦东发展银行股份有限公司"),
    ("深圳市腾讯计算机系统有限公司", "深圳市騰訊計算機系統有限公司"),
])
def test_company_names_that_are_the_same_company_share_a_key(a, b):
    assert company_name(a) == company_name(b)
    assert company_name(a)


@pytest.mark.parametrize(("a", "b"), [
    ("北京百度网讯科技有限公司", "北京字节跳动科技有限公司"),
    ("Disco Ltd", "Dis Ltd"),  # "co" inside a word is no suffix
    ("上海汽车集团", "上海汽车工业"),
])
def test_different_companies_keep_different_keys(a, b):
    assert company_name(a) != company_name(b)


def test_a_suffix_alone_is_kept_so_the_key_is_never_empty():
    assert company_name("集团") == "集团"
    assert company_name("有限公司") == "有限公司"
    assert company_name("") == ""


def test_similar_names_score_high_and_unrelated_ones_low():
    assert name_similarity(company_name("北京百度网讯科技有限公司"), company_name("北京百度网讯科技发展有限公司")) > 0.8
    assert name_similarity(company_name("北京百度网讯科技"), company_name("广州唯品会电子商务")) < 0.3


@pytest.mark.parametrize(("raw", "key"), [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("+86-13812345678", "13812345678"),
    ("0086 13812345678", "13812345678"),
    ("8613812345678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),  # full-width digits
    ("010-12345678", "01012345678"),
    ("(010) 1234 5678", "01012345678"),
    ("+86 10 1234 5678", "01012345678"),
    ("0086-21-87654321", "02187654321"),
    ("021-87654321转8001", "02187654321"),
    ("0755 8765 4321 ext 12", "075587654321"),
    ("12345", ""),
    ("", ""),
])
def test_phone_numbers_normalise_to_one_key(raw, key):
    assert phone(raw) == key


def test_email_is_trimmed_and_lower_case():
    assert email("  Zhang.Wei@Example.COM ") == "zhang.wei@example.com"
    assert email("ｚｈａｎｇ＠example.com") == "zhang@example.com"
    assert email("not an address") == ""


@pytest.mark.parametrize("code", [
    "91110108551385082Q",  # 北京百度网讯科技有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "911100001000079554",
    "91350100M000100Y43",
])
def test_real_unified_social_credit_codes_validate(code):
    assert uscc(code) == code
    assert uscc(code.lower()) == code
    assert uscc(f" {code[:6]} {code[6:]} ") == code


@pytest.mark.parametrize("code", [
    "91110108551385082R",  # wrong check character
    "91110108551385082",   # 17 characters
    "9111010855138508IQ",  # I is not in the alphabet
    "",
])
def test_bad_unified_social_credit_codes_give_no_key(code):
    assert uscc(code) == ""


def test_the_check_character_follows_gb_32100():
    assert uscc_check_char("91110108551385082") == "Q"
