"""Products: SKUs unique per organisation, prices no finer than their
currency, tax rates 0-100; pictures checked, ordered, served under the
product's read permission; bundles without cycles; the API, the global
search and the import."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PIL import Image
from sqlalchemy import func, select

from core.app import Kernel
from core.jobs import Worker
from plugins.catalog.models import BundleItem, Product, ProductImage
from plugins.catalog.services.images import MAX_BYTES
from tests.plugins.catalog.conftest import actor_of


def form(**values: str) -> dict[str, str]:
    return {"code": "SRV-01", "name": "服务器", "kind": "goods", "list_price": "48000.00", "currency_code": "CNY",
            "tax_rate": "13", "active": "1", **values}


def picture(kind: str = "PNG", size: tuple[int, int] = (40, 30), color: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, kind)
    return buf.getvalue()


def upload(client: Any, product_id: int, data: bytes, name: str = "photo.png") -> Any:
    return client.submit(f"/catalog/products/{product_id}/images", files={"image": (name, data, "image/png")},
                         follow_redirects=False)


def count(kernel: Kernel, model: Any, *where: Any) -> int:
    with kernel.db.session(write=False) as db:
        return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_product_manager_creates_a_product_and_salespeople_read_it(client: Any, new_client: Any, kernel: Kernel,
                                                                     people: dict[str, Any],
                                                                     money: dict[str, int]) -> None:
    client.login("pm")
    response = client.submit("/catalog/products", form(name_en="Server", spec="2U 双路", unit_id=str(money["tai"]),
                                                       cost_price="36000", barcode="6901234567892"),
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    product_id = int(response.headers["location"].rsplit("/", 1)[1])
    with kernel.db.session(write=False) as db:
        product = db.get(Product, product_id)
        assert product is not None
        assert (product.org_id, product.code, product.list_price, product.tax_rate, product.unit_id) == (
            people["hq"].id, "SRV-01", Decimal("48000.00"), Decimal("13"), money["tai"])
    rep = new_client()
    rep.login("rep")
    page = rep.get(f"/catalog/products/{product_id}")
    assert page.status_code == 200 and "2U 双路" in page.text and "台" in page.text
    # a salesperson reads but does not change the catalog
    assert rep.submit("/catalog/products", form(code="X")).status_code == 403
    assert rep.get(f"/catalog/products/{product_id}/edit").status_code == 403


def test_a_sku_is_unique_within_an_organisation_only(client: Any, new_client: Any, kernel: Kernel,
                                                     people: dict[str, Any], money: dict[str, int]) -> None:
    client.login("pm")
    assert client.submit("/catalog/products", form(), follow_redirects=False).status_code == 303
    again = client.submit("/catalog/products", form(name="另一台服务器"))
    assert again.status_code == 422 and 'id="f-code-err"' in again.text
    assert "本机构已有其他产品使用此产品编码" in again.text
    # another organisation may use the same SKU
    south = new_client()
    south.login("other_pm")
    assert south.submit("/catalog/products", form(), follow_redirects=False).status_code == 303
    assert count(kernel, Product, Product.code == "SRV-01") == 2


def test_a_price_with_more_decimals_than_its_currency_is_refused_naming_list_price(
        client: Any, kernel: Kernel, people: dict[str, Any], money: dict[str, int]) -> None:
    client.login("pm")
    response = client.submit("/catalog/products", form(list_price="48000.005"))
    assert response.status_code == 422 and 'id="f-list_price-err"' in response.text
    response = client.submit("/catalog/products", form(code="JP-1", list_price="1500.5", currency_code="JPY"))
    assert response.status_code == 422 and 'id="f-list_price-err"' in response.text
    # whole yen and trailing zeros are fine
    assert client.submit("/catalog/products", form(code="JP-1", list_price="1500.00", currency_code="JPY"),
                         follow_redirects=False).status_code == 303
    assert count(kernel, Product) == 1


def test_a_tax_rate_is_between_0_and_100(client: Any, kernel: Kernel, people: dict[str, Any],
                                         money: dict[str, int]) -> None:
    client.login("pm")
    for bad in ("101", "-1", "6.125"):
        response = client.submit("/catalog/products", form(tax_rate=bad))
        assert response.status_code == 422 and 'id="f-tax_rate-err"' in response.text, bad
    assert client.submit("/catalog/products", form(tax_rate="6"), follow_redirects=False).status_code == 303
    with kernel.db.session(write=False) as db:
        assert db.scalar(select(Product.tax_rate)) == Decimal("6")


def test_an_edit_keeps_the_sku_check_and_the_version(client: Any, kernel: Kernel, people: dict[str, Any],
                                                     new_product: Callable[..., int]) -> None:
    first = new_product(people["pm"], "A-1", "甲")
    second = new_product(people["pm"], "B-1", "乙")
    client.login("pm")
    taken = client.submit(f"/catalog/products/{second}", form(code="A-1", name="乙", version="1"))
    assert taken.status_code == 422 and 'id="f-code-err"' in taken.text
    assert client.submit(f"/catalog/products/{second}", form(code="B-2", name="乙", version="1"),
                         follow_redirects=False).status_code == 303
    # a stale form is refused
    assert client.submit(f"/catalog/products/{second}", form(code="B-3", name="乙", version="1")).status_code == 409
    with kernel.db.session(write=False) as db:
        assert [p.code for p in db.scalars(select(Product).order_by(Product.id))] == ["A-1", "B-2"]
    del first


def test_images_are_uploaded_ordered_and_deleted_and_the_first_is_the_main_one(
        client: Any, kernel: Kernel, people: dict[str, Any], new_product: Callable[..., int]) -> None:
    product = new_product(people["pm"], "SRV-01", "服务器")
    client.login("pm")
    for data, name in ((picture("PNG"), "front.png"), (picture("JPEG", color="blue"), "side.jpg"),
                       (picture("WEBP", color="green"), "back.webp")):
        assert upload(client, product, data, name).status_code == 303
    with kernel.db.session(write=False) as db:
        images = list(db.scalars(select(ProductImage).order_by(ProductImage.sequence)))
        assert [(i.filename, i.content_type) for i in images] == [
            ("front.png", "image/png"), ("side.jpg", "image/jpeg"), ("back.webp", "image/webp")]
        ids = [i.id for i in images]
    # the image is served with its type
    served = client.get(f"/catalog/products/{product}/images/{ids[1]}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff" and served.content.startswith(b"\xff\xd8")
    page = client.get(f"/catalog/products/{product}").text
    assert f'id="catalog-main-image"\n           src="/catalog/products/{product}/images/{ids[0]}"' in page
    # when the third moves up twice it becomes the main one
    for _ in range(2):
        client.submit(f"/catalog/products/{product}/images/{ids[2]}/move", {"direction": "up"})
    with kernel.db.session(write=False) as db:
        order = list(db.scalars(select(ProductImage.id).order_by(ProductImage.sequence)))
    assert order == [ids[2], ids[0], ids[1]]
    listed = client.get("/catalog/products").text
    assert f'src="/catalog/products/{product}/images/{ids[2]}"' in listed  # the thumbnail in the list
    # deleted
    assert client.submit(f"/catalog/products/{product}/images/{ids[0]}/delete",
                         follow_redirects=False).status_code == 303
    assert count(kernel, ProductImage) == 2
    assert client.get(f"/catalog/products/{product}/images/{ids[0]}").status_code == 404


def test_files_that_are_not_png_jpeg_or_webp_or_too_large_are_refused(
        client: Any, kernel: Kernel, people: dict[str, Any], new_product: Callable[..., int]) -> None:
    product = new_product(people["pm"], "SRV-01", "服务器")
    client.login("pm")
    for data, name in ((picture("GIF"), "anim.gif"), (b"%PDF-1.4 not an image", "spec.png"),
                       (picture("PNG")[:40], "broken.png"), (b"", "empty.png")):
        response = upload(client, product, data, name)
        assert response.status_code == 422, name
        assert 'id="catalog-image-err"' in response.text, name
    # larger than 2 MB: a PNG of noise
    big = io.BytesIO()
    Image.frombytes("RGB", (1000, 800), bytes((n * 7919) % 251 for n in range(1000 * 800 * 3))).save(big, "PNG")
    for size in (MAX_BYTES + 1, 5 * 1024 * 1024):  # just past the limit, and a phone's photo
        data = big.getvalue() + b"\0" * (size - len(big.getvalue()))  # a valid PNG, padded
        response = upload(client, product, data, "huge.png")
        assert response.status_code == 422 and "图片超过 2 MB" in response.text
    assert count(kernel, ProductImage) == 0


def test_a_product_outside_the_readers_scope_answers_404_for_its_images_too(
        client: Any, make: Any, kernel: Kernel, people: dict[str, Any], new_product: Callable[..., int]) -> None:
    product = new_product(people["pm"], "SRV-01", "服务器")
    client.login("pm")
    upload(client, product, picture())
    image = kernel.db.session(write=False)
    with image as db:
        image_id = db.scalar(select(ProductImage.id))
    # a user of another organisation who reads only their own organisation's catalog
    make.user(org=people["south"], username="south_rep", roles=(), grants={"catalog.product.read": "org"})
    client.login("south_rep")
    assert client.get(f"/catalog/products/{product}").status_code == 404
    assert client.get(f"/catalog/products/{product}/images/{image_id}").status_code == 404
    # the image id under another product is no way round
    theirs = new_product(people["other_pm"], "S-1", "华南产品")
    assert client.get(f"/catalog/products/{theirs}/images/{image_id}").status_code == 404
    # and nobody but the product's keepers may add or remove pictures
    client.login("other_pm")
    assert upload(client, product, picture()).status_code == 404
    assert client.submit(f"/catalog/products/{product}/images/{image_id}/delete").status_code == 404
    assert count(kernel, ProductImage) == 1


def test_a_bundle_gets_components_but_never_itself_or_a_bundle_containing_it(
        client: Any, kernel: Kernel, people: dict[str, Any], new_product: Callable[..., int]) -> None:
    switch = new_product(people["pm"], "SW-24", "交换机", "3600.00")
    install = new_product(people["pm"], "SVC-1", "安装", "1500.00", kind="service")
    kit = new_product(people["pm"], "KIT-1", "网络套装", "9800.00", is_bundle=True)
    big = new_product(people["pm"], "KIT-2", "大套装", "19800.00", is_bundle=True)
    client.login("pm")

    def add(bundle: int, product: int, quantity: str = "1") -> Any:
        return client.submit(f"/catalog/products/{bundle}/components", {"product_id": str(product),
                                                                         "quantity": quantity},
                             follow_redirects=False)

    assert add(kit, switch, "2").status_code == 303
    assert add(kit, install).status_code == 303
    assert add(big, kit).status_code == 303
    assert add(kit, switch, "1").status_code == 303  # adds to the quantity it has
    page = client.get(f"/catalog/products/{kit}").text
    assert "交换机" in page and 'id="catalog-bundle-components"' in page
    # itself, or a bundle that contains it: refused naming the product
    for bundle, product in ((kit, kit), (kit, big)):
        refused = add(bundle, product)
        assert refused.status_code == 422 and 'id="catalog-component-product-err"' in refused.text
    # a product that is no bundle has no components; a quantity must be above 0
    assert add(switch, install).status_code == 422
    refused = add(kit, install, "0")
    assert refused.status_code == 422 and 'id="catalog-component-quantity-err"' in refused.text
    with kernel.db.session(write=False) as db:
        rows = {(b, p): q for b, p, q in db.execute(select(BundleItem.bundle_id, BundleItem.product_id,
                                                           BundleItem.quantity))}
    assert rows == {(kit, switch): Decimal("3"), (kit, install): Decimal("1"), (big, kit): Decimal("1")}
    item = None
    with kernel.db.session(write=False) as db:
        item = db.scalar(select(BundleItem.id).where(BundleItem.product_id == install))
    assert client.submit(f"/catalog/products/{kit}/components/{item}/delete",
                         follow_redirects=False).status_code == 303
    assert count(kernel, BundleItem) == 2


def test_products_come_through_the_api_under_the_same_rules(client: Any, kernel: Kernel, people: dict[str, Any],
                                                            new_product: Callable[..., int]) -> None:
    new_product(people["pm"], "SRV-01", "服务器", "48000.00")
    client.login("rep")
    listed = client.get("/api/v1/catalog/product", headers={"Accept": "application/json"})
    assert listed.status_code == 200, listed.text
    assert [(i["code"], i["list_price"]) for i in listed.json()["items"]] in (
        [("SRV-01", "48000.00")], [("SRV-01", 48000.0)], [("SRV-01", "48000")])
    client.login("pm")
    created = client.post("/api/v1/catalog/product", json={
        "code": "SRV-02", "name": "服务器二", "kind": "goods", "list_price": "1.005", "currency_code": "CNY",
        "tax_rate": "13"}, headers={"X-CSRF-Token": client.csrf()})
    assert created.status_code == 422 and "list_price" in created.text
    created = client.post("/api/v1/catalog/product", json={
        "code": "SRV-02", "name": "服务器二", "kind": "goods", "list_price": "1.50", "currency_code": "CNY",
        "tax_rate": "13"}, headers={"X-CSRF-Token": client.csrf()})
    assert created.status_code == 201, created.text
    assert count(kernel, Product) == 2


def test_the_global_search_finds_products_by_name_sku_and_barcode(kernel: Kernel, people: dict[str, Any],
                                                                  new_product: Callable[..., int]) -> None:
    from plugins.search.query import search

    new_product(people["pm"], "SRV-R740", "机架式服务器", name_en="Rack server", barcode="6901234567892")
    with kernel.db.session(write=False) as db:
        actor = actor_of(kernel, db, people["rep"])
        for typed in ("机架式", "SRV-R740", "6901234567892", "Rack"):
            hits = {g.model: [h.title for h in g.hits] for g in search(db, kernel.registry, actor, typed)}
            assert hits.get("catalog.product") == ["机架式服务器"], typed


def test_products_are_imported_and_updated_by_sku(client: Any, kernel: Kernel, people: dict[str, Any],
                                                  new_product: Callable[..., int]) -> None:
    new_product(people["pm"], "SRV-01", "服务器", "48000.00")

    def run(mode: str, match_key: str, rows: list[list[str]]) -> dict[str, Any]:
        buf = io.StringIO()
        csv.writer(buf).writerows([["SKU", "名称", "类型", "目录价", "币种", "税率"], *rows])
        response = client.submit("/dataio/catalog.product/import", {"mode": mode, "match_key": match_key},
                                 files={"file": ("products.csv", buf.getvalue().encode(), "text/csv")},
                                 follow_redirects=False)
        assert response.status_code == 303, response.text
        batch_id = int(response.headers["location"].rsplit("/", 1)[1])
        response = client.submit(f"/dataio/batches/{batch_id}/check", {
            "map_code": "SKU", "map_name": "名称", "map_list_price": "目录价", "map_currency_code": "币种",
            "map_tax_rate": "税率", "map_kind": "类型", "map_active": ""})
        assert response.status_code == 200, response.text
        from plugins.dataio.models import Batch
        with kernel.db.session(write=False) as db:
            report = db.get(Batch, batch_id).report  # type: ignore[union-attr]
        if not report.get("errors"):
            client.submit(f"/dataio/batches/{batch_id}/commit", follow_redirects=False)
            Worker(kernel, "test").run_pending()
        return dict(report)

    client.login("pm")
    report = run("upsert", "code", [["SRV-01", "服务器（新款）", "goods", "46000.00", "CNY", "13"],
                                    ["NET-24", "交换机", "商品", "3600.00", "CNY", "13"]])
    assert not report.get("errors"), report
    with kernel.db.session(write=False) as db:
        rows = {p.code: (p.name, p.list_price, p.org_id) for p in db.scalars(select(Product))}
    assert rows == {"SRV-01": ("服务器（新款）", Decimal("46000.00"), people["hq"].id),
                    "NET-24": ("交换机", Decimal("3600.00"), people["hq"].id)}


def test_the_list_filters_on_sale_and_searches_the_specification(client: Any, people: dict[str, Any],
                                                                 new_product: Callable[..., int]) -> None:
    new_product(people["pm"], "SRV-01", "机架式服务器", spec="2U 双路")
    new_product(people["pm"], "OLD-01", "停产服务器", active=False)
    client.login("rep")
    on_sale = client.get("/catalog/products?active=1").text
    assert "机架式服务器" in on_sale and "停产服务器" not in on_sale
    off = client.get("/catalog/products?active=0").text
    assert "停产服务器" in off and "机架式服务器" not in off
    found = client.get("/catalog/products?q=双路").text
    assert "机架式服务器" in found and "停产服务器" not in found
    assert "CNY 100.00" in found  # the list price with its currency


def test_the_menu_offers_the_catalog_and_its_administration_to_whoever_may_use_them(
        client: Any, new_client: Any, people: dict[str, Any], money: dict[str, int]) -> None:
    client.login("pm")
    home = client.get("/").text
    for path in ("/catalog/products", "/catalog/price-lists", "/catalog/categories", "/catalog/currencies",
                 "/catalog/units"):
        assert f'href="{path}' in home, path
    rep = new_client()
    rep.login("rep")
    home = rep.get("/").text
    assert 'href="/catalog/products' in home and 'href="/catalog/currencies' not in home


def test_the_form_offers_chinas_vat_rates_and_the_organisations_categories(
        client: Any, new_client: Any, people: dict[str, Any], money: dict[str, int]) -> None:
    south = new_client()
    south.login("other_pm")
    south.submit("/catalog/categories", {"name": "华南分类", "sequence": "10", "active": "1"})
    client.login("pm")
    client.submit("/catalog/categories", {"name": "总部分类", "sequence": "10", "active": "1"})
    form = client.get("/catalog/products/new").text
    assert 'list="catalog-tax-rates"' in form
    for rate in ("13", "9", "6", "3", "1", "0"):
        assert f'<option value="{rate}">' in form
    assert "总部分类" in form and "华南分类" not in form
    # the list filters by every category the reader may read
    assert "华南分类" in client.get("/catalog/products").text
