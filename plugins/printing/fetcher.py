"""What WeasyPrint may load while it renders: nothing from outside the
installation (design rule 10).

The fetcher answers ``data:`` URLs (the document's own images: logo, seal,
QR code) and the suite's static files (``/static/...``, the very folders the
web app serves, read from disk). Everything else, ``http:``, ``https:`` to
any host, ``file:``, ``ftp:``, is refused without being opened and noted in
:attr:`LocalFetcher.refused`; WeasyPrint then leaves the image or
stylesheet out and the print still comes out. Nothing is fetched over the
network, so no redirect is ever followed.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

#: the base URL of every print: a name that never resolves (RFC 6761), under
#: which relative URLs (``/static/theme/print.css``) mean the suite's own files
BASE_URL = "https://suanpan.invalid/"
_HOST = urlsplit(BASE_URL).netloc


class Refused(ValueError):
    """A URL a print may not load."""

    def __init__(self, url: str) -> None:
        super().__init__(f"a print may load only the suite's own files and data: URLs, not {url[:200]}")


class LocalFetcher(URLFetcher):
    """Serves ``data:`` URLs and the static folders; refuses the rest."""

    def __init__(self, static: Mapping[str, Path]) -> None:
        # no protocol, no redirect: fetch() below never calls the network code anyway
        super().__init__(allowed_protocols=(), allow_redirects=False)  # type: ignore[no-untyped-call]
        self.static = {prefix.rstrip("/") + "/": folder.resolve() for prefix, folder in static.items()}
        #: the URLs refused while rendering, in order
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            return _data(url)
        path = self.local_path(url)
        if path is None:
            self.refused.append(url)
            raise Refused(url)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    def local_path(self, url: str) -> Path | None:
        """The static file ``url`` names under the base URL, if it is one."""
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.netloc != _HOST:
            return None
        path = unquote(parts.path)
        for prefix, folder in self.static.items():
            if path.startswith(prefix):
                candidate = (folder / path[len(prefix):]).resolve()
                if candidate.is_relative_to(folder) and candidate.is_file():
                    return candidate
        return None


def _data(url: str) -> URLFetcherResponse:
    """A ``data:`` URL's bytes (RFC 2397); ValueError when it is malformed."""
    header, comma, payload = url[5:].partition(",")
    if not comma:
        raise ValueError("malformed data: URL")
    kind, _, options = header.partition(";")
    raw = unquote_to_bytes(payload)
    if options.split(";")[-1].lower() == "base64":
        try:
            raw = base64.b64decode(raw, validate=False)
        except binascii.Error:
            raise ValueError("malformed base64 in a data: URL") from None
    return URLFetcherResponse(url, raw, {"Content-Type": kind or "text/plain"})
