"""``govchain node officer add|remove|list`` and ``govchain node token --officer``: the first admin
of a node is made with the node's secret, and removing an officer ends their tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
from typer.testing import CliRunner

from backend.cli.main import app
from backend.composition import open_officers, open_tokens
from backend.ops import roster
from backend.ops.node import init_node, load_config, node_settings


def _node(tmp_path: Path) -> Path:
    d = tmp_path / "node"
    init_node(d, name=roster.DEPARTMENTS[0].key, role="department", network="n", rpc_url="http://x", host="h", port=1)
    return d


def test_the_first_admin_is_enrolled_and_removed_from_the_command_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("GOVCHAIN_KEYSTORE_SECRET", raising=False)
    d = _node(tmp_path)
    run = CliRunner().invoke
    out = run(app, ["node", "officer", "add", str(d), "root", "--admin", "--display-name", "Root"])
    assert out.exit_code == 0, out.output
    enrolled = json.loads(out.stdout)
    assert (enrolled["username"], enrolled["role"]) == ("root", "admin")
    settings = node_settings(d, load_config(d))
    totp = pyotp.parse_uri(enrolled["totp_uri"])
    assert open_officers(settings).verify("root", enrolled["password"], totp.now()) is not None

    again = run(app, ["node", "officer", "add", str(d), "root"])
    assert again.exit_code == 2

    out = run(app, ["node", "token", str(d), "--officer", "root"])
    assert out.exit_code == 0, out.output
    officer_token = out.stdout.strip()
    info = open_tokens(settings).authenticate(officer_token)
    assert (info.kind, info.officer, info.officer_role, info.acting_officer) == ("officer", "root", "admin", "root")
    unscoped = run(app, ["node", "token", str(d)])
    assert unscoped.exit_code == 2 and "needs at least one scope" in unscoped.output
    assert run(app, ["node", "token", str(d), "--scope", "grants:delete"]).exit_code == 2
    out = run(app, ["node", "token", str(d), "--scope", "grants:write", "--scope", "releases:*"])
    assert out.exit_code == 0, out.output
    client = out.stdout.strip()
    client_info = open_tokens(settings).authenticate(client)
    assert (client_info.kind, client_info.acting_officer) == ("client", f"client:{client_info.id}")
    assert client_info.scopes == "grants:write releases:*"
    assert run(app, ["node", "token", str(d), "--officer", "root", "--scope", "*"]).exit_code == 2
    assert run(app, ["node", "token", str(d), "--officer", "nobody"]).exit_code == 2

    out = run(app, ["node", "officer", "remove", str(d), "root"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == {"username": "root", "removed": True, "tokens_revoked": 1}
    tokens = open_tokens(settings)
    tokens.invalidate_cache()
    assert tokens.authenticate(officer_token) is None
    assert tokens.authenticate(client) is not None  # a client token is nobody's: it lives on
    listed = [json.loads(line) for line in run(app, ["node", "officer", "list", str(d)]).stdout.splitlines()]
    assert [(o["username"], o["role"], o["removed_at"] is not None) for o in listed] == [("root", "admin", True)]
