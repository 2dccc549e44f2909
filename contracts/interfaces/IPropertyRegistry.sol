// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IConsortiumManaged} from "./IConsortiumManaged.sol";
import {ICertificates} from "./ICertificates.sol";
/**
 * @title IPropertyRegistry
 * @notice The real-estate registry (不动产登记): property units, an unbroken chain of title from the first
 * registration, mortgages, court seizures and inspections of actual use, every entry tied to the
 * department that made it and to the hash of its evidence.
 *
 * @dev Roles are designated by the council (council call, `msg.sender == consortium`) per department:
 * REGISTRAR (the natural-resources registration authority), BANK, COURT, INSPECTOR. A role only acts while
 * its department is also an active department of the consortium.
 *
 * No personal data: owners appear only as keyed hashes computed off chain (HMAC with the deployment
 * secret), evidence and orders as content hashes, creditors and cases as opaque references.
 *
 * Chain of title: {registerFirstOwnership} creates the first {TitleEntry} of a unit (previousEntryId 0);
 * each {registerTransfer} creates an entry whose `previousEntryId` is the unit's current entry and makes
 * it current. Entries are never changed or removed; {titleChain} lists a unit's entries in order.
 *
 * Certificates: each title entry is evidenced by at most one property certificate at a time
 * ({bindCertificate}: issued by the binding registrar in {certificates}, VALID, held by the entry's owner,
 * bound to no other entry). A transfer needs the seller's CURRENT certificate (the one bound to the unit's
 * current entry, still VALID) and supersedes it in the same transaction ({ICertificates.supersede}: this
 * registry is the Certificates contract's title registry), so no path moves a title while the seller's
 * certificate stays VALID. A transfer also carries the seller's consent: a non-zero hash of the consent
 * record and the assisted session it was given in, which is required and must have been opened for the
 * current owner at the desk of a department OTHER than the registrar (the transfer names that desk and
 * {IAssistedSessions.bindingOf} must equal `keccak256(abi.encode(desk, ownerHash))`). Each session carries
 * one transfer ({entryOfConsentSession}). So no single department moves a title: the registrar issues and
 * binds certificates, but the seller's presence is vouched for by another department's front desk.
 *
 * Encumbrances:
 *  - A transfer is refused while the unit has an active seizure ({PropertyRegistryUnitSeized}) or an
 *    outstanding mortgage ({PropertyRegistryMortgageOutstanding}). A mortgage is outstanding while it is
 *    not released and its bank has not consented to the transfer of the *current* title entry.
 *  - {consentToTransfer} binds the consent to the current title entry. The consented mortgage stays
 *    registered (it is carried with the unit to the new owner, as the Civil Code provides: the mortgage
 *    follows the property); after the transfer the consent no longer matches the current entry, so the
 *    mortgage is outstanding again and blocks the next transfer until the bank consents again or releases.
 *    {TitleTransferred} reports how many mortgages were carried.
 *  - A mortgage needs a registered owner, and cannot be registered while the unit is seized. A seizure can
 *    be registered on any unit, also before its first ownership (pre-seizure, 预查封); it does not block
 *    the first ownership registration, only transfers and new mortgages.
 *  - Limits (to keep every loop bounded): at most {MAX_ACTIVE_MORTGAGES} unreleased mortgages and
 *    {MAX_ACTIVE_SEIZURES} unreleased seizures per unit at a time. Released ones stay in the history and do
 *    not count. Only these active lists are ever iterated on chain.
 *
 * Use: `plannedUse` and `actualUse` are non-zero codes of the land-use classification (the code table is
 * off chain). Each {reportActualUse} is kept in the unit's history. It emits exactly one event:
 * {UseReported} when the actual use matches the planned use, {UseMismatchFlagged} (carrying the same
 * report data) when it does not. The unit's mismatch flag follows the latest report: set by a mismatching
 * report, cleared by a later matching one.
 *
 * Ids of units, title entries, mortgages and seizures are sequential from 1, each with its own counter.
 */
interface IPropertyRegistry is IConsortiumManaged {
    /// @notice Roles designated by the council.
    enum Role {
        Registrar,
        Bank,
        Court,
        Inspector
    }

    /// @notice A property unit as returned by {unit}. Owner fields are zero before the first registration.
    struct Unit {
        bytes32 parcelCode;
        bytes32 buildingCode; // zero for land-only units
        bytes32 unitCode; // zero for land-only units
        uint8 plannedUse;
        uint32 areaM2;
        address registrar; // the registrar that registered the unit
        uint64 registeredAt;
        bytes32 currentOwnerHash;
        uint256 currentEntryId;
        uint256 titleLength;
        uint256 activeSeizureCount;
        uint256 activeMortgageCount; // not released (consented or not)
        uint256 outstandingMortgageCount; // not released and not consented for the current entry
        uint256 useReportCount;
        uint8 lastActualUse; // 0 before the first report
        bool useMismatch; // the latest report's actual use differs from the planned use
    }

    /// @notice An entry of the chain of title. `previousEntryId` and `priorCertificateHash` are zero for
    /// the first registration.
    struct TitleEntry {
        uint256 entryId;
        uint256 unitId;
        bytes32 ownerHash;
        uint256 previousEntryId;
        bytes32 evidenceHash;
        bytes32 priorCertificateHash;
        bytes32 caseRef;
        address registrar;
        uint64 registeredAt;
        uint256 certificateId; // the certificate bound to this entry ({bindCertificate}), 0 until bound
    }

    /// @notice A mortgage. `titleEntryId` is the current entry when it was registered; `consentedEntryId`
    /// the entry the bank last consented to transfer (0 = never); `releasedAt` 0 while active;
    /// `outstanding` = not released and not consented for the unit's current entry.
    struct Mortgage {
        uint256 mortgageId;
        uint256 unitId;
        address bank;
        bytes32 creditorRef;
        bytes32 termsHash;
        uint256 titleEntryId;
        uint256 consentedEntryId;
        uint64 registeredAt;
        uint64 releasedAt;
        bool outstanding;
    }

    /// @notice A seizure. `releasedAt` and `releaseOrderHash` are zero while active.
    struct Seizure {
        uint256 seizureId;
        uint256 unitId;
        address court;
        bytes32 courtOrderHash;
        bytes32 releaseOrderHash;
        uint64 registeredAt;
        uint64 releasedAt;
    }

    /// @notice An inspection of actual use.
    struct UseReport {
        uint8 actualUse;
        bool mismatch;
        address inspector;
        uint64 reportedAt;
        bytes32 inspectionHash;
    }

    // ------------------------------------------------------------------ events

    /// @notice The council gave (`enabled`) or took `role` from `department`.
    event RoleSet(address indexed department, Role indexed role, bool enabled);
    /// @notice `registrar` registered `unitId`.
    event UnitRegistered(
        uint256 indexed unitId,
        bytes32 indexed parcelCode,
        address indexed registrar,
        bytes32 buildingCode,
        bytes32 unitCode,
        uint8 plannedUse,
        uint32 areaM2
    );
    /// @notice `registrar` registered the first ownership of `unitId` as title entry `entryId`.
    event FirstOwnershipRegistered(
        uint256 indexed unitId,
        bytes32 indexed ownerHash,
        address indexed registrar,
        uint256 entryId,
        bytes32 evidenceHash,
        bytes32 caseRef
    );
    /// @notice `registrar` registered the transfer of `unitId` to `newOwnerHash` as title entry `entryId`,
    /// following `previousEntryId`; `carriedMortgages` consented mortgages stay registered on the unit.
    event TitleTransferred(
        uint256 indexed unitId,
        bytes32 indexed newOwnerHash,
        address indexed registrar,
        uint256 entryId,
        uint256 previousEntryId,
        bytes32 evidenceHash,
        bytes32 priorCertificateHash,
        bytes32 caseRef,
        uint256 carriedMortgages
    );
    /// @notice `registrar` bound certificate `certId` to `unitId`'s current title entry `entryId`.
    event CertificateBound(
        uint256 indexed unitId, uint256 indexed entryId, uint256 indexed certId, address registrar
    );
    /// @notice The seller consented to the transfer that created title entry `entryId` of `unitId`:
    /// `consentHash` is the hash of the consent record, `assistedSessionId` the assisted session it was
    /// given in, opened at the desk of department `consentDesk`.
    event SellerConsentRecorded(
        uint256 indexed unitId,
        uint256 indexed entryId,
        uint256 indexed assistedSessionId,
        bytes32 consentHash,
        address consentDesk
    );
    /// @notice `bank` registered `mortgageId` on `unitId` against title entry `titleEntryId`.
    event MortgageRegistered(
        uint256 indexed mortgageId,
        uint256 indexed unitId,
        address indexed bank,
        uint256 titleEntryId,
        bytes32 creditorRef,
        bytes32 termsHash
    );
    /// @notice `bank` consented to the transfer of `unitId` away from title entry `titleEntryId`.
    event MortgageTransferConsented(
        uint256 indexed mortgageId, uint256 indexed unitId, address indexed bank, uint256 titleEntryId
    );
    /// @notice `bank` released `mortgageId`.
    event MortgageReleased(uint256 indexed mortgageId, uint256 indexed unitId, address indexed bank);
    /// @notice `court` seized `unitId` by the order `courtOrderHash`.
    event SeizureRegistered(
        uint256 indexed seizureId, uint256 indexed unitId, address indexed court, bytes32 courtOrderHash
    );
    /// @notice `court` released `seizureId` by the order `orderHash`.
    event SeizureReleased(uint256 indexed seizureId, uint256 indexed unitId, address indexed court, bytes32 orderHash);
    /// @notice `inspector` reported an actual use equal to the planned use (report `reportIndex`, from 0).
    event UseReported(
        uint256 indexed unitId, address indexed inspector, uint256 reportIndex, uint8 actualUse, bytes32 inspectionHash
    );
    /// @notice `inspector` reported an actual use different from the planned use (report `reportIndex`).
    event UseMismatchFlagged(
        uint256 indexed unitId,
        uint8 plannedUse,
        uint8 actualUse,
        address indexed inspector,
        uint256 reportIndex,
        bytes32 inspectionHash
    );

    // ------------------------------------------------------------------ errors

    /// @notice The department given a role is the zero address.
    error PropertyRegistryZeroAddress();
    /// @notice `account` does not hold `role`.
    error PropertyRegistryMissingRole(address account, Role role);
    /// @notice `department` already has `role` set to `enabled`.
    error PropertyRegistryRoleUnchanged(address department, Role role, bool enabled);
    /// @notice The parcel code is zero.
    error PropertyRegistryEmptyParcelCode();
    /// @notice A use code is zero.
    error PropertyRegistryInvalidUse(uint8 use);
    /// @notice The area is zero.
    error PropertyRegistryZeroArea();
    /// @notice The same parcel, building and unit codes are already registered as `unitId`.
    error PropertyRegistryUnitExists(uint256 unitId);
    /// @notice No unit has id `unitId`.
    error PropertyRegistryUnknownUnit(uint256 unitId);
    /// @notice No title entry has id `entryId`.
    error PropertyRegistryUnknownTitleEntry(uint256 entryId);
    /// @notice The owner hash is zero.
    error PropertyRegistryEmptyOwnerHash();
    /// @notice The evidence hash is zero.
    error PropertyRegistryEmptyEvidenceHash();
    /// @notice The prior certificate hash is zero.
    error PropertyRegistryEmptyCertificateHash();
    /// @notice The case reference is zero.
    error PropertyRegistryEmptyCaseRef();
    /// @notice `unitId` already has an owner (its current title entry is `entryId`).
    error PropertyRegistryAlreadyOwned(uint256 unitId, uint256 entryId);
    /// @notice `unitId` has no registered owner yet.
    error PropertyRegistryUnitNotOwned(uint256 unitId);
    /// @notice The new owner of `unitId` is already its current owner.
    error PropertyRegistrySameOwner(uint256 unitId, bytes32 ownerHash);
    /// @notice `unitId` is seized by the active seizure `seizureId`.
    error PropertyRegistryUnitSeized(uint256 unitId, uint256 seizureId);
    /// @notice `mortgageId` on `unitId` is neither released nor consented for the current title entry.
    error PropertyRegistryMortgageOutstanding(uint256 unitId, uint256 mortgageId);
    /// @notice `unitId` already has `max` active mortgages.
    error PropertyRegistryTooManyMortgages(uint256 unitId, uint256 max);
    /// @notice `unitId` already has `max` active seizures.
    error PropertyRegistryTooManySeizures(uint256 unitId, uint256 max);
    /// @notice The creditor reference is zero.
    error PropertyRegistryEmptyCreditorRef();
    /// @notice The mortgage terms hash is zero.
    error PropertyRegistryEmptyTermsHash();
    /// @notice No mortgage has id `mortgageId`.
    error PropertyRegistryUnknownMortgage(uint256 mortgageId);
    /// @notice `account` is not the bank of `mortgageId`.
    error PropertyRegistryNotMortgagee(uint256 mortgageId, address account);
    /// @notice `mortgageId` was released at `releasedAt`.
    error PropertyRegistryMortgageReleased(uint256 mortgageId, uint64 releasedAt);
    /// @notice `mortgageId` is already consented for the current title entry `entryId`.
    error PropertyRegistryMortgageAlreadyConsented(uint256 mortgageId, uint256 entryId);
    /// @notice A court order hash is zero.
    error PropertyRegistryEmptyOrderHash();
    /// @notice No seizure has id `seizureId`.
    error PropertyRegistryUnknownSeizure(uint256 seizureId);
    /// @notice `account` is not the court that registered `seizureId`.
    error PropertyRegistryNotSeizingCourt(uint256 seizureId, address account);
    /// @notice `seizureId` was released at `releasedAt`.
    error PropertyRegistrySeizureReleased(uint256 seizureId, uint64 releasedAt);
    /// @notice The inspection hash is zero.
    error PropertyRegistryEmptyInspectionHash();
    /// @notice The seller's consent hash is zero.
    error PropertyRegistryEmptyConsent();
    /// @notice No assisted session has id `sessionId`.
    error PropertyRegistryUnknownAssistedSession(uint256 sessionId);
    /// @notice Assisted session `sessionId` was not opened for the current owner of `unitId` at the named desk.
    error PropertyRegistryConsentNotBySeller(uint256 unitId, uint256 sessionId);
    /// @notice A transfer names no assisted consent session (`assistedSessionId` 0).
    error PropertyRegistryConsentSessionRequired(uint256 unitId);
    /// @notice The consent session's desk `desk` is the registrar itself: a registrar cannot vouch for the seller.
    error PropertyRegistryConsentAtRegistrarDesk(uint256 sessionId, address desk);
    /// @notice Consent session `sessionId` already carried the transfer that created title entry `entryId`.
    error PropertyRegistryConsentSessionUsed(uint256 sessionId, uint256 entryId);
    /// @notice `certificates` names `titleRegistry`, not this registry, as its title registry.
    error PropertyRegistryCertificatesNotLinked(address certificates, address titleRegistry);
    /// @notice The current title entry `entryId` of `unitId` has no certificate bound yet.
    error PropertyRegistryNoCurrentCertificate(uint256 unitId, uint256 entryId);
    /// @notice The presented certificate `presentedCertId` (0: unknown document) is not `currentCertId`,
    /// the one bound to the current title entry of `unitId` (another unit's, or an old one).
    error PropertyRegistryNotCurrentCertificate(uint256 unitId, uint256 presentedCertId, uint256 currentCertId);
    /// @notice Certificate `certId` is not VALID (`status`).
    error PropertyRegistryCertificateNotValid(uint256 certId, ICertificates.CertificateStatus status);
    /// @notice The current title entry `entryId` of `unitId` already has the VALID certificate `certId`.
    error PropertyRegistryCertificateAlreadyBound(uint256 unitId, uint256 entryId, uint256 certId);
    /// @notice Certificate `certId` is already bound to title entry `entryId`.
    error PropertyRegistryCertificateBoundElsewhere(uint256 certId, uint256 entryId);
    /// @notice Certificate `certId` was issued by `issuer`, not by the registrar binding it.
    error PropertyRegistryNotCertificateIssuer(uint256 certId, address issuer);
    /// @notice Certificate `certId` is held by `holderHash`, not by the current owner of `unitId`.
    error PropertyRegistryCertificateHolderMismatch(uint256 unitId, uint256 certId, bytes32 holderHash);

    // ------------------------------------------------------------------ council

    /**
     * @notice Gives (`enabled = true`) or takes away `role` from `department`.
     * @dev Requirements: caller is the consortium (a council call); `department` non-zero; when enabling,
     * `department` is an active department; the role actually changes. Emits {RoleSet}.
     */
    function setRole(address department, Role role, bool enabled) external;

    // ------------------------------------------------------------------ registrar

    /**
     * @notice Registers a property unit identified by its parcel, building and unit codes.
     * @return unitId the new id (sequential from 1).
     * @dev Requirements: caller holds REGISTRAR and is active; `parcelCode` non-zero (building and unit
     * codes may be zero for land-only units); `plannedUse` non-zero; `areaM2` non-zero; the code triple is
     * not registered yet. Emits {UnitRegistered}.
     */
    function registerUnit(bytes32 parcelCode, bytes32 buildingCode, bytes32 unitCode, uint8 plannedUse, uint32 areaM2)
        external
        returns (uint256 unitId);

    /**
     * @notice Registers the first ownership of `unitId`, starting its chain of title.
     * @return entryId the new title entry.
     * @dev Requirements: caller holds REGISTRAR and is active; the unit exists and has no owner yet;
     * `ownerHash`, `evidenceHash`, `caseRef` non-zero. Allowed while the unit is (pre-)seized.
     * Emits {FirstOwnershipRegistered}.
     */
    function registerFirstOwnership(uint256 unitId, bytes32 ownerHash, bytes32 evidenceHash, bytes32 caseRef)
        external
        returns (uint256 entryId);

    /**
     * @notice Binds certificate `certId` to the current title entry of `unitId`: the certificate the owner
     * must present (and that is superseded) when the unit is transferred.
     * @dev Requirements: caller holds REGISTRAR and is active; the unit exists and has an owner; the
     * entry has no bound certificate, or its bound one is no longer VALID (a replacement); `certId` is
     * bound to no entry; it exists, was issued by the caller, is held by the current owner and is VALID.
     * Emits {CertificateBound}.
     */
    function bindCertificate(uint256 unitId, uint256 certId) external;

    /**
     * @notice Registers the transfer of `unitId` to `newOwnerHash`, appending to its chain of title, and
     * supersedes the seller's current certificate in the same transaction.
     * @param evidenceHash hash of the evidence bundle (contract, tax clearance, identity checks…).
     * @param priorCertificateHash document hash of the seller's current property certificate.
     * @param sellerConsentHash hash of the seller's consent record; non-zero.
     * @param assistedSessionId the assisted session the seller consented in; required, not used before.
     * @param consentDesk the department whose desk opened that session; not the caller.
     * @return entryId the new title entry; its previousEntryId is the unit's previous current entry.
     * @dev Requirements, in this order: caller holds REGISTRAR and is active; the unit exists and has an
     * owner; hashes and `caseRef` non-zero; `newOwnerHash` differs from the current owner; consent non-zero
     * ({PropertyRegistryEmptyConsent}); the current entry has a bound certificate
     * ({PropertyRegistryNoCurrentCertificate}), the presented one is it ({PropertyRegistryNotCurrentCertificate})
     * and it is VALID ({PropertyRegistryCertificateNotValid}); a consent session is named
     * ({PropertyRegistryConsentSessionRequired}), exists ({PropertyRegistryUnknownAssistedSession}), was
     * opened at `consentDesk` for the current owner ({PropertyRegistryConsentNotBySeller}), `consentDesk`
     * is not the caller ({PropertyRegistryConsentAtRegistrarDesk}) and the session carried no transfer yet
     * ({PropertyRegistryConsentSessionUsed}); no active seizure ({PropertyRegistryUnitSeized} names the
     * first one); no outstanding mortgage ({PropertyRegistryMortgageOutstanding} names the first one).
     * Emits {TitleTransferred} and {SellerConsentRecorded}; Certificates emits {ICertificates.CertificateSuperseded}.
     */
    function registerTransfer(
        uint256 unitId,
        bytes32 newOwnerHash,
        bytes32 evidenceHash,
        bytes32 priorCertificateHash,
        bytes32 caseRef,
        bytes32 sellerConsentHash,
        uint256 assistedSessionId,
        address consentDesk
    ) external returns (uint256 entryId);

    // ------------------------------------------------------------------ bank

    /**
     * @notice Registers a mortgage of the caller (the bank) on `unitId`.
     * @param creditorRef opaque reference of the secured claim (loan contract number, hashed).
     * @param termsHash hash of the mortgage contract (amount, term, rank).
     * @return mortgageId the new id.
     * @dev Requirements: caller holds BANK and is active; the unit exists and has an owner; `creditorRef`
     * and `termsHash` non-zero; no active seizure; fewer than {MAX_ACTIVE_MORTGAGES} active mortgages.
     * Emits {MortgageRegistered}.
     */
    function registerMortgage(uint256 unitId, bytes32 creditorRef, bytes32 termsHash)
        external
        returns (uint256 mortgageId);

    /**
     * @notice Consents, as the mortgage's bank, to the transfer of the unit away from its current entry.
     * @dev Requirements: caller holds BANK and is active; the mortgage exists; caller is its bank; not
     * released; not yet consented for the current entry. Emits {MortgageTransferConsented}.
     */
    function consentToTransfer(uint256 mortgageId) external;

    /**
     * @notice Releases the mortgage (the secured claim was paid).
     * @dev Requirements: caller holds BANK and is active; the mortgage exists; caller is its bank; not
     * released. Emits {MortgageReleased}.
     */
    function releaseMortgage(uint256 mortgageId) external;

    // ------------------------------------------------------------------ court

    /**
     * @notice Seizes `unitId` by the court order `courtOrderHash`.
     * @return seizureId the new id.
     * @dev Requirements: caller holds COURT and is active; the unit exists; `courtOrderHash` non-zero;
     * fewer than {MAX_ACTIVE_SEIZURES} active seizures on the unit. Emits {SeizureRegistered}.
     */
    function registerSeizure(uint256 unitId, bytes32 courtOrderHash) external returns (uint256 seizureId);

    /**
     * @notice Releases `seizureId` by the court order `orderHash`.
     * @dev Requirements: caller holds COURT and is active; the seizure exists; caller is the court that
     * registered it; not released; `orderHash` non-zero. Emits {SeizureReleased}.
     */
    function releaseSeizure(uint256 seizureId, bytes32 orderHash) external;

    // ------------------------------------------------------------------ inspector

    /**
     * @notice Reports the actual use of `unitId` found by an inspection.
     * @dev Requirements: caller holds INSPECTOR and is active; the unit exists; `actualUse` non-zero;
     * `inspectionHash` non-zero. Emits {UseReported} if `actualUse` equals the planned use, otherwise
     * {UseMismatchFlagged} (exactly one of them).
     */
    function reportActualUse(uint256 unitId, uint8 actualUse, bytes32 inspectionHash) external;

    // ------------------------------------------------------------------ views

    /// @notice Maximum number of unreleased mortgages per unit.
    function MAX_ACTIVE_MORTGAGES() external view returns (uint256);
    /// @notice Maximum number of unreleased seizures per unit.
    function MAX_ACTIVE_SEIZURES() external view returns (uint256);
    /// @notice Whether `department` holds `role` (regardless of its membership status).
    function hasRole(address department, Role role) external view returns (bool);
    /// @notice Unit `unitId`; reverts {PropertyRegistryUnknownUnit} if it does not exist.
    function unit(uint256 unitId) external view returns (Unit memory);
    /// @notice Id of the unit with these codes, 0 if none.
    function unitIdOf(bytes32 parcelCode, bytes32 buildingCode, bytes32 unitCode) external view returns (uint256);
    /// @notice Title entry `entryId`; reverts {PropertyRegistryUnknownTitleEntry} if it does not exist.
    function titleEntry(uint256 entryId) external view returns (TitleEntry memory);
    /// @notice The title entry certificate `certId` is bound to, 0 if none.
    function entryOfCertificate(uint256 certId) external view returns (uint256);
    /// @notice The title entry whose transfer assisted session `sessionId` carried, 0 if none.
    function entryOfConsentSession(uint256 sessionId) external view returns (uint256);
    /// @notice The Certificates contract whose property certificates evidence title entries.
    function certificates() external view returns (address);
    /// @notice The AssistedSessions contract that records sessions in which sellers consent.
    function assistedSessions() external view returns (address);
    /// @notice Title entry ids of `unitId` from the first registration to the current owner.
    function titleChain(uint256 unitId) external view returns (uint256[] memory);
    /// @notice Mortgage `mortgageId`; reverts {PropertyRegistryUnknownMortgage} if it does not exist.
    function mortgage(uint256 mortgageId) external view returns (Mortgage memory);
    /// @notice All mortgages ever registered on `unitId`, in registration order.
    function mortgages(uint256 unitId) external view returns (Mortgage[] memory);
    /// @notice Seizure `seizureId`; reverts {PropertyRegistryUnknownSeizure} if it does not exist.
    function seizure(uint256 seizureId) external view returns (Seizure memory);
    /// @notice All seizures ever registered on `unitId`, in registration order.
    function seizures(uint256 unitId) external view returns (Seizure[] memory);
    /// @notice All use reports of `unitId`, in order (index = `reportIndex` of the events).
    function useReports(uint256 unitId) external view returns (UseReport[] memory);
    /// @notice Number of units; ids run from 1 to `unitCount()`.
    function unitCount() external view returns (uint256);
    /// @notice Number of title entries; ids run from 1 to `titleEntryCount()`.
    function titleEntryCount() external view returns (uint256);
    /// @notice Number of mortgages; ids run from 1 to `mortgageCount()`.
    function mortgageCount() external view returns (uint256);
    /// @notice Number of seizures; ids run from 1 to `seizureCount()`.
    function seizureCount() external view returns (uint256);
}
