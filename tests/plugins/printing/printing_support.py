"""Helpers of the printing tests: records to print, actors, PDFs read with
poppler (pdftotext, pdfinfo, pdffonts), the CJK check, and the contract
sample: a throwaway plugin that prints a note as a long sales contract."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from fontTools.ttLib import TTFont

from core import N_, PrintDecl, hookimpl
from core.app import Kernel
from core.models import User
from core.permissions import Actor, load_actor
from core.plugins import Manifest

SAMPLES = Path(__file__).resolve().parent / "samples"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


# ------------------------------------------------------------------ records and actors


def expense_model() -> Any:
    from suanpan_notes.models import Expense

    return Expense


def note_model() -> Any:
    from suanpan_notes.models import Note

    return Note


def make_expense(kernel: Kernel, owner: User, title: str = "北京出差：拜访百度与中关村客户",
                 amount: str = "3456.70", category: str = "travel", **extra: Any) -> int:
    with kernel.db.session() as db:
        record = expense_model()(org_id=owner.org_id, owner_id=owner.id, department_id=owner.department_id,
                                 title=title, amount=Decimal(amount), category=category, **extra)
        db.add(record)
        db.flush()
        return int(record.id)


def actor_of(kernel: Kernel, user: User) -> Actor:
    with kernel.db.session(write=False) as db:
        return load_actor(db, db.get(User, user.id), all_codes=set(kernel.registry.permissions))


# ------------------------------------------------------------------ reading PDFs


def _poppler(tool: str, pdf: bytes, *args: str) -> str:
    done = subprocess.run([tool, *args, "-", "-"] if tool == "pdftotext" else [tool, *args, "-"],
                          input=pdf, capture_output=True, check=True, timeout=60)
    return done.stdout.decode("utf-8")


def pdf_text(pdf: bytes, *, page: int | None = None) -> str:
    """The PDF's text in reading order (pdftotext -raw), one page or all."""
    args = ["-raw", "-enc", "UTF-8"] + (["-f", str(page), "-l", str(page)] if page else [])
    return _poppler("pdftotext", pdf, *args)


def pdf_pages(pdf: bytes) -> int:
    info = _poppler("pdfinfo", pdf)
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


def pdf_fonts(pdf: bytes) -> list[dict[str, str]]:
    """pdffonts' table: name, type, emb(edded), sub(set), uni(code map)."""
    lines = _poppler("pdffonts", pdf).splitlines()[2:]
    out = []
    for line in lines:
        parts = line.split()
        # name type... encoding emb sub uni object-id generation
        out.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return out


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@cache
def noto_cmap() -> frozenset[int]:
    """The characters Noto Sans CJK SC has a glyph for (the font fontconfig picks)."""
    found = subprocess.run(["fc-match", "-f", "%{file}:%{index}", "Noto Sans CJK SC"],
                           capture_output=True, text=True, check=True).stdout
    path, _, index = found.rpartition(":")
    with TTFont(path, fontNumber=int(index or 0), lazy=True) as font:
        return frozenset(font.getBestCmap())


def assert_cjk_prints(pdf: bytes, *strings: str) -> None:
    """Chinese prints as Chinese: every font is an embedded Noto CJK font with
    a Unicode map (a character Noto lacks would have fallen back to another
    font, or to boxes), no character came out as U+FFFD, the font has a glyph
    for every CJK character asked for, and pdftotext finds each string."""
    fonts = pdf_fonts(pdf)
    assert fonts, "the PDF has no fonts"
    offenders = [f for f in fonts if not re.search(r"Noto-(Sans|Serif)-CJK-SC", f["name"])
                 or (f["emb"], f["uni"]) != ("yes", "yes")]
    assert not offenders, f"fonts other than Noto CJK SC, or not embedded with a Unicode map: {offenders}"
    text = pdf_text(pdf)
    assert "\ufffd" not in text, "a character could not be mapped back to Unicode (tofu)"
    glyphs = noto_cmap()
    missing = sorted({c for s in strings for c in CJK.findall(s) if ord(c) not in glyphs})
    assert not missing, f"Noto CJK SC has no glyph for {missing}"
    absent = [s for s in strings if squash(s) not in squash(text)]
    assert not absent, f"pdftotext does not find {absent} in:\n{text}"


# ------------------------------------------------------------------ the contract sample

#: goods of the sample contract: name, spec, unit, unit price
GOODS = [
    ("工业以太网交换机", "SW-2408G 24 口千兆", "台", "4680.00"),
    ("光纤收发器", "FC-1100 单模 20 km", "对", "380.00"),
    ("超五类网线", "CAT5e 305 m/箱", "箱", "420.00"),
    ("机柜", "42U 600×1000", "台", "2150.00"),
    ("不间断电源", "UPS 3 kVA 在线式", "台", "5600.00"),
    ("无线接入点", "AP-760 Wi-Fi 6 吸顶式", "个", "990.00"),
]


def contract_body(lines: int) -> str:
    """A note body the sample reads as ``lines`` goods lines (name|spec|unit|qty|price)."""
    rows = []
    for i in range(lines):
        name, spec, unit, price = GOODS[i % len(GOODS)]
        rows.append(f"{name}|{spec}|{unit}|{(i % 7) + 1}|{price}")
    return "\n".join(rows)


def contract_context(session: Any, actor: Actor, note: Any) -> dict[str, Any]:
    """The contract's parties and goods, from the note: buyer after the
    title's "：", one goods line per line of the body."""
    buyer = note.title.split("：", 1)[-1]
    lines, total = [], Decimal("0")
    for raw in note.body.splitlines():
        name, spec, unit, qty, price = raw.split("|")
        amount = Decimal(qty) * Decimal(price)
        total += amount
        lines.append({"name": name, "spec": spec, "unit": unit, "qty": int(qty), "price": Decimal(price),
                      "amount": amount})
    return {"buyer": buyer, "lines": lines, "total": total, "signed_on": note.created_at.date()}


def contract_plugin(monkeypatch: Any) -> tuple[Manifest, ModuleType]:
    """The plugin ``contracts``: prints notes of the example plugin as sales
    contracts (kept when issued), from samples/templates/contracts/print/sales.html."""
    package = "suanpan_test_contracts"
    module = ModuleType(package)
    module.__path__ = []  # type: ignore[attr-defined]  # a package: no <package>.hookspecs
    monkeypatch.setitem(sys.modules, package, module)

    def register_print_templates() -> list[PrintDecl]:
        return [PrintDecl("contracts.sales", N_("Sales contract"), note_model(), "contracts/print/sales.html",
                          context=contract_context, keep_issued=True)]

    module.register_print_templates = hookimpl(register_print_templates)  # type: ignore[attr-defined]
    return Manifest(name="contracts", module=package, path=SAMPLES, depends=("notes", "printing")), module


# ------------------------------------------------------------------ images


def png(width: int = 240, height: int = 80, colour: str = "#1f6feb", *, seal: bool = False) -> bytes:
    """A small PNG: a logo bar, or a red round seal on a transparent background."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if seal:
        draw.ellipse((4, 4, width - 5, height - 5), outline="#d0021b", width=max(3, width // 40))
        draw.regular_polygon((width / 2, height / 2, width / 7), 5, fill="#d0021b")
    else:
        draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=height // 5, fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def pdf_images(pdf: bytes) -> int:
    """How many raster images the PDF draws (pdfimages -list)."""
    listing = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True,
                             timeout=60).stdout.decode().splitlines()[2:]
    return len([line for line in listing if line.split()[2] == "image"])
