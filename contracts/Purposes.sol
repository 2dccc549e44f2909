// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ConsortiumManaged} from "./ConsortiumManaged.sol";
import {IPurposes} from "./interfaces/IPurposes.sol";

/**
 * @title Purposes
 * @notice The council's registry of purposes and legal bases. See {IPurposes}.
 * @dev Each entry's status sits in its own slot, apart from its text, so that {usable} (read by
 * `UsageRights` on every new request and direct grant) costs two storage reads.
 */
contract Purposes is IPurposes, ConsortiumManaged {
    uint256 public constant MAX_TEXT_LENGTH = 256;

    enum EntryStatus {
        None,
        Active,
        Retired
    }

    mapping(uint32 code => EntryStatus) private _purposeStatus;
    mapping(uint32 code => string[2]) private _purposeNames; // [zh, en]
    uint32[] private _codes;

    mapping(bytes32 textHash => EntryStatus) private _basisStatus;
    mapping(bytes32 textHash => string) private _citations;
    bytes32[] private _hashes;

    /// @param consortium_ the consortium whose council keeps the registry.
    constructor(address consortium_) ConsortiumManaged(consortium_) {
    }

    // ================================================================== council writes

    /// @inheritdoc IPurposes
    function registerPurpose(uint32 code, string calldata nameZh, string calldata nameEn) external onlyCouncil {
        _registerPurpose(code, nameZh, nameEn);
    }

    /// @inheritdoc IPurposes
    function registerPurposes(uint32[] calldata codes, string[] calldata namesZh, string[] calldata namesEn)
        external
        onlyCouncil
    {
        uint256 n = codes.length;
        if (namesZh.length != n || namesEn.length != n) revert PurposesInvalidBatch();
        for (uint256 i = 0; i < n; ++i) {
            _registerPurpose(codes[i], namesZh[i], namesEn[i]);
        }
    }

    /// @inheritdoc IPurposes
    function registerLegalBasis(bytes32 textHash, string calldata citation) external onlyCouncil {
        _registerLegalBasis(textHash, citation);
    }

    /// @inheritdoc IPurposes
    function registerLegalBases(bytes32[] calldata textHashes, string[] calldata citations) external onlyCouncil {
        uint256 n = textHashes.length;
        if (citations.length != n) revert PurposesInvalidBatch();
        for (uint256 i = 0; i < n; ++i) {
            _registerLegalBasis(textHashes[i], citations[i]);
        }
    }

    function _registerPurpose(uint32 code, string calldata nameZh, string calldata nameEn) private {
        if (code == 0) revert PurposesZeroCode();
        if (!_validText(nameZh) || !_validText(nameEn)) revert PurposesInvalidName();
        if (_purposeStatus[code] != EntryStatus.None) revert PurposesPurposeExists(code);
        _purposeStatus[code] = EntryStatus.Active;
        _purposeNames[code] = [nameZh, nameEn];
        _codes.push(code);
        emit PurposeRegistered(code, nameZh, nameEn);
    }

    function _registerLegalBasis(bytes32 textHash, string calldata citation) private {
        if (textHash == bytes32(0)) revert PurposesZeroTextHash();
        if (!_validText(citation)) revert PurposesInvalidCitation();
        if (_basisStatus[textHash] != EntryStatus.None) revert PurposesLegalBasisExists(textHash);
        _basisStatus[textHash] = EntryStatus.Active;
        _citations[textHash] = citation;
        _hashes.push(textHash);
        emit LegalBasisRegistered(textHash, citation);
    }

    /// @inheritdoc IPurposes
    function retirePurpose(uint32 code) external onlyCouncil {
        EntryStatus status = _purposeStatus[code];
        if (status == EntryStatus.None) revert PurposesUnknownPurpose(code);
        if (status == EntryStatus.Retired) revert PurposesPurposeRetired(code);
        _purposeStatus[code] = EntryStatus.Retired;
        emit PurposeRetired(code);
    }

    /// @inheritdoc IPurposes
    function retireLegalBasis(bytes32 textHash) external onlyCouncil {
        EntryStatus status = _basisStatus[textHash];
        if (status == EntryStatus.None) revert PurposesUnknownLegalBasis(textHash);
        if (status == EntryStatus.Retired) revert PurposesLegalBasisRetired(textHash);
        _basisStatus[textHash] = EntryStatus.Retired;
        emit LegalBasisRetired(textHash);
    }

    // ================================================================== views

    /// @inheritdoc IPurposes
    function purpose(uint32 code) public view returns (Purpose memory) {
        EntryStatus status = _purposeStatus[code];
        if (status == EntryStatus.None) revert PurposesUnknownPurpose(code);
        string[2] storage names = _purposeNames[code];
        return Purpose({code: code, nameZh: names[0], nameEn: names[1], retired: status == EntryStatus.Retired});
    }

    /// @inheritdoc IPurposes
    function legalBasis(bytes32 textHash) public view returns (LegalBasis memory) {
        EntryStatus status = _basisStatus[textHash];
        if (status == EntryStatus.None) revert PurposesUnknownLegalBasis(textHash);
        return LegalBasis({textHash: textHash, citation: _citations[textHash], retired: status == EntryStatus.Retired});
    }

    /// @inheritdoc IPurposes
    function usable(uint32 code, bytes32 textHash) external view returns (bool purposeUsable, bool legalBasisUsable) {
        return (_purposeStatus[code] == EntryStatus.Active, _basisStatus[textHash] == EntryStatus.Active);
    }

    /// @inheritdoc IPurposes
    function purposeCount() external view returns (uint256) {
        return _codes.length;
    }

    /// @inheritdoc IPurposes
    function legalBasisCount() external view returns (uint256) {
        return _hashes.length;
    }

    /// @inheritdoc IPurposes
    function purposes(uint256 offset, uint256 limit) external view returns (Purpose[] memory page) {
        uint256 n = _pageLength(_codes.length, offset, limit);
        page = new Purpose[](n);
        for (uint256 i = 0; i < n; ++i) {
            page[i] = purpose(_codes[offset + i]);
        }
    }

    /// @inheritdoc IPurposes
    function legalBases(uint256 offset, uint256 limit) external view returns (LegalBasis[] memory page) {
        uint256 n = _pageLength(_hashes.length, offset, limit);
        page = new LegalBasis[](n);
        for (uint256 i = 0; i < n; ++i) {
            page[i] = legalBasis(_hashes[offset + i]);
        }
    }

    // ================================================================== internals

    function _validText(string calldata text) private pure returns (bool) {
        uint256 n = bytes(text).length;
        return n > 0 && n <= MAX_TEXT_LENGTH;
    }

    function _pageLength(uint256 total, uint256 offset, uint256 limit) private pure returns (uint256) {
        if (offset >= total) return 0;
        uint256 left = total - offset;
        return left < limit ? left : limit;
    }
}
