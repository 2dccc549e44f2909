"""backend/chain/enums.py is generated from the contracts' enums (tools/gen_enums.py)
and the constants the services and the API use are derived from it."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _gen():
    spec = importlib.util.spec_from_file_location("gen_enums", ROOT / "tools" / "gen_enums.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["gen_enums"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_committed_module_is_up_to_date():
    gen = _gen()
    assert (ROOT / "backend" / "chain" / "enums.py").read_text(encoding="utf-8") == gen.render(), (
        "backend/chain/enums.py is stale: run python tools/gen_enums.py"
    )


def test_parser_keeps_order_and_ignores_comments():
    gen = _gen()
    src = """
    // enum Fake { No }
    interface IX {
        /* enum Hidden { A } */
        enum Kind {
            FirstOne, // a comment, with a comma
            SecondTwo
        }
    }
    """
    assert gen.parse(src, "x.sol") == [("Kind", "x.sol: IX.Kind", ["FirstOne", "SecondTwo"])]
    assert gen.snake("NotYetValid") == "NOT_YET_VALID" and gen.camel("NOT_YET_VALID") == "NotYetValid"


def _internal_enums(node, found):
    if isinstance(node, dict):
        t = node.get("internalType")
        if isinstance(t, str) and t.startswith("enum "):
            found.add(t[len("enum ") :].split("[")[0])
        for v in node.values():
            _internal_enums(v, found)
    elif isinstance(node, list):
        for v in node:
            _internal_enums(v, found)


def test_every_enum_of_the_compiled_abis_is_generated():
    from backend.chain import enums

    found: set[str] = set()
    for path in (ROOT / "build" / "contracts").glob("*.json"):
        _internal_enums(json.loads(path.read_text()).get("abi", []), found)
    assert found, "no compiled ABIs with enums in build/contracts"
    for qualified in sorted(found):
        scope, _, name = qualified.rpartition(".")
        cls = getattr(enums, name)
        assert issubclass(cls, enums.ContractEnum) and scope in cls.__doc__, qualified


def test_constants_are_derived_from_the_enums():
    from backend.chain.enums import (
        CaseStatus,
        CertificateStatus,
        Classification,
        IncidentStatus,
        IncidentType,
        ProposalKind,
        RequestStatus,
        Role,
        SubjectKind,
    )
    from backend.services import cases, certificates, common, registry

    assert common.CLASSIFICATIONS == ("PUBLIC", "INTERNAL", "SENSITIVE", "SECRET")
    assert common.REQUEST_STATUS == ("None", "Pending", "OwnerApproved", "Approved", "Denied", "Escalated")
    assert common.INCIDENT_TYPES == ("DATA_ERROR", "UNAUTHORIZED_USE", "LEAK", "TAMPER")
    assert common.SUBJECT_KINDS == ("RESOURCE_VERSION", "GRANT", "USE")
    assert common.INCIDENT_STATUS == ("None", "Open", "Responded", "Escalated", "Upheld", "Dismissed")
    assert common.PROPOSAL_KINDS[0] == "AdmitDepartment" and common.PROPOSAL_KINDS[-1] == "AddStandingListener"
    assert len(common.PROPOSAL_KINDS) == len(ProposalKind)
    assert certificates.STATUS == ("unknown", "valid", "revoked", "expired", "not_yet_valid")
    assert registry.ROLES == ("REGISTRAR", "BANK", "COURT", "INSPECTOR")
    assert cases.CASE_STATUS == ("None", "Open", "Approved", "Rejected")
    assert cases.CLASSIFICATIONS == common.CLASSIFICATIONS
    assert Classification.SECRET == 3 and RequestStatus.OWNER_APPROVED.solidity == "OwnerApproved"
    assert IncidentStatus(5).name == "DISMISSED" and IncidentType.TAMPER == 3 and SubjectKind.USE == 2
    assert CertificateStatus.NOT_YET_VALID == 4 and Role.INSPECTOR == 3 and CaseStatus.REJECTED == 3
