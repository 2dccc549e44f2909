"""Pure-Python event replayer for the core GovChain contracts (replaying all events rebuilds the views).

Given the raw logs of Consortium, DataCatalog, UsageRights and Accountability (as ``eth_getLogs``
returns them) and those contracts' ABIs, :func:`replay` rebuilds the state that the contracts' views
expose, using nothing but the logs: it never calls a contract. The only other input is each log's block
timestamp (the ``blockTimestamp`` field some nodes add to logs, or the block header), because the views'
``…At`` fields are block times of the emitting transaction, which events do not repeat.

The rebuilt state is a plain dict tree (see :func:`empty_state`) so that a test can build the same tree
from the views and compare with ``==``. Addresses are checksummed strings, hashes ``0x``-hex strings,
enums ints.

Only ``eth_abi`` and ``eth_utils`` are used: the same facts a third-party tool (ethers.js, cast) gets
from the ABI files and the deployment manifest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import eth_abi
from eth_utils import keccak, to_checksum_address

CONSORTIUM, CATALOG, RIGHTS, ACCOUNTABILITY = "Consortium", "DataCatalog", "UsageRights", "Accountability"

# enum values (mirroring the Solidity enums)
DEPT_ACTIVE, DEPT_SUSPENDED = 1, 2
REQ_PENDING, REQ_OWNER_APPROVED, REQ_APPROVED, REQ_DENIED, REQ_ESCALATED = 1, 2, 3, 4, 5
INC_OPEN, INC_RESPONDED, INC_ESCALATED, INC_UPHELD, INC_DISMISSED = 1, 2, 3, 4, 5
UNANIMOUS_COUNCIL_CALL = 9


# --------------------------------------------------------------------------- decoding


@dataclass(frozen=True)
class Event:
    contract: str  # role: CONSORTIUM, CATALOG, RIGHTS, ACCOUNTABILITY
    name: str
    args: dict
    block_number: int
    transaction_index: int
    log_index: int
    timestamp: int | None


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return "0x" + bytes(value).hex()


def _canonical_type(param: dict) -> str:
    t = param["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(_canonical_type(c) for c in param["components"]) + ")" + t[len("tuple") :]
    return t


def _normalize(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return to_checksum_address(value)
    if abi_type.startswith("bytes"):
        return _hex(value)
    return value


class Decoder:
    """Decodes raw logs of known contracts with their ABIs."""

    def __init__(self, contracts: Mapping[str, tuple[str, list]]):
        """``contracts``: role -> (address, abi)."""
        self._by_address: dict[str, tuple[str, dict[str, dict]]] = {}
        for role, (address, abi) in contracts.items():
            topics = {}
            for item in abi:
                if item.get("type") != "event" or item.get("anonymous"):
                    continue
                signature = f"{item['name']}({','.join(_canonical_type(i) for i in item['inputs'])})"
                topics["0x" + keccak(text=signature).hex().removeprefix("0x")] = item
            self._by_address[to_checksum_address(address)] = (role, topics)

    @property
    def addresses(self) -> list[str]:
        return list(self._by_address)

    def decode(self, log: Mapping) -> Event:
        role, topics = self._by_address[to_checksum_address(log["address"])]
        log_topics = [_hex(t) for t in log["topics"]]
        item = topics.get(log_topics[0])
        if item is None:
            raise ValueError(f"{role}: log with unknown topic {log_topics[0]}")
        indexed = [i for i in item["inputs"] if i["indexed"]]
        plain = [i for i in item["inputs"] if not i["indexed"]]
        args: dict[str, Any] = {}
        for param, topic in zip(indexed, log_topics[1:]):
            if param["type"] in ("string", "bytes") or param["type"].endswith("]"):
                args[param["name"]] = topic  # only the hash of a dynamic indexed value is in the log
            else:
                (value,) = eth_abi.decode([param["type"]], bytes.fromhex(topic[2:]))
                args[param["name"]] = _normalize(param["type"], value)
        data = log["data"]
        data = bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data)
        values = eth_abi.decode([_canonical_type(p) for p in plain], data)
        for param, value in zip(plain, values):
            args[param["name"]] = _normalize(param["type"], value)
        timestamp = log.get("blockTimestamp")
        if isinstance(timestamp, str):
            timestamp = int(timestamp, 16)
        return Event(
            contract=role,
            name=item["name"],
            args=args,
            block_number=int(log["blockNumber"]),
            transaction_index=int(log["transactionIndex"]),
            log_index=int(log["logIndex"]),
            timestamp=timestamp,
        )


# --------------------------------------------------------------------------- state


def empty_state() -> dict:
    return {
        "consortium": {
            "threshold": 0,
            "governors": [],  # in the contract's order (swap-and-pop removal)
            "auditors": [],
            "standingListeners": [],
            "departmentList": [],  # admission order
            "departments": {},  # account -> {code, name, regionCode, status, admittedAt}
            "proposalCount": 0,
            # id -> {kind, proposer, target, data, descriptionHash, approvals, createdAt, expiresAt, executed,
            #        councilEpoch, councilSize}
            "proposals": {},
            "approvedBy": {},  # id -> sorted list of every account that approved (hasApproved)
        },
        "catalog": {
            "resourceCount": 0,
            "resources": {},  # id -> {owner, classification, versionCount, anchorCount, registeredAt, contentHash}
            "versions": {},  # (id, version) -> (contentHash, publishedAt)
            "publications": {},  # (id, version) -> (publisher, officerHash); version 1's officer is zero
            "anchors": {},  # anchorId -> {resourceId, index, merkleRoot}
        },
        "rights": {
            "requestCount": 0,
            "requests": {},  # id -> Request fields
            "grantCount": 0,
            "grants": {},  # id -> Grant fields
            "usable": {},  # id -> isGrantUsable at `now`
            "releases": {},  # (grantId, useIndex) -> releaseOf (content hash), released uses only
        },
        "accountability": {
            "incidentCount": 0,
            "incidents": {},  # id -> Incident fields
            "upheld": {},  # department -> upheldCount (every department ever admitted)
            "stewards": {},  # resourceId -> stewardOf (every resource)
            "grantOfficers": {},  # grantId -> grantOfficerOf (every grant)
        },
    }


def _remove_swap_pop(items: list, account: str) -> None:
    position = items.index(account)
    items[position] = items[-1]
    items.pop()


class Replayer:
    """Applies decoded events, in chain order, to a state tree."""

    def __init__(self):
        self.state = empty_state()
        self._approvers: dict[int, set] = {}
        # council epochs: the current one, each governor's membership start, members added in this epoch's
        # transaction (GovernorAdded comes before its CouncilEpochStarted)
        self._epoch = 0
        self._governor_since: dict[str, int] = {}
        self._joining: list[str] = []

    # ---------------------------------------------------------------- consortium

    def _consortium(self, e: Event) -> None:
        c, a = self.state["consortium"], e.args
        if e.name == "GovernorAdded":
            c["governors"].append(a["account"])
            self._joining.append(a["account"])
        elif e.name == "GovernorRemoved":
            _remove_swap_pop(c["governors"], a["account"])
        elif e.name == "CouncilEpochStarted":
            self._epoch = a["epoch"]
            for account in self._joining:
                self._governor_since[account] = self._epoch
            self._joining = []
        elif e.name == "ThresholdChanged":
            c["threshold"] = a["newThreshold"]
        elif e.name == "AuditorAppointed":
            c["auditors"].append(a["account"])
        elif e.name == "AuditorRemoved":
            _remove_swap_pop(c["auditors"], a["account"])
        elif e.name == "StandingListenerAdded":
            c["standingListeners"].append(a["listener"])
        elif e.name == "DepartmentAdmitted":
            c["departmentList"].append(a["account"])
            c["departments"][a["account"]] = {
                "code": a["code"],
                "name": a["name"],
                "regionCode": a["regionCode"],
                "status": DEPT_ACTIVE,
                "admittedAt": e.timestamp,
            }
        elif e.name == "DepartmentSuspended":
            c["departments"][a["account"]]["status"] = DEPT_SUSPENDED
        elif e.name == "DepartmentReinstated":
            c["departments"][a["account"]]["status"] = DEPT_ACTIVE
        elif e.name == "ProposalCreated":
            pid = a["proposalId"]
            c["proposalCount"] = max(c["proposalCount"], pid)
            c["proposals"][pid] = {
                "kind": a["kind"],
                "proposer": a["proposer"],
                "target": a["target"],
                "data": a["data"],
                "descriptionHash": a["descriptionHash"],
                "createdAt": e.timestamp,
                "expiresAt": a["expiresAt"],
                "executed": False,
                "councilEpoch": self._epoch,
                "councilSize": len(c["governors"]),
            }
            self._approvers[pid] = set()
        elif e.name == "ProposalApproved":
            self._approvers[a["proposalId"]].add(a["governor"])
        elif e.name == "ProposalExecuted":
            c["proposals"][a["proposalId"]]["executed"] = True
        else:  # pragma: no cover - a new event must be handled here
            raise ValueError(f"unhandled Consortium event {e.name}")

    # ---------------------------------------------------------------- catalog

    def _catalog(self, e: Event) -> None:
        c, a = self.state["catalog"], e.args
        if e.name == "ResourceRegistered":
            rid = a["resourceId"]
            c["resourceCount"] = max(c["resourceCount"], rid)
            c["resources"][rid] = {
                "owner": a["owner"],
                "classification": a["classification"],
                "versionCount": 1,
                "anchorCount": 0,
                "registeredAt": e.timestamp,
                "contentHash": a["contentHash"],
            }
            c["versions"][(rid, 1)] = (a["contentHash"], e.timestamp)
            c["publications"][(rid, 1)] = (a["owner"], "0x" + "00" * 32)
            self.state["accountability"]["stewards"][rid] = "0x" + "00" * 32
        elif e.name == "VersionPublished":
            r = c["resources"][a["resourceId"]]
            r["versionCount"] = a["version"]
            r["contentHash"] = a["contentHash"]
            c["versions"][(a["resourceId"], a["version"])] = (a["contentHash"], e.timestamp)
            c["publications"][(a["resourceId"], a["version"])] = (a["publisher"], a["officerHash"])
        elif e.name == "ResourceOwnershipTransferred":
            c["resources"][a["resourceId"]]["owner"] = a["newOwner"]
        elif e.name == "RootAnchored":
            anchor_id = a["anchorId"]
            index = anchor_id & 0xFFFFFFFF
            c["resources"][a["resourceId"]]["anchorCount"] = index
            c["anchors"][anchor_id] = {"resourceId": a["resourceId"], "index": index, "merkleRoot": a["merkleRoot"]}
        else:  # pragma: no cover
            raise ValueError(f"unhandled DataCatalog event {e.name}")

    # ---------------------------------------------------------------- usage rights

    def _rights(self, e: Event) -> None:
        r, a = self.state["rights"], e.args
        if e.name == "UseRequested":
            qid = a["requestId"]
            r["requestCount"] = max(r["requestCount"], qid)
            r["requests"][qid] = {
                "resourceId": a["resourceId"],
                "requester": a["requester"],
                "purposeCode": a["purposeCode"],
                "legalBasisHash": a["legalBasisHash"],
                "fieldsHash": a["fieldsHash"],
                "duration": a["duration"],
                "maxUses": a["maxUses"],
                "approvalDeadline": a["approvalDeadline"],
                "status": REQ_PENDING,
                "grantId": 0,
            }
        elif e.name == "RequestApproved":
            r["requests"][a["requestId"]]["status"] = a["status"]
        elif e.name == "RequestCouncilApproved":
            r["requests"][a["requestId"]]["status"] = REQ_APPROVED
        elif e.name == "RequestDenied":
            r["requests"][a["requestId"]]["status"] = REQ_DENIED
        elif e.name == "RequestEscalated":
            r["requests"][a["requestId"]]["status"] = REQ_ESCALATED
        elif e.name == "GrantIssued":
            gid = a["grantId"]
            r["grantCount"] = max(r["grantCount"], gid)
            r["grants"][gid] = {
                "resourceId": a["resourceId"],
                "grantee": a["grantee"],
                "purposeCode": a["purposeCode"],
                "issuedAt": e.timestamp,
                "expiresAt": a["expiresAt"],
                "maxUses": a["maxUses"],
                "usedCount": 0,
                "revoked": False,
            }
            if a["requestId"]:
                r["requests"][a["requestId"]]["grantId"] = gid
            self.state["accountability"]["grantOfficers"][gid] = "0x" + "00" * 32
        elif e.name == "GrantRevoked":
            r["grants"][a["grantId"]]["revoked"] = True
        elif e.name == "UseRecorded":
            g = r["grants"][a["grantId"]]
            if a["useIndex"] != g["usedCount"] + 1:
                raise ValueError(f"grant {a['grantId']}: use {a['useIndex']} after {g['usedCount']}")
            g["usedCount"] = a["useIndex"]
        elif e.name == "UseReleased":
            use = (a["grantId"], a["useIndex"])
            if not 1 <= a["useIndex"] <= r["grants"][a["grantId"]]["usedCount"] or use in r["releases"]:
                raise ValueError(f"grant {a['grantId']}: release of use {a['useIndex']} not recorded or repeated")
            r["releases"][use] = a["contentHash"]
        else:  # pragma: no cover
            raise ValueError(f"unhandled UsageRights event {e.name}")

    # ---------------------------------------------------------------- accountability

    def _accountability(self, e: Event) -> None:
        c, a = self.state["accountability"], e.args
        if e.name == "StewardAssigned":
            c["stewards"][a["resourceId"]] = a["officerHash"]
        elif e.name == "GrantOfficerAssigned":
            c["grantOfficers"][a["grantId"]] = a["officerHash"]
        elif e.name == "IncidentFiled":
            iid = a["incidentId"]
            c["incidentCount"] = max(c["incidentCount"], iid)
            c["incidents"][iid] = {
                "incidentType": a["incidentType"],
                "subjectKind": a["subjectKind"],
                "status": INC_OPEN,
                "subjectId": a["subjectId"],
                "useIndex": a["useIndex"],
                "reporter": a["reporter"],
                "responsible": a["responsible"],
                "responsibleOfficerHash": a["responsibleOfficerHash"],
                "evidenceHash": a["evidenceHash"],
                "responseHash": "0x" + "00" * 32,
                "rulingHash": "0x" + "00" * 32,
                "filedAt": e.timestamp,
                "responseDeadline": a["responseDeadline"],
            }
        elif e.name == "IncidentResponded":
            i = c["incidents"][a["incidentId"]]
            i["status"], i["responseHash"] = INC_RESPONDED, a["responseHash"]
        elif e.name == "IncidentEscalated":
            c["incidents"][a["incidentId"]]["status"] = INC_ESCALATED
        elif e.name == "IncidentRuled":
            i = c["incidents"][a["incidentId"]]
            i["status"] = INC_UPHELD if a["upheld"] else INC_DISMISSED
            i["rulingHash"] = a["rulingHash"]
            if a["upheld"]:
                c["upheld"][a["responsible"]] = c["upheld"].get(a["responsible"], 0) + 1
        else:  # pragma: no cover
            raise ValueError(f"unhandled Accountability event {e.name}")

    # ---------------------------------------------------------------- driver

    def apply(self, e: Event) -> None:
        if e.timestamp is None:
            raise ValueError(f"no block timestamp for block {e.block_number}")
        {
            CONSORTIUM: self._consortium,
            CATALOG: self._catalog,
            RIGHTS: self._rights,
            ACCOUNTABILITY: self._accountability,
        }[e.contract](e)

    def finish(self, now: int) -> dict:
        """Derived facts: approval counts (members of the proposal's council still serving in the same
        membership), hasApproved, upheld counts of every department, isGrantUsable at block time `now`."""
        c = self.state["consortium"]
        governors = set(c["governors"])
        for pid, proposal in c["proposals"].items():
            proposal["approvals"] = sum(
                1 for a in self._approvers[pid] & governors if self._governor_since[a] <= proposal["councilEpoch"]
            )
            c["approvedBy"][pid] = sorted(self._approvers[pid])
        upheld = self.state["accountability"]["upheld"]
        for account in c["departmentList"]:
            upheld.setdefault(account, 0)
        r = self.state["rights"]
        departments = c["departments"]
        for gid, g in r["grants"].items():
            # a suspended grantee's grants are kept but not usable (UsageRights reads its standing live)
            active = g["grantee"] in departments and departments[g["grantee"]]["status"] == DEPT_ACTIVE
            r["usable"][gid] = active and not g["revoked"] and now < g["expiresAt"] and g["usedCount"] < g["maxUses"]
        return self.state


def replay(
    logs: Iterable[Mapping],
    contracts: Mapping[str, tuple[str, list]],
    *,
    now: int,
    block_timestamp: Callable[[int], int] | None = None,
) -> dict:
    """Rebuilds the view state from `logs` (any order; sorted here by block, tx and log index).

    `contracts`: role -> (address, abi). `block_timestamp(blockNumber)` supplies block times for logs
    without a ``blockTimestamp`` field. `now` is the block time at which ``isGrantUsable`` is evaluated.
    """
    decoder = Decoder(contracts)
    events = [decoder.decode(log) for log in logs]
    events.sort(key=lambda e: (e.block_number, e.transaction_index, e.log_index))
    replayer = Replayer()
    for e in events:
        if e.timestamp is None and block_timestamp is not None:
            e = Event(**{**e.__dict__, "timestamp": block_timestamp(e.block_number)})
        replayer.apply(e)
    return replayer.finish(now)
