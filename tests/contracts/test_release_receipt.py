"""UsageRights.recordRelease: the owner's release of a recorded use as an on-chain fact.

Each attack is performed and must revert with its exact custom error; the one release a use
may have is stored (``releaseOf``) and announced (``UseReleased``).
"""

from __future__ import annotations

from contract_helpers import DAY, INTERNAL, SECRET, ZERO32, assert_custom_error, event, event_names, h, time_travel


def _used_grant(system, uses=2, **kw):
    """A grant of department B on A's resource with ``uses`` recorded uses."""
    gid = system.grant(**kw)
    for i in range(uses):
        system.rights.recordUse(gid, h("officer"), h(f"citizen-{i}"), ZERO32, {"from": system.depts[1]})
    return gid


def test_owner_records_a_release(system):
    r, owner = system.rights, system.depts[0]
    gid = _used_grant(system)
    assert r.releaseOf(gid, 1) == ZERO32
    tx = r.recordRelease(gid, 1, h("plaintext-1"), {"from": owner})
    assert event_names(tx) == ["UseReleased"]
    assert event(tx, "UseReleased") == {
        "grantId": gid,
        "useIndex": 1,
        "resourceId": system.resources[INTERNAL],
        "owner": owner,
        "contentHash": h("plaintext-1"),
    }
    assert r.releaseOf(gid, 1) == h("plaintext-1")
    assert r.releaseOf(gid, 2) == ZERO32  # the other use is still "recorded, not released"
    r.recordRelease(gid, 2, h("plaintext-2"), {"from": owner})
    assert (r.releaseOf(gid, 1), r.releaseOf(gid, 2)) == (h("plaintext-1"), h("plaintext-2"))


def test_release_view_of_unknown_grant_or_use_is_zero(system):
    gid = _used_grant(system, uses=1)
    assert system.rights.releaseOf(999, 1) == ZERO32
    assert system.rights.releaseOf(gid, 0) == ZERO32
    assert system.rights.releaseOf(gid, 7) == ZERO32


def test_release_refused_to_anyone_but_the_owner(system):
    r, rid = system.rights, system.resources[INTERNAL]
    gid = _used_grant(system)
    for caller in (system.depts[1], system.depts[2], system.outsider, system.auditor, system.governors[0]):
        assert_custom_error(
            lambda: r.recordRelease(gid, 1, h("p"), {"from": caller}), "UsageRightsNotOwner", (rid, caller)
        )
    assert r.releaseOf(gid, 1) == ZERO32


def test_release_refused_to_the_council(system):
    rid = system.resources[INTERNAL]
    gid = _used_grant(system)
    system.council_call_refused(
        system.rights, "recordRelease", (gid, 1, h("p")), "UsageRightsNotOwner", (rid, system.consortium)
    )


def test_former_owner_cannot_release_after_a_transfer(system):
    r, old, new, rid = system.rights, system.depts[0], system.depts[2], system.resources[INTERNAL]
    gid = _used_grant(system)
    r.recordRelease(gid, 1, h("p-1"), {"from": old})
    system.council_call(system.catalog, "transferOwnership", (rid, new))
    assert_custom_error(lambda: r.recordRelease(gid, 2, h("p-2"), {"from": old}), "UsageRightsNotOwner", (rid, old))
    tx = r.recordRelease(gid, 2, h("p-2"), {"from": new})
    assert event(tx, "UseReleased")["owner"] == new
    # the former owner's release stays what it was
    assert r.releaseOf(gid, 1) == h("p-1")


def test_suspended_owner_cannot_release(system):
    r, owner = system.rights, system.depts[0]
    gid = _used_grant(system)
    system.suspend(owner)
    assert_custom_error(
        lambda: r.recordRelease(gid, 1, h("p"), {"from": owner}), "ConsortiumManagedNotActiveDepartment", (owner,)
    )


def test_release_of_unknown_grant(system):
    assert_custom_error(
        lambda: system.rights.recordRelease(99, 1, h("p"), {"from": system.depts[0]}), "UsageRightsUnknownGrant", (99,)
    )


def test_release_of_a_use_that_was_not_recorded(system):
    r, owner = system.rights, system.depts[0]
    unused = system.grant()
    assert_custom_error(
        lambda: r.recordRelease(unused, 1, h("p"), {"from": owner}), "UsageRightsUnknownUse", (unused, 1)
    )
    gid = _used_grant(system, uses=2)
    for index in (0, 3, 2**32 - 1):
        assert_custom_error(
            lambda: r.recordRelease(gid, index, h("p"), {"from": owner}), "UsageRightsUnknownUse", (gid, index)
        )


def test_a_use_is_released_at_most_once(system):
    r, owner = system.rights, system.depts[0]
    gid = _used_grant(system, uses=1)
    r.recordRelease(gid, 1, h("first"), {"from": owner})
    for content in (h("first"), h("second")):
        assert_custom_error(
            lambda: r.recordRelease(gid, 1, content, {"from": owner}),
            "UsageRightsUseAlreadyReleased",
            (gid, 1, h("first")),
        )
    assert r.releaseOf(gid, 1) == h("first")


def test_release_needs_a_content_hash(system):
    r, owner = system.rights, system.depts[0]
    gid = _used_grant(system, uses=1)
    assert_custom_error(lambda: r.recordRelease(gid, 1, ZERO32, {"from": owner}), "UsageRightsEmptyContentHash")
    assert r.releaseOf(gid, 1) == ZERO32


def test_a_recorded_use_may_be_released_after_revocation_or_expiry(system):
    """The use was recorded while the grant was live: it is owed its release (docs/federation.md)."""
    r, owner = system.rights, system.depts[0]
    gid = _used_grant(system, uses=1, duration=2 * DAY)
    r.revokeGrant(gid, h("withdrawn"), {"from": owner})
    r.recordRelease(gid, 1, h("p"), {"from": owner})
    other = _used_grant(system, uses=1, duration=DAY)
    time_travel(2 * DAY)
    r.recordRelease(other, 1, h("p"), {"from": owner})
    assert r.releaseOf(gid, 1) == r.releaseOf(other, 1) == h("p")


def test_release_under_a_council_grant(system):
    """SECRET grants are issued by a unanimous council; the release is still the owner's act."""
    r, owner = system.rights, system.depts[0]
    gid = _used_grant(system, uses=1, classification=SECRET)
    tx = r.recordRelease(gid, 1, h("p"), {"from": owner})
    assert event(tx, "UseReleased")["resourceId"] == system.resources[SECRET]
