"""The demo consortium: who sits on the council, which departments exist.

Keystore names are the stable handles (``gov-…``, ``dept-…``, ``audit-…``);
addresses come from the keystore, so every developer's devnet differs only
in keys, never in shape.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Member:
    key: str  # keystore name
    role: str  # governor | department | auditor
    code: str  # short code (on chain as bytes32 for departments)
    name: str  # display name (Chinese first, English after the slash)
    region: str = "110000"  # administrative region code


GOVERNORS = [
    Member("gov-bdb", "governor", "BDB", "大数据局 / Big Data Bureau"),
    Member("gov-gov", "governor", "GOV", "政府办公厅 / General Office"),
    Member("gov-jus", "governor", "JUS", "司法局 / Justice Bureau"),
]
THRESHOLD = 2

DEPARTMENTS = [
    Member("dept-psb", "department", "PSB", "公安局 / Public Security"),
    Member("dept-ca", "department", "CA", "民政局 / Civil Affairs"),
    Member("dept-nr", "department", "NR", "自然资源局 / Natural Resources"),
    Member("dept-tax", "department", "TAX", "税务局 / Tax"),
    Member("dept-samr", "department", "SAMR", "市场监管局 / Market Regulation"),
    Member("dept-notary", "department", "NOTARY", "公证处 / Notary Office"),
    Member("dept-bank", "department", "BANK", "工商银行分行 / Commercial Bank"),
    Member("dept-court", "department", "COURT", "人民法院 / People's Court"),
]

AUDITORS = [Member("audit-1", "auditor", "AUD", "审计局 / Audit Office")]

DEPLOYER = Member("deployer", "deployer", "DEP", "部署账户 / Deployer")

ALL = [DEPLOYER, *GOVERNORS, *DEPARTMENTS, *AUDITORS]


def by_key(key: str) -> Member:
    for m in ALL:
        if m.key == key:
            return m
    raise KeyError(key)


def bytes32(text: str) -> bytes:
    raw = text.encode()
    if len(raw) > 32:
        raise ValueError(f"{text!r} is longer than 32 bytes")
    return raw.ljust(32, b"\0")
