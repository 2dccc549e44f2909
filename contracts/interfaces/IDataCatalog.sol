// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IConsortiumManaged} from "./IConsortiumManaged.sol";
/**
 * @title IDataCatalog
 * @notice The shared data catalog: every department registers its data resources with owner,
 * classification, schema hash and content hash, publishes new versions, and anchors Merkle roots of its
 * record sets so that any silent change to a department database can be detected.
 *
 * @dev Only hashes are recorded, never data. Versions start at 1 (registration is version 1).
 * Each version keeps who published it ({versionPublication}): the publishing department, and from
 * version 2 on the publishing officer, so that a DATA_ERROR incident names them even after the council
 * moved the resource to another owner. Data that no view needs (schema, steward and subject hashes,
 * version 1's steward, record counts) is only in events; the indexer keeps it.
 *
 * Anchor ids are hierarchical: `anchorId = resourceId << 32 | n` where `n = 1, 2, …` counts the
 * anchors of that resource. This keeps {anchorRoot} at one new storage slot.
 *
 * Merkle proofs follow OpenZeppelin's `MerkleProof`: sorted-pair keccak256, the leaf is used as given.
 * Callers should hash leaves twice (`keccak256(bytes.concat(keccak256(abi.encode(...))))`) so a leaf can
 * never be confused with an inner node.
 */
interface IDataCatalog is IConsortiumManaged {
    /// @notice Classification of a resource; decides who may grant its use (see IUsageRights).
    enum Classification {
        Public,
        Internal,
        Sensitive,
        Secret
    }

    /// @notice A resource as returned by {resource}.
    struct Resource {
        address owner;
        Classification classification;
        uint32 versionCount;
        uint32 anchorCount;
        uint64 registeredAt;
        bytes32 contentHash; // of the latest version
    }

    /// @notice An anchored Merkle root as returned by {anchor}.
    struct Anchor {
        uint256 resourceId;
        uint32 index;
        bytes32 merkleRoot;
    }

    // ------------------------------------------------------------------ events

    /// @notice `owner` registered `resourceId`; this is version 1 with `contentHash`.
    /// `subjectHash` is zero when the resource concerns no single data subject.
    event ResourceRegistered(
        uint256 indexed resourceId,
        address indexed owner,
        Classification indexed classification,
        bytes32 schemaHash,
        bytes32 contentHash,
        bytes32 stewardHash,
        bytes32 subjectHash
    );
    /// @notice `publisher` (the owner) published `version` of `resourceId`; `officerHash` names the responsible officer.
    event VersionPublished(
        uint256 indexed resourceId,
        uint32 indexed version,
        address indexed publisher,
        bytes32 contentHash,
        bytes32 officerHash
    );
    /// @notice The council moved `resourceId` from `previousOwner` to `newOwner`.
    event ResourceOwnershipTransferred(
        uint256 indexed resourceId, address indexed previousOwner, address indexed newOwner
    );
    /// @notice The owner anchored `merkleRoot` over `recordCount` records of `resourceId`.
    event RootAnchored(uint256 indexed anchorId, uint256 indexed resourceId, bytes32 merkleRoot, uint32 recordCount);

    // ------------------------------------------------------------------ errors

    /// @notice `account` does not own `resourceId`.
    error DataCatalogNotOwner(uint256 resourceId, address account);
    /// @notice No resource has id `resourceId`.
    error DataCatalogUnknownResource(uint256 resourceId);
    /// @notice `resourceId` has no version `version`.
    error DataCatalogUnknownVersion(uint256 resourceId, uint32 version);
    /// @notice No anchor has id `anchorId`.
    error DataCatalogUnknownAnchor(uint256 anchorId);
    /// @notice `classification` is not 0..3.
    error DataCatalogInvalidClassification(uint8 classification);
    /// @notice The schema hash is zero.
    error DataCatalogEmptySchemaHash();
    /// @notice The content hash is zero.
    error DataCatalogEmptyContentHash();
    /// @notice The steward hash is zero.
    error DataCatalogEmptyStewardHash();
    /// @notice The officer hash is zero.
    error DataCatalogEmptyOfficerHash();
    /// @notice The Merkle root is zero.
    error DataCatalogEmptyMerkleRoot();
    /// @notice The record count of an anchor is zero.
    error DataCatalogZeroRecordCount();
    /// @notice The new version's content hash equals the latest one.
    error DataCatalogUnchangedContent(uint256 resourceId, bytes32 contentHash);
    /// @notice The new owner is zero or already the owner.
    error DataCatalogInvalidNewOwner(uint256 resourceId, address newOwner);

    // ------------------------------------------------------------------ writes

    /**
     * @notice Registers a data resource owned by the caller.
     * @param classification 0 PUBLIC, 1 INTERNAL, 2 SENSITIVE, 3 SECRET.
     * @param schemaHash hash of the schema document.
     * @param contentHash hash of the content (version 1).
     * @param stewardHash salted hash of the responsible data steward (officer).
     * @param subjectHash salted hash of the data subject, or zero if none.
     * @return resourceId the new id (sequential from 1).
     * @dev Requirements: caller is an active department; classification 0..3; schema, content and steward
     * hashes non-zero. Emits {ResourceRegistered}.
     */
    function registerResource(
        uint8 classification,
        bytes32 schemaHash,
        bytes32 contentHash,
        bytes32 stewardHash,
        bytes32 subjectHash
    ) external returns (uint256 resourceId);

    /**
     * @notice Publishes a new version of `resourceId`.
     * @return version the new version number (2, 3, …).
     * @dev Requirements: the resource exists; caller is its owner and an active department; `contentHash`
     * non-zero and different from the latest; `officerHash` non-zero. Emits {VersionPublished}.
     */
    function publishVersion(uint256 resourceId, bytes32 contentHash, bytes32 officerHash)
        external
        returns (uint32 version);

    /**
     * @notice Moves ownership of `resourceId` to `newOwner` (e.g. after a reorganisation).
     * @dev Requirements: caller is the consortium (a council call); the resource exists; `newOwner` is an
     * active department other than the current owner. Emits {ResourceOwnershipTransferred}.
     */
    function transferOwnership(uint256 resourceId, address newOwner) external;

    /**
     * @notice Anchors the Merkle root of a record set of `resourceId`.
     * @return anchorId `resourceId << 32 | n`, n counting this resource's anchors from 1.
     * @dev Requirements: the resource exists; caller is its owner; `merkleRoot` non-zero; `recordCount`
     * non-zero. This hot path does not re-check department status: a suspended owner can only commit
     * itself further. Emits {RootAnchored}.
     */
    function anchorRoot(uint256 resourceId, bytes32 merkleRoot, uint32 recordCount)
        external
        returns (uint256 anchorId);

    // ------------------------------------------------------------------ views

    /// @notice Whether `leaf` is in the tree anchored as `anchorId` (sorted-pair keccak256 proof).
    /// Reverts {DataCatalogUnknownAnchor} for an unknown anchor.
    function verifyRecord(uint256 anchorId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool);
    /// @notice Owner of `resourceId`; reverts {DataCatalogUnknownResource}.
    function ownerOf(uint256 resourceId) external view returns (address);
    /// @notice Classification of `resourceId`; reverts {DataCatalogUnknownResource}.
    function classificationOf(uint256 resourceId) external view returns (Classification);
    /// @notice Owner and classification of `resourceId` in one call; reverts {DataCatalogUnknownResource}.
    function ownerAndClassification(uint256 resourceId)
        external
        view
        returns (address owner, Classification classification);
    /// @notice The resource `resourceId`; reverts {DataCatalogUnknownResource}.
    function resource(uint256 resourceId) external view returns (Resource memory);
    /// @notice Content hash and publication time of `version` of `resourceId`; reverts {DataCatalogUnknownVersion}.
    function versionHash(uint256 resourceId, uint32 version)
        external
        view
        returns (bytes32 contentHash, uint64 publishedAt);
    /// @notice Who published `version` of `resourceId`: the department that was its owner then (kept after
    /// a transfer of ownership) and, for versions from 2 on, the officer named by {publishVersion}; zero for
    /// version 1, whose officer is the `stewardHash` of {ResourceRegistered}. Reverts
    /// {DataCatalogUnknownResource} / {DataCatalogUnknownVersion}.
    function versionPublication(uint256 resourceId, uint32 version)
        external
        view
        returns (address publisher, bytes32 officerHash);
    /// @notice The anchor `anchorId`; reverts {DataCatalogUnknownAnchor}.
    function anchor(uint256 anchorId) external view returns (Anchor memory);
    /// @notice Number of registered resources; ids run from 1 to `resourceCount()`.
    function resourceCount() external view returns (uint256);
}
