#!/usr/bin/env python3
"""Printing: the render time of a one-page document, and a 100-document batch.

    .venv/bin/python bench/print.py                      # SQLite
    .venv/bin/python bench/print.py --postgres           # PostgreSQL (database print_bench)
    .venv/bin/python bench/print.py --out docs/screenshots/samples   # also write the sample PDFs

It migrates an empty database, gives the head office a letterhead (a logo
and a company seal drawn here with Pillow), and prints through the printing
plugin's own path, in-process:

* ``one page``: an expense claim of the example plugin (报销单, the plugin's
  default template), ``--repeat`` times after two warm-up prints: building
  ``doc`` under the reader's rights, the sandboxed template, WeasyPrint's
  layout and the PDF with its fonts subset (Noto Sans CJK SC, two faces).
  p50 and p95 in milliseconds.
* ``batch``: ``--batch`` claims queued as one batch print and run by a job
  worker (the kernel's outbox), as ``suanpan serve`` would: total seconds,
  pages, the PDF's size and the process's peak memory.

``--out`` also writes the expense claim in Chinese, English and both, and
the contract sample of the tests (tests/plugins/printing) in Chinese and
both, as issued copies (with the seal), to look at with pdftoppm.
Only 127.0.0.1 is contacted; PostgreSQL uses a database of its own
(``print_bench``, dropped and created again; never ``test``).
"""

from __future__ import annotations

import argparse
import io
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.append(str(REPO / "tests" / "plugins" / "printing"))  # printing_support
PG = "print_bench"


class _Patch:
    """What ``contract_plugin`` needs of pytest's monkeypatch."""

    def setitem(self, mapping: dict[str, Any], key: str, value: Any) -> None:
        mapping[key] = value


def _font(size: int) -> Any:
    from PIL import ImageFont

    found = subprocess.run(["fc-match", "-f", "%{file}:%{index}", "Noto Sans CJK SC:bold"],
                           capture_output=True, text=True).stdout
    path, _, index = found.rpartition(":")
    return ImageFont.truetype(path, size, index=int(index or 0))


def _png(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def logo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (360, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 119, 119), radius=24, fill="#1f5fbf")
    draw.text((60, 58), "华信", font=_font(46), fill="white", anchor="mm")
    draw.text((140, 30), "HUAXIN", font=_font(40), fill="#1f5fbf", anchor="lm")
    draw.text((140, 82), "TECHNOLOGY", font=_font(24), fill="#5b6b80", anchor="lm")
    return _png(image)


def seal(name: str = "上海华信科技有限公司") -> bytes:
    """A round red seal: the company's name on the arc, a star, 合同专用章."""
    from PIL import Image, ImageDraw

    size, red = 600, (208, 2, 27, 235)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((12, 12, size - 13, size - 13), outline=red, width=16)
    draw.regular_polygon((size / 2, size / 2, 70), 5, fill=red)
    radius, span = size / 2 - 80, 220
    for i, char in enumerate(name):
        angle = -90 - span / 2 + span * i / (len(name) - 1)
        glyph = Image.new("RGBA", (90, 90), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((45, 45), char, font=_font(64), fill=red, anchor="mm")
        glyph = glyph.rotate(-(angle + 90), resample=Image.BICUBIC)
        x = size / 2 + radius * math.cos(math.radians(angle))
        y = size / 2 + radius * math.sin(math.radians(angle))
        image.alpha_composite(glyph, (int(x - 45), int(y - 45)))
    draw.text((size / 2, size / 2 + 150), "合同专用章", font=_font(52), fill=red, anchor="mm")
    return _png(image)


def build(url: str, var: Path, batch: int) -> tuple[Any, int, list[int], int]:
    """A migrated installation: the kernel, the reader's id, the claims' ids, a contract's id."""
    from conftest import install_example_plugin

    install_example_plugin()
    import printing_support as samples
    from sqlalchemy import select

    from core import migrate
    from core.admin import services
    from core.app import Kernel
    from core.config import load_settings
    from core.models import Department, Role, RoleAssignment, User
    from plugins.printing.models import Letterhead

    settings = load_settings(var_dir=var, database_url=url, secret_key="bench", inprocess_worker=False)
    migrate.upgrade(Kernel(settings))
    kernel = Kernel(settings, extra_plugins=[samples.contract_plugin(_Patch())])
    with kernel.db.session() as db:
        services.sync_shipped_roles(db, kernel.registry)
        org = services.create_org(db, None, {
            "code": "HQ", "name": "上海华信科技有限公司", "name_en": "Shanghai Huaxin Technology Co., Ltd.",
            "address": "上海市浦东新区张江路 88 号", "phone": "021-5080 1234", "active": True})
        dept = Department(org_id=org.id, name="华东销售部")
        db.add(dept)
        db.flush()
        user = User(username="lina", display_name="李娜", org_id=org.id, department_id=dept.id,
                    password_hash="x")
        db.add(user)
        db.flush()
        db.add(RoleAssignment(user_id=user.id, role_id=db.scalar(select(Role.id).where(Role.key == "admin")),
                              org_id=org.id))
        db.add(Letterhead(org_id=org.id, address_en="88 Zhangjiang Road, Pudong, Shanghai",
                          tax_id="91310115MA1H7XXX2K", bank_name="招商银行上海张江支行",
                          bank_account="1219 0876 5410 001", logo=logo(), logo_type="image/png",
                          seal=seal(), seal_type="image/png"))
        claims = []
        for i in range(batch + 1):
            claim = samples.expense_model()(
                org_id=org.id, owner_id=user.id, department_id=dept.id, category="travel",
                title=f"北京出差：拜访百度与中关村客户（高铁、住宿两晚）第 {i + 1} 次",
                amount=Decimal("3456.70") + i)
            db.add(claim)
            db.flush()
            claims.append(claim.id)
        note = samples.note_model()(org_id=org.id, owner_id=user.id, body=samples.contract_body(8),
                                    title="销售合同：北京百度网讯科技有限公司")
        db.add(note)
        db.flush()
        return kernel, user.id, claims, note.id


def actor_of(kernel: Any, db: Any, user_id: int) -> Any:
    from core.models import User
    from core.permissions import load_actor

    return load_actor(db, db.get(User, user_id), all_codes=set(kernel.registry.permissions))


def one_page(kernel: Any, user_id: int, claim: int, repeat: int) -> list[float]:
    from plugins.printing import prints
    from plugins.printing.engine import printer_for

    printer = printer_for(kernel)
    decl = kernel.registry.prints["notes.expense"]
    times = []
    with kernel.db.session(write=False) as db:
        actor = actor_of(kernel, db, user_id)
        for run in range(repeat + 2):
            started = time.perf_counter()
            rendered, _name = prints.print_record(db, actor, printer, decl, claim, "zh_CN")
            if run >= 2:  # two warm-up prints: fonts found, templates compiled
                times.append((time.perf_counter() - started) * 1000)
            assert rendered.pages == 1
    return times


def batch_print(kernel: Any, user_id: int, claims: list[int]) -> dict[str, Any]:
    from core.jobs import Worker
    from plugins.printing import batches
    from plugins.printing.models import Batch

    with kernel.db.session() as db:
        actor = actor_of(kernel, db, user_id)
        db.info["actor"] = actor  # the job runs as the user who asked (core.jobs)
        batch_id = batches.create(db, actor, kernel.registry.prints["notes.expense"], claims, "zh_CN").id
    started = time.perf_counter()
    Worker(kernel).run_pending()
    seconds = time.perf_counter() - started
    with kernel.db.session(write=False) as db:
        batch = db.get(Batch, batch_id)
        assert batch is not None and batch.state == "done", batch and batch.error
        return {"seconds": seconds, "documents": batch.done, "pages": batch.pages,
                "mb": len(batch.pdf or b"") / 1e6}


def samples_out(kernel: Any, user_id: int, claim: int, contract: int, out: Path) -> None:
    from plugins.printing.engine import printer_for

    printer = printer_for(kernel)
    out.mkdir(parents=True, exist_ok=True)
    with kernel.db.session(write=False) as db:
        actor = actor_of(kernel, db, user_id)
        for key, record_id, langs in (("notes.expense", claim, ("zh_CN", "en", "both")),
                                      ("contracts.sales", contract, ("zh_CN", "both"))):
            decl = kernel.registry.prints[key]
            for lang in langs:
                prepared = printer.prepare(db, actor, decl, db.get(decl.model, record_id), lang, issuing=True)
                path = out / f"{key.split('.')[1]}-{lang}.pdf"
                path.write_bytes(printer.pdf(prepared.html).pdf)
                print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="one-page prints measured")
    parser.add_argument("--batch", type=int, default=100, help="documents in the batch print")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--out", type=Path, help="write the sample PDFs into this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            for cmd in ("dropdb", "createdb"):
                subprocess.run([cmd, "-h", "127.0.0.1", "-U", "postgres",
                                *(["--if-exists"] if cmd == "dropdb" else []), PG], check=True)
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG}"
        else:
            url = f"sqlite:///{tmp}/bench.db"
        try:
            kernel, user_id, claims, contract = build(url, Path(tmp), args.batch)
            times = one_page(kernel, user_id, claims[-1], args.repeat)
            batch = batch_print(kernel, user_id, claims[: args.batch])
            if args.out:
                samples_out(kernel, user_id, claims[-1], contract, args.out)
            kernel.db.dispose()
        finally:
            if args.postgres:
                subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", PG], check=False)
    quantiles = statistics.quantiles(times, n=20)
    db = "PostgreSQL" if args.postgres else "SQLite"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| {db} | figure |\n| --- | --- |")
    print(f"| one page, p50 (ms, {len(times)} prints) | {statistics.median(times):.0f} |")
    print(f"| one page, p95 (ms) | {quantiles[18]:.0f} |")
    print(f"| batch of {batch['documents']} documents (s) | {batch['seconds']:.1f} |")
    print(f"| batch: pages, PDF size (MB) | {batch['pages']}, {batch['mb']:.1f} |")
    print(f"| peak memory of the process (MB) | {peak:.0f} |")


if __name__ == "__main__":
    main()
