"""The owner's release of a use becomes an on-chain fact (UsageRights.recordRelease).

Owner node (own DB, own key, own uvicorn) and grantee node on one real anvil. The owner's
ReleaseRecorder sends after the ledger commit; the grantee never waits for it. A crash is
the recorder not running when the ledger row is committed; the restart is a new recorder's
first sweep (what ``govchain node run`` does at start-up)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fed_world import APPROVED, Federation, council
from sqlalchemy import select
from test_release import post, signed_body

from backend.chain.outbox import OutboxTx
from backend.federation.models import PeerRelease
from backend.federation.onchain import OP, ReleaseRecorder, release_key

ZERO = b"\0" * 32


def ledger_row(fed: Federation, grant_id: int, use_index: int) -> PeerRelease:
    with fed.owner.ctx.sessions() as s:
        row = s.scalar(
            select(PeerRelease).where(PeerRelease.grant_id == str(grant_id), PeerRelease.use_index == use_index)
        )
    assert row is not None
    return row


def release_txs(fed: Federation, grant_id: int, use_index: int) -> list[OutboxTx]:
    """The owner's outbox rows of this use's recordRelease (what was ever signed for it)."""
    with fed.owner.ctx.sessions() as s:
        return list(
            s.scalars(
                select(OutboxTx).where(
                    OutboxTx.signer == fed.owner.address,
                    OutboxTx.fn_name == "recordRelease",
                    OutboxTx.idempotency_key == f"{OP}:{release_key(grant_id, use_index)}",
                )
            )
        )


def released_events(fed: Federation, grant_id: int) -> list[dict]:
    return fed.system.events("UsageRights", "UseReleased", grantId=grant_id)


def release_of(fed: Federation, grant_id: int, use_index: int) -> bytes:
    return fed.system.contract("UsageRights").functions.releaseOf(grant_id, use_index).call()


@pytest.fixture
def crashed(fed: Federation) -> Iterator[None]:
    """The owner node's recorder is not running (the node died after its ledger commit)."""
    fed.recorder.stop()
    try:
        yield
    finally:
        fed.recorder.start()


def test_release_is_recorded_on_chain_by_the_owner(fed: Federation):
    grant_id = fed.grant()
    got = fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=uuid.uuid4().hex)
    fed.recorder.sweep()  # waits for the background send, if it is under way (it holds the same lock)

    assert release_of(fed, grant_id, 1) == got.receipt.content_hash
    (ev,) = released_events(fed, grant_id)
    assert {k: ev[k] for k in ("grantId", "useIndex", "resourceId", "owner", "contentHash")} == {
        "grantId": grant_id,
        "useIndex": 1,
        "resourceId": got.content["resource_id"],
        "owner": fed.owner.address,
        "contentHash": got.receipt.content_hash,
    }
    (tx,) = release_txs(fed, grant_id, 1)
    assert (tx.status, tx.tx_hash) == ("mined", ev["tx_hash"])
    assert ledger_row(fed, grant_id, 1).release_tx == ev["tx_hash"]


def test_replayed_request_sends_no_second_transaction(fed: Federation):
    grant_id = fed.grant()
    use_index, tx = fed.record_use(grant_id, fed.subject())
    first = post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject()))
    fed.recorder.sweep()
    again = post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject()))
    fed.recorder.sweep()

    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert len(release_txs(fed, grant_id, use_index)) == 1
    (ev,) = released_events(fed, grant_id)
    assert ev["contentHash"].hex() == first.json()["receipt"]["content_hash"].removeprefix("0x")


def test_owner_crashed_after_its_ledger_row_records_the_release_on_restart(fed: Federation, crashed):
    grant_id = fed.grant()
    use_index, tx = fed.record_use(grant_id, fed.subject())
    answer = post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject()))
    assert answer.status_code == 200, answer.text

    # the grantee got its data; the chain does not know yet ("recorded, not released")
    assert ledger_row(fed, grant_id, use_index).release_tx is None
    assert release_of(fed, grant_id, use_index) == ZERO
    assert released_events(fed, grant_id) == []

    restarted = ReleaseRecorder(fed.owner.ctx.ops, fed.owner.ctx.sessions, fed.owner.address)
    assert restarted.sweep() is True

    content_hash = bytes.fromhex(answer.json()["receipt"]["content_hash"][2:])
    assert release_of(fed, grant_id, use_index) == content_hash
    (ev,) = released_events(fed, grant_id)
    assert ledger_row(fed, grant_id, use_index).release_tx == ev["tx_hash"]
    assert restarted.owed() == []


def test_owner_crashed_after_the_transaction_before_noting_it_sends_nothing_more(fed: Federation, crashed):
    grant_id = fed.grant()
    use_index, tx = fed.record_use(grant_id, fed.subject())
    assert post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject())).status_code == 200
    row = ledger_row(fed, grant_id, use_index)
    ops = fed.owner.ctx.ops
    # what the recorder sent before dying: same op and key, mined, but release_tx never written
    sent = ops.contracts.usage_rights.record_release(
        ops.account_for(fed.owner.address),
        grant_id,
        use_index,
        bytes.fromhex(row.content_hash[2:]),
        op=OP,
        key=release_key(grant_id, use_index),
    )
    assert ledger_row(fed, grant_id, use_index).release_tx is None

    restarted = ReleaseRecorder(ops, fed.owner.ctx.sessions, fed.owner.address)
    assert restarted.sweep() is True

    (only,) = release_txs(fed, grant_id, use_index)
    assert only.tx_hash == sent.tx_hash
    assert [e["tx_hash"] for e in released_events(fed, grant_id)] == [sent.tx_hash]
    assert ledger_row(fed, grant_id, use_index).release_tx == sent.tx_hash


def test_a_refused_record_stays_owed(fed: Federation, crashed):
    """The owner's department suspended: the chain refuses the record; the row stays owed and the
    use stays "recorded, not released" on chain (the truth auditors see) until it can be sent."""
    grant_id = fed.grant()
    use_index, tx = fed.record_use(grant_id, fed.subject())
    assert post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject())).status_code == 200
    council(fed, lambda c: c.functions.proposeSuspendDepartment(fed.owner.address))
    try:
        restarted = ReleaseRecorder(fed.owner.ctx.ops, fed.owner.ctx.sessions, fed.owner.address)
        assert restarted.sweep() is False
        assert release_txs(fed, grant_id, use_index) == []  # refused in simulation: nothing signed
        assert ledger_row(fed, grant_id, use_index).release_tx is None
    finally:
        council(fed, lambda c: c.functions.proposeReinstateDepartment(fed.owner.address))
    assert restarted.sweep() is True
    assert release_of(fed, grant_id, use_index) == bytes.fromhex(ledger_row(fed, grant_id, use_index).content_hash[2:])


# -- a DBA on the owner's node edits the ledger -------------------------------------------------------
def test_a_ledger_row_written_by_hand_is_neither_recorded_on_chain_nor_served(fed: Federation, crashed):
    """A real recorded use; a DBA inserts its ledger row with a made-up content hash and junk
    envelope and signature (no department key). The department's key records nothing for it,
    and the grantee's request is refused instead of answered with the junk."""
    grant_id = fed.grant()
    use_index, tx = fed.record_use(grant_id, fed.subject())
    with fed.owner.ctx.sessions.begin() as s:
        s.add(
            PeerRelease(
                grant_id=str(grant_id),
                use_index=use_index,
                use_tx=tx,
                grantee=fed.grantee.address,
                resource_id=str(fed.owner.ctx.ops.contracts.usage_rights.grant(grant_id).resource_id),
                version=1,
                subject_hash="0x" + fed.subject().hex(),
                fields_hash="0x" + "00" * 32,
                record_count=1,
                content_hash="0x" + "ab" * 32,
                envelope_hash="0x" + "cd" * 32,
                envelope=b"junk",
                receipt_signature="0x" + "11" * 65,
                released_at=1,
                first_nonce="0x" + "00" * 32,
            )
        )
    restarted = ReleaseRecorder(fed.owner.ctx.ops, fed.owner.ctx.sessions, fed.owner.address)
    assert restarted.sweep() is False  # stays owed: never recorded in the department's name
    assert release_txs(fed, grant_id, use_index) == []
    assert release_of(fed, grant_id, use_index) == ZERO
    r = post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject()))
    assert (r.status_code, r.json()["error"]) == (409, "ReleaseLedgerTampered"), r.text
    with fed.owner.ctx.sessions.begin() as s:  # leave the shared world clean for the other tests
        s.delete(s.get(PeerRelease, ledger_row(fed, grant_id, use_index).id))


def test_a_deleted_ledger_row_does_not_release_the_use_again(fed: Federation):
    grant_id = fed.grant()
    use_index, tx = fed.record_use(grant_id, fed.subject())
    assert post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject())).status_code == 200
    fed.recorder.sweep()
    assert release_of(fed, grant_id, use_index) != ZERO
    with fed.owner.ctx.sessions.begin() as s:  # the DBA deletes the row
        s.delete(s.get(PeerRelease, ledger_row(fed, grant_id, use_index).id))
    r = post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject()))
    assert (r.status_code, r.json()["error"]) == (409, "ReleaseLedgerTampered"), r.text
    with fed.owner.ctx.sessions() as s:
        assert s.scalar(select(PeerRelease).where(PeerRelease.grant_id == str(grant_id))) is None
