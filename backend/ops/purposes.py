"""The purposes and legal bases the demo names, and their registration by the council.

On chain (``Purposes``) a legal basis is the keccak-256 hash of its text and a citation. The demo's
"text" of a legal basis is its bilingual citation itself (the platform hashes what a request names), so
its hash is ``text_hash(citation)``; a real deployment registers the hash of the article's text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from backend.ops import deployer
from backend.services.common import text_hash

# (code, Chinese name, English name): the purpose codes backend.ops.demo.PURPOSE uses
PURPOSES: list[tuple[int, str, str]] = [
    (21, "新生儿出生登记：父母婚姻状况核验", "Newborn registration: parents' marital status"),
    (31, "二手房转移登记：契税完税核验", "House transfer registration: deed tax clearance"),
    (32, "二手房转移登记：婚姻状况核验", "House transfer registration: marital status"),
    (41, "营业执照变更：完税核验", "Business licence change: tax clearance"),
    (42, "营业执照变更：法定代表人住所核验", "Business licence change: legal representative's domicile"),
    (51, "税收征管：不动产信息核验", "Tax collection: property records"),
    (61, "个人贷款审查（经申请人同意）", "Personal loan review (with the applicant's consent)"),
    (71, "公证：婚姻状况核验", "Notarization: marital status"),
]
# the citations the demo's requests and services name (each is also the text whose hash is registered)
LEGAL_BASES: list[str] = [
    "《契税法》第十条 / Deed Tax Law art. 10",
    "《不动产登记暂行条例实施细则》第三十八条 / Real Estate Registration Rules art. 38",
    "《户口登记条例》第七条 / Household Registration Regulation art. 7",
    "《市场主体登记管理条例》第二十四条 / Market Entity Registration Reg. art. 24",
    "《市场主体登记管理条例》第九条 / Market Entity Registration Reg. art. 9",
    "《税收征收管理法》第五条 / Tax Collection Law art. 5",
    "《个人贷款管理暂行办法》第十一条 / Personal Loan Rules art. 11 (with the applicant's consent)",
    "《公证法》第二十九条 / Notarization Law art. 29",
]


def legal_basis_entries(citations: Iterable[str]) -> list[tuple[bytes, str]]:
    """(text hash, citation) for citations that are their own text (the demo's)."""
    return [(text_hash(c), c) for c in citations]


def register_catalogue(
    w3: Web3,
    manifest: dict[str, Any],
    deployments_dir: Any,
    governors: list[LocalAccount],
    purposes: Iterable[tuple[int, str, str]] = PURPOSES,
    legal_bases: Iterable[tuple[bytes, str]] | None = None,
) -> int:
    """The council (these governors' keys: development and tests) registers every entry not registered
    yet, in one council call for the purposes and one for the legal bases; how many entries it registered
    (0 on a re-run)."""
    consortium = deployer.contract_at(w3, manifest, "Consortium", deployments_dir)
    registry = deployer.contract_at(w3, manifest, "Purposes", deployments_dir)
    bases = legal_basis_entries(LEGAL_BASES) if legal_bases is None else list(legal_bases)
    known_codes = {p[0] for p in registry.functions.purposes(0, 2**32).call()}
    known_hashes = {bytes(b[0]) for b in registry.functions.legalBases(0, 2**32).call()}
    new_purposes = [p for p in purposes if p[0] not in known_codes]
    new_bases = [b for b in bases if bytes(b[0]) not in known_hashes]
    calls = []
    if new_purposes:
        calls.append(registry.functions.registerPurposes(*(list(col) for col in zip(*new_purposes))))
    if new_bases:
        calls.append(registry.functions.registerLegalBases(*(list(col) for col in zip(*new_bases))))
    for call in calls:
        data: str = call._encode_transaction_data()

        def propose(c: Any, data: str = data) -> Any:
            return c.functions.proposeCouncilCall(registry.address, data, text_hash("registry entries"))

        deployer.run_council(w3, consortium, governors, propose)
    return len(new_purposes) + len(new_bases)
