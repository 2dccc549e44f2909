// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IConsortiumManaged} from "./IConsortiumManaged.sol";

/**
 * @title IPurposes
 * @notice The council's registry of purposes (a code with a Chinese and an English name) and legal bases
 * (a citation, e.g. the regulation and article, with the hash of its text). Usage requests and grants
 * name a purpose code and a legal-basis hash; `UsageRights` accepts only registered, unretired entries, so
 * every log can show words next to the numbers, and anyone holding the text can check its hash.
 *
 * @dev Only council calls write (executed by the consortium). Entries are never deleted, only retired: a
 * retired entry keeps its words (old requests, grants and uses still read them) but no new request or grant
 * may name it. A request made before the retirement may still be approved (the approval does not look at
 * the registry: it is the hot path of a grant); its grant, like every existing grant, is unaffected.
 * Names and citations are public text, never personal data.
 */
interface IPurposes is IConsortiumManaged {
    /// @notice A registered purpose.
    struct Purpose {
        uint32 code;
        string nameZh;
        string nameEn;
        bool retired;
    }

    /// @notice A registered legal basis: the citation and the hash of the cited text.
    struct LegalBasis {
        bytes32 textHash;
        string citation;
        bool retired;
    }

    // ------------------------------------------------------------------ events

    /// @notice The council registered purpose `code` named `nameZh` / `nameEn`.
    event PurposeRegistered(uint32 indexed code, string nameZh, string nameEn);
    /// @notice The council retired purpose `code`: no new request or grant may name it.
    event PurposeRetired(uint32 indexed code);
    /// @notice The council registered the legal basis whose text hashes to `textHash`, cited as `citation`.
    event LegalBasisRegistered(bytes32 indexed textHash, string citation);
    /// @notice The council retired the legal basis `textHash`: no new request or grant may name it.
    event LegalBasisRetired(bytes32 indexed textHash);

    // ------------------------------------------------------------------ errors

    /// @notice The purpose code is zero.
    error PurposesZeroCode();
    /// @notice A purpose name is empty or longer than {MAX_TEXT_LENGTH} bytes.
    error PurposesInvalidName();
    /// @notice The legal-basis text hash is zero.
    error PurposesZeroTextHash();
    /// @notice The citation is empty or longer than {MAX_TEXT_LENGTH} bytes.
    error PurposesInvalidCitation();
    /// @notice The batch's arrays have different lengths.
    error PurposesInvalidBatch();
    /// @notice Purpose `code` is registered already.
    error PurposesPurposeExists(uint32 code);
    /// @notice Legal basis `textHash` is registered already.
    error PurposesLegalBasisExists(bytes32 textHash);
    /// @notice No purpose has code `code`.
    error PurposesUnknownPurpose(uint32 code);
    /// @notice No legal basis has hash `textHash`.
    error PurposesUnknownLegalBasis(bytes32 textHash);
    /// @notice Purpose `code` is retired already.
    error PurposesPurposeRetired(uint32 code);
    /// @notice Legal basis `textHash` is retired already.
    error PurposesLegalBasisRetired(bytes32 textHash);

    // ------------------------------------------------------------------ council writes

    /**
     * @notice Registers purpose `code` with its names.
     * @dev Requirements: council call (else {ConsortiumManagedNotCouncil}); `code` non-zero (else
     * {PurposesZeroCode}); both names 1..{MAX_TEXT_LENGTH} bytes (else {PurposesInvalidName}); `code` not
     * registered (else {PurposesPurposeExists}). Emits {PurposeRegistered}.
     */
    function registerPurpose(uint32 code, string calldata nameZh, string calldata nameEn) external;

    /**
     * @notice Registers the legal basis whose text hashes to `textHash` (keccak-256 of the UTF-8 text).
     * @dev Requirements: council call; `textHash` non-zero (else {PurposesZeroTextHash}); `citation`
     * 1..{MAX_TEXT_LENGTH} bytes (else {PurposesInvalidCitation}); not registered (else
     * {PurposesLegalBasisExists}). Emits {LegalBasisRegistered}.
     */
    function registerLegalBasis(bytes32 textHash, string calldata citation) external;

    /**
     * @notice Registers several purposes in one council decision, as {registerPurpose} each.
     * @dev Requirements: council call; the three arrays of equal length (else {PurposesInvalidBatch}); each
     * entry as for {registerPurpose}. Emits one {PurposeRegistered} per entry.
     */
    function registerPurposes(uint32[] calldata codes, string[] calldata namesZh, string[] calldata namesEn)
        external;

    /**
     * @notice Registers several legal bases in one council decision, as {registerLegalBasis} each.
     * @dev Requirements: council call; arrays of equal length (else {PurposesInvalidBatch}); each entry as
     * for {registerLegalBasis}. Emits one {LegalBasisRegistered} per entry.
     */
    function registerLegalBases(bytes32[] calldata textHashes, string[] calldata citations) external;

    /**
     * @notice Retires purpose `code` (kept, never deleted).
     * @dev Requirements: council call; registered (else {PurposesUnknownPurpose}); not retired (else
     * {PurposesPurposeRetired}). Emits {PurposeRetired}.
     */
    function retirePurpose(uint32 code) external;

    /**
     * @notice Retires legal basis `textHash` (kept, never deleted).
     * @dev Requirements: council call; registered (else {PurposesUnknownLegalBasis}); not retired (else
     * {PurposesLegalBasisRetired}). Emits {LegalBasisRetired}.
     */
    function retireLegalBasis(bytes32 textHash) external;

    // ------------------------------------------------------------------ views

    /// @notice Purpose `code`; reverts {PurposesUnknownPurpose} when not registered.
    function purpose(uint32 code) external view returns (Purpose memory);

    /// @notice Legal basis `textHash`; reverts {PurposesUnknownLegalBasis} when not registered.
    function legalBasis(bytes32 textHash) external view returns (LegalBasis memory);

    /// @notice Whether `code` and `textHash` are registered and not retired (what new requests and grants need).
    function usable(uint32 code, bytes32 textHash) external view returns (bool purposeUsable, bool legalBasisUsable);

    /// @notice How many purposes were ever registered.
    function purposeCount() external view returns (uint256);

    /// @notice How many legal bases were ever registered.
    function legalBasisCount() external view returns (uint256);

    /// @notice Up to `limit` purposes in registration order from position `offset` (retired ones included).
    function purposes(uint256 offset, uint256 limit) external view returns (Purpose[] memory page);

    /// @notice Up to `limit` legal bases in registration order from position `offset` (retired ones included).
    function legalBases(uint256 offset, uint256 limit) external view returns (LegalBasis[] memory page);
}
