"""Hostile attachment names: HTML, quotes, CR/LF, ``../``, NUL, bidi
overrides, absolute and Windows paths.

Given a record of every model with a page (``kernel.registry.cruds``), each
gets a file uploaded through the timeline's upload route under one of the
names; then the file is stored under its digest in the blob store and
nowhere else (never under the user's name), the name as stored holds no
folder and no control character, the record's page shows it escaped, and
its download names it in a Content-Disposition that parses (RFC 6266 with
the UTF-8 name in RFC 5987's ``filename*``) and carries no header of its own.
A stored digest that is not one never serves a file outside the store.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import xss_support
from markupsafe import escape
from sqlalchemy import select, update
from xss_support import AppClient, Packer, load_payloads, seed

from core.app import Kernel
from core.models import User

HOSTILE = [
    '<img src=x onerror=__xss(1)>.txt',
    '"><svg onload=__xss(2)>.txt',
    "it's \"quoted\"; name=x.txt",
    "evil\r\nContent-Type: text/html\r\nSet-Cookie: xss=1\r\n\r\n<script>__xss(3)</script>.txt",
    "../../../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "/etc/cron.d/xss",
    "C:\\fakepath\\合同<b>.txt",
    "a\x00b.html.txt",
    "report\u202etxt.exe",
    "%2e%2e%2f%2e%2e%2fxss.txt",
    "....//....//xss.txt",
    "con.txt",
    "name\twith\ttabs\x07bell.txt",
    "合同（盖章）<script>__xss(4)</script>.pdf.txt",
    "x" * 300 + ".txt",
    ".htaccess",
    "\u2028line\u2029sep.txt",
]
DIGEST = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}")
UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


@pytest.fixture
def owner(make: Any) -> User:
    return xss_support.make_owner(make)


@pytest.fixture
def app_client(kernel: Kernel, owner: User) -> Iterator[AppClient]:
    with xss_support.app_client(kernel, owner.username) as client:
        yield client


def _store_root(kernel: Kernel) -> Path:
    from plugins.activity.storage import BlobStore

    return BlobStore.from_settings(kernel.settings).root


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_hostile_names_are_stored_escaped_and_downloaded_safely(kernel: Kernel, owner: User, app_client: AppClient) -> None:
    if "activity" not in kernel.enabled:
        pytest.fail("the activity plugin (attachments) is not enabled")
    from plugins.activity.models import Attachment
    from plugins.activity.services.attachments import clean_filename

    seeded = seed(kernel, owner, Packer(load_payloads()[:5]), per_model=1)
    targets = [(key, seeded.ids[key][0]) for key in kernel.registry.cruds if seeded.ids.get(key)]
    assert len(targets) >= len(HOSTILE) // 2
    var_dir = Path(kernel.settings.var_dir)
    before = _files(var_dir)
    uploads: list[tuple[str, str, int, bytes]] = []
    for n, (key, record_id) in enumerate(targets):
        name = HOSTILE[n % len(HOSTILE)]
        data = f"file {n} of the hostile-name test\n".encode()
        path = kernel.url_path_for("activity:attachment_create", model=key, id=record_id)
        response = app_client.post(path, data={"csrf_token": app_client.csrf()},
                                   files={"file": (name, data, "text/html")}, follow_redirects=False)
        assert response.status_code in (200, 303), f"{key} {name!r}: {response.status_code}"
        uploads.append((key, name, record_id, data))
    assert {name for _k, name, _r, _d in uploads} == set(HOSTILE), "every name was tried"

    with kernel.db.session(write=False) as db:
        stored = {(a.record_model, a.record_id): a for a in db.scalars(select(Attachment))}
    root = _store_root(kernel)
    blobs = _files(root)
    failures = []
    for key, name, record_id, data in uploads:
        item = stored.get((key, record_id))
        if item is None:
            failures.append(f"{key}: {name!r} was not stored")
            continue
        digest = hashlib.sha256(data).hexdigest()
        if item.sha256 != digest or f"{digest[:2]}/{digest[2:4]}/{digest}" not in blobs:
            failures.append(f"{name!r}: not stored under its digest")
        if UNSAFE.search(item.filename) or "/" in item.filename or "\\" in item.filename:
            failures.append(f"{name!r} stored as {item.filename!r}: a folder or a control character")
        if item.filename in ("", ".", "..") or len(item.filename) > 255:
            failures.append(f"{name!r} stored as {item.filename!r}")
        failures += _download_is_safe(app_client, item.id, item.filename)
    # a browser sends a quote in a file name as %22: the name exactly as given, cleaned, shows escaped too
    with kernel.db.session() as db:
        for key, name, record_id, _data in uploads:
            item = stored[(key, record_id)]
            db.execute(update(Attachment).where(Attachment.id == item.id).values(filename=clean_filename(name)))
    for key, name, record_id, _data in uploads:
        failures += _page_shows_escaped(kernel, app_client, key, record_id, clean_filename(name))
        failures += _download_is_safe(app_client, stored[(key, record_id)].id, clean_filename(name))
    assert not failures, "\n".join(failures)
    # nothing but digests in the store (its scratch folder empty), nothing new elsewhere in the var dir
    assert all(DIGEST.fullmatch(b) for b in blobs), sorted(b for b in blobs if not DIGEST.fullmatch(b))
    outside = {f for f in _files(var_dir) - before if not (var_dir / f).resolve().is_relative_to(root.resolve())}
    assert not {f for f in outside if not re.search(r"\.(db|db-wal|db-shm|log)$", f)}, outside


def _page_shows_escaped(kernel: Kernel, client: Any, key: str, record_id: int, name: str) -> list[str]:
    """The record's page has the name, escaped, and never as markup."""
    page = client.get(kernel.url_path_for("activity:timeline_detail", model=key, id=record_id)).text
    problems = []
    if str(escape(name)) not in page:
        problems.append(f"{key}: the page does not show {name!r} escaped")
    if any(c in name for c in "<>\"'") and name in page:
        problems.append(f"{key}: the page holds {name!r} unescaped")
    return problems


#: RFC 5987 attr-char (what ``filename*`` may hold unencoded) and RFC 7230 token
ATTR_CHAR = re.compile(r"[A-Za-z0-9!#$&+\-.^_`|~]")
TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~]+")


def parse_disposition(value: str) -> tuple[str, dict[str, str]]:
    """A Content-Disposition header read strictly by RFC 6266: the type, and
    its parameters (a quoted-string unquoted; ``filename*`` decoded from
    RFC 5987's ``UTF-8''<percent-encoded>``). ValueError on anything else."""
    kind, _, rest = value.partition(";")
    if not TOKEN.fullmatch(kind.strip()):
        raise ValueError(f"disposition type {kind!r}")
    params: dict[str, str] = {}
    pattern = re.compile(r'\s*([A-Za-z0-9!#$&+\-.^_`|~]+\*?)=("(?:[^"\\]|\\.)*"|[^;\s]*)\s*(?:;|$)')
    position = 0
    while position < len(rest):
        match = pattern.match(rest, position)
        if match is None:
            raise ValueError(f"parameters {rest[position:]!r}")
        name, raw = match.group(1).lower(), match.group(2)
        if name in params:
            raise ValueError(f"{name} twice")
        if name.endswith("*"):
            charset, _lang, encoded = raw.split("'", 2)
            pieces = re.findall(r"%[0-9A-Fa-f]{2}|.", encoded)
            if charset.upper() != "UTF-8" or any(len(p) == 1 and not ATTR_CHAR.fullmatch(p) for p in pieces):
                raise ValueError(f"{name}={raw!r} is no RFC 5987 ext-value")
            params[name] = unquote(encoded, encoding="utf-8", errors="strict")
        elif raw.startswith('"'):
            params[name] = re.sub(r"\\(.)", r"\1", raw[1:-1])
        elif TOKEN.fullmatch(raw):
            params[name] = raw
        else:
            raise ValueError(f"{name}={raw!r}")
        position = match.end()
    return kind.strip().lower(), params


def _download_is_safe(client: Any, attachment_id: int, name: str) -> list[str]:
    response = client.get(f"/activity/attachments/{attachment_id}?inline=1", follow_redirects=False)
    if response.status_code != 200:
        return [f"{name!r}: download answered {response.status_code}"]
    problems = []
    raw = [(k, v) for k, v in response.headers.raw]
    if any(b"\r" in v or b"\n" in v for _k, v in raw) or any(k.lower() == b"set-cookie" for k, _v in raw):
        problems.append(f"{name!r}: a header was split")
    disposition = response.headers["content-disposition"]
    try:
        kind, params = parse_disposition(disposition)
    except ValueError as exc:
        return problems + [f"{name!r}: {disposition!r} does not parse: {exc}"]
    if kind != "attachment":
        problems.append(f"{name!r}: served {kind!r} ({response.headers['content-type']})")
    fallback = params.get("filename", "")
    if not fallback or any(not (c.isascii() and c.isprintable()) or c in '"\\;/' for c in fallback):
        problems.append(f"{name!r}: no plain ASCII filename= in {disposition!r}")
    if not params.get("filename*", "").startswith(name):
        problems.append(f"{name!r}: filename* names {params.get('filename*')!r} in {disposition!r}")
    if response.headers.get("x-content-type-options") != "nosniff" or "html" in response.headers["content-type"]:
        problems.append(f"{name!r}: served as {response.headers['content-type']} without nosniff")
    return problems


def test_a_stored_digest_that_is_no_digest_serves_nothing(kernel: Kernel, owner: User, app_client: AppClient) -> None:
    from plugins.activity.models import Attachment

    seeded = seed(kernel, owner, Packer(load_payloads()[:1]), per_model=1)
    key = next(k for k in kernel.registry.cruds if seeded.ids.get(k))
    path = kernel.url_path_for("activity:attachment_create", model=key, id=seeded.ids[key][0])
    app_client.post(path, data={"csrf_token": app_client.csrf()}, files={"file": ("x.txt", b"x\n", "text/plain")})
    with kernel.db.session(write=False) as db:
        item = db.scalar(select(Attachment))
        assert item is not None
    assert app_client.get(f"/activity/attachments/{item.id}").status_code == 200
    for digest in ("../../../../../../etc/passwd", "/etc/passwd", "..", "", "0" * 63 + "/",
                   "ab/cd/" + "a" * 30 + "/../../../etc/passwd", "A" * 64):
        with kernel.db.session() as db:
            db.execute(update(Attachment).where(Attachment.id == item.id).values(sha256=digest))
        response = app_client.get(f"/activity/attachments/{item.id}", follow_redirects=False)
        assert response.status_code == 404, (digest, response.status_code, response.text[:200])
        assert b"root:" not in response.content
