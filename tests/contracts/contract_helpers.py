"""Helpers for the contract unit tests: constants mirroring the Solidity enums,
custom-error assertions, event access and the deployed-system handle.

Custom errors: brownie decodes a typed revert into ``VirtualMachineError.revert_msg``
as ``"Name: arg1, arg2"`` using the ABIs of the compiled project.
:func:`assert_custom_error` builds the expected string by ABI-encoding the
expected arguments and running them through the same decoder, so addresses,
enums, bytes and nested errors compare exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import brownie
import eth_abi
import pytest
from brownie.exceptions import VirtualMachineError, decode_typed_error
from eth_utils import keccak
from hexbytes import HexBytes

DAY = 24 * 3600
HOUR = 3600

PUBLIC, INTERNAL, SENSITIVE, SECRET = 0, 1, 2, 3

# IUsageRights.RequestStatus
REQ_NONE, REQ_PENDING, REQ_OWNER_APPROVED, REQ_APPROVED, REQ_DENIED, REQ_ESCALATED = range(6)
# IConsortium.ProposalKind
(
    K_ADMIT,
    K_SUSPEND,
    K_REINSTATE,
    K_ADD_GOV,
    K_REMOVE_GOV,
    K_THRESHOLD,
    K_APPOINT_AUDITOR,
    K_REMOVE_AUDITOR,
    K_CALL,
    K_UNANIMOUS_CALL,
) = range(10)
# IConsortium.DepartmentStatus
DEPT_NONE, DEPT_ACTIVE, DEPT_SUSPENDED = range(3)
# IAccountability
DATA_ERROR, UNAUTHORIZED_USE, LEAK, TAMPER = range(4)
RESOURCE_VERSION, GRANT, USE = range(3)
INC_NONE, INC_OPEN, INC_RESPONDED, INC_ESCALATED, INC_UPHELD, INC_DISMISSED = range(6)

# The purposes and legal bases the conftest system registers (requests and grants must name registered ones).
TEST_PURPOSES = (1, 2, 3, 5, 7, 8, 9, 11, 31, 32, 99, 101)
TEST_LEGAL_BASES = ("law", "law-2", "law-3", "law-4", "law-tax", "law-civil", "law-x")

ZERO_ADDRESS = "0x" + "00" * 20
ZERO32 = "0x" + "00" * 32


def now() -> int:
    """Timestamp of the latest block: the reference for deadlines (brownie's ``chain.time()``
    can run ahead of anvil's clock after a snapshot revert)."""
    return brownie.chain[-1].timestamp


def time_travel(seconds: int) -> int:
    """Move the chain ``seconds`` past the latest block and mine a block there; returns its timestamp."""
    target = now() + seconds
    brownie.chain.sleep(seconds)  # moves the node's clock (and brownie's view of it)
    # mine at exactly `target` (anvil and ganache both take a timestamp as evm_mine's parameter)
    response = brownie.web3.provider.make_request("evm_mine", [target])
    assert "error" not in response, response
    assert now() == target, (now(), target)
    return target


def h(label: str) -> str:
    """A deterministic non-zero bytes32 (hex) standing for some salted hash."""
    return "0x" + keccak(text=label).hex().removeprefix("0x")


# --------------------------------------------------------------------------- custom errors


def _error_abis() -> dict[str, dict]:
    """All custom errors declared anywhere in the loaded brownie project, by name."""
    found: dict[str, dict] = {}
    for project in brownie.project.get_loaded_projects():
        interfaces = [v for v in vars(project.interface).values() if hasattr(v, "abi")]
        for container in list(project) + interfaces:
            for item in container.abi:
                if item.get("type") == "error":
                    found.setdefault(item["name"], item)
    return found


def _normalize(value: Any, abi_type: str) -> Any:
    if abi_type == "address":
        return str(getattr(value, "address", value))
    if abi_type.startswith("bytes"):
        if isinstance(value, str):
            return bytes(HexBytes(value))
        return bytes(value)
    if abi_type == "bool":
        return bool(value)
    return int(value)


def encode_error(name: str, args: Sequence[Any] = ()) -> bytes:
    """Revert data of the custom error ``name(args)`` (selector + ABI-encoded arguments)."""
    abi = _error_abis().get(name)
    if abi is None:
        raise AssertionError(f"no custom error named {name} in the project ABIs")
    types = [i["type"] for i in abi["inputs"]]
    if len(types) != len(args):
        raise AssertionError(f"{name} takes {len(types)} arguments, {len(args)} given")
    selector = keccak(text=f"{name}({','.join(types)})")[:4]
    return selector + eth_abi.encode(types, [_normalize(a, t) for a, t in zip(args, types)])


def expected_revert_msg(name: str, args: Sequence[Any] = ()) -> str:
    return decode_typed_error("0x" + encode_error(name, args).hex())


def assert_custom_error(tx_callable: Callable[[], Any], name: str, args: Sequence[Any] = ()) -> None:
    """Run ``tx_callable`` and assert it reverts with exactly the custom error ``name(args)``."""
    expected = expected_revert_msg(name, args)
    with pytest.raises(VirtualMachineError) as info:
        tx_callable()
    assert info.value.revert_msg == expected, f"reverted with {info.value.revert_msg!r}, expected {expected!r}"


def event(tx, name: str, index: int = 0) -> dict:
    """The ``index``-th decoded event ``name`` of ``tx`` as a plain dict."""
    assert name in tx.events, f"{name} not emitted; events: {list(tx.events.keys())}"
    return dict(tx.events[name][index])


def event_names(tx) -> list[str]:
    return [e.name for e in tx.events]


# --------------------------------------------------------------------------- system


@dataclass
class System:
    consortium: Any
    catalog: Any
    rights: Any
    accountability: Any
    governors: list
    depts: list  # admitted departments A, B, C, D
    auditor: Any
    outsider: Any
    deployer: Any
    resources: dict  # classification -> resourceId, all owned by depts[0]
    purposes: Any = None  # the council's registry of purposes and legal bases

    # ---------------------------------------------------------------- council helpers

    def council_call(
        self,
        target,
        fn_name: str,
        args: Sequence[Any],
        *,
        unanimous: bool = False,
        description: str = "council decision",
    ):
        """Propose a council call by governor 0 and approve it until it executes; returns the executing tx."""
        data = getattr(target, fn_name).encode_input(*args)
        if unanimous:
            tx = self.consortium.proposeUnanimousCouncilCall(target, data, h(description), {"from": self.governors[0]})
            needed = len(self.consortium.governors())
        else:
            tx = self.consortium.proposeCouncilCall(target, data, h(description), {"from": self.governors[0]})
            needed = self.consortium.threshold()
        pid = tx.return_value
        for gov in self.governors[1:needed]:
            tx = self.consortium.approve(pid, {"from": gov})
        return tx

    def propose_call(self, target, fn_name: str, args: Sequence[Any], *, unanimous: bool = False) -> int:
        """Create a council-call proposal (governor 0 approves) without executing it; returns its id."""
        data = getattr(target, fn_name).encode_input(*args)
        fn = self.consortium.proposeUnanimousCouncilCall if unanimous else self.consortium.proposeCouncilCall
        return fn(target, data, h("council decision"), {"from": self.governors[0]}).return_value

    def council_refuses(self, pid: int, error_name: str, error_args: Sequence[Any] = ()) -> None:
        """Assert that governor 1's approval, which would execute proposal ``pid``, reverts with
        ``ConsortiumCallFailed(pid, error_name(error_args))``: the council call itself was refused."""
        inner = encode_error(error_name, error_args)
        assert_custom_error(
            lambda: self.consortium.approve(pid, {"from": self.governors[1]}), "ConsortiumCallFailed", (pid, inner)
        )

    def council_call_refused(
        self, target, fn_name: str, args: Sequence[Any], error_name: str, error_args: Sequence[Any] = ()
    ) -> None:
        """Propose the council call ``target.fn_name(args)`` and assert its execution is refused."""
        self.council_refuses(self.propose_call(target, fn_name, args), error_name, error_args)

    def deploy_title_contracts(self, Certificates, PropertyRegistry, AssistedSessions):
        """AssistedSessions, Certificates and the PropertyRegistry they name each other with (as the
        deployer does: Certificates gets the registry's address before the registry exists)."""
        sessions = AssistedSessions.deploy(self.consortium, {"from": self.deployer})
        registry_at = self.deployer.get_deployment_address(self.deployer.nonce + 1)
        certs = Certificates.deploy(self.consortium, registry_at, {"from": self.deployer})
        registry = PropertyRegistry.deploy(self.consortium, certs, sessions, {"from": self.deployer})
        assert registry.address == registry_at and certs.titleRegistry() == registry.address
        return certs, registry, sessions

    def suspend(self, dept) -> None:
        """Suspend department ``dept`` by a council decision (governors 0 and 1)."""
        pid = self.consortium.proposeSuspendDepartment(dept, {"from": self.governors[0]}).return_value
        self.consortium.approve(pid, {"from": self.governors[1]})

    # ---------------------------------------------------------------- usage helpers

    def request(self, resource_id, requester, *, purpose=7, duration=30 * DAY, max_uses=10, deadline_in=2 * DAY):
        deadline = now() + deadline_in
        tx = self.rights.requestUse(
            resource_id, purpose, h("law"), h("fields"), duration, max_uses, deadline, {"from": requester}
        )
        return tx.return_value

    def grant(self, *, classification=INTERNAL, grantee=None, purpose=7, duration=30 * DAY, max_uses=10):
        """A live grant on the resource of ``classification`` for ``grantee`` (default: department B)."""
        grantee = grantee or self.depts[1]
        rid = self.resources[classification]
        if classification <= INTERNAL:
            tx = self.rights.issueGrant(rid, grantee, purpose, h("law"), duration, max_uses, {"from": self.depts[0]})
        else:
            tx = self.council_call(
                self.rights,
                "issueGrant",
                (rid, grantee, purpose, h("law"), duration, max_uses),
                unanimous=classification == SECRET,
            )
        return event(tx, "GrantIssued")["grantId"]


# --------------------------------------------------------------------------- stateful testing


def brownie_state_machine():
    """brownie's ``state_machine`` runner, loaded from the pure-Python ``brownie/test/stateful.py``.

    eth-brownie 1.22.2 ships ``brownie.test.stateful`` compiled with mypyc, and the compiled
    ``_BrownieStateMachine`` refuses the class it generates itself (``TypeError:
    brownie.test.stateful._BrownieStateMachine object expected``), so the ``state_machine`` fixture
    cannot run any machine. The source installed next to the extension is the same code; loaded
    under another name it behaves as documented (chain snapshot once, revert + ``setup`` before each
    example, ``rule_*`` / ``invariant_*`` with strategies looked up by name).
    """
    import importlib.util
    import pathlib

    import brownie.test

    path = pathlib.Path(brownie.test.__file__).with_name("stateful.py")
    spec = importlib.util.spec_from_file_location("_govchain_brownie_stateful", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.state_machine
