#!/usr/bin/env python3
"""Generate backend/chain/bindings.py: typed Python methods for the deployed contracts' functions,
from the compiled ABIs (build/contracts/<Name>.json; run ``brownie compile`` first).

    python tools/gen_bindings.py          # (re)write backend/chain/bindings.py
    python tools/gen_bindings.py --check  # exit 1 when the committed file is stale

One class per contract, one method per function, snake_case names. A view returns its result
typed (structs become frozen dataclasses with snake_case fields); a write takes the signing
account first and ``op``/``key``/``strict`` last and goes through the port's idempotent send
(ChainOps.send: outbox, Idempotency-Key, error decoding). ``<Contract>Calls`` builds the same
writes as unsent :class:`Call` values (council proposals carry them as calldata).
"""

from __future__ import annotations

import json
import keyword
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tools/ itself, also when loaded by path
from generated import write_or_check

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "backend" / "chain" / "bindings.py"
# The contracts backend/ops/deployer.py deploys, in its order.
CONTRACTS = (
    "Consortium",
    "DataCatalog",
    "Purposes",
    "UsageRights",
    "Accountability",
    "NodeDirectory",
    "AssistedSessions",
    "OneStopServices",
    "Certificates",
    "PropertyRegistry",
)
WRITE_RESERVED = {"signer", "op", "key", "strict", "self"}

Param = dict[str, Any]


def snake(name: str) -> str:
    """``registerResource`` -> ``register_resource``; ``MAX_STEPS`` -> ``max_steps``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def load_abi(name: str, root: Path = ROOT) -> list[dict[str, Any]]:
    path = root / "build" / "contracts" / f"{name}.json"
    if not path.exists():
        raise SystemExit(f"missing {path.relative_to(root)}: run `brownie compile`")
    abi: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["abi"]
    return abi


def struct_name(p: Param) -> str:
    """``struct IDataCatalog.Resource[]`` -> ``Resource``."""
    return str(p["internalType"]).split()[-1].split(".")[-1].split("[")[0]


def element(p: Param) -> Param:
    t = p["type"]
    return {**p, "type": t[: t.rindex("[")], "internalType": p.get("internalType", "")}


@dataclass
class Structs:
    """The structs met in outputs, by name (the same name must mean the same fields)."""

    found: dict[str, list[Param]] = field(default_factory=dict)

    def add(self, p: Param) -> str:
        name = struct_name(p)
        comps = p["components"]
        known = self.found.get(name)
        if known is not None and [(c["name"], c["type"]) for c in known] != [(c["name"], c["type"]) for c in comps]:
            raise ValueError(f"struct {name} declared twice with different fields")
        if known is None:
            self.found[name] = comps
            for c in comps:
                self.out_type(c)
        return name

    def out_type(self, p: Param, *, seq: str = "tuple") -> str:
        """The Python type of a decoded (JSON-safe) value: bytes and addresses arrive as 0x-hex str."""
        t = p["type"]
        if t.endswith("]"):
            inner = self.out_type(element(p))
            return f"tuple[{inner}, ...]" if seq == "tuple" else f"list[{inner}]"
        if t == "tuple":
            return self.add(p)
        if t == "bool":
            return "bool"
        if t.startswith(("uint", "int")):
            return "int"
        return "str"  # address (checksummed), bytesN / bytes (0x-hex), string

    def convert(self, p: Param, expr: str, *, seq: str = "tuple") -> str:
        """The expression turning the JSON-safe ``expr`` into :meth:`out_type`."""
        t = p["type"]
        if t.endswith("]"):
            inner = self.convert(element(p), "x")
            return f"tuple({inner} for x in {expr})" if seq == "tuple" else f"[{inner} for x in {expr}]"
        if t == "tuple":
            return f"{self.add(p)}.of({expr})"
        return f"{self.out_type(p)}({expr})"


def in_type(p: Param) -> str:
    """The Python type a caller passes for an ABI input."""
    t = p["type"]
    if t.endswith("]"):
        return f"Sequence[{in_type(element(p))}]"
    if t == "tuple":
        return "tuple[" + ", ".join(in_type(c) for c in p["components"]) + "]"
    if t == "bool":
        return "bool"
    if t.startswith(("uint", "int")):
        return "int"
    if t.startswith("bytes"):
        return "bytes"
    return "str"


def param_names(inputs: list[Param], reserved: set[str]) -> list[str]:
    names: list[str] = []
    for i, p in enumerate(inputs):
        n = snake(p["name"]) if p["name"] else f"arg{i}"
        while keyword.iskeyword(n) or n in reserved or n in names:
            n += "_"
        names.append(n)
    return names


def signature(fn: dict[str, Any]) -> str:
    def canon(p: Param) -> str:
        t = p["type"]
        if t.startswith("tuple"):
            return "(" + ",".join(canon(c) for c in p["components"]) + ")" + t[len("tuple") :]
        return str(t)

    return f"{fn['name']}({','.join(canon(p) for p in fn['inputs'])})"


def functions(abi: list[dict[str, Any]]) -> list[dict[str, Any]]:
    fns = sorted((e for e in abi if e.get("type") == "function"), key=lambda e: snake(e["name"]))
    seen: set[str] = set()
    for fn in fns:
        if snake(fn["name"]) in seen:
            raise ValueError(f"overloaded or clashing function {fn['name']}: not supported")
        seen.add(snake(fn["name"]))
    return fns


def is_view(fn: dict[str, Any]) -> bool:
    return fn.get("stateMutability") in ("view", "pure")


def render_view(contract: str, fn: dict[str, Any], structs: Structs) -> str:
    names = param_names(fn["inputs"], {"self"})
    params = "".join(f", {n}: {in_type(p)}" for n, p in zip(names, fn["inputs"]))
    call = ", ".join([f'"{contract}"', f'"{fn["name"]}"', *names])
    outs = fn.get("outputs") or []
    if not outs:
        ret, body = "None", f"self._port.view({call})"
    elif len(outs) == 1:
        ret = structs.out_type(outs[0], seq="list")
        body = f"return {structs.convert(outs[0], f'self._port.view({call})', seq='list')}"
    else:
        ret = "tuple[" + ", ".join(structs.out_type(o, seq="list") for o in outs) + "]"
        parts = ", ".join(structs.convert(o, f"v[{i}]", seq="list") for i, o in enumerate(outs))
        body = f"v = self._port.view({call})\n        return ({parts})"
    return f'\n    def {snake(fn["name"])}(self{params}) -> {ret}:\n        """{signature(fn)}"""\n        {body}\n'


def render_write(contract: str, fn: dict[str, Any]) -> str:
    names = param_names(fn["inputs"], WRITE_RESERVED)
    params = "".join(f", {n}: {in_type(p)}" for n, p in zip(names, fn["inputs"]))
    args = "(" + "".join(f"{n}, " for n in names).rstrip(" ") + ")"
    return (
        f"\n    def {snake(fn['name'])}(\n"
        f"        self, signer: LocalAccount{params}, *, op: str, key: str, strict: bool = True\n"
        f"    ) -> TxOutcome:\n"
        f'        """{signature(fn)}"""\n'
        f'        call = Call("{contract}", "{fn["name"]}", {args})\n'
        f"        return self._port.send(signer, call, op=op, key=key, strict=strict)[0]\n"
    )


def render_call(contract: str, fn: dict[str, Any]) -> str:
    names = param_names(fn["inputs"], {"self"})
    params = "".join(f", {n}: {in_type(p)}" for n, p in zip(names, fn["inputs"]))
    args = "(" + "".join(f"{n}, " for n in names).rstrip(" ") + ")"
    return (
        f"\n    def {snake(fn['name'])}(self{params}) -> Call:\n"
        f'        """{signature(fn)}, not sent"""\n'
        f'        return Call("{contract}", "{fn["name"]}", {args})\n'
    )


def render_struct(name: str, comps: list[Param], structs: Structs) -> str:
    fields = "".join(f"    {snake(c['name'])}: {structs.out_type(c)}\n" for c in comps)
    conv = "".join(
        f"            {snake(c['name'])}={structs.convert(c, repr(c['name']).join(('v[', ']')))},\n" for c in comps
    )
    return (
        f"\n\n@dataclass(frozen=True)\nclass {name}:\n"
        f'    """struct {name} (fields in Solidity order, snake_case)."""\n\n'
        f"{fields}\n"
        f"    @classmethod\n    def of(cls, v: Any) -> {name}:\n"
        f'        """From the decoded, JSON-safe value (a dict keyed by the Solidity field names)."""\n'
        f"        return cls(\n{conv}        )\n"
    )


HEADER = '''"""Typed bindings of the deployed contracts: one class per contract, one method per function.

generated by tools/gen_bindings.py from build/contracts/*.json — do not edit (change the
contracts, ``brownie compile``, then ``python tools/gen_bindings.py``).

Views return typed values: ints, bools, and str for addresses (checksummed) and bytes
(0x-hex), as the port's JSON-safe view gives them; structs become frozen dataclasses with
snake_case fields. Writes take the signing account first and ``op``/``key``/``strict`` last,
and go through the port's idempotent send (the outbox, the Idempotency-Key namespaced by
``op``, error decoding). ``<Contract>.calls`` builds the same writes as unsent :class:`Call`
values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount

from backend.chain.sender import TxOutcome


@dataclass(frozen=True)
class Call:
    """A contract write, not sent: its contract, function name and arguments."""

    contract: str
    fn: str
    args: tuple[Any, ...]


class ChainPort(Protocol):
    """What the bindings need (ChainOps provides it): a view by name, and the idempotent send
    of a call, which answers its mined outcome and whether the key had been used before."""

    def view(self, contract: str, fn: str, *args: Any) -> Any: ...

    def send(
        self, account: LocalAccount, call: Call, *, op: str, key: str, strict: bool = True
    ) -> tuple[TxOutcome, bool]: ...
'''


def render(root: Path = ROOT) -> str:
    structs = Structs()
    classes: list[str] = []
    for contract in CONTRACTS:
        fns = functions(load_abi(contract, root))
        calls = "".join(render_call(contract, f) for f in fns if not is_view(f))
        methods = "".join(render_view(contract, f, structs) if is_view(f) else render_write(contract, f) for f in fns)
        classes.append(
            f'\n\nclass {contract}Calls:\n    """The writes of {contract} as unsent calls."""\n{calls}'
            f'\n\nclass {contract}:\n    """{contract}: views return typed values, writes go through the idempotent send."""\n\n'
            f"    calls = {contract}Calls()\n\n"
            f"    def __init__(self, port: ChainPort) -> None:\n        self._port = port\n{methods}"
        )
    attrs = "".join(f"        self.{snake(c)} = {c}(port)\n" for c in CONTRACTS)
    registry = (
        '\n\nclass Contracts:\n    """Every deployed contract, bound to one port."""\n\n'
        f"    def __init__(self, port: ChainPort) -> None:\n{attrs}"
    )
    struct_text = "".join(render_struct(n, c, structs) for n, c in sorted(structs.found.items()))
    names = sorted(["Call", "ChainPort", "Contracts", *structs.found, *CONTRACTS, *(f"{c}Calls" for c in CONTRACTS)])
    all_ = "".join(f'    "{n}",\n' for n in names)
    return formatted(HEADER + struct_text + "".join(classes) + registry + f"\n\n__all__ = [\n{all_}]\n")


def formatted(text: str) -> str:
    """The text as ``ruff format`` (the project's settings) writes it: readable, stable diffs."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(TARGET.relative_to(ROOT)), "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    return write_or_check(
        TARGET, render, description=__doc__.splitlines()[0], regenerate="python tools/gen_bindings.py", argv=argv
    )


if __name__ == "__main__":
    sys.exit(main())
