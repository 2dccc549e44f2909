// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ConsortiumManaged} from "./ConsortiumManaged.sol";
import {IDataCatalog} from "./interfaces/IDataCatalog.sol";

/**
 * @title DataCatalog
 * @notice Shared catalog of data resources: ownership, classification, content-hash versions and
 * anchored Merkle roots. See {IDataCatalog}.
 * @dev Storage per resource is one packed slot (owner, classification, versionCount, anchorCount) plus
 * two slots per version (content hash; publication time packed with the publishing department), a third
 * for versions from 2 on (the publishing officer), and one slot per anchor (the root). Version 1's officer
 * (the registration's steward) stays in {ResourceRegistered}: a fourth new slot would put
 * {registerResource} over its gas target.
 */
contract DataCatalog is IDataCatalog, ConsortiumManaged {
    struct ResourceRecord {
        address owner; // 20 bytes
        Classification classification; // 1 byte
        uint32 versionCount; // 4 bytes
        uint32 anchorCount; // 4 bytes
    }

    struct VersionRecord {
        // slot 0
        bytes32 contentHash;
        // slot 1: who published it, kept after any transfer of ownership (blame follows the record)
        uint64 publishedAt;
        address publisher;
        // slot 2: the publishing officer, versions 2, 3, … only (zero for version 1)
        bytes32 officerHash;
    }

    uint256 private _resourceCount;
    mapping(uint256 resourceId => ResourceRecord) private _resources;
    mapping(uint256 resourceId => mapping(uint32 version => VersionRecord)) private _versions;
    mapping(uint256 anchorId => bytes32 merkleRoot) private _anchorRoots;

    /// @param consortium_ the consortium whose departments may register and whose council may transfer.
    constructor(address consortium_) ConsortiumManaged(consortium_) {
    }

    // ================================================================== writes

    /// @inheritdoc IDataCatalog
    function registerResource(
        uint8 classification,
        bytes32 schemaHash,
        bytes32 contentHash,
        bytes32 stewardHash,
        bytes32 subjectHash
    ) external returns (uint256 resourceId) {
        _requireActiveDepartment(msg.sender);
        if (classification > uint8(Classification.Secret)) revert DataCatalogInvalidClassification(classification);
        if (schemaHash == bytes32(0)) revert DataCatalogEmptySchemaHash();
        if (contentHash == bytes32(0)) revert DataCatalogEmptyContentHash();
        if (stewardHash == bytes32(0)) revert DataCatalogEmptyStewardHash();

        resourceId = ++_resourceCount;
        _resources[resourceId] = ResourceRecord({
            owner: msg.sender,
            classification: Classification(classification),
            versionCount: 1,
            anchorCount: 0
        });
        // Field by field: a struct literal would also write the (zero) officer slot.
        VersionRecord storage v = _versions[resourceId][1];
        v.contentHash = contentHash;
        v.publishedAt = uint64(block.timestamp);
        v.publisher = msg.sender;
        emit ResourceRegistered(
            resourceId, msg.sender, Classification(classification), schemaHash, contentHash, stewardHash, subjectHash
        );
    }

    /// @inheritdoc IDataCatalog
    function publishVersion(uint256 resourceId, bytes32 contentHash, bytes32 officerHash)
        external
        returns (uint32 version)
    {
        ResourceRecord storage r = _ownedResource(resourceId);
        _requireActiveDepartment(msg.sender);
        if (contentHash == bytes32(0)) revert DataCatalogEmptyContentHash();
        if (officerHash == bytes32(0)) revert DataCatalogEmptyOfficerHash();
        uint32 latest = r.versionCount;
        if (_versions[resourceId][latest].contentHash == contentHash) {
            revert DataCatalogUnchangedContent(resourceId, contentHash);
        }

        version = latest + 1;
        r.versionCount = version;
        _versions[resourceId][version] = VersionRecord({
            contentHash: contentHash,
            publishedAt: uint64(block.timestamp),
            publisher: msg.sender,
            officerHash: officerHash
        });
        emit VersionPublished(resourceId, version, msg.sender, contentHash, officerHash);
    }

    /// @inheritdoc IDataCatalog
    function transferOwnership(uint256 resourceId, address newOwner) external onlyCouncil {
        ResourceRecord storage r = _existing(resourceId);
        address previousOwner = r.owner;
        if (newOwner == address(0) || newOwner == previousOwner) {
            revert DataCatalogInvalidNewOwner(resourceId, newOwner);
        }
        _requireActiveDepartment(newOwner);

        r.owner = newOwner;
        emit ResourceOwnershipTransferred(resourceId, previousOwner, newOwner);
    }

    /// @inheritdoc IDataCatalog
    function anchorRoot(uint256 resourceId, bytes32 merkleRoot, uint32 recordCount)
        external
        returns (uint256 anchorId)
    {
        ResourceRecord storage r = _ownedResource(resourceId);
        if (merkleRoot == bytes32(0)) revert DataCatalogEmptyMerkleRoot();
        if (recordCount == 0) revert DataCatalogZeroRecordCount();

        uint32 index = r.anchorCount + 1;
        r.anchorCount = index;
        anchorId = (resourceId << 32) | index;
        _anchorRoots[anchorId] = merkleRoot;
        emit RootAnchored(anchorId, resourceId, merkleRoot, recordCount);
    }

    // ================================================================== views

    /// @inheritdoc IDataCatalog
    function verifyRecord(uint256 anchorId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool) {
        bytes32 root = _anchorRoots[anchorId];
        if (root == bytes32(0)) revert DataCatalogUnknownAnchor(anchorId);
        bytes32 computed = leaf;
        uint256 length = proof.length;
        for (uint256 i = 0; i < length; ++i) {
            bytes32 sibling = proof[i];
            computed = computed < sibling
                ? keccak256(abi.encodePacked(computed, sibling))
                : keccak256(abi.encodePacked(sibling, computed));
        }
        return computed == root;
    }

    /// @inheritdoc IDataCatalog
    function ownerOf(uint256 resourceId) external view returns (address) {
        return _existing(resourceId).owner;
    }

    /// @inheritdoc IDataCatalog
    function classificationOf(uint256 resourceId) external view returns (Classification) {
        return _existing(resourceId).classification;
    }

    /// @inheritdoc IDataCatalog
    function ownerAndClassification(uint256 resourceId)
        external
        view
        returns (address owner, Classification classification)
    {
        ResourceRecord storage r = _existing(resourceId);
        return (r.owner, r.classification);
    }

    /// @inheritdoc IDataCatalog
    function resource(uint256 resourceId) external view returns (Resource memory) {
        ResourceRecord storage r = _existing(resourceId);
        mapping(uint32 => VersionRecord) storage versions = _versions[resourceId];
        return Resource({
            owner: r.owner,
            classification: r.classification,
            versionCount: r.versionCount,
            anchorCount: r.anchorCount,
            registeredAt: versions[1].publishedAt,
            contentHash: versions[r.versionCount].contentHash
        });
    }

    /// @inheritdoc IDataCatalog
    function versionHash(uint256 resourceId, uint32 version)
        external
        view
        returns (bytes32 contentHash, uint64 publishedAt)
    {
        ResourceRecord storage r = _existing(resourceId);
        if (version == 0 || version > r.versionCount) revert DataCatalogUnknownVersion(resourceId, version);
        VersionRecord storage v = _versions[resourceId][version];
        return (v.contentHash, v.publishedAt);
    }

    /// @inheritdoc IDataCatalog
    function versionPublication(uint256 resourceId, uint32 version)
        external
        view
        returns (address publisher, bytes32 officerHash)
    {
        ResourceRecord storage r = _existing(resourceId);
        if (version == 0 || version > r.versionCount) revert DataCatalogUnknownVersion(resourceId, version);
        VersionRecord storage v = _versions[resourceId][version];
        return (v.publisher, v.officerHash);
    }

    /// @inheritdoc IDataCatalog
    function anchor(uint256 anchorId) external view returns (Anchor memory) {
        bytes32 root = _anchorRoots[anchorId];
        if (root == bytes32(0)) revert DataCatalogUnknownAnchor(anchorId);
        return Anchor({resourceId: anchorId >> 32, index: uint32(anchorId), merkleRoot: root});
    }

    /// @inheritdoc IDataCatalog
    function resourceCount() external view returns (uint256) {
        return _resourceCount;
    }

    // ================================================================== internals

    function _existing(uint256 resourceId) private view returns (ResourceRecord storage r) {
        r = _resources[resourceId];
        if (r.owner == address(0)) revert DataCatalogUnknownResource(resourceId);
    }

    function _ownedResource(uint256 resourceId) private view returns (ResourceRecord storage r) {
        r = _existing(resourceId);
        if (r.owner != msg.sender) revert DataCatalogNotOwner(resourceId, msg.sender);
    }
}
