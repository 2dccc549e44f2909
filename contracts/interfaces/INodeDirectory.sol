// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IConsortiumManaged} from "./IConsortiumManaged.sol";

/**
 * @title INodeDirectory
 * @notice Where each department's node can be reached: every active department publishes, for its own
 * node only, the endpoint URL, the public key peers seal releases to and the hash of its transport key.
 * Nodes find each other only through this directory.
 *
 * @dev Only the department itself writes its entry (`msg.sender`); nobody else can, not a governor and not
 * the council (the council can only clear an entry, see {clearNode}). Publishing requires an active
 * department, but an entry stays readable after a suspension: {node} returns it as published, while
 * {activeNode} answers only for a department that is active now, in the same call, so a reader cannot
 * mistake a suspended department's node for a live peer.
 *
 * The version counter of a department starts at 1 and grows by one on every publish; clearing keeps it,
 * so a later publish never reuses a version number.
 */
interface INodeDirectory is IConsortiumManaged {
    /// @notice A published node as returned by {node} and {activeNode}.
    struct NodeEntry {
        string endpoint; // base URL of the node, e.g. "https://land.example.gov:8443"
        bytes32 encryptionKey; // X25519 public key that peers seal releases to
        bytes32 transportKeyHash; // SHA-256 of the node's TLS SubjectPublicKeyInfo; zero for plain HTTP
        uint64 version; // 1, 2, … per department
        uint64 publishedAt; // block timestamp of the publish
    }

    // ------------------------------------------------------------------ events

    /// @notice `department` published `version` of its node entry.
    event NodePublished(
        address indexed department, string endpoint, bytes32 encryptionKey, bytes32 transportKeyHash, uint64 version
    );
    /// @notice The council cleared the node entry of `department` (which had reached `version`).
    event NodeCleared(address indexed department, uint64 version);

    // ------------------------------------------------------------------ errors

    /// @notice The endpoint is empty or longer than {MAX_ENDPOINT_LENGTH} bytes; `length` is its length.
    error NodeDirectoryInvalidEndpoint(uint256 length);
    /// @notice The encryption key is zero.
    error NodeDirectoryZeroEncryptionKey();
    /// @notice `department` has no node entry (never published, or cleared).
    error NodeDirectoryUnknownNode(address department);

    // ------------------------------------------------------------------ writes

    /**
     * @notice Publishes (or replaces) the caller's own node entry.
     * @param endpoint base URL of the node, 1..{MAX_ENDPOINT_LENGTH} bytes.
     * @param encryptionKey the X25519 public key peers seal releases to; non-zero.
     * @param transportKeyHash SHA-256 of the node's TLS SubjectPublicKeyInfo, or zero for plain HTTP on a
     * private network.
     * @return version the new version of the caller's entry (1 on the first publish).
     * @dev Requirements: caller is an active department (else {ConsortiumManagedNotActiveDepartment});
     * endpoint length in range (else {NodeDirectoryInvalidEndpoint}); `encryptionKey` non-zero (else
     * {NodeDirectoryZeroEncryptionKey}). Emits {NodePublished}.
     */
    function publishNode(string calldata endpoint, bytes32 encryptionKey, bytes32 transportKeyHash)
        external
        returns (uint64 version);

    /**
     * @notice Removes the node entry of `department` (e.g. a compromised key whose department cannot act).
     * @dev Requirements: caller is the consortium (a council call, else {ConsortiumManagedNotCouncil});
     * `department` has an entry (else {NodeDirectoryUnknownNode}). Keeps the version counter.
     * Emits {NodeCleared}.
     */
    function clearNode(address department) external;

    // ------------------------------------------------------------------ views

    /// @notice Longest endpoint accepted, in bytes.
    function MAX_ENDPOINT_LENGTH() external view returns (uint256);
    /// @notice Whether `department` has a node entry (it may since have been suspended: see {activeNode}).
    function hasNode(address department) external view returns (bool);
    /// @notice The entry of `department` as published; reverts {NodeDirectoryUnknownNode}.
    function node(address department) external view returns (NodeEntry memory);
    /// @notice The entry of `department` if that department is active now; reverts
    /// {NodeDirectoryUnknownNode} or {ConsortiumManagedNotActiveDepartment}. What a peer resolves.
    function activeNode(address department) external view returns (NodeEntry memory);
}
