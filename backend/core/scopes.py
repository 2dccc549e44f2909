"""What a system client's token may do: scopes ``<area>:read``, ``<area>:write``, ``<area>:*`` or ``*``.

An area is the first segment of the API path (``/grants/...`` is ``grants``). A request needs
``<area>:write`` when it changes something (any method but GET/HEAD, or a GET that takes an
Idempotency-Key, such as fetching granted data, which records a use on chain), else
``<area>:read``; ``write`` does not imply ``read``. A client token with no scope may do nothing:
the issuer names what a batch job needs (``--scope grants:write``) or says ``*`` on purpose.
Officer and citizen tokens carry no scopes: a person's rights come from their role.
"""

from __future__ import annotations

# Every area a department, governor or auditor client may be given. An API path whose first
# segment is not here cannot be reached with a client token at all (fail closed).
AREAS = frozenset(
    {
        "audit",
        "cases",
        "certificates",
        "citizens",
        "council",
        "directory",
        "grants",
        "incidents",
        "me",
        "purposes",
        "registry",
        "releases",
        "requests",
        "resources",
        "services",
    }
)
ACCESS = ("read", "write")
ALL = "*"


class ScopeError(ValueError):
    pass


def parse_scopes(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The normalised, de-duplicated scopes of ``text`` (space-separated or a list); ScopeError
    names the first one that is not ``*``, ``<area>:read``, ``<area>:write`` or ``<area>:*``."""
    items = text.split() if isinstance(text, str) else [p for item in text for p in item.split()]
    out: list[str] = []
    for item in items:
        scope = item.strip().lower()
        if scope != ALL:
            area, sep, access = scope.partition(":")
            if not sep or area not in AREAS or access not in (*ACCESS, ALL):
                raise ScopeError(
                    f"unknown scope {item!r}: expected '*' or <area>:read|write|* with area one of "
                    + ", ".join(sorted(AREAS))
                )
        if scope not in out:
            out.append(scope)
    return tuple(out)


def allows(scopes: str, area: str, write: bool) -> bool:
    """Whether the space-separated ``scopes`` cover ``area`` for a read or a write."""
    granted = set(scopes.split())
    if ALL in granted:
        return True
    if area not in AREAS:
        return False
    return f"{area}:{ALL}" in granted or f"{area}:{'write' if write else 'read'}" in granted


def required(area: str, write: bool) -> str:
    return f"{area}:{'write' if write else 'read'}"
