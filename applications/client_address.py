"""The visitor's address, as the rate limits count it.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only when the connection comes
from a proxy the operator declared (`TRUSTED_PROXIES`: addresses or networks, none by default). Then the
header is read from the right, skipping the declared proxies: the first address that is not one of them is the
one the outermost trusted proxy saw, and entries further left were written by the client and are ignored.

django-ipware was considered: its trusted-proxy list is matched against the entries of the header itself,
which a client connecting directly can write too, so it would not enforce "only from a trusted proxy".
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _parse(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket: count it as the IPv4 address it is.
    return getattr(address, "ipv4_mapped", None) or address


def _is_trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address to count this request against (the connecting peer unless it is a trusted proxy)."""
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        # No usable peer (a Unix socket without a proxy header): one shared bucket, never a free pass.
        return "0.0.0.0"
    networks = trusted_networks()
    if not _is_trusted(peer, networks):
        return str(peer)
    client = peer
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _parse(entry)
        if address is None:
            # A malformed entry: nothing to the left of it can be trusted either.
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)
