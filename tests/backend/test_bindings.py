"""backend/chain/bindings.py is generated from the compiled ABIs (tools/gen_bindings.py): the
committed file must match them, and a binding sends exactly the call its name promises."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from backend.chain import bindings

ROOT = Path(__file__).resolve().parents[2]


def _gen():
    spec = importlib.util.spec_from_file_location("gen_bindings", ROOT / "tools" / "gen_bindings.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["gen_bindings"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_committed_module_is_up_to_date():
    assert (ROOT / "backend" / "chain" / "bindings.py").read_text(encoding="utf-8") == _gen().render(), (
        "backend/chain/bindings.py is stale: run python tools/gen_bindings.py"
    )


def test_names_are_snake_case():
    gen = _gen()
    assert gen.snake("registerResource") == "register_resource"
    assert gen.snake("MAX_STEPS") == "max_steps"
    assert gen.snake("isActiveDepartment") == "is_active_department"


class _Port:
    """Records what the bindings ask of the port and answers views with a canned JSON-safe value."""

    def __init__(self, answer: Any = None) -> None:
        self.answer = answer
        self.calls: list[tuple[Any, ...]] = []

    def view(self, contract: str, fn: str, *args: Any) -> Any:
        self.calls.append(("view", contract, fn, args))
        return self.answer

    def send(self, account, call, *, op, key, strict=True):
        self.calls.append(("send", account, call, op, key, strict))
        return "outcome", False


def test_write_goes_through_the_idempotent_send_with_op_and_key():
    port = _Port()
    out = bindings.Contracts(port).data_catalog.transfer_ownership(
        "acct", 7, "0x" + "11" * 20, op="resources.transfer", key="k1", strict=False
    )
    assert out == "outcome"
    assert port.calls == [
        (
            "send",
            "acct",
            bindings.Call("DataCatalog", "transferOwnership", (7, "0x" + "11" * 20)),
            "resources.transfer",
            "k1",
            False,
        )
    ]


def test_struct_views_become_snake_case_dataclasses():
    answer = {"resourceId": 3, "index": 1, "merkleRoot": "0x" + "ab" * 32}
    port = _Port(answer)
    anchor = bindings.Contracts(port).data_catalog.anchor(5)
    assert port.calls == [("view", "DataCatalog", "anchor", (5,))]
    assert anchor == bindings.Anchor(resource_id=3, index=1, merkle_root="0x" + "ab" * 32)


def test_multi_output_views_are_typed_tuples():
    port = _Port(["0x" + "cd" * 32, 1700000000])
    assert bindings.Contracts(port).data_catalog.version_hash(2, 1) == ("0x" + "cd" * 32, 1700000000)


def test_calls_are_unsent_writes():
    call = bindings.UsageRights.calls.council_approve(9)
    assert call == bindings.Call("UsageRights", "councilApprove", (9,))
