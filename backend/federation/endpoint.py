"""Which peer endpoints this node will call (SSRF guard of the grantee's side).

The owner's endpoint comes from the NodeDirectory, which each department writes for itself:
a department could publish ``http://169.254.169.254/`` (a cloud metadata service) or an
address inside the grantee's own network, and the grantee's node would POST there. So before
every call the endpoint must be ``http``/``https`` with a host, and EVERY address its host
name resolves to must be a public unicast address (``is_global``, not multicast), unless it
lies in a network the node's operator allowed explicitly (``peer_allow_networks`` in
``node.json``; the development federation on 127.0.0.x allows ``127.0.0.0/8``). Redirects are
never followed (the client refuses a 3xx).

Not covered: a host name that resolves to a public address here and to a private one when
the HTTP client resolves it again a moment later (DNS rebinding); an operator who fears it
publishes and trusts only IP-literal endpoints, or puts an egress proxy in front.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from backend.federation.errors import PeerEndpointRefused, PeerUnavailable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]
SCHEMES = {"http": 80, "https": 443}


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (for a TCP connection)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]).split("%", 1)[0] for info in infos})  # drop an IPv6 zone id


class EndpointPolicy:
    def __init__(self, allow_networks: Iterable[str] = (), *, resolver: Resolver = resolve_host) -> None:
        self.allowed: tuple[IPNetwork, ...] = tuple(ipaddress.ip_network(n, strict=False) for n in allow_networks)
        self.resolver = resolver

    def check(self, url: str) -> None:
        """Raise PeerEndpointRefused unless ``url`` may be called (see the module doc);
        PeerUnavailable when its host does not resolve."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise PeerEndpointRefused("the peer's endpoint is not a valid URL") from None
        if parts.scheme not in SCHEMES:
            raise PeerEndpointRefused("the peer's endpoint must be http or https", scheme=parts.scheme)
        if not parts.hostname or parts.username is not None or parts.password is not None:
            raise PeerEndpointRefused("the peer's endpoint must name a host and no credentials")
        try:
            addresses = self.resolver(parts.hostname, port or SCHEMES[parts.scheme])
        except (OSError, UnicodeError):
            raise PeerUnavailable("the peer's host name does not resolve", host=parts.hostname) from None
        if not addresses:
            raise PeerUnavailable("the peer's host name does not resolve", host=parts.hostname)
        for text in addresses:
            if not self.permits(ipaddress.ip_address(text)):
                raise PeerEndpointRefused(
                    "the peer's endpoint resolves to an address this node does not call",
                    host=parts.hostname,
                    address=text,
                )

    def permits(self, ip: IPAddress) -> bool:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if any(ip.version == net.version and ip in net for net in self.allowed):
            return True
        return ip.is_global and not ip.is_multicast
