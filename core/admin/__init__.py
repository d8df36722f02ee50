"""The kernel's own pages (auth, organisations, users, roles, plugins,
recycle bin), registered through the same hooks as any plugin."""

from __future__ import annotations
