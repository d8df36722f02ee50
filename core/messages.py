"""Extract message ids and merge them into the gettext catalogs.

    python scripts/messages.py             kernel and every in-repo plugin
    python scripts/messages.py DIR ...     only these plugin directories
    python scripts/messages.py --check     change nothing; exit 1 when a catalog
                                           lacks a translation

The kernel's ids come from ``core/`` and the default theme's templates and go
to ``core/locale``; a plugin's come from its own directory and go to its
``locale/``. Merging keeps every translation, adds new ids with an empty
``msgstr`` (or a fuzzy guess from a similar old id, for the translator to
confirm) and turns ids no longer in the source into obsolete ``#~`` entries,
which the kernel does not load.
"""

from __future__ import annotations

import argparse
import io
import string
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("zh_CN",)  # en needs no catalog: the source strings are English
PROJECT = "Suanpan"
HEADER = """\
# {language} translations for Suanpan (算盘).
# This file is distributed under the same license as the Suanpan project.
# Update it with `make messages`; translate every empty msgstr.
#"""

#: Call names whose string arguments are message ids, with babel's argument
#: spec: ``error_response(request, status, message)`` takes its id third.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "error_response": (3,),
}
COMMENT_TAGS = ("Translators:",)
JINJA = "jinja2.ext:babel_extract"
#: the same whitespace options as the kernel's Environment (core/app.py)
JINJA_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true"}
SKIP_DIRS = {"__pycache__", "locale", "migrations", "node_modules", "static", "build"}


@dataclass(frozen=True)
class Domain:
    """One catalog: the sources its ids come from and its locale directory."""

    name: str
    sources: tuple[Path, ...]
    locale_dir: Path

    def po_path(self, locale: str) -> Path:
        return self.locale_dir / locale / "LC_MESSAGES" / "messages.po"


def kernel_domain() -> Domain:
    return Domain("core", (ROOT / "core", ROOT / "themes" / "default" / "templates"),
                  ROOT / "core" / "locale")


def plugin_domain(path: Path) -> Domain:
    path = path.resolve()
    return Domain(path.name, (path,), path / "locale")


def plugin_domains(plugins_dir: Path = ROOT / "plugins") -> list[Domain]:
    """Every in-repo plugin: a package directly under ``plugins/``."""
    if not plugins_dir.is_dir():
        return []
    return [plugin_domain(p) for p in sorted(plugins_dir.iterdir())
            if p.is_dir() and (p / "__init__.py").is_file()]


def all_domains() -> list[Domain]:
    return [kernel_domain(), *plugin_domains()]


# ------------------------------------------------------------------ extraction


def source_files(domain: Domain) -> Iterator[tuple[Path, str]]:
    """(file, extraction method) for every Python module and template."""
    for top in domain.sources:
        for path in sorted(top.rglob("*")):
            if not path.is_file() or SKIP_DIRS & set(path.relative_to(top).parts[:-1]):
                continue
            if path.suffix == ".py":
                yield path, "python"
            elif path.suffix == ".html":
                yield path, JINJA


def _display(path: Path) -> str:
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def extract_template(domain: Domain) -> Catalog:
    """A catalog of every id the domain's sources use, without translations."""
    template = Catalog(project=PROJECT, fuzzy=False)
    for path, method in source_files(domain):
        options = JINJA_OPTIONS if method == JINJA else {}
        with path.open("rb") as fh:
            for lineno, message, comments, context in extract(
                method, fh, keywords=KEYWORDS, comment_tags=COMMENT_TAGS, options=options,
                strip_comment_tags=True,
            ):
                template.add(message, None, [(_display(path), lineno)],
                             auto_comments=comments, context=context)
    return template


def message_ids(domain: Domain) -> dict[str, Message]:
    """Extracted messages by (singular) id."""
    return {_key(m): m for m in extract_template(domain) if m.id}


# ------------------------------------------------------------------ merging


def read_catalog(path: Path, locale: str) -> Catalog | None:
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def merged(domain: Domain, locale: str) -> Catalog:
    """The domain's catalog for ``locale`` brought up to date with its sources."""
    template = extract_template(domain)
    catalog = read_catalog(domain.po_path(locale), locale)
    if catalog is None:
        catalog = new_catalog(locale)
    catalog.update(template, update_header_comment=False, update_creation_date=False)
    return catalog


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("suanpan")
    except PackageNotFoundError:
        return "0"


def new_catalog(locale: str) -> Catalog:
    version = _version()
    catalog = Catalog(locale=locale, project=PROJECT, version=version, fuzzy=False,
                      copyright_holder="the Suanpan authors",
                      last_translator="Suanpan translators", language_team=locale)
    catalog.msgid_bugs_address = ""
    catalog.header_comment = HEADER.format(language=Locale.parse(locale).english_name)
    return catalog


def render(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, include_lineno=False, ignore_obsolete=False)
    return out.getvalue()


def _stable(po: bytes) -> list[bytes]:
    """The file without the dates babel rewrites on every run."""
    return [line for line in po.splitlines()
            if not line.startswith((b'"POT-Creation-Date:', b'"PO-Revision-Date:'))]


def update(domain: Domain, locale: str) -> bool:
    """Write the merged catalog; return whether anything but dates changed."""
    path = domain.po_path(locale)
    catalog = merged(domain, locale)
    if not path.is_file() and not len(catalog):
        return False  # a plugin without messages needs no catalog
    new = render(catalog)
    old = path.read_bytes() if path.is_file() else b""
    if _stable(new) == _stable(old):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(new)
    return True


# ------------------------------------------------------------------ checking


def placeholders(text: str) -> set[str]:
    """The ``{...}`` fields of a str.format message (ValueError if malformed)."""
    fields = set()
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None:
            fields.add("{" + name + (f"!{conversion}" if conversion else "")
                       + (f":{spec}" if spec else "") + "}")
    return fields


def _key(message: Message) -> str:
    return message.id[0] if isinstance(message.id, (list, tuple)) else message.id


def _strings(message: Message) -> list[str]:
    """The translation(s) of a message; an empty string where there is none."""
    found = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return [s or "" for s in found] or [""]


def _placeholder_problem(source: Message, translated: Message) -> str | None:
    ids = list(source.id) if isinstance(source.id, (list, tuple)) else [source.id]
    strings = _strings(translated)
    try:
        wanted = [placeholders(i) for i in ids]
        got = [placeholders(s) for s in strings]
    except ValueError as exc:
        return f"malformed placeholder ({exc})"
    if len(ids) == 1:
        if got[0] != wanted[0]:
            return f"placeholders {sorted(got[0])} instead of {sorted(wanted[0])}"
        return None
    allowed = set().union(*wanted)
    if any(g - allowed for g in got) or got[-1] != wanted[-1]:
        return f"placeholders {[sorted(g) for g in got]} instead of {sorted(wanted[-1])}"
    return None


def problems(domain: Domain, locale: str) -> list[tuple[str, str]]:
    """(id, what is wrong) for each extracted id the catalog does not translate
    well: missing, empty, fuzzy, or with other placeholders than the id."""
    ids = message_ids(domain)
    catalog = read_catalog(domain.po_path(locale), locale)
    if catalog is None:
        return [(key, "missing (no catalog)") for key in ids]
    found = {_key(m): m for m in catalog if m.id}
    out = []
    for key, source in ids.items():
        msg = found.get(key)
        if msg is None:
            out.append((key, "missing"))
        elif not all(_strings(msg)):
            out.append((key, "not translated"))
        elif msg.fuzzy:
            out.append((key, "fuzzy"))
        elif isinstance(source.id, (list, tuple)) != isinstance(msg.id, (list, tuple)):
            out.append((key, "plural forms differ from the source"))
        elif reason := _placeholder_problem(source, msg):
            out.append((key, reason))
    return out


# ------------------------------------------------------------------ command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plugins", nargs="*", type=Path,
                        help="plugin directories (default: the kernel and plugins/*)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; fail when a catalog is incomplete")
    args = parser.parse_args(argv)
    domains = [plugin_domain(p) for p in args.plugins] if args.plugins else all_domains()
    failed = False
    for domain in domains:
        for locale in LOCALES:
            path = _display(domain.po_path(locale))
            if args.check:
                found = problems(domain, locale)
                failed = failed or bool(found)
                for key, reason in found:
                    print(f"{path}: {reason}: {key!r}")
                continue
            changed = update(domain, locale)
            total = len(message_ids(domain))
            todo = len(problems(domain, locale))
            print(f"{path}: {total} ids, {todo} to translate{'' if changed else ' (unchanged)'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
