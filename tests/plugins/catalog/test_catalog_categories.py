"""The category tree: paths kept on create and move (a subtree in one
UPDATE), moves under the own subtree refused, the tree page with product
counts, and the product list filtered by a category and its subcategories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from core.app import Kernel
from plugins.catalog.models import Category


def create(client: Any, name: str, parent: int | None = None, **values: Any) -> int:
    response = client.submit("/catalog/categories", {"name": name, "parent_id": parent or "", "sequence": "10",
                                                     "active": "1", **values}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def paths(kernel: Kernel) -> dict[str, str]:
    with kernel.db.session(write=False) as db:
        return dict(db.execute(select(Category.name, Category.path)).all())


def test_a_category_path_runs_from_the_root_and_a_move_carries_the_subtree(
        client: Any, kernel: Kernel, people: dict[str, Any]) -> None:
    client.login("pm")
    hardware = create(client, "硬件设备")
    servers = create(client, "服务器", hardware)
    racks = create(client, "机架式", servers)
    software = create(client, "软件")
    assert paths(kernel) == {"硬件设备": f"/{hardware}/", "服务器": f"/{hardware}/{servers}/",
                             "机架式": f"/{hardware}/{servers}/{racks}/", "软件": f"/{software}/"}
    # when 服务器 moves under 软件, its subcategory moves with it
    response = client.submit(f"/catalog/categories/{servers}", {"name": "服务器", "parent_id": software,
                                                                "sequence": "10", "active": "1"},
                             follow_redirects=False)
    assert response.status_code == 303, response.text
    assert paths(kernel) == {"硬件设备": f"/{hardware}/", "服务器": f"/{software}/{servers}/",
                             "机架式": f"/{software}/{servers}/{racks}/", "软件": f"/{software}/"}
    # and back to the root
    client.submit(f"/catalog/categories/{servers}", {"name": "服务器", "parent_id": "", "sequence": "10",
                                                     "active": "1"})
    assert paths(kernel)["机架式"] == f"/{servers}/{racks}/"


def test_a_category_cannot_move_under_itself_or_its_subtree(client: Any, kernel: Kernel,
                                                            people: dict[str, Any]) -> None:
    client.login("pm")
    hardware = create(client, "硬件设备")
    servers = create(client, "服务器", hardware)
    for parent in (hardware, servers):
        response = client.submit(f"/catalog/categories/{hardware}", {"name": "硬件设备", "parent_id": parent,
                                                                     "sequence": "10", "active": "1"})
        assert response.status_code == 422
        assert 'id="f-parent_id-err"' in response.text
    assert paths(kernel) == {"硬件设备": f"/{hardware}/", "服务器": f"/{hardware}/{servers}/"}


def test_renaming_and_deactivating_keep_the_tree(client: Any, kernel: Kernel, people: dict[str, Any]) -> None:
    client.login("pm")
    hardware = create(client, "硬件设备")
    servers = create(client, "服务器", hardware)
    client.submit(f"/catalog/categories/{servers}", {"name": "服务器与存储", "parent_id": hardware,
                                                     "sequence": "10"})  # the switch off: deactivated
    with kernel.db.session(write=False) as db:
        category = db.get(Category, servers)
        assert category is not None
        assert (category.name, category.active, category.path) == ("服务器与存储", False, f"/{hardware}/{servers}/")
    # an empty name is refused naming the field
    response = client.submit(f"/catalog/categories/{servers}", {"name": " ", "parent_id": hardware})
    assert response.status_code == 422 and 'id="f-name-err"' in response.text


def test_the_parent_must_be_a_category_of_the_own_organisation(client: Any, new_client: Any, kernel: Kernel,
                                                               people: dict[str, Any]) -> None:
    south = new_client()
    south.login("other_pm")
    theirs = create(south, "华南分类")
    client.login("pm")
    response = client.submit("/catalog/categories", {"name": "借用", "parent_id": theirs, "sequence": "10"})
    # the form offers only the own organisation's categories: another's is not a choice
    assert response.status_code == 422 and 'id="f-parent_id-err"' in response.text
    assert "借用" not in paths(kernel)
    # nor can a product of the head office go into it
    response = client.submit("/catalog/products", {"code": "X-1", "name": "借用产品", "kind": "goods",
                                                   "category_id": theirs, "list_price": "1", "currency_code": "CNY",
                                                   "tax_rate": "13"})
    assert response.status_code == 422 and 'id="f-category_id-err"' in response.text


def test_the_tree_page_indents_subcategories_and_counts_their_products(
        client: Any, kernel: Kernel, people: dict[str, Any], new_product: Callable[..., int]) -> None:
    client.login("pm")
    hardware = create(client, "硬件设备")
    servers = create(client, "服务器", hardware)
    create(client, "网络设备", hardware)
    new_product(people["pm"], "SRV-1", "机架式服务器", category_id=servers)
    new_product(people["pm"], "SRV-2", "塔式服务器", category_id=servers)
    new_product(people["pm"], "HW-1", "硬件杂项", category_id=hardware)
    page = client.get("/catalog/categories").text
    rows = page[page.index('id="catalog-category-tree"'):]
    # 硬件设备 first, its subcategories indented below it, in the order given
    assert rows.index("硬件设备") < rows.index("服务器") < rows.index("网络设备")
    assert "padding-left: 2.25rem" in rows  # one level down
    # 硬件设备 holds one product itself, three with its subcategories
    hardware_row = rows[rows.index("硬件设备"):rows.index("服务器")]
    assert '<td class="text-end">1</td>' in hardware_row and f"category_id={hardware}\">3<" in hardware_row


def test_the_product_list_filtered_by_a_category_shows_its_subcategories_products(
        client: Any, kernel: Kernel, people: dict[str, Any], new_product: Callable[..., int]) -> None:
    client.login("pm")
    hardware = create(client, "硬件设备")
    servers = create(client, "服务器", hardware)
    software = create(client, "软件")
    new_product(people["pm"], "SRV-1", "机架式服务器", category_id=servers)
    new_product(people["pm"], "HW-1", "硬件杂项", category_id=hardware)
    new_product(people["pm"], "SW-1", "办公软件", category_id=software)
    listed = client.get(f"/catalog/products?category_id={hardware}").text
    assert "机架式服务器" in listed and "硬件杂项" in listed and "办公软件" not in listed
    listed = client.get(f"/catalog/products?category_id={servers}").text
    assert "机架式服务器" in listed and "硬件杂项" not in listed
    # the filter stays chosen, and the sort links keep it
    assert f'<option value="{servers}" selected' in listed
    assert f"category_id={servers}" in listed[listed.index('id="kit-product-table"'):]
    # the htmx refresh of the table filters the same way
    table = client.get(f"/catalog/products?category_id={software}", headers={"HX-Request": "true"}).text
    assert "办公软件" in table and "机架式服务器" not in table
