"""The print engine: a document type and a record in, a PDF out.

The template (the administrator's newest version, else the plugin's
default) runs in the sandbox (:mod:`plugins.printing.sandbox`) on what the
reader may see of the record (:mod:`plugins.printing.document`); WeasyPrint
turns the HTML into a PDF with a base URL inside the installation and a
fetcher that loads nothing from outside it (:mod:`plugins.printing.fetcher`).
"""

from __future__ import annotations

import contextlib
import ctypes
import re
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import segno
from markupsafe import Markup
from sqlalchemy.orm import Session

from core import N_, Actor, PrintDecl, static_dirs, utcnow
from plugins.printing import document, letterheads, versions
from plugins.printing.formats import Speaker
from plugins.printing.sandbox import Sandbox

#: WeasyPrint (Pango, fontconfig) is not made for threads: one render at a time per process
RENDER_LOCK = threading.Lock()


def _malloc_trim() -> Any:
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to give back
        return ctypes.CDLL("libc.so.6").malloc_trim
    return None


_TRIM = _malloc_trim()


def give_back_memory() -> None:
    """Return the heap a print has freed to the system (glibc's ``malloc_trim``).

    A print takes some 45 MB of heap for a moment (the layout, WeasyPrint's
    copy of each CJK font file, HarfBuzz's subsets). glibc keeps freed memory
    for later use, and in the arena of the thread that freed it, so a worker
    whose handler threads print in turn held each thread's largest print for
    good: 412 MB after 34,570 requests of bench/http_load.py. Giving it back
    takes about a millisecond.
    """
    if _TRIM is not None:
        _TRIM(0)
_COUNTER = re.compile(r"\{(pages?)\}")


@dataclass
class Prepared:
    """A document ready to render: its HTML and what it was made of."""

    html: str
    doc: dict[str, Any]
    number: str
    template_version: int | None


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    #: URLs the template asked for that were not loaded (see fetcher)
    refused: list[str] = field(default_factory=list)


class Printer:
    """Renders the document types of one kernel (one per kernel, see :func:`printer_for`)."""

    def __init__(self, kernel: Any) -> None:
        self.kernel = kernel
        self.sandbox = Sandbox(kernel.jinja.loader)
        self.static = static_dirs(kernel.settings)
        self._fonts: Any = None

    @property
    def fonts(self) -> Any:
        """One font configuration for every print of the process: building it
        (fontconfig, Pango's font map) costs a third of a one-page layout. Made
        at the first print, as WeasyPrint is imported only then: importing it
        costs 0.6 s of every worker's start."""
        if self._fonts is None:
            from weasyprint.text.fonts import FontConfiguration

            self._fonts = FontConfiguration()
        return self._fonts

    # -- the template ------------------------------------------------------

    def default_source(self, decl: PrintDecl) -> str:
        """The plugin's template (or a theme's file of the same path)."""
        source, _filename, _uptodate = self.kernel.jinja.loader.get_source(self.kernel.jinja, decl.template)
        return str(source)

    def source_for(self, session: Session, decl: PrintDecl) -> tuple[str, int | None]:
        """The template in use, and its version number (None: never edited)."""
        current = versions.current(session, decl.key)
        if current is None:
            return self.default_source(decl), None
        return current.source or self.default_source(decl), current.number

    # -- HTML --------------------------------------------------------------

    def speaker(self, lang: str) -> Speaker:
        return Speaker(self.kernel.catalogs.translator, lang)

    def prepare(self, session: Session, actor: Actor, decl: PrintDecl, record: Any, lang: str, *,
                source: str | None = None, issuing: bool = False) -> Prepared:
        """The HTML of ``record`` (which the actor may read) in ``lang``;
        ``source`` replaces the template in use (a preview). TemplateProblem
        when the template fails."""
        version: int | None = None
        if source is None:
            source, version = self.source_for(session, decl)
        speak = self.speaker(lang)
        built = document.build(session, actor, self.kernel.registry, decl, record, speak)
        org = letterheads.for_print(session, self.kernel.registry, built.org_id or actor.org_id)
        context = {
            "doc": built.doc, "text": built.text, "fields": built.fields, "org": org, "lang": lang, "_": speak,
            "print": {
                "title": speak(decl.label), "titles": speak.texts(decl.label), "number": built.number,
                "qr": qr_data_url(built.number),
                "printed_at": utcnow(), "printed_by": actor.display_name, "issued": issuing,
                # an issued type has the seal on issued copies only: a plain print never looks official
                "stamp": bool(org["seal"]) and (issuing or not decl.keep_issued),
                "page_counter": page_counter(speak),
            },
        }
        return Prepared(self.sandbox.render(source, context), built.doc, built.number, version)

    # -- PDF ---------------------------------------------------------------

    def render_html(self, html: str, images: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
        """WeasyPrint's laid-out document of ``html``, and the URLs it was refused.
        ``images``: a cache of decoded images, for documents printed together."""
        import weasyprint

        from plugins.printing.fetcher import BASE_URL, LocalFetcher  # WeasyPrint's fetcher class

        fetcher = LocalFetcher(self.static)
        with RENDER_LOCK:
            laid_out = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
                font_config=self.fonts, presentational_hints=True, cache=images)
        return laid_out, fetcher.refused

    def pdf(self, html: str) -> Rendered:
        laid_out, refused = self.render_html(html)
        with RENDER_LOCK:
            data = laid_out.write_pdf()
        pages = len(laid_out.pages)
        del laid_out
        give_back_memory()
        return Rendered(data, pages, refused)

    def pdf_of_many(self, laid_out: Sequence[Any]) -> bytes:
        """One PDF of several laid-out documents, each keeping its own page numbers."""
        pages = [page for doc in laid_out for page in doc.pages]
        with RENDER_LOCK:
            return bytes(laid_out[0].copy(pages).write_pdf())


def qr_data_url(text: str) -> str:
    """The QR code of ``text`` as an SVG ``data:`` URL (scaled by the layout's CSS)."""
    return str(segno.make(text, error="m", micro=False).svg_data_uri(border=0, dark="#111"))


def page_counter(speak: Speaker) -> Markup:
    """The CSS ``content`` of the page numbers: ``"第 " counter(page) " 页 / 共 " counter(pages) " 页"``."""
    pattern = "    ".join(speak.texts(N_("Page {page} of {pages}")))
    parts = []
    for index, piece in enumerate(_COUNTER.split(pattern)):
        if index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"')
    # CSS strings of a translation, quotes and backslashes escaped: bandit B704 reviewed.
    return Markup(" ".join(parts))  # nosec B704


_PRINTERS: weakref.WeakKeyDictionary[Any, Printer] = weakref.WeakKeyDictionary()
_PRINTERS_LOCK = threading.Lock()


def printer_for(kernel: Any) -> Printer:
    """The kernel's printer, made once (it caches compiled templates)."""
    with _PRINTERS_LOCK:
        found = _PRINTERS.get(kernel)
        if found is None:
            found = _PRINTERS[kernel] = Printer(kernel)
        return found
