"""What the XSS tests share: the payloads, records of every model carrying
them (written directly and through the app's own forms), a served
installation on the test's own database, and Chromium with a detector of
anything a payload could make run.

Nothing here names a plugin's model or route: models come from
``kernel.registry.models``, forms from the pages, pages from the route table.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from sqlalchemy import JSON, Boolean, Column, Date, String, Text
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from core.app import Kernel
from core.auth import CSRF_COOKIE
from core.config import Settings
from core.db import Base, table_of
from core.models import Org, User

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PAYLOADS = HERE / "xss_payloads.txt"
#: every user's password in the suite's fixtures (tests/conftest.py)
PASSWORD = "correct-horse-battery"
#: the text only an evaluated template expression prints (see the payloads' header)
EVALUATED = re.compile(r"XSSEVAL|XSSEV49")
_ESCAPES = {"NUL": "\x00", "CR": "\r", "LF": "\n", "TAB": "\t"}
_ESCAPE = re.compile(r"⟪(NUL|CR|LF|TAB|U\+[0-9A-F]{4,6})⟫")


# ------------------------------------------------------------------ payloads


@dataclass(frozen=True)
class Payload:
    number: int
    text: str


def load_payloads(path: Path = PAYLOADS) -> list[Payload]:
    """The payloads of ``xss_payloads.txt``, numbered from 1 (see its header)."""
    out: list[Payload] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line or line.startswith("# ") or line == "#":
            continue
        number = len(out) + 1
        out.append(Payload(number, _ESCAPE.sub(_unescape, line).replace("§", str(number))))
    return out


def _unescape(match: re.Match[str]) -> str:
    name = match.group(1)
    return _ESCAPES.get(name) or chr(int(name[2:], 16))


#: what the kernel drops from form fields as it reads them (core.web)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def storable(text: str, dialect: str = "") -> str:
    """``text`` as a form stores it: without the control characters the
    kernel drops (PostgreSQL could not store a NUL anyway)."""
    return _CONTROL.sub("", text)


EMAIL_SHAPED = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Packer:
    """Hands out payloads to fields in turn, as many as fit a field's length
    (joined by a space), so that each payload lands in fields of every length
    it fits and every field gets payloads."""

    def __init__(self, payloads: Sequence[Payload], *, one_each: bool = False) -> None:
        self.payloads = list(payloads)
        #: one payload a field, never joined (a field that must read as one URL)
        self.one_each = one_each
        self.emails = [p for p in self.payloads if EMAIL_SHAPED.match(p.text)]
        self.cursor = 0
        #: payload number -> fields ("model.column", "form:<path>.<name>") it was written to
        self.stored: dict[int, set[str]] = {p.number: set() for p in self.payloads}

    def text_for(self, where: str, length: int | None, dialect: str = "") -> str | None:
        """Payloads for a field of ``length`` characters (None: no limit, all of
        them); None when none fits."""
        if length is None and not self.one_each:
            chosen = self.payloads
        else:
            length = length or 1 << 20
            chosen, used = [], -1
            for step in range(len(self.payloads)):
                p = self.payloads[(self.cursor + step) % len(self.payloads)]
                size = len(storable(p.text, dialect))
                if used + 1 + size <= length:
                    chosen.append(p)
                    used += 1 + size
                    if self.one_each:
                        break
                elif used >= length - 8:
                    break
            self.cursor = (self.cursor + max(len(chosen), 1)) % len(self.payloads)
        if not chosen:
            return None
        for p in chosen:
            self.stored[p.number].add(where)
        return " ".join(storable(p.text, dialect) for p in chosen)

    def email_for(self, where: str) -> str | None:
        """One payload an e-mail check lets through."""
        if not self.emails:
            return None
        p = self.emails[self.cursor % len(self.emails)]
        self.cursor = (self.cursor + 1) % len(self.payloads)
        self.stored[p.number].add(where)
        return p.text


# ------------------------------------------------------------------ which columns hold a user's text

#: String/Text columns that hold no free text though they carry a label, by
#: name (a convention of every plugin), with the reason
NOT_TEXT = {
    "record_model": "a model key linking an entry to its record (set to a seeded record)",
    "model": "a model key",
    "doc_key": "a print declaration's key",
    "dataset": "a report dataset's key",
    "widget": "a widget's key",
    "task": "a job task's name",
    "point": "an approval point's name",
    "event": "an event's name",
    "ref": "a model key",
    "field": "a column name",
    "state": "a workflow state",
    "status": "a state",
    "kind": "one of a fixed list",
    "channel": "a channel's key",
    "category": "one of a fixed list",
    "locale": "a locale code",
    "lang": "a locale code",
    "currency": "a currency code",
    "currency_code": "a currency code",
    "content_type": "a sniffed media type",
    "file_format": "one of a fixed list",
    "encoding": "a charset name",
    "mode": "one of a fixed list",
    "action": "one of a fixed list",
    "timing": "one of a fixed list",
    "recipients": "one of a fixed list",
    "size": "one of a fixed list",
    "match": "one of a fixed list",
    "logo_type": "a sniffed media type",
    "seal_type": "a sniffed media type",
    "color": "one of a fixed list",
    "initial": "computed from the name",
    "sha256": "a digest",
    "password_hash": "a hash",
    "ip_hash": "a hash",
    "path": "a tree path the kernel computes",
    "key": "a code looks it up (a role's, a public form's address, a job's)",
    "title_key": "a sort key computed from the title",
    "match_key": "a column name",
}
#: models whose rows are definitions code reads back, or derived from other rows
NOT_SEEDED = {
    "core.org": "the owner's own organisation gets the payloads instead (a new one would be outside its scope)",
    "customfields.field": "definitions: made through the custom field form instead",
    "search.entry": "the index, derived from the records by the search plugin",
    "printing.template": "a print template's source (test_xss_print_fetch.py)",
    "dashboard.placement": "a layout slot naming a widget",
    "dashboard.layout": "a role's layout",
    "dataio.mapping": "a stored column mapping",
}
#: kernel-managed columns (core.testing.KERNEL_MANAGED_COLUMNS) and the record link's id
MANAGED = frozenset({"id", "org_id", "owner_id", "department_id", "created_at", "updated_at", "version",
                     "deleted_at", "record_id"})


def is_text(column: Column[Any]) -> bool:
    return isinstance(column.type, String | Text) and not isinstance(column.type, JSON)


def free_text(column: Column[Any]) -> bool:
    """A column a user's text may land in: String or Text, no key, no choices,
    no code (see :data:`NOT_TEXT`), no non-empty default (a state, a code)."""
    if not is_text(column) or column.primary_key or column.foreign_keys or column.name in MANAGED:
        return False
    if "choices" in column.info or column.name in NOT_TEXT:
        return False
    default = getattr(column.default, "arg", None)
    return not (isinstance(default, str) and default)


def _required(column: Column[Any]) -> bool:
    return not column.nullable and column.default is None and column.server_default is None


# ------------------------------------------------------------------ seeding


@dataclass
class Seeded:
    """What :func:`seed` made: ids and the columns written per model key,
    and why a model could not be made."""

    ids: dict[str, list[int]] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def first(self, key: str) -> int | None:
        found = self.ids.get(key)
        return found[0] if found else None


class Unseedable(Exception):
    """A model with a required code column: no generic row of it is valid."""


def seed(kernel: Kernel, owner: User, packer: Packer, *, per_model: int = 2) -> Seeded:
    """``per_model`` records of every registered model, parents first (models
    register in dependency order), with payloads in every free-text column
    (:func:`free_text`) and required links to records made before. Each model
    in a savepoint: one that cannot be made is reported, not fatal."""
    seeded = Seeded()
    tables = {table_of(m).name: key for key, m in kernel.registry.models.items()}
    dialect = kernel.db.engine.dialect.name
    cruds = list(kernel.registry.cruds)
    with kernel.db.session() as db:
        _seed_org(db, owner, packer, seeded, dialect)
        for key, model in kernel.registry.models.items():
            if key in NOT_SEEDED:
                continue
            made: list[int] = []
            try:
                with db.begin_nested():
                    for n in range(per_model):
                        record = _record(model, owner, packer, seeded, tables, cruds, dialect, n,
                                         kernel.registry.models)
                        db.add(record)
                        db.flush()
                        made.append(int(record.id))
            except Exception as exc:  # noqa: BLE001 - reported by the test
                seeded.failed[key] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
                continue
            seeded.ids[key] = made
            seeded.columns[key] = [c.name for c in table_of(model).columns if free_text(c)]
    return seeded


def _seed_org(db: Session, owner: User, packer: Packer, seeded: Seeded, dialect: str) -> None:
    org = db.get(Org, owner.org_id)
    assert org is not None
    written = []
    for column in table_of(Org).columns:
        if free_text(column) and column.name != "code":
            text = packer.text_for(f"core.org.{column.name}", getattr(column.type, "length", None), dialect)
            if text is not None:
                setattr(org, column.name, text)
                written.append(column.name)
    seeded.ids["core.org"] = [org.id]
    seeded.columns["core.org"] = written


def _record(model: type[Base], owner: User, packer: Packer, seeded: Seeded, tables: dict[str, str],
            cruds: list[str], dialect: str, n: int, model_of: dict[str, type[Base]]) -> Any:
    key = model.__model_key__
    values: dict[str, Any] = {}
    columns = table_of(model).columns
    for column in columns:
        name = column.name
        if column.primary_key:
            continue
        if name in ("org_id", "owner_id", "department_id"):
            values[name] = {"org_id": owner.org_id, "owner_id": owner.id,
                            "department_id": owner.department_id}[name]
        elif name == "record_model" and "record_id" in columns:
            target = _link_target(seeded, cruds, n)
            if target is not None:
                values["record_model"], values["record_id"] = target
        elif name == "model" and _required(column):
            # a model key, and with it the name of one of its date columns (a reminder's "field")
            values["model"], date_column = _dated_model(seeded, cruds, model_of)
            if "field" in columns:
                values["field"] = date_column
        elif name == "field" and "model" in columns:
            continue
        elif column.foreign_keys:
            target_key = tables.get(next(iter(column.foreign_keys)).column.table.name, "")
            ids = seeded.ids.get(target_key, [])
            if ids and (target_key != key or not column.nullable):
                values[name] = ids[n % len(ids)]
        elif free_text(column):
            text = packer.text_for(f"{key}.{name}", getattr(column.type, "length", None), dialect)
            if text is not None:
                values[name] = text
            elif _required(column):
                values[name] = code_like(n, getattr(column.type, "length", None))
        elif is_text(column) and name in NOT_TEXT and _required(column):
            raise Unseedable(f"{name} ({NOT_TEXT[name]}) is required")
        elif _required(column):
            values[name] = _filler(column, n)
    return model(**{k: v for k, v in values.items() if v is not None})


def _dated_model(seeded: Seeded, cruds: list[str], models: dict[str, type[Base]]) -> tuple[str, str]:
    """A seeded model with pages, and one of its date columns (or ``created_at``)."""
    for key in cruds:
        if seeded.ids.get(key):
            dated = [c.name for c in table_of(models[key]).columns
                     if c.info.get("label") and isinstance(c.type, Date) and not c.primary_key]
            if dated:
                return key, dated[0]
    raise Unseedable("no seeded model has a date column")


def _link_target(seeded: Seeded, cruds: list[str], n: int) -> tuple[str, int] | None:
    """A seeded record for an entry's link: another model for each model and entry."""
    made = [k for k in cruds if seeded.ids.get(k)]
    if not made:
        return None
    key = made[(len(seeded.ids) + n) % len(made)]
    return key, seeded.ids[key][0]


def code_like(n: int, length: int | None) -> str:
    """Text for a field too short for any payload: capital letters, as a
    code is (``XSA``: a currency's three letters, a unit's code)."""
    return ("XS" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 26])[: length or 3]


def _filler(column: Column[Any], n: int) -> Any:
    """A value of a required column that holds no text."""
    kind = column.type
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, Boolean):
        return False
    try:
        python_type = kind.python_type
    except NotImplementedError:
        return None
    fillers: dict[type, Any] = {
        str: code_like(n, getattr(kind, "length", None)), int: 1, Decimal: Decimal("1"),
        datetime: datetime.now(UTC), date: date.today(), bytes: b"x", bool: False,
    }
    return fillers.get(python_type)


# ------------------------------------------------------------------ notifications


def notify_payloads(kernel: Kernel, user: User, packer: Packer, seeded: Seeded) -> int:
    """In-app notifications to ``user`` carrying payloads the way plugins send
    them: user text in the message's parameters and its table, a link to a
    record; through the kernel's ``notify``. How many were sent."""
    from core.notify import CATEGORIES, Notification, notify

    dialect = kernel.db.engine.dialect.name
    records = [(k, seeded.ids[k][0]) for k in kernel.registry.cruds if seeded.ids.get(k)]
    with kernel.db.session() as db:
        for n, category in enumerate(CATEGORIES):
            record = records[n % len(records)] if records else None
            text = packer.text_for("notification.params", 2000, dialect) or ""
            cell = packer.text_for("notification.table", 300, dialect) or ""
            notify(db, Notification(
                user_ids=(user.id,), subject="{name}", body="{text}", params={"name": text[:300], "text": text},
                link=(kernel.record_path(*record) or "") if record else "", category=category, record=record,
                table=(("{name}", cell), (cell, str(n))), actor_id=user.id))
    return len(CATEGORIES)


# ------------------------------------------------------------------ forms


TEXT_KINDS = frozenset({"text", "textarea", "email", "url", "search", "tel"})
_INPUT_KINDS = {"text": "text", "search": "search", "email": "email", "url": "url", "tel": "tel",
                "hidden": "hidden", "checkbox": "checkbox", "radio": "radio", "file": "file",
                "password": "password", "submit": "submit", "image": "submit"}


@dataclass
class FormField:
    name: str
    #: text | textarea | email | url | search | tel | hidden | select | checkbox | radio | file | password | other
    kind: str
    value: str = ""
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    multiple: bool = False
    maxlength: int | None = None
    checked: bool = False
    disabled: bool = False
    readonly: bool = False
    invalid: bool = False


@dataclass
class HtmlForm:
    action: str
    method: str
    enctype: str
    fields: list[FormField] = field(default_factory=list)
    submit: tuple[str, str] | None = None
    #: posted by htmx (``hx-post``): sent with the HX-Request header, as htmx does
    htmx: bool = False

    @property
    def fillable(self) -> list[FormField]:
        """Its text fields a user can type in, and its file inputs."""
        return [f for f in self.fields if (f.kind in TEXT_KINDS or f.kind == "file")
                and not f.readonly and not f.disabled]


class FormParser(HTMLParser):
    """Every ``<form>`` of a page, its fields as a browser submits them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._textarea: FormField | None = None
        self._select: FormField | None = None
        self._option: tuple[str, bool] | None = None
        self._option_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            method = (a.get("method") or ("post" if "hx-post" in a else "get")).lower()
            self._form = HtmlForm(a.get("action") or a.get("hx-post", ""), method, a.get("enctype", ""),
                                  htmx="hx-post" in a)
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value", "\0"), "selected" in a)
            self._option_text = ""
        elif self._form is not None and a.get("name"):
            self._field(self._form, tag, a)

    def _field(self, form: HtmlForm, tag: str, a: dict[str, str]) -> None:
        common: dict[str, Any] = {
            "disabled": "disabled" in a, "readonly": "readonly" in a,
            "invalid": "is-invalid" in a.get("class", "").split() or a.get("aria-invalid") == "true",
            "maxlength": int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None}
        if tag == "input":
            kind = _INPUT_KINDS.get((a.get("type") or "text").lower(), "other")
            if kind == "text" and a.get("inputmode") in ("decimal", "numeric"):
                kind = "other"
            if kind == "submit":
                form.submit = form.submit or (a["name"], a.get("value", ""))
            else:
                form.fields.append(FormField(a["name"], kind, a.get("value", ""), checked="checked" in a,
                                             **common))
        elif tag == "button" and (a.get("type") or "submit").lower() == "submit":
            form.submit = form.submit or (a["name"], a.get("value", ""))
        elif tag == "textarea":
            self._textarea = FormField(a["name"], "textarea", **common)
            form.fields.append(self._textarea)
        elif tag == "select":
            self._select = FormField(a["name"], "select", multiple="multiple" in a, **common)
            form.fields.append(self._select)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        elif self._option is not None:
            self._option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            if self._textarea.value.startswith("\n"):  # the parser's, as a browser drops it
                self._textarea.value = self._textarea.value[1:]
            self._textarea = None
        elif tag == "select":
            self._end_option()
            self._select = None
        elif tag == "option":
            self._end_option()

    def _end_option(self) -> None:
        if self._option is None or self._select is None:
            return
        value, selected = self._option
        value = self._option_text.strip() if value == "\0" else value
        self._select.options.append(value)
        if selected:
            self._select.selected.append(value)
        self._option = None


def parse_forms(html: str) -> list[HtmlForm]:
    parser = FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def fill(form: HtmlForm, packer: Packer, where: str, fixes: dict[int, str]) -> tuple[dict[str, list[str]], list[str]]:
    """The form's data with payloads in every text field (an e-mail field an
    e-mail-shaped one), other fields as the page set them (a select with no
    choice left empty if it may be); ``fixes`` (field index -> value) where
    the app refused what was sent before."""
    data: dict[str, list[str]] = {}
    filled: list[str] = []
    for index, f in enumerate(form.fields):
        if f.disabled or f.kind in ("password", "file") or (f.kind in ("checkbox", "radio") and not f.checked):
            continue
        value: list[str]
        if index in fixes:
            value = [fixes[index]]
        elif f.kind in TEXT_KINDS and not f.readonly:
            here = f"{where}.{f.name}"
            text = packer.email_for(here) if f.kind == "email" else packer.text_for(
                here, min(f.maxlength or 20_000, 20_000))
            value = [text] if text else [f.value]
            if text:
                filled.append(f.name)
        elif f.kind in ("checkbox", "radio"):
            value = [f.value or "on"]
        elif f.kind == "select":
            value = f.selected or ([] if f.multiple else ["" if "" in f.options else next(
                (o for o in f.options if o), "")])
        else:
            value = [f.value]
        data.setdefault(f.name, []).extend(value)
    if form.submit is not None:
        data.setdefault(form.submit[0], []).append(form.submit[1])
    return data, filled


#: what a refused text field is tried with next: what it held, nothing, then
#: text of the formats fields check (a code, an address, a mobile number, a date)
FORMATS = ("https://example.com/xss", "13800138000", "2026-01-01")


def _repair(form: HtmlForm, refused: HtmlForm, fixes: dict[int, str]) -> list[str]:
    """Fixes for the fields the app marked invalid in its answer: a text field
    back to what it held, then empty, then text of a common format; a select
    to the next option the answer offers (options may depend on what was
    chosen: a model's date fields); any other input to 1, then today.
    The names fixed; none when nothing is left to try."""
    invalid = {f.name for f in refused.fields if f.invalid}
    offered = {f.name: [o for o in f.options if o] for f in refused.fields if f.kind == "select"}
    fixed = []
    for index, f in enumerate(form.fields):
        if f.name not in invalid:
            continue
        current = fixes.get(index)
        if f.kind in TEXT_KINDS:
            tries = list(dict.fromkeys([f.value, "", code_like(index, f.maxlength), *FORMATS]))
        elif f.kind == "select":
            tries = offered.get(f.name) or [o for o in f.options if o]
        elif f.kind == "other" and not f.readonly:
            tries = ["1", date.today().isoformat()]
        else:
            continue
        following = tries[tries.index(current) + 1:] if current in tries else tries
        if following:
            fixes[index] = following[0]
            fixed.append(f.name)
    return fixed


@dataclass
class Submission:
    """What posting one form did: the status, the fields filled with
    payloads, and those the app refused (sent again as they were)."""

    page: str
    action: str
    status: int
    filled: list[str]
    refused: list[str]
    error: str = ""


def submit_form(client: Any, page: str, form: HtmlForm, packer: Packer) -> Submission:
    """Post ``form`` of ``page`` with payloads (and files named with payloads),
    with the CSRF header every htmx request of a page carries. Fields the app
    refuses are mended (see :func:`_repair`) and the form posted again; a
    conflict (the record changed since the page was read) posts the form of
    the page read anew."""
    action = urlsplit(urljoin("http://testserver" + page, form.action or page))
    url = action.path + (f"?{action.query}" if action.query else "")
    fixes: dict[int, str] = {}
    refused: list[str] = []
    reread = False
    for _attempt in range(8):
        data, filled = fill(form, packer, f"form:{action.path}", fixes)
        files = [(f.name, (_file_name(packer, f"form:{action.path}.{f.name}"), tiny_png(), "image/png"))
                 for f in form.fields if f.kind == "file" and not f.disabled]
        headers = {"X-CSRF-Token": client.csrf()} | ({"HX-Request": "true"} if form.htmx else {})
        response = client.post(url, data=data, files=files or None, headers=headers, follow_redirects=False)
        if response.status_code == 409 and not reread:
            reread = True
            again = [f for f in parse_forms(client.get(page).text) if f.action == form.action]
            if again:
                form = again[0]
                continue
        if response.status_code not in (400, 422):
            break
        answer = [f for f in parse_forms(response.text) if f.method == "post" and any(x.invalid for x in f.fields)]
        mended = _repair(form, answer[0], fixes) if answer else []
        if not mended:
            break
        refused += mended
    error = "" if response.status_code < 400 else problems_of(response.text)
    sent = [n for i, f in enumerate(form.fields) if (n := f.name) in filled and i not in fixes]
    sent += [f"{f.name} (file)" for f in form.fields if f.kind == "file"]
    return Submission(page, url, response.status_code, sent, sorted(set(refused)), error)


def problems_of(page: str) -> str:
    """The messages a refused form shows (field errors, alerts), or the page's start."""
    found = re.findall(r'class="(?:invalid-feedback|alert alert-danger)[^"]*"[^>]*>(.*?)</', page, re.S)
    text = " | ".join(re.sub(r"\s+", " ", m).strip() for m in found) if found else page[:200]
    return re.sub(r"\s+", " ", text)[:300]


@cache
def tiny_png() -> bytes:
    """A 2x2 PNG: an upload every file input takes (attachments, images, logos)."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _file_name(packer: Packer, where: str) -> str:
    return packer.text_for(where, 200) or "xss.txt"


# ------------------------------------------------------------------ the pages


@dataclass(frozen=True)
class PageUrl:
    """A page of ``route``: ``url``, or the first of ``candidates`` that
    answers (a route taking a model key answers for some models only)."""

    route: str
    url: str
    candidates: tuple[str, ...] = ()


def page_urls(kernel: Kernel, seeded: Seeded, *, skip: frozenset[str] = frozenset()) -> list[PageUrl]:
    """Every GET route of every enabled plugin, its path filled with records
    that carry payloads: ``{id}`` with the record of the model its permission
    names; ``{model}`` (and its ``{id}``) with each model in turn, of which the
    first the route answers for is shown (see :func:`post_every_form`); a
    widget's ``{key}`` with every widget. Routes with other parameters (files,
    images) show no text and are left out."""
    out: list[PageUrl] = []
    model_keys = [k for k in kernel.registry.cruds if seeded.ids.get(k)]
    for mount, table in kernel.routes.items():
        prefix = table.prefix if table.prefix is not None else f"/{mount}"
        for spec in table.specs:
            name = f"{mount}:{spec.name}"
            if "GET" not in spec.methods or name in skip:
                continue
            path = prefix + spec.path
            params = set(re.findall(r"\{(\w+)(?::\w+)?\}", path))
            key = spec.permission.rsplit(".", 1)[0]
            if not params:
                out.append(PageUrl(name, path))
            elif params == {"id"} and seeded.ids.get(key):
                out.append(PageUrl(name, _fill(path, id=seeded.ids[key][0])))
            elif params <= {"model", "id"}:
                out.append(PageUrl(name, "", tuple(_fill(path, model=m, id=seeded.ids[m][0]) for m in model_keys)))
            elif params == {"key"} and "widget" in spec.name:
                out += [PageUrl(name, _fill(path, key=w)) for w in kernel.registry.widgets]
    return out


def _fill(path: str, **values: object) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(values[m.group(1)]), path)


# ------------------------------------------------------------------ the in-process browser


class AppClient(TestClient):
    """An in-process browser that keeps cookies, sends the CSRF token, and
    reports a server error as a status (the tests count them)."""

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel.asgi(), base_url="http://testserver", raise_server_exceptions=False)

    def csrf(self) -> str:
        if CSRF_COOKIE not in self.cookies:
            self.get("/login")
        return str(self.cookies[CSRF_COOKIE])

    def login(self, username: str, password: str) -> None:
        response = self.post("/login", data={"csrf_token": self.csrf(), "username": username,
                                             "password": password}, follow_redirects=False)
        assert response.status_code == 303, response.text[:300]


def make_owner(make: Any) -> User:
    """An administrator with a department, logging in as ``xss``: the owner
    of every seeded record (a record names an owner, an org, a department)."""
    hq = make.hq()
    user: User = make.user(org=hq, department=make.department(hq, "测试部"), roles=("admin",), username="xss")
    return user


@contextmanager
def app_client(kernel: Kernel, username: str, password: str = PASSWORD) -> Iterator[AppClient]:
    with AppClient(kernel) as client:
        client.login(username, password)
        yield client


# ------------------------------------------------------------------ a served installation


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(settings: Settings, plugins_dir: Path) -> Iterator[str]:
    """``suanpan serve`` on the test's own database and var dir (what the
    test wrote is what it serves), no job worker; its base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUANPAN_")}
    env.update({
        "SUANPAN_VAR_DIR": str(settings.var_dir),
        "SUANPAN_DATABASE_URL": settings.database_url,
        "SUANPAN_SECRET_KEY": settings.secret_key,
        "SUANPAN_CONFIG": str(Path(settings.var_dir) / "no-suanpan.toml"),
        "PYTHONPATH": os.pathsep.join(p for p in (str(plugins_dir), env.get("PYTHONPATH", "")) if p),
        "PYTHONWARNINGS": "ignore",
    })
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = Path(settings.var_dir) / f"serve-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "suanpan"), "serve", "--port", str(port),
                                 "--no-job-worker"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(proc, url, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"suanpan serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"suanpan serve did not answer within {timeout}s:\n{log.read_text()}")


# ------------------------------------------------------------------ Chromium and the detector

#: runs in every frame before the page's own scripts: the page defines nothing
#: called __xss, and dialogs report instead of opening
INIT_SCRIPT = """
(() => {
  const report = (kind, detail) => {
    try { window.__xssReport(kind, String(detail), String(location.href)); } catch (e) {}
  };
  Object.defineProperty(window, "__xss", {value: (n) => report("call", n), configurable: false});
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    Object.defineProperty(window, name, {value: (...args) => { report("dialog", name + ": " + args.join(" ")); return null; }});
  }
})();
"""

#: what a payload left in the page that could run, executed or not yet
SCAN = r"""
async (needles) => {
  // settle first: no htmx request in flight (a panel loading itself), then htmx's settle delay
  const pause = (ms) => new Promise((done) => setTimeout(done, ms));
  for (let waited = 0; document.querySelector(".htmx-request") && waited < 10000; waited += 20) await pause(20);
  await pause(25);
  const SPACES = /[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/g;
  const found = [];
  const URL_ATTRS = new Set(["href", "src", "action", "formaction", "xlink:href", "data", "ping",
                             "background", "poster", "codebase", "cite"]);
  const scriptish = (v) => /^(javascript|vbscript):|^data:text\/html/i.test(v.replace(/[\u0000-\u0020]/g, ""));
  const note = (kind, el, detail) => found.push([kind, el.tagName.toLowerCase(), String(detail).slice(0, 160)]);
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      const tag = el.tagName.toLowerCase();
      if (tag === "xssmark") note("injected element", el, el.outerHTML);
      for (const a of el.attributes) {
        const n = a.name.toLowerCase(), v = a.value, call = v.includes("__xss");
        if (n.startsWith("on") && call) note("event handler", el, `${n}=${v}`);
        else if (/^(data-)?hx-on/.test(n) && call) note("hx-on", el, `${n}=${v}`);
        else if (/^(data-)?hx-trigger$/.test(n) && call) note("hx-trigger filter", el, v);
        else if (/^(data-)?hx-(vals|headers)$/.test(n) && /^\s*(js|javascript):/i.test(v)) note("hx js:", el, v);
        else if (URL_ATTRS.has(n) && (scriptish(v) && (call || /msgbox|base64/i.test(v))))
          note("script URL", el, `${n}=${v}`);
        else if (n === "srcdoc" && call) note("srcdoc", el, v);
        else if (n === "style" && (call || /expression\s*\(|javascript:/i.test(v))) note("style", el, v);
      }
      if (tag === "script" && el.textContent.includes("__xss")) note("script", el, el.textContent);
      if (tag === "style" && /__xss|expression\s*\(|javascript:/i.test(el.textContent)) note("style", el, el.textContent);
      if (tag === "template") walk(el.content);
    }
  };
  walk(document);
  const html = document.documentElement.outerHTML;
  const evaluated = html.match(/XSSEVAL|XSSEV49/);
  if (evaluated) found.push(["template evaluated", "", html.slice(Math.max(0, evaluated.index - 80), evaluated.index + 20)]);
  // which payloads the page shows as text or holds in an attribute or a field's value
  const texts = [document.documentElement.textContent];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) if (a.value.length > 3) texts.push(a.value);
    if (el.tagName === "TEMPLATE") texts.push(el.content.textContent);
  }
  for (const el of document.querySelectorAll("input, textarea")) texts.push(el.value);
  const hay = texts.join(" ").replace(/\ufffd/g, "").replace(SPACES, " ");
  return {found, seen: needles.filter(([n, text]) => hay.includes(text)).map(([n]) => n)};
}
"""


@dataclass
class Finding:
    url: str
    kind: str
    detail: str


@dataclass
class Visit:
    """What the browser saw of the pages: hits, payloads shown, failures,
    and the seconds each page took."""

    findings: list[Finding] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    pages: int = 0
    fragments: int = 0
    seconds: list[tuple[float, str]] = field(default_factory=list)


class Detector:
    """One browser context logged in to a served installation, with the init
    script and the reports of every frame; visits pages and htmx fragments."""

    def __init__(self, browser: Any, base_url: str, payloads: Sequence[Payload] = ()) -> None:
        self.visit = Visit()
        self.needles = {p.number: normal(p.text) for p in payloads}
        self.base_url = base_url
        self.context = browser.new_context(base_url=base_url, locale="zh-CN", java_script_enabled=True)
        self.context.set_default_timeout(15_000)
        self.context.expose_binding("__xssReport", self._report)
        self.context.add_init_script(INIT_SCRIPT)
        self._static: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda e: self.visit.errors.append(f"{self.page.url}: {e}"))

    def _dialog(self, dialog: Any) -> None:
        """A dialog the init script did not catch (a frame it missed): noted, dismissed."""
        try:
            self._add(self.page.url, "dialog", f"{dialog.type}: {dialog.message}")
        finally:
            dialog.dismiss()

    def _report(self, source: Any, kind: str, detail: str, url: str) -> None:
        self._add(url, kind, detail)

    def _add(self, url: str, kind: str, detail: str) -> None:
        self.visit.findings.append(Finding(url, kind, detail[:200]))

    def _route(self, route: Any) -> None:
        """Scripts are the server's, kept after their first load (routing
        turns the browser's cache off); styles, fonts and images are left
        out (no payload needs them to run, and the pages load faster)."""
        request = route.request
        kind = request.resource_type
        if kind in ("stylesheet", "font", "image", "media"):
            route.abort()
        elif kind == "script" and request.url.startswith(self.base_url + "/static/"):
            cached = self._static.get(request.url)
            if cached is None:
                response = route.fetch()
                cached = (response.status, response.headers, response.body())
                self._static[request.url] = cached
            route.fulfill(status=cached[0], headers=cached[1], body=cached[2])
        else:
            route.continue_()

    def login(self, username: str, password: str) -> None:
        page = self.page
        page.goto("/login")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("form[action='/login'] [type=submit]").click()
        page.wait_for_url(lambda url: "/login" not in url)

    def open(self, url: str, status: int = 200) -> None:
        """Navigate to a full page; wait for its htmx requests; scan it.
        ``status``: what the page must answer (400: a refusal page, scanned too)."""
        page = self.page
        started = time.monotonic()
        response = page.goto(url, wait_until="domcontentloaded")
        answered = response.status if response is not None else None
        if answered != status and not (status == 200 and answered is not None and answered < 400):
            self.visit.errors.append(f"{url}: answered {answered or 'nothing'}, not {status}")
        loaded = time.monotonic()
        self._scan(url)
        self.visit.pages += 1
        done = time.monotonic()
        self.visit.seconds.append((done - started, f"{url} (load {loaded - started:.2f}, scan {done - loaded:.2f})"))

    def swap(self, host: str, url: str) -> None:
        """Swap a fragment into ``host`` with htmx, as the page that asks for it does."""
        page = self.page
        started = time.monotonic()
        if urlsplit(page.url).path != host:
            page.goto(host, wait_until="domcontentloaded")
        page.evaluate("""async (url) => {
            let box = document.getElementById("xss-host");
            if (!box) { box = document.createElement("div"); box.id = "xss-host"; document.body.append(box); }
            box.innerHTML = "";
            await htmx.ajax("GET", url, {target: "#xss-host", swap: "innerHTML"});
        }""", url)
        self._scan(url)
        self.visit.fragments += 1
        self.visit.seconds.append((time.monotonic() - started, url))

    def _scan(self, url: str) -> None:
        """Once htmx is done (SCAN waits), what the page and its frames hold."""
        unseen = [[n, text] for n, text in self.needles.items() if n not in self.visit.seen]
        result = self.page.evaluate(SCAN, unseen)
        for kind, tag, detail in result["found"]:
            self._add(url, kind, f"<{tag}> {detail}" if tag else detail)
        for frame in self.page.frames[1:]:
            try:
                inner = frame.evaluate(SCAN, [])
            except Exception:  # noqa: BLE001 - a frame of another origin cannot be read: it was checked above
                continue
            for kind, tag, detail in inner["found"]:
                self._add(f"{url} (frame)", kind, f"<{tag}> {detail}")
        self.visit.seen.update(result["seen"])

    def close(self) -> None:
        self.context.close()


#: what the browser's text has in place of runs of white space (SCAN's SPACES)
_SPACES = re.compile("[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")


def normal(text: str) -> str:
    """A payload as a page shows it: as stored, white space runs as one
    space, no U+FFFD (the parser's stand-in for a NUL), trimmed."""
    return _SPACES.sub(" ", storable(text).replace("\ufffd", "")).strip()
