"""The files the suite serves under ``/static``: the front-end packages from
``node_modules`` and the theme's own files.

The web app mounts them; the printing plugin's URL fetcher reads the same
folders from disk, so a print may use exactly what a page may, and nothing
from outside the installation.
"""

from __future__ import annotations

from pathlib import Path

from core.config import Settings

ROOT = Path(__file__).resolve().parent.parent
#: /static/vendor/<name> -> the folder of an npm package that serves it
VENDOR = {
    "htmx": "htmx.org/dist",
    "tabler": "@tabler/core/dist",
    "tabler-icons": "@tabler/icons-webfont/dist",
    "sortablejs": "sortablejs",
    "tom-select": "tom-select/dist",
    "jsqr": "jsqr/dist",
}


def static_dirs(settings: Settings) -> dict[str, Path]:
    """URL prefix (``/static/theme``) -> the folder served under it."""
    dirs = {f"/static/vendor/{name}": ROOT / "node_modules" / sub for name, sub in VENDOR.items()}
    dirs["/static/theme"] = ROOT / "themes" / settings.theme / "static"
    return dirs
