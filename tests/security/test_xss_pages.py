"""Stored XSS: 300+ payloads (xss_payloads.txt) written into every text
field of every model, then every page of every enabled plugin rendered in
Chromium: nothing runs.

Given records of every registered model with payloads in every free-text
column (written directly, as a service or an import would), custom fields on
every model that takes them with payloads in their labels and choices
(through the custom field form), and payloads posted through every form the
pages offer (every model's new and edit forms, the timeline's note, activity
and upload forms, settings), and notifications carrying payloads;
when a served installation shows every page of the route table (lists,
details, edit forms, timelines, search, dashboards, notifications) to a
browser, and swaps in every htmx fragment the way htmx does;
then no payload called ``__xss``, opened a dialog, became an element, an
event handler, an hx-on, a script URL or a style, and no template evaluated
one; and every payload was shown as text somewhere.
"""

from __future__ import annotations

import html
import os
import re
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import xss_support
from xss_support import (
    PASSWORD,
    AppClient,
    Detector,
    Packer,
    PageUrl,
    Seeded,
    Submission,
    load_payloads,
    notify_payloads,
    page_urls,
    parse_forms,
    problems_of,
    seed,
    serve,
    submit_form,
)

from core.app import Kernel
from core.config import Settings
from core.fields import has_extra
from core.models import User

#: routes the browser does not open, with the reason
SKIP = {
    "core:session_new": "the login form: it shows no record (the browser logs in through it)",
    "api:resource_list": "JSON (test_api_*.py); no page",
    "api:resource_detail": "JSON (test_api_*.py); no page",
    "api:openapi_document": "JSON",
}
#: routes whose server errors on a post come from the seeded data, which no service makes
POST_ERRORS_EXPLAINED = {
    "sales:contract_update": "the seeded delivery and return lines name the lines of a draft contract, "
                             "which replacing its lines then cannot delete (a contract with deliveries is locked)",
}
#: models whose own form no filler can complete, with the reason (their
#: columns are seeded directly all the same)
FORMS_EXPLAINED = {
    "api.webhook": "its events field takes event names (a model key and an action, one a line)",
    "exhibitions.service_order": "its lines take quantities and the days a service is used, which a payload is not",
    "exhibitions.decoration_project": "it is made on a raw-space booth sold and with no project yet, and changed "
                                      "only in draft (the seeded state is neither)",
    "exhibitions.decoration_rule": "it has no text field: a date and amounts",
    "exhibitions.desk_request": "its exhibitor must hold a booth in the chosen edition, which the seeded rows "
                                "link only by chance (the walk's order differs on PostgreSQL)",
}
#: forms the walk does not post, by the route their action goes to
NOT_POSTED = ("/logout", "/login", "/locale", "/profile/password")


@pytest.fixture
def owner(make: Any) -> User:
    return xss_support.make_owner(make)


@pytest.fixture
def app_client(kernel: Kernel, owner: User) -> Iterator[AppClient]:
    with xss_support.app_client(kernel, owner.username) as client:
        yield client


def test_payloads_are_many_and_of_every_kind() -> None:
    payloads = load_payloads()
    assert len(payloads) >= 200
    assert len({p.text for p in payloads}) == len(payloads), "a payload is listed twice"
    texts = "\n".join(p.text for p in payloads)
    for needle in ("<script>", "onerror=", "javascript:", "<svg", "hx-on", "hx-get", "{{7*7}}", "expression(",
                   "\x00", "\u202e", "ScRiPt", "\r\n", "\"><", "'>"):
        assert needle in texts, needle


def test_the_detector_catches_payloads_written_unescaped(chromium: Any) -> None:
    """The control: the same payloads written into pages and into htmx
    fragments without escaping (as ``|safe`` or ``Markup`` of user text
    would) are caught, whether they run or only sit in the page. Each
    payload gets a document of its own (a frame), since one breaks the
    parsing of the next."""
    payloads = load_payloads()
    htmx = "<script src='/static/vendor/htmx/htmx.min.js'></script>"

    def frame(body: str) -> str:  # htmx only where a payload has something for it
        return f'<iframe srcdoc="{html.escape((htmx if "hx-" in body else "") + body)}"></iframe>'

    frames = [frame(f"<div>{p.text}</div>") + (frame(f'<input value="{p.text}">') if p.text[:1] == '"' else "")
              + (frame(f"<a title='{p.text}'>x</a>") if p.text[:1] == "'" else "") for p in payloads]
    frames.append(frame("<p>XSSEVAL</p>"))
    pages = ["<!doctype html><html><body>" + "".join(frames[n:n + 40]) + "</body></html>"
             for n in range(0, len(frames), 40)]
    detector = Detector(chromium, CONTROL)
    # the last registered route that matches answers: anything else of the control's host is a 404
    detector.page.route(f"{CONTROL}/**", lambda r: r.fulfill(status=404, body=""))
    detector.page.route(f"{CONTROL}/static/**", _static_from_disk)
    for n, body in enumerate(pages):
        detector.page.route(f"{CONTROL}/control/{n}", partial(_answer, body))
    detector.page.route(f"{CONTROL}/host", lambda r: r.fulfill(
        body=f"<!doctype html><html><head>{htmx}</head><body></body></html>", content_type="text/html"))
    detector.page.route(f"{CONTROL}/fragment", lambda r: r.fulfill(
        body="".join(f"<div>{p.text}</div>" for p in payloads if p.text.startswith(SELF_CONTAINED)),
        content_type="text/html"))
    for n in range(len(pages)):
        detector.open(f"/control/{n}")
    on_page = detector.visit.findings[:]
    detector.visit.findings.clear()
    detector.swap("/host", "/fragment")
    in_fragment = detector.visit.findings[:]
    detector.close()
    kinds = {f.kind for f in on_page}
    assert {"call", "injected element", "event handler", "hx-on", "hx-trigger filter", "hx js:", "script URL",
            "style", "script", "srcdoc", "template evaluated"} <= kinds, kinds
    called = {f.detail for f in on_page if f.kind == "call"}
    assert len(called) >= len(payloads) // 3, sorted(called)
    assert {f.kind for f in in_fragment} >= {"call", "injected element", "event handler"}, in_fragment
    assert len({f.detail for f in in_fragment if f.kind == "call"}) >= 10, in_fragment


CONTROL = "http://xss-control.invalid"
#: payloads that close what they open: many of them fit in one fragment
SELF_CONTAINED = ("<img src=x onerror", "<xssmark", "<div hx-on", "<details", "<iMg", "<IMG")


def _answer(body: str, route: Any) -> None:
    route.fulfill(body=body, content_type="text/html")


def _static_from_disk(route: Any) -> None:
    from core.static import ROOT as SUITE
    from core.static import VENDOR

    path = route.request.url.removeprefix(f"{CONTROL}/static/vendor/")
    name, _, rest = path.partition("/")
    file = SUITE / "node_modules" / VENDOR[name] / rest
    route.fulfill(body=file.read_bytes(), content_type="text/javascript")


def test_stored_payloads_run_nowhere(kernel: Kernel, owner: User, app_client: AppClient, base_settings: Settings,
                                     example_plugin: Path, chromium: Any) -> None:
    clock = Clock()
    payloads = load_payloads()
    packer = Packer(payloads)
    seeded = seed(kernel, owner, packer)
    notify_payloads(kernel, owner, packer, seeded)
    clock.lap("seeded")
    defined = define_custom_fields(kernel, app_client, packer)
    clock.lap("custom fields")
    pages = page_urls(kernel, seeded, skip=frozenset(SKIP))
    html, submissions, failed = post_every_form(app_client, pages, packer)
    same_form = new_pages_like_edit_pages(kernel)
    clock.lap("forms")

    with serve(base_settings, example_plugin) as url:
        detector = Detector(chromium, url, payloads)
        detector.login("xss", PASSWORD)
        clock.lap("served")
        for page_url, kind in html.items():
            if page_url in same_form:
                continue
            if kind == "page":
                detector.open(page_url)
            else:
                detector.swap("/", page_url)
        for page, status in reflected(kernel, payloads):
            detector.open(page.url, status)
        for page in searched(kernel):
            if page.route.endswith("dropdown"):
                detector.swap("/", page.url)
            else:
                detector.open(page.url)
        detector.close()
    clock.lap("browser")
    visit = detector.visit
    if os.environ.get("XSS_DEBUG"):
        debug_dump(submissions, seeded, html, visit, clock)

    assert not visit.findings, "payloads ran or were injected:\n" + "\n".join(
        f"{f.url}: {f.kind}: {f.detail}" for f in visit.findings[:60])
    assert not failed, "pages that fail with payloads stored:\n" + "\n".join(failed)
    errors = [s for s in submissions if s.status >= 500 and not routes_of(kernel, s.action) & set(POST_ERRORS_EXPLAINED)]
    assert not errors, "\n".join(f"{s.action}: {s.status} {s.error}" for s in errors)
    crud_actions = crud_form_actions(kernel, seeded)
    stored_by_form = {s.action for s in submissions if s.status < 400 and s.filled}
    missing = {key for key, actions in crud_actions.items()
               if not actions & stored_by_form and key not in FORMS_EXPLAINED}
    assert not missing, f"no form of these models took a payload: {sorted(missing)}"
    assert defined, "no custom field was defined"
    seen = visit.seen
    unseen = [p for p in payloads if p.number not in seen]
    assert len(unseen) <= len(payloads) // 20, f"{len(unseen)} payloads shown nowhere: " + ", ".join(
        repr(p.text[:40]) for p in unseen[:20])
    assert not visit.errors, "\n".join(visit.errors[:40])
    print(f"\n{len(payloads)} payloads; {visit.pages} pages and {visit.fragments} fragments; "
          f"{len(submissions)} forms posted; {sum(len(c) for c in seeded.columns.values())} columns seeded "
          f"in {len(seeded.ids)} models; {len(seen)} payloads seen; not seeded: {seeded.failed}")


def define_custom_fields(kernel: Kernel, client: Any, packer: Packer) -> list[str]:
    """A text and a choice field on every model that takes custom fields,
    labels, default and choices all payloads, through the custom field form."""
    if "customfields" not in kernel.enabled:
        return []
    done = []
    for key, model in kernel.registry.models.items():
        if not has_extra(model):
            continue
        for kind in ("text", "choice"):
            page = kernel.url_path_for("customfields:field_new", model=key) + f"?kind={kind}"
            form = max((f for f in parse_forms(client.get(page).text) if f.method == "post"),
                       key=lambda f: len(f.fields))
            if kind == "choice":
                choice = next(f for f in form.fields if f.name == "choices")
                lines = [f"c{n}|{packer.text_for(f'{key}.choice.zh', 200)}|{packer.text_for(f'{key}.choice.en', 200)}"
                         for n in range(3)]
                choice.value = "\n".join(lines)
                choice.readonly = True  # keep the lines as written
            result = submit_form(client, page, form, packer)
            assert result.status == 303, f"{page}: {result.status} {result.error}"
            done.append(f"{key}:{kind}")
    return done


def post_every_form(client: Any, pages: list[PageUrl], packer: Packer
                    ) -> tuple[dict[str, str], list[Submission], list[str]]:
    """Open every page in-process; post each form that has a text field or a
    file input with payloads. What each page is (page or fragment; others are
    files, JSON, not found), what posting did, and the pages that failed."""
    failed: list[str] = []
    kinds: dict[str, str] = {}
    submissions: list[Submission] = []
    posted: set[tuple[str, tuple[str, ...]]] = set()
    for page in pages:
        for url in [page.url] if page.url else page.candidates:
            response = client.get(url)
            ctype = response.headers.get("content-type", "")
            if response.status_code == 200 and ctype.startswith("text/html"):
                break
        if response.status_code >= 500:
            failed.append(f"{url}: {response.status_code} {problems_of(response.text)}")
        if response.status_code != 200 or not ctype.startswith("text/html"):
            continue
        head = response.text[:300].lower()
        kinds[url] = "page" if "<html" in head or "<!doctype" in head else "fragment"
        for form in parse_forms(response.text):
            if form.method != "post" or not form.fillable:
                continue
            if any(form.action.endswith(p) for p in NOT_POSTED):
                continue
            signature = (form.action or page.url, tuple(sorted(f.name for f in form.fields)))
            if signature in posted:
                continue
            posted.add(signature)
            submissions.append(submit_form(client, url, form, packer))
    return kinds, submissions, failed


def new_pages_like_edit_pages(kernel: Kernel) -> set[str]:
    """The "new" page of every model with its own pages: the browser opens its
    edit page, the same form with the record's values (its forms are posted all the same)."""
    return {kernel.url_path_for(f"{mount}:{crud.noun}_new") for mount, crud in kernel.registry.cruds.values()}


def routes_of(kernel: Kernel, path: str) -> set[str]:
    """The names of the routes (``mount:name``, any method) of a path."""
    return {name for name, (template, _params) in kernel.paths.items()
            if re.fullmatch(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)), path.split("?")[0])}


def crud_form_actions(kernel: Kernel, seeded: Seeded) -> dict[str, set[str]]:
    """The create and update paths of every model's own forms."""
    out: dict[str, set[str]] = {}
    for key, (mount, crud) in kernel.registry.cruds.items():
        actions = {kernel.url_path_for(f"{mount}:{crud.noun}_create")}
        if seeded.first(key):
            actions.add(kernel.url_path_for(f"{mount}:{crud.noun}_update", id=seeded.first(key)))
        out[key] = actions
    return out


def reflected(kernel: Kernel, payloads: list[Any]) -> list[tuple[PageUrl, int]]:
    """List pages asked to search for payloads (answered), and to sort by
    them (refused with 400, a page naming the parameter): one of each list
    template, with the status each must answer."""
    from urllib.parse import urlencode

    short = [p.text for p in payloads if len(p.text) <= 100 and ("<" in p.text or '"' in p.text)]
    out = []
    templates: set[str] = set()
    for n, (key, (mount, crud)) in enumerate(kernel.registry.cruds.items()):
        if crud.list_template in templates:
            continue  # the same template, the same echo of the query
        templates.add(crud.list_template)
        path = kernel.url_path_for(f"{mount}:{crud.noun}_list")
        out.append((PageUrl(key, path + "?" + urlencode({"q": short[n % len(short)]})), 200))
        refused = urlencode({"q": short[(n + 3) % len(short)], "sort": short[(n + 1) % len(short)],
                             "dir": short[(n + 2) % len(short)]})
        out.append((PageUrl(key, path + "?" + refused), 400))
    return out


def searched(kernel: Kernel) -> list[PageUrl]:
    """The global search's results and its dropdown, for text every payload
    record holds (the search plugin, when enabled)."""
    if "search" not in kernel.enabled:
        return []
    return [PageUrl(name, kernel.url_path_for(f"search:{name}") + "?q=xss")
            for name in ("result_list", "result_dropdown")]


class Clock:
    def __init__(self) -> None:
        self.start = self.last = time.monotonic()
        self.laps: list[tuple[str, float]] = []

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps.append((name, now - self.last))
        self.last = now


def debug_dump(submissions: list[Submission], seeded: Seeded, html: dict[str, str], visit: Any, clock: Clock) -> None:
    with open("/tmp/secxss/debug.txt", "w") as out:
        out.write(f"laps {clock.laps}\n")
        out.write(f"pages {len(html)} {visit.pages} {visit.fragments}\n")
        out.write(f"failed {seeded.failed}\n")
        for s in submissions:
            out.write(f"{s.status} {s.page} -> {s.action} filled={s.filled} refused={s.refused} {s.error[:200]}\n")
        for u, k in html.items():
            out.write(f"{k} {u}\n")
        for e in visit.errors:
            out.write(f"ERR {e}\n")
        out.write(f"browser seconds {sum(t for t, _ in visit.seconds):.1f}\n")
        for t, u in sorted(visit.seconds)[-40:]:
            out.write(f"{t:.2f} {u}\n")
