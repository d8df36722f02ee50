"""A GET changes nothing: every GET route of the Starlette table, crawled
with real ids of a database holding a row in every table, as an
administrator and as a salesperson (asking for htmx fragments), leaves every
row of every table as it was.

Nothing here names a plugin's routes: a plugin enabled later is crawled too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from core.app import Kernel
from core.models import User
from core.permissions import load_actor
from tests.security.web_support import (
    Site,
    WebRoute,
    changed_tables,
    checksums,
    get_routes,
    model_of,
    open_site,
    requests_for,
)

# one worker seeds the module's database once
pytestmark = pytest.mark.xdist_group("security-web-crawl")

#: Tables a GET may write, each with the reason. None today: sessions are
#: written at login and logout only (no "last seen" on each request), and
#: reads are not audited. A table added here needs its reason.
MAY_CHANGE: dict[str, str] = {}


@dataclass
class Crawl:
    kernel: Kernel
    #: who -> [(route, url, status)] of every request made
    answers: dict[str, list[tuple[WebRoute, str, int]]]
    changed: list[str]


def _crawl(site: Site, client, headers: dict[str, str] | None = None,
           user: User | None = None) -> list[tuple[WebRoute, str, int]]:
    """Each GET route with the real URLs :func:`requests_for` offers, until
    one answers 200; for ``user``, only the routes whose permission they hold
    (the kernel refuses the others before any code of the route runs)."""
    routes = get_routes(site.routes)
    if user is not None:
        with site.kernel.db.session(write=False) as db:
            actor = load_actor(db, db.get(User, user.id), all_codes=set(site.kernel.registry.permissions))
        routes = [r for r in routes if not r.needs_permission or actor.can(r.spec.permission)]
    answered = []
    for route, urls in requests_for(site.kernel, routes, site.seeded):
        for url in urls:
            status = client.get(url, headers=headers or {}, follow_redirects=False).status_code
            answered.append((route, url, status))
            if status == 200:
                break
    return answered


@pytest.fixture(scope="module")
def crawl(base_settings, password_hash) -> Iterator[Crawl]:
    site = open_site(base_settings, password_hash)
    try:
        admin, seller = site.browser("sec_admin"), site.browser("sec_seller")  # a login writes a session
        before = checksums(site.kernel, exclude=MAY_CHANGE)
        answers = {"administrator": _crawl(site, admin),
                   "salesperson (htmx)": _crawl(site, seller, {"HX-Request": "true"}, site.seller)}
        yield Crawl(site.kernel, answers, changed_tables(before, checksums(site.kernel, exclude=MAY_CHANGE)))
    finally:
        site.close()


def test_crawling_every_get_route_changes_no_row(crawl):
    assert crawl.changed == [], "a GET wrote these tables"


def test_the_crawl_covers_every_get_route_and_meets_no_server_error(crawl):
    kernel = crawl.kernel
    crawled = {route.name for route, _url, _status in crawl.answers["administrator"]}
    declared = {f"{mount}:{s.name}" for mount, t in kernel.routes.items() for s in t.specs if "GET" in s.methods}
    assert crawled == declared
    errors = [f"{who}: {route} {url} answered {status}" for who, found in crawl.answers.items()
              for route, url, status in found if status >= 500]
    assert not errors, "\n".join(errors)


def test_the_crawl_reads_the_records_it_was_given(crawl):
    """Every route showing one record of a model (its permission names the
    model, its path an ``{id}``) showed the seeded one to the administrator:
    the crawl read real records, not 404 pages."""
    missed = [f"{route}: {url} answered {status}" for route, url, status in crawl.answers["administrator"]
              if [n for n, _ in route.params] == ["id"] and model_of(crawl.kernel, route) is not None
              and status != 200]
    assert not missed, "\n".join(missed)
