"""What a file really is, from its first bytes: never from its name.

Only types a browser may show safely get their own content type; anything
else (executables, HTML, SVG, XML, scripts, unknown binaries) is
``application/octet-stream`` and is only ever downloaded.
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path, PurePath

OCTET = "application/octet-stream"
#: shown in the browser when asked (with ``nosniff`` and a closed CSP)
INLINE = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OFFICE = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OPENDOCUMENT = frozenset({
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
})
#: stream names (UTF-16LE in the compound file's directory) of legacy Office files
OLE_STREAMS = (
    ("WordDocument".encode("utf-16-le"), "application/msword"),
    ("Workbook".encode("utf-16-le"), "application/vnd.ms-excel"),
    ("PowerPoint Document".encode("utf-16-le"), "application/vnd.ms-powerpoint"),
)
#: the file name extensions each type may keep when it is downloaded
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    OFFICE["word/"]: (".docx", ".docm"),
    OFFICE["xl/"]: (".xlsx", ".xlsm"),
    OFFICE["ppt/"]: (".pptx", ".pptm"),
    "application/msword": (".doc", ".dot"),
    "application/vnd.ms-excel": (".xls", ".xlt"),
    "application/vnd.ms-powerpoint": (".ppt", ".pps"),
    "application/zip": (".zip",),
    "text/csv": (".csv",),
    "text/plain": (".txt", ".text", ".log", ".md", ".csv", ".tsv"),
}
TEXT_SAMPLE = 256 * 1024
MARKUP = ("<!doctype", "<html", "<head", "<body", "<script", "<svg", "<?xml", "<iframe",
          "<object", "<embed", "<meta", "<link", "<style", "<form", "<img", "<a ")
SCAN = 1 << 20


def sniff(path: Path, filename: str = "") -> str:
    """The content type of the file at ``path``, judged by its content."""
    with path.open("rb") as fh:
        head = fh.read(64)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(path)
    if head.startswith(OLE):
        return _ole_type(path)
    return _text_type(path, filename)


def _zip_type(path: Path) -> str:
    """Office Open XML and OpenDocument files are ZIP archives: look at the
    names inside (the central directory only; nothing is extracted)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                if declared in OPENDOCUMENT:
                    return declared
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return OCTET
    if "[Content_Types].xml" in names:
        for folder, ctype in OFFICE.items():
            if any(n.startswith(folder) for n in names):
                return ctype
    return "application/zip"


def _ole_type(path: Path) -> str:
    """Legacy Office files are OLE compound files, as are installers (.msi):
    only a Word, Excel or PowerPoint stream makes it an office document."""
    overlap = max(len(name) for name, _ in OLE_STREAMS)
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(SCAN):
            window = tail + chunk
            for name, ctype in OLE_STREAMS:
                if name in window:
                    return ctype
            tail = window[-overlap:]
    return OCTET


def _text_type(path: Path, filename: str) -> str:
    """Plain text or CSV in UTF-8 or GB18030; markup and scripts are not text here."""
    with path.open("rb") as fh:
        sample = fh.read(TEXT_SAMPLE)
        complete = not fh.read(1)
    if not sample or b"\x00" in sample or sample.startswith(b"#!"):
        return OCTET
    charset, text = _decode(sample, complete)
    if text is None:
        return OCTET
    if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text) or _is_markup(text):
        return OCTET
    kind = "text/csv" if PurePath(filename).suffix.lower() == ".csv" else "text/plain"
    return f"{kind}; charset={charset}"


def _decode(sample: bytes, complete: bool) -> tuple[str, str | None]:
    for charset in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(charset)()
        try:
            return charset, decoder.decode(sample, final=complete)
        except UnicodeDecodeError:
            continue
    return "", None


def _is_markup(text: str) -> bool:
    head = text[:4096].lstrip("\ufeff \t\r\n").lower()
    return head.startswith("<") or any(tag in head for tag in MARKUP)


def base_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip()


def download_name(filename: str, content_type: str) -> str:
    """The name to save a file under: the given one, plus the sniffed type's
    extension when the name claims another (``report.html`` that is a PDF is
    saved as ``report.html.pdf``, so no program opens it as a web page)."""
    allowed = EXTENSIONS.get(base_type(content_type))
    if allowed and PurePath(filename).suffix.lower() not in allowed:
        return filename + allowed[0]
    return filename
