// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ConsortiumManaged} from "./ConsortiumManaged.sol";
import {INodeDirectory} from "./interfaces/INodeDirectory.sol";

/**
 * @title NodeDirectory
 * @notice The on-chain directory of department nodes: endpoint and public keys, each entry written only by
 * its department. See {INodeDirectory}.
 * @dev Storage per department: the two keys, one packed slot (version, publishedAt) and the endpoint
 * string. A zero encryption key marks "no entry" (publishing refuses a zero key), so clearing zeroes the
 * keys and the endpoint and keeps the version.
 */
contract NodeDirectory is INodeDirectory, ConsortiumManaged {
    struct NodeRecord {
        bytes32 encryptionKey;
        bytes32 transportKeyHash;
        uint64 version;
        uint64 publishedAt;
        string endpoint;
    }

    /// @inheritdoc INodeDirectory
    uint256 public constant MAX_ENDPOINT_LENGTH = 256;

    mapping(address department => NodeRecord) private _nodes;

    /// @param consortium_ the consortium whose active departments may publish and whose council may clear.
    constructor(address consortium_) ConsortiumManaged(consortium_) {
    }

    // ================================================================== writes

    /// @inheritdoc INodeDirectory
    function publishNode(string calldata endpoint, bytes32 encryptionKey, bytes32 transportKeyHash)
        external
        returns (uint64 version)
    {
        _requireActiveDepartment(msg.sender);
        uint256 length = bytes(endpoint).length;
        if (length == 0 || length > MAX_ENDPOINT_LENGTH) revert NodeDirectoryInvalidEndpoint(length);
        if (encryptionKey == bytes32(0)) revert NodeDirectoryZeroEncryptionKey();

        NodeRecord storage r = _nodes[msg.sender];
        version = r.version + 1;
        r.encryptionKey = encryptionKey;
        r.transportKeyHash = transportKeyHash;
        r.version = version;
        r.publishedAt = uint64(block.timestamp);
        r.endpoint = endpoint;
        emit NodePublished(msg.sender, endpoint, encryptionKey, transportKeyHash, version);
    }

    /// @inheritdoc INodeDirectory
    function clearNode(address department) external onlyCouncil {
        NodeRecord storage r = _existing(department);
        uint64 version = r.version;
        r.encryptionKey = bytes32(0);
        r.transportKeyHash = bytes32(0);
        delete r.endpoint;
        emit NodeCleared(department, version);
    }

    // ================================================================== views

    /// @inheritdoc INodeDirectory
    function hasNode(address department) external view returns (bool) {
        return _nodes[department].encryptionKey != bytes32(0);
    }

    /// @inheritdoc INodeDirectory
    function node(address department) external view returns (NodeEntry memory) {
        return _entry(_existing(department));
    }

    /// @inheritdoc INodeDirectory
    function activeNode(address department) external view returns (NodeEntry memory) {
        NodeRecord storage r = _existing(department);
        _requireActiveDepartment(department);
        return _entry(r);
    }

    // ================================================================== internals

    function _existing(address department) private view returns (NodeRecord storage r) {
        r = _nodes[department];
        if (r.encryptionKey == bytes32(0)) revert NodeDirectoryUnknownNode(department);
    }

    function _entry(NodeRecord storage r) private view returns (NodeEntry memory) {
        return NodeEntry({
            endpoint: r.endpoint,
            encryptionKey: r.encryptionKey,
            transportKeyHash: r.transportKeyHash,
            version: r.version,
            publishedAt: r.publishedAt
        });
    }
}
