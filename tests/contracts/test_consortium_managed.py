"""The shared ConsortiumManaged base, checked through every contract that inherits it.

Each managed contract must: refuse a zero consortium at deployment, expose the consortium, refuse a
council-only call from anyone but the consortium with ``ConsortiumManagedNotCouncil(caller)``, and refuse a
non-department with ``ConsortiumManagedNotActiveDepartment(account)``. The per-contract copies of these
errors are gone from the ABIs.
"""

from __future__ import annotations

import pytest
from contract_helpers import DAY, ZERO32, ZERO_ADDRESS, assert_custom_error, encode_error, h, now

MANAGED = [
    "DataCatalog",
    "UsageRights",
    "Accountability",
    "OneStopServices",
    "Certificates",
    "PropertyRegistry",
    "NodeDirectory",
    "Purposes",
]
SHARED_ERRORS = {
    "ConsortiumManagedZeroAddress": [],
    "ConsortiumManagedNotCouncil": [("caller", "address")],
    "ConsortiumManagedNotActiveDepartment": [("account", "address")],
}
REGISTRAR = 0  # IPropertyRegistry.Role.Registrar


@pytest.fixture(scope="module")
def managed(system, OneStopServices, Certificates, PropertyRegistry, NodeDirectory, AssistedSessions):
    """name -> deployed instance; the system fixture deploys the first three."""
    c, dep = system.consortium, system.deployer
    certs, registry, _sessions = system.deploy_title_contracts(Certificates, PropertyRegistry, AssistedSessions)
    return {
        "DataCatalog": system.catalog,
        "UsageRights": system.rights,
        "Accountability": system.accountability,
        "OneStopServices": OneStopServices.deploy(c, system.catalog, system.rights, {"from": dep}),
        "Certificates": certs,
        "PropertyRegistry": registry,
        "NodeDirectory": NodeDirectory.deploy(c, {"from": dep}),
        "Purposes": system.purposes,
    }


def _deploy_args(name, system):
    """Constructor arguments with a zero consortium and every other address valid."""
    return {
        "DataCatalog": (ZERO_ADDRESS,),
        "UsageRights": (ZERO_ADDRESS, system.catalog, system.purposes),
        "Accountability": (ZERO_ADDRESS, system.catalog, system.rights),
        "OneStopServices": (ZERO_ADDRESS, system.catalog, system.rights),
        "Certificates": (ZERO_ADDRESS, ZERO_ADDRESS),
        "PropertyRegistry": (ZERO_ADDRESS, system.catalog, system.catalog),
        "NodeDirectory": (ZERO_ADDRESS,),
        "Purposes": (ZERO_ADDRESS,),
    }[name]


# council-only function of each contract and arguments (the check comes first, so ids need not exist)
COUNCIL_ONLY = {
    "DataCatalog": ("transferOwnership", lambda s: (1, s.depts[1])),
    "UsageRights": ("councilApprove", lambda s: (1,)),
    "Accountability": ("rule", lambda s: (1, True, h("ruling"))),
    "OneStopServices": ("activateService", lambda s: (1,)),
    "Certificates": ("registerCertificateType", lambda s: (h("type"), s.depts[0], 365 * DAY)),
    "PropertyRegistry": ("setRole", lambda s: (s.depts[0], REGISTRAR, True)),
    "NodeDirectory": ("clearNode", lambda s: (s.depts[0],)),
    "Purposes": ("retirePurpose", lambda s: (7,)),
}


@pytest.mark.ganache_smoke
@pytest.mark.parametrize("name", MANAGED)
def test_zero_consortium_rejected(name, system, accounts):
    import brownie

    container = getattr(brownie, name)
    assert_custom_error(
        lambda: container.deploy(*_deploy_args(name, system), {"from": accounts[0]}), "ConsortiumManagedZeroAddress"
    )


@pytest.mark.parametrize("name", MANAGED)
def test_consortium_view(name, system, managed):
    assert managed[name].consortium() == system.consortium


@pytest.mark.parametrize("name", MANAGED)
@pytest.mark.parametrize("who", ["governor", "department", "auditor", "outsider"])
def test_council_only_rejects_non_council(name, who, system, managed):
    caller = {
        "governor": system.governors[0],
        "department": system.depts[0],
        "auditor": system.auditor,
        "outsider": system.outsider,
    }[who]
    fn_name, args = COUNCIL_ONLY[name]
    fn = getattr(managed[name], fn_name)
    assert_custom_error(lambda: fn(*args(system), {"from": caller}), "ConsortiumManagedNotCouncil", (caller,))


@pytest.mark.parametrize("name", MANAGED)
def test_council_only_passes_the_check_through_a_council_call(name, system, managed):
    """Through the consortium the shared check passes: the call runs or fails for its own reasons."""
    from brownie.exceptions import VirtualMachineError

    fn_name, args = COUNCIL_ONLY[name]
    pid = system.propose_call(managed[name], fn_name, args(system))
    not_council = encode_error("ConsortiumManagedNotCouncil", (system.consortium,))[:4].hex()
    try:
        tx = system.consortium.approve(pid, {"from": system.governors[1]})
    except VirtualMachineError as exc:  # e.g. an unknown id: ConsortiumCallFailed(pid, <inner error>)
        assert exc.revert_msg.startswith("ConsortiumCallFailed"), exc.revert_msg
        assert not_council not in exc.revert_msg
    else:
        assert "ProposalExecuted" in tx.events


def _department_gated(name, system, managed, account):
    """A call refused because ``account`` is not an active department; (callable, via_council)."""
    m = managed[name]
    if name == "DataCatalog":
        return lambda: m.registerResource(1, h("s"), h("c"), h("st"), ZERO32, {"from": account}), False
    if name == "UsageRights":
        rid = system.resources[1]
        return lambda: m.requestUse(rid, 7, h("law"), h("f"), DAY, 1, now() + DAY, {"from": account}), False
    if name == "OneStopServices":
        return lambda: m.registerService(h("svc"), [], [], DAY, {"from": account}), False
    if name == "Certificates":
        return ("registerCertificateType", (h("type"), account, 365 * DAY)), True
    if name == "PropertyRegistry":
        return ("setRole", (account, REGISTRAR, True)), True
    if name == "NodeDirectory":
        return lambda: m.publishNode("https://node.example", h("x25519"), ZERO32, {"from": account}), False
    raise AssertionError(name)


@pytest.mark.parametrize(
    "name", [n for n in MANAGED if n not in ("Accountability", "Purposes")]
)  # Accountability: NotReporter; Purposes: council only, no department writes
def test_active_department_check(name, system, managed):
    account = system.outsider
    call, via_council = _department_gated(name, system, managed, account)
    if not via_council:
        assert_custom_error(call, "ConsortiumManagedNotActiveDepartment", (account,))
        return
    fn_name, args = call
    pid = system.propose_call(managed[name], fn_name, args)
    inner = encode_error("ConsortiumManagedNotActiveDepartment", (account,))
    assert_custom_error(
        lambda: system.consortium.approve(pid, {"from": system.governors[1]}), "ConsortiumCallFailed", (pid, inner)
    )


@pytest.mark.parametrize("name", MANAGED)
def test_abi_has_the_shared_errors_only(name):
    import brownie

    errors = {e["name"]: e for e in getattr(brownie, name).abi if e["type"] == "error"}
    for err, inputs in SHARED_ERRORS.items():
        assert [(i["name"], i["type"]) for i in errors[err]["inputs"]] == inputs
    for suffix in ("NotCouncil", "NotActiveDepartment"):
        assert f"{name}{suffix}" not in errors
