"""Revert decoding and extraction from the error shapes of anvil, ganache and Besu."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector as selector
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from backend.chain.errors import ErrorRegistry, extract_revert_data, http_status_for

WHO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ABI = [
    {
        "type": "error",
        "name": "ProbeRejected",
        "inputs": [{"name": "code", "type": "uint256"}, {"name": "who", "type": "address"}],
    },
    {
        "type": "error",
        "name": "CatalogHashMismatch",
        "inputs": [{"name": "resourceId", "type": "bytes32"}, {"name": "", "type": "uint64"}],
    },
]
REJECTED = "0x" + (selector("ProbeRejected(uint256,address)") + encode(["uint256", "address"], [7, WHO])).hex()


@pytest.fixture
def registry() -> ErrorRegistry:
    return ErrorRegistry.from_abis([ABI])


def test_custom_error_decoded_with_json_safe_args(registry):
    r = registry.decode_revert(REJECTED)
    assert (r.name, r.args_dict, r.http_status) == ("ProbeRejected", {"code": 7, "who": WHO}, 409)
    data = selector("CatalogHashMismatch(bytes32,uint64)") + encode(["bytes32", "uint64"], [b"\x01" * 32, 5])
    r = registry.decode_revert(data)
    assert (r.name, r.args_dict) == ("CatalogHashMismatch", {"resourceId": "0x" + "01" * 32, "arg1": 5})


def test_builtin_and_unknown_reverts(registry):
    assert registry.decode_revert(selector("Error(string)") + encode(["string"], ["no"])).to_dict() == {
        "error": "Error",
        "args": {"reason": "no"},
    }
    assert registry.decode_revert(selector("Panic(uint256)") + encode(["uint256"], [0x11])).to_dict() == {
        "error": "Panic",
        "args": {"code": 0x11},
    }
    assert registry.decode_revert(b"").to_dict() == {"error": "Reverted", "args": {}}
    assert registry.decode_revert("0xdeadbeef").to_dict() == {
        "error": "UnrecognizedRevert",
        "args": {"data": "0xdeadbeef"},
    }


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("DataCatalogNotOwner", 403),
        ("ConsortiumNotGovernor", 403),
        ("UsageRightsNotGrantee", 403),
        ("ConsortiumDepartmentSuspended", 403),
        ("AccountabilityNotAuditor", 403),
        ("Unauthorized", 403),
        ("UsageRightsUnknownGrant", 404),
        ("DataCatalogResourceNotFound", 404),
        ("DataCatalogZeroHash", 422),
        ("DataCatalogEmptyName", 422),
        ("UsageRightsInvalidWindow", 422),
        ("UsageRightsGrantExpired", 409),
        ("Error", 409),
        ("Panic", 409),
        ("UnrecognizedRevert", 409),
    ],
)
def test_http_status_rule_table(name, status):
    assert http_status_for(name) == status


@pytest.mark.parametrize(
    "exc",
    [
        ContractCustomError(REJECTED, data=REJECTED),  # web3 7 from anvil/geth
        ContractLogicError("execution reverted", data={"hash": None, "result": REJECTED}),  # ganache 7
        ContractLogicError("execution reverted", data={"0xabc": {"error": "revert", "return": REJECTED}}),  # ganache 6
        Web3RPCError(
            str({"code": -32000, "message": "Execution reverted", "data": REJECTED}),
            rpc_response={"error": {"code": -32000, "message": "Execution reverted", "data": REJECTED}},
        ),  # Besu
        Web3RPCError(str({"code": 3, "message": "execution reverted", "data": REJECTED})),  # raw message only
    ],
)
def test_revert_data_extracted_from_node_formats(exc, registry):
    assert registry.decode_revert(extract_revert_data(exc)).to_dict() == {
        "error": "ProbeRejected",
        "args": {"code": 7, "who": WHO},
    }


def test_non_revert_rpc_errors_are_not_reverts():
    err = {"code": -32003, "message": "nonce too low"}
    assert extract_revert_data(Web3RPCError(str(err), rpc_response={"error": err})) is None
    assert extract_revert_data(ContractLogicError("execution reverted", data=None)) == b""
