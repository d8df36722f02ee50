"""The catalog in a real browser on the demo installation: pictures uploaded
through the product page show on it and as thumbnails in the list, the list
filtered by a category takes its subcategories, a price list and the price
check, the currencies; screenshots for docs/plugins/catalog.md (Chinese, and
the product list in English)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.e2e.conftest import shoot

pytestmark = pytest.mark.e2e

#: SKU -> (body colour, accent colour, shape) of the drawn product picture
PICTURES = {
    "SRV-R740": ("#2f3b4c", "#4dabf7", "rack"), "SRV-R640": ("#343a40", "#69db7c", "rack"),
    "SRV-T150": ("#495057", "#ffd43b", "tower"), "NET-SW48": ("#1c7ed6", "#e9ecef", "switch"),
    "NET-SW24": ("#1971c2", "#e9ecef", "switch"), "NET-FW200": ("#c92a2a", "#f8f9fa", "switch"),
    "OFF-NB": ("#868e96", "#212529", "laptop"),
}


def drawn(body: str, accent: str, shape: str) -> bytes:
    """A simple product drawing (PNG) on a light background."""
    image = Image.new("RGB", (480, 360), "#f1f3f5")
    draw = ImageDraw.Draw(image)
    if shape == "rack":
        for n in range(2):
            top = 110 + n * 80
            draw.rounded_rectangle((40, top, 440, top + 64), 8, fill=body)
            for x in range(70, 300, 28):
                draw.rectangle((x, top + 16, x + 18, top + 48), fill="#212529")
            draw.ellipse((400, top + 24, 416, top + 40), fill=accent)
    elif shape == "tower":
        draw.rounded_rectangle((160, 40, 320, 330), 12, fill=body)
        for y in range(80, 200, 30):
            draw.rectangle((185, y, 295, y + 16), fill="#212529")
        draw.ellipse((232, 270, 248, 286), fill=accent)
    elif shape == "switch":
        draw.rounded_rectangle((30, 140, 450, 220), 8, fill=body)
        for n in range(12):
            x = 60 + n * 28
            draw.rectangle((x, 158, x + 20, 176), fill=accent)
            draw.rectangle((x, 184, x + 20, 202), fill=accent)
    else:
        draw.polygon([(110, 90), (370, 90), (380, 250), (100, 250)], fill=body)
        draw.rectangle((125, 105, 355, 235), fill="#a5d8ff")
        draw.polygon([(60, 255), (420, 255), (450, 290), (30, 290)], fill=accent)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def open_product(page: Any, sku: str) -> None:
    page.goto(f"/catalog/products?q={sku}")
    page.locator("#kit-product-table a", has_text=sku).first.click()
    expect(page.locator("h1.page-title")).to_be_visible()


def test_the_catalog_pages_with_pictures_prices_and_currencies(admin_page: Any, tmp_path: Path) -> None:
    page = admin_page
    # pictures uploaded through the product page
    for sku, (body, accent, shape) in PICTURES.items():
        open_product(page, sku)
        if page.locator("#catalog-main-image").count():
            continue  # already there (a second run on the same installation)
        picture = tmp_path / f"{sku}.png"
        picture.write_bytes(drawn(body, accent, shape))
        page.locator("#catalog-image-file").set_input_files(str(picture))
        page.locator("#catalog-product-images button[type=submit]", has_text="上传").click()
        expect(page.locator("#catalog-main-image")).to_be_visible()
    # a file that is no picture is refused with a message
    fake = tmp_path / "spec.png"
    fake.write_bytes(b"%PDF-1.4 this is a PDF")
    page.locator("#catalog-image-file").set_input_files(str(fake))
    page.locator("#catalog-product-images button[type=submit]", has_text="上传").click()
    expect(page.locator("#catalog-image-err")).to_contain_text("只能使用 PNG、JPEG 和 WebP 图片")
    open_product(page, "SRV-R740")
    expect(page.locator("#catalog-main-image")).to_be_visible()
    shoot(page, "catalog-product-detail")

    # the list filtered by 硬件设备 shows servers, switches and laptops, not services
    page.goto("/catalog/products")
    page.locator("#kit-f-category_id").select_option(label="硬件设备")
    expect(page.locator("#kit-product-table")).to_contain_text("机架式服务器 R740")
    expect(page.locator("#kit-product-table")).not_to_contain_text("年度运维服务")
    expect(page.locator("#kit-product-table")).to_contain_text("商用笔记本")
    expect(page.locator("#kit-product-table img.avatar").first).to_be_visible()
    shoot(page, "catalog-product-list")

    # the VIP price list and the price check
    page.goto("/catalog/price-lists")
    page.locator("#kit-price_list-table a", has_text="VIP 客户价 2026").click()
    expect(page.locator("#catalog-price-list-items")).to_contain_text("SRV-R740")
    shoot(page, "catalog-price-list")
    page.goto("/catalog/price-check")
    page.locator("#pc-product").select_option(label="SRV-R740 机架式服务器 R740")
    page.locator("#pc-level").select_option("vip")
    page.locator("#pc-on").fill("2026-03-02")
    page.locator("#catalog-price-check-form button[type=submit]").click()
    expect(page.locator("#catalog-price-check-price")).to_contain_text("65,360.00")
    expect(page.locator("#catalog-price-check-source")).to_contain_text("VIP 客户价 2026")

    # currencies under the administration
    page.goto("/catalog/currencies")
    expect(page.locator("#kit-currency-table")).to_contain_text("JPY")
    shoot(page, "catalog-currencies")
    page.locator("#kit-currency-table a", has_text="USD").click()
    expect(page.locator("#catalog-currency-rates")).to_contain_text("1 USD = 7.153 CNY")

    # the product list in English
    page.goto("/catalog/products")
    page.locator("form.sp-locale button", has_text="English").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#kit-f-category_id").select_option(label="Hardware")
    expect(page.locator("#kit-product-table")).not_to_contain_text("年度运维服务")
    expect(page.locator("h1.page-title")).to_have_text("Products")
    shoot(page, "catalog-product-list-en")
    page.locator("form.sp-locale button", has_text="中文").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
