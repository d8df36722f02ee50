"""Where a webhook may be sent: http or https, to any address but the server
itself and addresses nobody should POST records to.

Suanpan runs on premises, so private network addresses (10/8, 172.16/12,
192.168/16, fc00::/7) are ordinary targets. Refused are loopback (the server
itself: 127/8, ::1), link-local (169.254/16, where cloud metadata answers,
and fe80::/10), unspecified (0/8, ::), multicast and reserved addresses;
IPv4 inside IPv6 (``::ffff:127.0.0.1``, NAT64 ``64:ff9b::/96``) is judged
as the IPv4 address it carries.

A host name is judged by every address it resolves to: when the webhook is
saved, and again right before each delivery, which then connects to those
very addresses (:func:`resolve`), so a name that resolves elsewhere in
between (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from core import N_

SCHEMES = {"http": 80, "https": 443}

#: ``(address, port)`` pairs let through although refused: empty in every
#: installation. Only code can fill it (the webhook tests put their local
#: receiver here for one test); deliberately no setting nor environment
#: variable, which an installation could set by mistake.
EXEMPT: frozenset[tuple[str, int]] = frozenset()

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")

#: message ids (taking ``{label}``) by what is wrong with an address
MESSAGES = {
    "loopback": N_("{label}: this host is the server itself (a loopback address); webhooks cannot "
                   "be sent there."),
    "link-local": N_("{label}: this host has a link-local address (such as a cloud metadata "
                     "service); webhooks cannot be sent there."),
    "unusable": N_("{label}: this host has an unspecified, multicast or reserved address; webhooks "
                   "cannot be sent there."),
}
BAD_URL = N_("Enter an http:// or https:// address.")


class Refused(ValueError):
    """An address webhooks may not reach. ``str()`` is the message id (it
    takes ``{label}``); ``address`` and ``kind`` are for the delivery log."""

    def __init__(self, address: str, kind: str) -> None:
        super().__init__(MESSAGES["unusable" if kind not in MESSAGES else kind])
        self.address = address
        self.kind = kind

    def describe(self) -> str:
        """One line for the delivery log (not translated, like a server's answer)."""
        return f"not sent: {self.address} is a {self.kind} address"


def problem(address: str) -> str | None:
    """What rules ``address`` out (``loopback``, ``link-local``,
    ``unspecified``, ``multicast``, ``reserved``), or None when webhooks may
    go there."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified or ip in _THIS_NETWORK:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:
        return "reserved"
    return None


def check_address(address: str, port: int) -> None:
    """Refused unless webhooks may go to ``address`` (or the pair is in :data:`EXEMPT`)."""
    kind = problem(address)
    if kind is not None and (address, port) not in EXEMPT:
        raise Refused(address, kind)


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order, each
    checked: one refused address refuses the host. OSError when it does
    not resolve."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]).partition("%")[0] for info in infos))
    for address in addresses:
        check_address(address, port)
    return addresses


def split(url: str) -> tuple[SplitResult, str, int]:
    """The parts, host and port of an http(s) URL; ValueError (:data:`BAD_URL`) otherwise."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise ValueError(BAD_URL) from None
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ValueError(BAD_URL)
    return parts, parts.hostname, port or SCHEMES[parts.scheme]


def check_url(url: str) -> None:
    """For saving a webhook: ValueError with a message id taking ``{label}``
    unless ``url`` is http(s) and its host may receive webhooks. A name that
    does not resolve now is let through: each delivery checks it again."""
    _parts, host, port = split(url)
    try:
        resolve(host, port)
    except UnicodeError:  # not a host name at all
        raise ValueError(BAD_URL) from None
    except OSError:
        return
