"""Restricted fields (field rules, ``core_field_rule``): a field hidden from a
role never leaves the server for its holders, on any channel: pages (lists,
detail pages with their change history, forms, timelines), the REST API,
exports, the global search, reports, printed PDFs and issued copies.

Generated from the tables and the registry: org A holds a row of every
table (``data_support.seed_org_a``) whose every text column has a value of
its own; every free-text field a model's pages declare is hidden from the
reader's role (``data_support.Rules``), except the one a record is named by
(its title, which references to it show). The hidden values carry a marker
that must never show; every hidden value is changed once, so that the
change history holds old and new hidden values too.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from collections.abc import Callable
from typing import Any

from data_support import HIDDEN, NAMED, OrgA, Rules, api_client, realise, restricted_user, seed_org_a, text_for

from core.app import Kernel
from core.db import Base


def change_hidden_values(kernel: Kernel, seeded: OrgA, rules: Rules) -> None:
    """Change every hidden value once: the change history holds both."""
    with kernel.db.session() as db:
        for key, model in kernel.registry.models.items():
            names = rules.hidden(key)
            record = db.get(model, seeded.rows.get(model.__tablename__, 0)) if names else None
            for name in names if record is not None else ():
                column = Base.metadata.tables[model.__tablename__].c[name]
                setattr(record, name, text_for(column, f"{HIDDEN}{model.__tablename__}.{name}.改"))


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def test_a_hidden_field_never_leaves_through_any_channel(kernel: Kernel, make: Any, password_hash: str,
                                                          new_client: Callable[[], Any]) -> None:
    rules = Rules(kernel)
    seeded = seed_org_a(kernel, password_hash, text=rules, fill_optional=True)
    owner = new_client()
    owner.login("a_owner")
    realise(kernel, owner, seeded)  # an issued copy, printed by who reads every field
    change_hidden_values(kernel, seeded, rules)
    reader_id = restricted_user(kernel, make, seeded, rules, "reader")
    reader = new_client()
    reader.login("reader")
    assert len(rules.modes) > 40 and all(rules.hidden(k) for k in ("crm.customer", "notes.note"))
    leaks: list[str] = []

    def look(channel: str, status: int, text: str) -> None:
        shown = sorted(set(re.findall(HIDDEN + r"[\w.]*", text)))
        if status >= 500 or shown:
            print(channel, shown)
            leaks.append(f"{channel}: {status} {' '.join(shown)}")

    own = seeded.own()
    for key, (mount, crud) in kernel.registry.cruds.items():
        table = crud.model.__tablename__
        if table not in seeded.rows:
            continue
        ident = seeded.rows[table]
        for name, params in (("list", {}), ("detail", {"id": ident}), ("edit", {"id": ident})):
            page = reader.get(kernel.url_path_for(f"{mount}:{crud.noun}_{name}", **params))
            look(f"{key} {name} page", page.status_code, page.text)
        if "activity" in kernel.enabled and table in own:
            page = reader.get(kernel.url_path_for("activity:timeline_detail", model=key, id=ident))
            look(f"{key} timeline", page.status_code, page.text)
        if "api" in kernel.enabled:
            with api_client(kernel, reader_id) as api:
                for url in (f"/api/v1/{mount}/{crud.noun}", f"/api/v1/{mount}/{crud.noun}/{ident}"):
                    response = api.get(url)
                    look(f"{key} API {url}", response.status_code, response.text)
        if "dataio" in kernel.enabled and f"{key}.export" in kernel.registry.permissions:
            export = reader.get(kernel.url_path_for("dataio:export_file", model=key))
            look(f"{key} export", export.status_code, export.content.decode("utf-8-sig"))
            assert len(list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))) > 1, key
    if "search" in kernel.enabled:
        for q in (HIDDEN, NAMED):
            page = reader.get(kernel.url_path_for("search:result_list"), params={"q": q})
            echoed = re.sub(re.escape(q) + r"(?![\w.])", "", page.text)  # the query itself, in the box
            look(f"global search for {q}", page.status_code, echoed)
    for decl in kernel.registry.datasets.values() if "dashboard" in kernel.enabled else ():
        query = {"dataset": decl.key, "measure": next(iter(decl.measures))}
        page = reader.get(kernel.url_path_for("dashboard:record_list"), params=query)
        look(f"report {decl.key} records", page.status_code, page.text)
    for doc in kernel.registry.prints.values() if "printing" in kernel.enabled else ():
        response = reader.get(kernel.url_path_for("printing:document_pdf", key=doc.key,
                                                  id=seeded.rows[doc.model.__tablename__]))
        assert response.status_code == 200, (doc.key, response.status_code)
        look(f"print {doc.key}", response.status_code, pdf_text(response.content))
    if "printing" in kernel.enabled:
        for name in ("printing:issued_pdf", "printing:issued_data"):
            response = reader.get(kernel.url_path_for(name, id=seeded.ident))
            look(name, response.status_code, response.text if name.endswith("data") else pdf_text(response.content)
                 if response.status_code == 200 else "")
    assert not leaks, "\n".join(leaks)
    # and the reader of every field sees them: the values were there to leak
    page = owner.get(kernel.url_path_for("core:user_detail", id=seeded.owner_id)).text
    assert HIDDEN in page or any(HIDDEN in owner.get(kernel.record_path(k, seeded.ident) or "/").text
                                 for k in ("crm.customer", "notes.note"))
