"""Errors a service raises; the web layer turns each into one HTTP answer."""

from __future__ import annotations

from typing import Any

from core.i18n import N_
from core.permissions import Forbidden, NotFound

__all__ = ["BadParameter", "BadRequest", "Conflict", "Forbidden", "NotFound", "StaleVersion", "ValidationError"]

#: what a stale save says (:class:`StaleVersion`)
STALE = N_("Someone else changed this record meanwhile. Reload it and apply your change again.")


class ValidationError(Exception):
    """Input was wrong; ``errors`` maps each field name to a message (422)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class Conflict(Exception):
    """A stale save or a state clash (409); the message is a translatable id.

    ``params`` fill its ``{placeholders}`` after translation (each value is
    looked up in the catalog too, so a state's name can be translated).
    """

    def __init__(self, message: str = "", **params: str) -> None:
        super().__init__(message)
        self.params = params


class StaleVersion(Conflict):
    """A save of a version that is no longer current (409, or 412 for an API
    ``If-Match``): ``record`` is the record as saved now, ``sent`` the version
    the client edited. The kit shows what changed (:mod:`core.conflicts`)."""

    def __init__(self, record: Any, sent: str) -> None:
        super().__init__(STALE)
        self.record = record
        self.sent = sent

    @property
    def current(self) -> int:
        """The version saved now: what a client sends to apply its change over it."""
        return int(self.record.version)


class BadRequest(Exception):
    """Malformed request (400)."""


class BadParameter(BadRequest):
    """A query parameter the endpoint does not allow (400), such as a sort or
    a filter outside a list's allowlist (design rule 7). ``message`` is a
    translatable id taking ``{name}`` (the parameter) and ``params``."""

    def __init__(self, name: str, message: str, **params: str) -> None:
        super().__init__(f"{name}: {message.format(name=name, **params)}")
        self.name = name
        self.message = message
        self.params = params
