"""The requester's window between recording a use and noting it (backend.federation.client).

``fetch`` writes a ``peer_use_intents`` row before it signs ``recordUse`` and turns it into
a ``peer_uses`` row once mined. A process that dies in between leaves the intent and the
outbox row; ``PeerClient.recover`` (run by ``node run`` at start and after every reconcile
pass) settles them. These tests stop ``fetch`` at the exact point (the real chain and real
database behind it); the SIGKILL of a real node process is in
tests/backend/crash/test_node_killed_during_releases.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fed_world import APPROVED, Federation
from sqlalchemy import func, select

from backend.chain import ContractRevert
from backend.chain.outbox import OutboxTx
from backend.federation.client import PEER_USE_OP
from backend.federation.models import PeerUse, PeerUseIntent


class Killed(Exception):
    """Stands for the process dying at this point."""


def _intents(fed: Federation) -> list[str]:
    with fed.grantee.ctx.sessions() as s:
        return list(s.scalars(select(PeerUseIntent.idempotency_key)))


def _uses(fed: Federation, grant_id: int) -> int:
    with fed.grantee.ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(PeerUse).where(PeerUse.grant_id == str(grant_id))) or 0)


def test_a_use_mined_but_not_noted_is_noted_by_recover_and_released_by_a_retry(fed: Federation, monkeypatch):
    grant_id = fed.grant()
    key = uuid.uuid4().hex

    def die(*_a, **_k):
        raise Killed

    with monkeypatch.context() as m:
        m.setattr(fed.client, "_note_use", die)
        with pytest.raises(Killed):
            fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=key)
    assert fed.owner.ctx.ops.contracts.usage_rights.grant(grant_id).used_count == 1  # spent on chain
    assert _uses(fed, grant_id) == 0 and key in _intents(fed)  # not noted: only the intent says so

    assert fed.client.recover() == {"uses_noted": 1, "intents_dropped": 0}
    use = fed.client.use(grant_id, 1)
    assert use is not None and use.status == "recorded" and use.fields_json == '["name", "status"]'
    assert key not in _intents(fed)
    assert fed.client.recover() == {"uses_noted": 0, "intents_dropped": 0}  # nothing left to do

    got = fed.client.deliver(grant_id, 1)
    assert got.replayed is False and fed.client.use(grant_id, 1).status == "released"  # type: ignore[union-attr]
    again = fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=key)  # same key: same use
    assert again.receipt == got.receipt and again.replayed is True
    assert _uses(fed, grant_id) == 1
    assert fed.owner.ctx.ops.contracts.usage_rights.grant(grant_id).used_count == 1


def test_a_use_refused_before_signing_leaves_no_intent(fed: Federation):
    grant_id = fed.grant(max_uses=1)
    fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=uuid.uuid4().hex)
    key = uuid.uuid4().hex
    with pytest.raises(ContractRevert) as exc:
        fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=key)
    assert exc.value.name == "UsageRightsGrantExhausted"
    assert key not in _intents(fed)
    assert _uses(fed, grant_id) == 1


def test_an_intent_left_unsigned_by_an_earlier_process_is_dropped_and_one_of_this_process_kept(fed: Federation):
    grant_id = fed.grant()
    earlier, now = uuid.uuid4().hex, uuid.uuid4().hex
    with fed.grantee.ctx.sessions.begin() as s:
        for key, at in ((earlier, fed.client.started_at - timedelta(seconds=1)), (now, datetime.now(UTC))):
            s.add(
                PeerUseIntent(
                    idempotency_key=key,
                    grant_id=str(grant_id),
                    owner=fed.owner.address,
                    subject_hash="0x" + fed.subject().hex(),
                    fields_json='["name", "status"]',
                    created_at=at,
                )
            )
    # the earlier process died before signing: nothing can be mined; this process may be about to sign
    assert fed.client.recover() == {"uses_noted": 0, "intents_dropped": 1}
    assert now in _intents(fed) and earlier not in _intents(fed)
    with fed.grantee.ctx.sessions.begin() as s:
        s.query(PeerUseIntent).filter(PeerUseIntent.idempotency_key == now).delete()
    assert _uses(fed, grant_id) == 0


def test_recover_reads_the_use_from_the_mined_receipt_not_from_the_outbox_row(fed: Federation, monkeypatch):
    grant_id = fed.grant()
    key = uuid.uuid4().hex

    def die(*_a, **_k):
        raise Killed

    with monkeypatch.context() as m:
        m.setattr(fed.client, "_note_use", die)
        with pytest.raises(Killed):
            fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=key)
    # a DBA edits the outbox row's stored event: another use index
    with fed.grantee.ctx.sessions.begin() as s:
        row = s.scalar(select(OutboxTx).where(OutboxTx.idempotency_key == f"{PEER_USE_OP}:{key}"))
        assert row is not None and [e["args"]["useIndex"] for e in row.events] == [1]
        row.events = [{**e, "args": {**e["args"], "useIndex": 7}} for e in row.events]

    assert fed.client.recover() == {"uses_noted": 1, "intents_dropped": 0}
    with fed.grantee.ctx.sessions() as s:
        noted = [(u.use_index, u.use_tx) for u in s.scalars(select(PeerUse).where(PeerUse.grant_id == str(grant_id)))]
    assert noted == [(1, row.tx_hash.lower())]  # the chain's use, not the row's
    assert fed.client.deliver(grant_id, 1).replayed is False
