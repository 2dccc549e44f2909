"""DataCatalog: registration, versions, council ownership transfer, Merkle anchors."""

from __future__ import annotations

import pytest
from contract_helpers import (
    INTERNAL,
    PUBLIC,
    SECRET,
    ZERO32,
    ZERO_ADDRESS,
    assert_custom_error,
    event,
    event_names,
    h,
)
from eth_utils import keccak

# --------------------------------------------------------------------------- Merkle helpers (sorted pairs)


def _pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a < b else keccak(b + a)


def merkle_tree(leaves: list[bytes]) -> tuple[bytes, list[list[bytes]]]:
    """Root and proof of each leaf; an odd node is carried up unchanged."""
    proofs: list[list[bytes]] = [[] for _ in leaves]
    level = [(leaf, [i]) for i, leaf in enumerate(leaves)]
    while len(level) > 1:
        nxt = []
        for j in range(0, len(level), 2):
            if j + 1 == len(level):
                nxt.append(level[j])
                continue
            (a, ia), (b, ib) = level[j], level[j + 1]
            for i in ia:
                proofs[i].append(b)
            for i in ib:
                proofs[i].append(a)
            nxt.append((_pair(a, b), ia + ib))
        level = nxt
    return level[0][0], proofs


def leaf(record: str) -> bytes:
    """Double-hashed leaf, as IDataCatalog recommends."""
    return keccak(keccak(text=record))


# --------------------------------------------------------------------------- deployment


def test_constructor_rejects_zero_consortium(DataCatalog, accounts):
    assert_custom_error(lambda: DataCatalog.deploy(ZERO_ADDRESS, {"from": accounts[0]}), "ConsortiumManagedZeroAddress")


def test_deployment_links_consortium(system):
    assert system.catalog.consortium() == system.consortium
    assert system.catalog.resourceCount() == 4


# --------------------------------------------------------------------------- registerResource


@pytest.mark.ganache_smoke
def test_register_resource(system):
    cat, owner = system.catalog, system.depts[1]
    tx = cat.registerResource(SECRET, h("schema"), h("content"), h("steward"), h("subject"), {"from": owner})
    rid = tx.return_value
    assert rid == 5 and cat.resourceCount() == 5
    assert event_names(tx) == ["ResourceRegistered"]
    assert event(tx, "ResourceRegistered") == {
        "resourceId": rid,
        "owner": owner,
        "classification": SECRET,
        "schemaHash": h("schema"),
        "contentHash": h("content"),
        "stewardHash": h("steward"),
        "subjectHash": h("subject"),
    }
    r = cat.resource(rid)
    assert (r["owner"], r["classification"], r["versionCount"], r["anchorCount"], r["contentHash"]) == (
        owner,
        SECRET,
        1,
        0,
        h("content"),
    )
    assert r["registeredAt"] == tx.timestamp
    assert cat.ownerOf(rid) == owner
    assert cat.classificationOf(rid) == SECRET
    assert tuple(cat.ownerAndClassification(rid)) == (owner, SECRET)
    assert tuple(cat.versionHash(rid, 1)) == (h("content"), tx.timestamp)


def test_register_resource_without_subject(system):
    tx = system.catalog.registerResource(PUBLIC, h("s"), h("c"), h("st"), ZERO32, {"from": system.depts[0]})
    assert event(tx, "ResourceRegistered")["subjectHash"] == ZERO32


def test_register_resource_validation(system):
    cat, dept, out = system.catalog, system.depts[0], system.outsider

    def register(cls=INTERNAL, schema=h("s"), content=h("c"), steward=h("st"), sender=dept):
        return lambda: cat.registerResource(cls, schema, content, steward, ZERO32, {"from": sender})

    assert_custom_error(register(sender=out), "ConsortiumManagedNotActiveDepartment", (out,))
    assert_custom_error(
        register(sender=system.governors[0]), "ConsortiumManagedNotActiveDepartment", (system.governors[0],)
    )
    assert_custom_error(register(sender=system.auditor), "ConsortiumManagedNotActiveDepartment", (system.auditor,))
    assert_custom_error(register(cls=4), "DataCatalogInvalidClassification", (4,))
    assert_custom_error(register(cls=255), "DataCatalogInvalidClassification", (255,))
    assert_custom_error(register(schema=ZERO32), "DataCatalogEmptySchemaHash")
    assert_custom_error(register(content=ZERO32), "DataCatalogEmptyContentHash")
    assert_custom_error(register(steward=ZERO32), "DataCatalogEmptyStewardHash")
    system.suspend(dept)
    assert_custom_error(register(), "ConsortiumManagedNotActiveDepartment", (dept,))


# --------------------------------------------------------------------------- publishVersion


def test_publish_version(system):
    cat, owner, rid = system.catalog, system.depts[0], system.resources[INTERNAL]
    tx = cat.publishVersion(rid, h("v2"), h("officer"), {"from": owner})
    assert tx.return_value == 2
    assert event_names(tx) == ["VersionPublished"]
    assert event(tx, "VersionPublished") == {
        "resourceId": rid,
        "version": 2,
        "publisher": owner,
        "contentHash": h("v2"),
        "officerHash": h("officer"),
    }
    assert tuple(cat.versionHash(rid, 2)) == (h("v2"), tx.timestamp)
    assert cat.versionHash(rid, 1)[0] == h(f"content-{INTERNAL}")
    r = cat.resource(rid)
    assert r["versionCount"] == 2 and r["contentHash"] == h("v2")
    assert cat.publishVersion(rid, h("v3"), h("officer"), {"from": owner}).return_value == 3
    # going back to an earlier content is a new version, not "unchanged"
    assert cat.publishVersion(rid, h("v2"), h("officer"), {"from": owner}).return_value == 4


def test_publish_version_validation(system):
    cat, owner, rid, other = system.catalog, system.depts[0], system.resources[INTERNAL], system.depts[1]

    def publish(resource=rid, content=h("v2"), officer=h("o"), sender=owner):
        return lambda: cat.publishVersion(resource, content, officer, {"from": sender})

    assert_custom_error(publish(resource=99), "DataCatalogUnknownResource", (99,))
    assert_custom_error(publish(resource=0), "DataCatalogUnknownResource", (0,))
    assert_custom_error(publish(sender=other), "DataCatalogNotOwner", (rid, other))
    assert_custom_error(publish(content=ZERO32), "DataCatalogEmptyContentHash")
    assert_custom_error(publish(officer=ZERO32), "DataCatalogEmptyOfficerHash")
    assert_custom_error(
        publish(content=h(f"content-{INTERNAL}")), "DataCatalogUnchangedContent", (rid, h(f"content-{INTERNAL}"))
    )
    system.suspend(owner)
    assert_custom_error(publish(), "ConsortiumManagedNotActiveDepartment", (owner,))


def test_version_views_reject_unknown(system):
    cat, rid = system.catalog, system.resources[PUBLIC]
    assert_custom_error(lambda: cat.versionHash(rid, 0), "DataCatalogUnknownVersion", (rid, 0))
    assert_custom_error(lambda: cat.versionHash(rid, 2), "DataCatalogUnknownVersion", (rid, 2))
    assert_custom_error(lambda: cat.versionHash(99, 1), "DataCatalogUnknownResource", (99,))
    assert_custom_error(lambda: cat.versionPublication(rid, 0), "DataCatalogUnknownVersion", (rid, 0))
    assert_custom_error(lambda: cat.versionPublication(rid, 2), "DataCatalogUnknownVersion", (rid, 2))
    assert_custom_error(lambda: cat.versionPublication(99, 1), "DataCatalogUnknownResource", (99,))
    for view in (cat.ownerOf, cat.classificationOf, cat.ownerAndClassification, cat.resource):
        assert_custom_error(lambda: view(99), "DataCatalogUnknownResource", (99,))


def test_version_publication_is_kept_after_a_transfer(system):
    cat, rid, old, new = system.catalog, system.resources[SECRET], system.depts[0], system.depts[2]
    cat.publishVersion(rid, h("v2"), h("officer-v2"), {"from": old})
    system.council_call(cat, "transferOwnership", (rid, new))
    cat.publishVersion(rid, h("v3"), h("officer-v3"), {"from": new})
    # version 1's officer is the registration's stewardHash, kept only in ResourceRegistered
    assert tuple(cat.versionPublication(rid, 1)) == (old, ZERO32)
    assert tuple(cat.versionPublication(rid, 2)) == (old, h("officer-v2"))
    assert tuple(cat.versionPublication(rid, 3)) == (new, h("officer-v3"))


# --------------------------------------------------------------------------- transferOwnership


def test_transfer_ownership_by_council(system):
    cat, rid, new = system.catalog, system.resources[SECRET], system.depts[2]
    tx = system.council_call(cat, "transferOwnership", (rid, new))
    assert event(tx, "ResourceOwnershipTransferred") == {
        "resourceId": rid,
        "previousOwner": system.depts[0],
        "newOwner": new,
    }
    assert cat.ownerOf(rid) == new
    # the new owner publishes, the old one no longer can
    cat.publishVersion(rid, h("v2"), h("o"), {"from": new})
    assert_custom_error(
        lambda: cat.publishVersion(rid, h("v3"), h("o"), {"from": system.depts[0]}),
        "DataCatalogNotOwner",
        (rid, system.depts[0]),
    )


def test_transfer_ownership_validation(system):
    cat, rid, g = system.catalog, system.resources[SECRET], system.governors
    for caller in (system.depts[0], g[0], system.outsider):
        assert_custom_error(
            lambda: cat.transferOwnership(rid, system.depts[1], {"from": caller}),
            "ConsortiumManagedNotCouncil",
            (caller,),
        )

    def via_council(resource, new_owner, error, error_args):
        system.council_call_refused(cat, "transferOwnership", (resource, new_owner), error, error_args)

    via_council(99, system.depts[1], "DataCatalogUnknownResource", (99,))
    via_council(rid, ZERO_ADDRESS, "DataCatalogInvalidNewOwner", (rid, ZERO_ADDRESS))
    via_council(rid, system.depts[0], "DataCatalogInvalidNewOwner", (rid, system.depts[0]))
    via_council(rid, system.outsider, "ConsortiumManagedNotActiveDepartment", (system.outsider,))
    system.suspend(system.depts[2])
    via_council(rid, system.depts[2], "ConsortiumManagedNotActiveDepartment", (system.depts[2],))


# --------------------------------------------------------------------------- anchors and proofs


@pytest.mark.ganache_smoke
def test_anchor_root_and_verify_records(system):
    cat, owner, rid = system.catalog, system.depts[0], system.resources[SECRET]
    records = [f"record-{i}" for i in range(5)]
    leaves = [leaf(r) for r in records]
    root, proofs = merkle_tree(leaves)

    tx = cat.anchorRoot(rid, root, len(records), {"from": owner})
    anchor_id = tx.return_value
    assert anchor_id == (rid << 32) | 1
    assert event_names(tx) == ["RootAnchored"]
    assert event(tx, "RootAnchored") == {
        "anchorId": anchor_id,
        "resourceId": rid,
        "merkleRoot": "0x" + root.hex(),
        "recordCount": 5,
    }
    a = cat.anchor(anchor_id)
    assert (a["resourceId"], a["index"], a["merkleRoot"]) == (rid, 1, "0x" + root.hex())
    assert cat.resource(rid)["anchorCount"] == 1

    for lf, proof in zip(leaves, proofs):
        assert cat.verifyRecord(anchor_id, lf, proof)
    assert not cat.verifyRecord(anchor_id, leaf("record-forged"), proofs[0])
    assert not cat.verifyRecord(anchor_id, leaves[0], proofs[1])
    assert not cat.verifyRecord(anchor_id, leaves[0], [])

    second = cat.anchorRoot(rid, h("root-2"), 1, {"from": owner}).return_value
    assert second == (rid << 32) | 2
    assert cat.verifyRecord(second, h("root-2"), [])  # a one-record tree: the root is the leaf


def test_anchor_root_validation(system):
    cat, owner, rid, other = system.catalog, system.depts[0], system.resources[PUBLIC], system.depts[1]
    assert_custom_error(lambda: cat.anchorRoot(99, h("r"), 1, {"from": owner}), "DataCatalogUnknownResource", (99,))
    assert_custom_error(lambda: cat.anchorRoot(rid, h("r"), 1, {"from": other}), "DataCatalogNotOwner", (rid, other))
    assert_custom_error(lambda: cat.anchorRoot(rid, ZERO32, 1, {"from": owner}), "DataCatalogEmptyMerkleRoot")
    assert_custom_error(lambda: cat.anchorRoot(rid, h("r"), 0, {"from": owner}), "DataCatalogZeroRecordCount")


def test_anchor_views_reject_unknown(system):
    cat = system.catalog
    unknown = (system.resources[PUBLIC] << 32) | 1
    assert_custom_error(lambda: cat.anchor(unknown), "DataCatalogUnknownAnchor", (unknown,))
    assert_custom_error(lambda: cat.verifyRecord(unknown, h("x"), []), "DataCatalogUnknownAnchor", (unknown,))
