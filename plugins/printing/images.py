"""The letterhead's images (logo, company seal): checked before they are
kept, and handed to prints as ``data:`` URLs (nothing to fetch)."""

from __future__ import annotations

import base64
import io
import warnings

from PIL import Image, UnidentifiedImageError

from core import N_

#: the largest image a letterhead keeps
MAX_BYTES = 1024 * 1024
#: the widest or tallest image, in pixels
MAX_SIDE = 4000
#: what the bytes start with -> the content type kept
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
#: Pillow's name of each kept type
FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}


class BadImage(ValueError):
    """An image refused, with a message id that takes ``{label}``."""


def check(data: bytes) -> str:
    """The content type of a logo or seal image, or BadImage saying why not.

    The type comes from the bytes, never from the file's name; the image
    must decode whole, within the size limits (no decompression bombs)."""
    if not data:
        raise BadImage(N_("{label}: the file is empty."))
    if len(data) > MAX_BYTES:
        raise BadImage(N_("{label}: the image is larger than 1 MB."))
    kind = next((k for sig, k in SIGNATURES.items() if data.startswith(sig)), None)
    if kind is None:
        raise BadImage(N_("{label}: only PNG and JPEG images can be used."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[FORMATS[kind]]) as image:
                width, height = image.size
                if max(width, height) > MAX_SIDE:
                    raise BadImage(N_("{label}: the image is larger than 4000 × 4000 pixels."))
                image.load()
    except BadImage:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise BadImage(N_("{label}: the image is damaged or not really a PNG or JPEG file.")) from None
    return kind


def data_url(data: bytes | None, kind: str) -> str:
    """``data:image/png;base64,...``, or "" for no image."""
    return f"data:{kind};base64,{base64.b64encode(data).decode()}" if data else ""
