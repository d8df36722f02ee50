"""Sort, filter and group parameters outside a list's allowlist are a bad
request (400) naming the parameter, on every list: the kit's list page of
every model a plugin shows (``registry.cruds``), the API's list of each of
them, and the report endpoints of every dataset (``registry.datasets``).
Nothing is silently ignored, and a field hidden from the reader can be
neither sorted, filtered nor grouped by (design rule 7).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from core.admin import services
from core.auth import create_api_token
from core.kit import LIST_PARAMS, Crud
from core.models import Role, User
from tests.security.web_support import Site, open_site

# one worker seeds the module's database once
pytestmark = pytest.mark.xdist_group("security-web-lists")

NOPE = "no_such_field"


@dataclass
class Lists:
    site: Site
    admin: Any
    #: a user who may read everything, with one field of each model hidden
    veiled: Any
    veiled_api: Any
    admin_api: Any
    #: model key -> the field of its list hidden from ``veiled``
    hidden: dict[str, str]
    #: dataset key -> the dimension hidden from ``veiled``
    hidden_dimensions: dict[str, str]


def _hidden_field(crud: Crud) -> str:
    """The field of a list to hide: its first filter's, else its first sortable column."""
    if crud.list_view.filters:
        return crud.list_view.filters[0].name
    return next(c.name for c in crud.list_view.columns if c.sortable and c.name != "id")


@pytest.fixture(scope="module")
def lists(base_settings, password_hash) -> Iterator[Lists]:
    site = open_site(base_settings, password_hash)
    try:
        registry = site.kernel.registry
        veiled = site.make.user(username="sec_veiled", roles=(), grants=dict.fromkeys(registry.permissions, "all"))
        hidden = {key: _hidden_field(crud) for key, (_m, crud) in registry.cruds.items()}
        dimensions = {key: decl.dimensions[-1] for key, decl in registry.datasets.items()}
        rules = {(k, f): "hidden" for k, f in hidden.items()}
        rules |= {(registry.datasets[k].model.__model_key__, f): "hidden" for k, f in dimensions.items()}
        with site.kernel.db.session() as db:
            role = db.scalar(select(Role).where(Role.key.like("r%")).order_by(Role.id.desc()))
            services.set_field_rules(db, role, rules, registry)
            tokens = {u.id: create_api_token(db, db.get(User, u.id), "lists")[1] for u in (site.admin, veiled)}
        yield Lists(site, site.browser("sec_admin"), site.browser("sec_veiled"),
                    site.browser(Authorization=f"Bearer {tokens[veiled.id]}"),
                    site.browser(Authorization=f"Bearer {tokens[site.admin.id]}"), hidden, dimensions)
    finally:
        site.close()


def _options(page: str, name: str) -> list[str]:
    """The values a list page offers for a filter (its ``<select>``)."""
    import re

    select_html = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    if select_html is None:  # a filter without choices (no city entered yet) shows no select
        return []
    return [v for v in re.findall(r'<option value="([^"]*)"', select_html.group(1)) if v]


def _list_url(lists_or_client: Any, crud: Crud) -> str:
    return lists_or_client.app.state.kernel.url_path_for(f"{_mount(lists_or_client, crud)}:{crud.noun}_list")


def _mount(client: Any, crud: Crud) -> str:
    return next(m for m, c in client.app.state.kernel.registry.cruds.values() if c is crud)


def _refused(client: Any, url: str, params: dict[str, str], name: str) -> str | None:
    """What is wrong with the answer to a request that must be a 400 naming
    ``name`` (asked as problem details: the page says the same, see
    ``test_the_refusal_names_the_parameter_in_each_language``)."""
    response = client.get(url + "?" + urlencode(params), headers={"Accept": "application/json"},
                          follow_redirects=False)
    if response.status_code != 400:
        return f"{url}?{urlencode(params)}: answered {response.status_code}, not 400"
    # the report builder shows its form again, the refused choice named on it
    said = response.json()["title"] if "json" in response.headers["content-type"] else response.text
    if name not in said:
        return f"{url}?{urlencode(params)}: the answer does not name {name!r}: {said[:200]}"
    return None


# ------------------------------------------------------------------ the kit's list pages


def test_every_list_page_refuses_what_it_does_not_offer(lists):
    registry = lists.site.kernel.registry
    assert registry.cruds, "no list to check"
    failures = []
    for key, (_m, crud) in registry.cruds.items():
        url = _list_url(lists.admin, crud)
        model_fields = [c.name for c in crud.model.__table__.columns
                        if c.name not in {f.name for f in crud.list_view.filters} | set(crud.list_view.params)
                        | LIST_PARAMS]
        cases = [({"sort": NOPE}, "sort"), ({"sort": "id", "dir": "sideways"}, "dir"),
                 ({model_fields[0]: "1"}, model_fields[0]), ({"after": "garbage"}, "after"),
                 ({"before": "W1siYSJdLCAxXQ"}, "before")]  # a cursor made for another sort
        cases += [({flt.name: "no-such-value"}, flt.name) for flt in crud.list_view.filters]
        failures += [f"{key}: {problem}" for params, name in cases
                     if (problem := _refused(lists.admin, url, params, name))]
    assert not failures, "\n".join(failures)


def test_every_list_page_serves_what_it_offers(lists):
    """The refusals are the allowlist's: each sortable column, both
    directions, and each filter's first offered value answer 200."""
    failures = []
    for key, (_m, crud) in lists.site.kernel.registry.cruds.items():
        url = _list_url(lists.admin, crud)
        asked = [{"sort": c.name, "dir": d} for c in crud.list_view.columns if c.sortable for d in ("asc",)]
        asked += [{"sort": "id", "dir": "desc"}, {"q": "安全"}]
        page = lists.admin.get(url).text if crud.list_view.filters else ""
        for flt in crud.list_view.filters:
            offered = _options(page, flt.name)
            if offered:
                asked.append({flt.name: offered[0]})
        for params in asked:  # the list's table (htmx): what a sort link or a filter swaps in
            response = lists.admin.get(url + "?" + urlencode(params), follow_redirects=False,
                                       headers={"HX-Request": "true"})
            if response.status_code != 200:
                failures.append(f"{key}: {url}?{urlencode(params)} answered {response.status_code}")
    assert not failures, "\n".join(failures)


def test_a_hidden_field_can_be_neither_sorted_nor_filtered_by(lists):
    failures = []
    for key, (_m, crud) in lists.site.kernel.registry.cruds.items():
        url, field = _list_url(lists.admin, crud), lists.hidden[key]
        for params in ({"sort": field}, {field: "1"}):
            name = "sort" if "sort" in params else field
            if problem := _refused(lists.veiled, url, params, name):
                failures.append(f"{key} ({field} hidden): {problem}")
    assert not failures, "\n".join(failures)


def test_the_refusal_names_the_parameter_in_each_language(lists):
    mount, crud = next(iter(lists.site.kernel.registry.cruds.values()))
    url = lists.site.kernel.url_path_for(f"{mount}:{crud.noun}_list") + "?sort=" + NOPE
    as_json = lists.admin.get(url, headers={"Accept": "application/json"})
    assert as_json.status_code == 400 and as_json.json()["parameter"] == "sort"
    assert as_json.headers["content-type"].startswith("application/problem+json")
    chinese = lists.admin.get(url).text
    assert "sort：列表不能按“no_such_field”排序。" in chinese
    lists.admin.cookies.set("suanpan_locale", "en")
    with lists.site.kernel.db.session() as db:
        db.get(User, lists.site.admin.id).locale = "en"
    try:
        english = lists.admin.get(url).text
    finally:
        with lists.site.kernel.db.session() as db:
            db.get(User, lists.site.admin.id).locale = ""
    assert "sort: the list cannot be sorted by “no_such_field”." in english


# ------------------------------------------------------------------ the API


def test_every_api_list_refuses_what_it_does_not_offer(lists):
    if "api" not in lists.site.kernel.enabled:
        pytest.fail("the api plugin is off: no API list to check")
    failures = []
    for key, (mount, crud) in lists.site.kernel.registry.cruds.items():
        url = f"/api/v1/{mount}/{crud.noun}"
        hidden = lists.hidden[key]
        cases = [(lists.admin_api, {"sort": NOPE}, "sort"), (lists.admin_api, {"dir": "sideways"}, "dir"),
                 (lists.admin_api, {NOPE: "1"}, NOPE), (lists.veiled_api, {"sort": hidden}, "sort"),
                 (lists.veiled_api, {hidden: "1"}, hidden)]
        for client, params, name in cases:
            response = client.get(url, params=params)
            named = response.status_code == 400 and name in {e["name"] for e in response.json()["errors"]}
            if not named:
                failures.append(f"{key}: {url}?{urlencode(params)} answered {response.status_code} "
                                f"{response.text[:120]}")
        if lists.admin_api.get(url, params={"sort": "id", "dir": "asc"}).status_code != 200:
            failures.append(f"{key}: {url}?sort=id&dir=asc is refused")
    assert not failures, "\n".join(failures)


# ------------------------------------------------------------------ reports


def _report_urls(kernel: Any) -> list[str]:
    """The report endpoints that take a report's definition from the address."""
    names = ("dashboard:report_new", "dashboard:report_export", "dashboard:record_list")
    return [kernel.url_path_for(n) for n in names if n in kernel.paths]


def test_every_report_endpoint_refuses_what_a_dataset_does_not_offer(lists):
    kernel = lists.site.kernel
    urls = _report_urls(kernel)
    if not urls:
        pytest.fail("no report endpoint to check (the dashboard plugin is off)")
    failures = []
    for key, decl in kernel.registry.datasets.items():
        first = {"dataset": key, "row": decl.dimensions[0]}
        cases = [({**first, "row": NOPE}, NOPE), ({**first, "col": NOPE}, NOPE),
                 ({**first, "measure": NOPE}, NOPE), ({**first, f"f.{NOPE}": "1"}, NOPE),
                 ({"dataset": NOPE, "row": "id"}, "dataset")]
        for url in urls:
            failures += [f"{key}: {problem}" for params, name in cases
                         if (problem := _refused(lists.admin, url, params, name))]
            response = lists.admin.get(url + "?" + urlencode(first))
            if response.status_code != 200:
                failures.append(f"{key}: {url}?{urlencode(first)} answered {response.status_code}")
    assert not failures, "\n".join(failures)


def test_a_report_cannot_group_by_a_field_hidden_from_the_reader(lists):
    kernel = lists.site.kernel
    urls = _report_urls(kernel)
    failures = []
    assert urls and lists.hidden_dimensions
    for key, field in lists.hidden_dimensions.items():
        for url in urls:
            for params in ({"dataset": key, "row": field}, {"dataset": key, "col": field},
                           {"dataset": key, f"f.{field}": "1"}):
                if problem := _refused(lists.veiled, url, params, field):
                    failures.append(f"{key} ({field} hidden): {problem}")
    assert not failures, "\n".join(failures)
