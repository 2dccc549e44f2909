// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ConsortiumManaged} from "./ConsortiumManaged.sol";
import {IPropertyRegistry} from "./interfaces/IPropertyRegistry.sol";
import {ICertificates} from "./interfaces/ICertificates.sol";
import {IAssistedSessions} from "./interfaces/IAssistedSessions.sol";

/**
 * @title PropertyRegistry
 * @notice Real-estate registry with an unbroken chain of title, mortgages, seizures and use reports.
 * See {IPropertyRegistry}.
 * @dev Per unit, the ids of unreleased mortgages and seizures are kept in small ordered lists (at most
 * {MAX_ACTIVE_MORTGAGES} / {MAX_ACTIVE_SEIZURES} long); they are the only lists iterated on chain, so every
 * write is bounded. The full history lists only grow and are only read by views.
 */
// 4 counters + 14 mappings: the 13th (certificate -> title entry) keeps a certificate to one entry, the 14th
// (consent session -> title entry) a consent to one transfer; splitting would only add cross-contract calls.
// solhint-disable-next-line max-states-count
contract PropertyRegistry is IPropertyRegistry, ConsortiumManaged {
    struct UnitRecord {
        bytes32 parcelCode;
        bytes32 buildingCode;
        bytes32 unitCode;
        address registrar; // 20 bytes, non-zero for every registered unit
        uint32 areaM2;
        uint8 plannedUse;
        uint8 lastActualUse;
        bool useMismatch;
        uint64 registeredAt;
        uint64 currentEntryId; // 0 until the first ownership registration
    }

    struct TitleRecord {
        bytes32 ownerHash;
        bytes32 evidenceHash;
        bytes32 priorCertificateHash;
        bytes32 caseRef;
        address registrar;
        uint64 registeredAt;
        uint64 unitId;
        uint64 previousEntryId;
        uint64 certificateId; // packed with the two ids above: binding costs no new slot
    }

    struct MortgageRecord {
        bytes32 creditorRef;
        bytes32 termsHash;
        address bank;
        uint64 registeredAt;
        uint64 unitId;
        uint64 titleEntryId;
        uint64 consentedEntryId;
        uint64 releasedAt;
    }

    struct SeizureRecord {
        bytes32 courtOrderHash;
        bytes32 releaseOrderHash;
        address court;
        uint64 registeredAt;
        uint64 unitId;
        uint64 releasedAt;
    }

    /// @inheritdoc IPropertyRegistry
    uint256 public constant MAX_ACTIVE_MORTGAGES = 8;
    /// @inheritdoc IPropertyRegistry
    uint256 public constant MAX_ACTIVE_SEIZURES = 16;

    ICertificates private immutable _certificates;
    IAssistedSessions private immutable _assistedSessions;

    uint256 private _unitCount;
    uint256 private _entryCount;
    uint256 private _mortgageCount;
    uint256 private _seizureCount;

    mapping(address department => mapping(Role => bool)) private _roles;
    mapping(uint256 unitId => UnitRecord) private _units;
    mapping(bytes32 codeKey => uint256 unitId) private _unitByCodes;
    mapping(uint256 entryId => TitleRecord) private _entries;
    mapping(uint256 mortgageId => MortgageRecord) private _mortgages;
    mapping(uint256 seizureId => SeizureRecord) private _seizures;

    mapping(uint256 unitId => uint256[]) private _chain;
    mapping(uint256 unitId => uint256[]) private _unitMortgages;
    mapping(uint256 unitId => uint256[]) private _unitSeizures;
    mapping(uint256 unitId => uint256[]) private _activeMortgages;
    mapping(uint256 unitId => uint256[]) private _activeSeizures;
    mapping(uint256 unitId => UseReport[]) private _useReports;
    mapping(uint256 certId => uint256 entryId) private _entryOfCertificate;
    mapping(uint256 sessionId => uint256 entryId) private _entryOfConsentSession;

    /// @param consortium_ the consortium whose council designates roles.
    /// @param certificates_ the Certificates contract, deployed naming this registry as its title registry:
    /// checked here, so that no other contract can be the one allowed to supersede its certificates.
    /// @param assistedSessions_ the AssistedSessions contract (sellers' assisted consent).
    constructor(address consortium_, address certificates_, address assistedSessions_)
        ConsortiumManaged(consortium_)
    {
        if (certificates_ == address(0) || assistedSessions_ == address(0)) revert PropertyRegistryZeroAddress();
        address linked = ICertificates(certificates_).titleRegistry();
        if (linked != address(this)) revert PropertyRegistryCertificatesNotLinked(certificates_, linked);
        _certificates = ICertificates(certificates_);
        _assistedSessions = IAssistedSessions(assistedSessions_);
    }

    // ================================================================== council

    /// @inheritdoc IPropertyRegistry
    function setRole(address department, Role role, bool enabled) external onlyCouncil {
        if (department == address(0)) revert PropertyRegistryZeroAddress();
        if (enabled) _requireActiveDepartment(department);
        if (_roles[department][role] == enabled) revert PropertyRegistryRoleUnchanged(department, role, enabled);

        _roles[department][role] = enabled;
        emit RoleSet(department, role, enabled);
    }

    // ================================================================== registrar

    /// @inheritdoc IPropertyRegistry
    function registerUnit(bytes32 parcelCode, bytes32 buildingCode, bytes32 unitCode, uint8 plannedUse, uint32 areaM2)
        external
        returns (uint256 unitId)
    {
        _requireRole(Role.Registrar);
        if (parcelCode == bytes32(0)) revert PropertyRegistryEmptyParcelCode();
        if (plannedUse == 0) revert PropertyRegistryInvalidUse(plannedUse);
        if (areaM2 == 0) revert PropertyRegistryZeroArea();
        bytes32 key = keccak256(abi.encode(parcelCode, buildingCode, unitCode));
        uint256 existing = _unitByCodes[key];
        if (existing != 0) revert PropertyRegistryUnitExists(existing);

        unitId = ++_unitCount;
        _unitByCodes[key] = unitId;
        _units[unitId] = UnitRecord({
            parcelCode: parcelCode,
            buildingCode: buildingCode,
            unitCode: unitCode,
            registrar: msg.sender,
            areaM2: areaM2,
            plannedUse: plannedUse,
            lastActualUse: 0,
            useMismatch: false,
            registeredAt: uint64(block.timestamp),
            currentEntryId: 0
        });
        emit UnitRegistered(unitId, parcelCode, msg.sender, buildingCode, unitCode, plannedUse, areaM2);
    }

    /// @inheritdoc IPropertyRegistry
    function registerFirstOwnership(uint256 unitId, bytes32 ownerHash, bytes32 evidenceHash, bytes32 caseRef)
        external
        returns (uint256 entryId)
    {
        _requireRole(Role.Registrar);
        UnitRecord storage u = _existingUnit(unitId);
        if (u.currentEntryId != 0) revert PropertyRegistryAlreadyOwned(unitId, u.currentEntryId);
        if (ownerHash == bytes32(0)) revert PropertyRegistryEmptyOwnerHash();
        if (evidenceHash == bytes32(0)) revert PropertyRegistryEmptyEvidenceHash();
        if (caseRef == bytes32(0)) revert PropertyRegistryEmptyCaseRef();

        entryId = _appendEntry(u, unitId, ownerHash, evidenceHash, bytes32(0), caseRef, 0);
        emit FirstOwnershipRegistered(unitId, ownerHash, msg.sender, entryId, evidenceHash, caseRef);
    }

    /// @inheritdoc IPropertyRegistry
    function bindCertificate(uint256 unitId, uint256 certId) external {
        _requireRole(Role.Registrar);
        UnitRecord storage u = _existingUnit(unitId);
        uint64 entryId = u.currentEntryId;
        if (entryId == 0) revert PropertyRegistryUnitNotOwned(unitId);
        TitleRecord storage e = _entries[entryId];
        uint256 bound = e.certificateId;
        if (bound != 0 && _certificates.statusOf(bound) == ICertificates.CertificateStatus.Valid) {
            revert PropertyRegistryCertificateAlreadyBound(unitId, entryId, bound);
        }
        uint256 elsewhere = _entryOfCertificate[certId];
        if (elsewhere != 0) revert PropertyRegistryCertificateBoundElsewhere(certId, elsewhere);
        ICertificates.Certificate memory c = _certificates.certificate(certId); // reverts if unknown
        if (c.issuer != msg.sender) revert PropertyRegistryNotCertificateIssuer(certId, c.issuer);
        if (c.holderHash != e.ownerHash) revert PropertyRegistryCertificateHolderMismatch(unitId, certId, c.holderHash);
        ICertificates.CertificateStatus status = _certificates.statusOf(certId);
        if (status != ICertificates.CertificateStatus.Valid) revert PropertyRegistryCertificateNotValid(certId, status);

        e.certificateId = uint64(certId);
        _entryOfCertificate[certId] = entryId;
        emit CertificateBound(unitId, entryId, certId, msg.sender);
    }

    /// @inheritdoc IPropertyRegistry
    function registerTransfer(
        uint256 unitId,
        bytes32 newOwnerHash,
        bytes32 evidenceHash,
        bytes32 priorCertificateHash,
        bytes32 caseRef,
        bytes32 sellerConsentHash,
        uint256 assistedSessionId,
        address consentDesk
    ) external returns (uint256 entryId) {
        _requireRole(Role.Registrar);
        uint64 previousEntryId = _currentEntryForTransfer(unitId, newOwnerHash, evidenceHash, priorCertificateHash, caseRef);
        if (sellerConsentHash == bytes32(0)) revert PropertyRegistryEmptyConsent();
        TitleRecord storage previous = _entries[previousEntryId];
        uint256 certId = _currentCertificate(unitId, previousEntryId, previous.certificateId, priorCertificateHash);
        _requireSellerSession(unitId, previous.ownerHash, assistedSessionId, consentDesk);

        entryId = _recordTransfer(unitId, newOwnerHash, evidenceHash, priorCertificateHash, caseRef, previousEntryId);
        _entryOfConsentSession[assistedSessionId] = entryId; // one transfer per consent
        emit SellerConsentRecorded(unitId, entryId, assistedSessionId, sellerConsentHash, consentDesk);
        // Last, after every effect: the seller's certificate stops verifying VALID in this same transaction.
        _certificates.supersede(certId, caseRef);
    }

    // ================================================================== bank

    /// @inheritdoc IPropertyRegistry
    function registerMortgage(uint256 unitId, bytes32 creditorRef, bytes32 termsHash)
        external
        returns (uint256 mortgageId)
    {
        _requireRole(Role.Bank);
        UnitRecord storage u = _existingUnit(unitId);
        uint64 entryId = u.currentEntryId;
        if (entryId == 0) revert PropertyRegistryUnitNotOwned(unitId);
        if (creditorRef == bytes32(0)) revert PropertyRegistryEmptyCreditorRef();
        if (termsHash == bytes32(0)) revert PropertyRegistryEmptyTermsHash();
        _requireNotSeized(unitId);
        uint256[] storage active = _activeMortgages[unitId];
        if (active.length >= MAX_ACTIVE_MORTGAGES) revert PropertyRegistryTooManyMortgages(unitId, MAX_ACTIVE_MORTGAGES);

        mortgageId = ++_mortgageCount;
        _mortgages[mortgageId] = MortgageRecord({
            creditorRef: creditorRef,
            termsHash: termsHash,
            bank: msg.sender,
            registeredAt: uint64(block.timestamp),
            unitId: uint64(unitId),
            titleEntryId: entryId,
            consentedEntryId: 0,
            releasedAt: 0
        });
        _unitMortgages[unitId].push(mortgageId);
        active.push(mortgageId);
        emit MortgageRegistered(mortgageId, unitId, msg.sender, entryId, creditorRef, termsHash);
    }

    /// @inheritdoc IPropertyRegistry
    function consentToTransfer(uint256 mortgageId) external {
        _requireRole(Role.Bank);
        MortgageRecord storage m = _activeMortgageOfCaller(mortgageId);
        uint64 entryId = _units[m.unitId].currentEntryId;
        if (m.consentedEntryId == entryId) revert PropertyRegistryMortgageAlreadyConsented(mortgageId, entryId);

        m.consentedEntryId = entryId;
        emit MortgageTransferConsented(mortgageId, m.unitId, msg.sender, entryId);
    }

    /// @inheritdoc IPropertyRegistry
    function releaseMortgage(uint256 mortgageId) external {
        _requireRole(Role.Bank);
        MortgageRecord storage m = _activeMortgageOfCaller(mortgageId);
        uint256 unitId = m.unitId;

        m.releasedAt = uint64(block.timestamp);
        _removeActive(_activeMortgages[unitId], mortgageId);
        emit MortgageReleased(mortgageId, unitId, msg.sender);
    }

    // ================================================================== court

    /// @inheritdoc IPropertyRegistry
    function registerSeizure(uint256 unitId, bytes32 courtOrderHash) external returns (uint256 seizureId) {
        _requireRole(Role.Court);
        _existingUnit(unitId);
        if (courtOrderHash == bytes32(0)) revert PropertyRegistryEmptyOrderHash();
        uint256[] storage active = _activeSeizures[unitId];
        if (active.length >= MAX_ACTIVE_SEIZURES) revert PropertyRegistryTooManySeizures(unitId, MAX_ACTIVE_SEIZURES);

        seizureId = ++_seizureCount;
        _seizures[seizureId] = SeizureRecord({
            courtOrderHash: courtOrderHash,
            releaseOrderHash: bytes32(0),
            court: msg.sender,
            registeredAt: uint64(block.timestamp),
            unitId: uint64(unitId),
            releasedAt: 0
        });
        _unitSeizures[unitId].push(seizureId);
        active.push(seizureId);
        emit SeizureRegistered(seizureId, unitId, msg.sender, courtOrderHash);
    }

    /// @inheritdoc IPropertyRegistry
    function releaseSeizure(uint256 seizureId, bytes32 orderHash) external {
        _requireRole(Role.Court);
        SeizureRecord storage s = _seizures[seizureId];
        if (s.court == address(0)) revert PropertyRegistryUnknownSeizure(seizureId);
        if (s.court != msg.sender) revert PropertyRegistryNotSeizingCourt(seizureId, msg.sender);
        if (s.releasedAt != 0) revert PropertyRegistrySeizureReleased(seizureId, s.releasedAt);
        if (orderHash == bytes32(0)) revert PropertyRegistryEmptyOrderHash();
        uint256 unitId = s.unitId;

        s.releasedAt = uint64(block.timestamp);
        s.releaseOrderHash = orderHash;
        _removeActive(_activeSeizures[unitId], seizureId);
        emit SeizureReleased(seizureId, unitId, msg.sender, orderHash);
    }

    // ================================================================== inspector

    /// @inheritdoc IPropertyRegistry
    function reportActualUse(uint256 unitId, uint8 actualUse, bytes32 inspectionHash) external {
        _requireRole(Role.Inspector);
        UnitRecord storage u = _existingUnit(unitId);
        if (actualUse == 0) revert PropertyRegistryInvalidUse(actualUse);
        if (inspectionHash == bytes32(0)) revert PropertyRegistryEmptyInspectionHash();

        uint8 plannedUse = u.plannedUse;
        bool mismatch = actualUse != plannedUse;
        uint256 reportIndex = _useReports[unitId].length;
        // Pushed through the mapping, not a storage alias, so static analysis sees the write.
        _useReports[unitId].push(
            UseReport({
                actualUse: actualUse,
                mismatch: mismatch,
                inspector: msg.sender,
                reportedAt: uint64(block.timestamp),
                inspectionHash: inspectionHash
            })
        );
        u.lastActualUse = actualUse;
        u.useMismatch = mismatch;
        if (mismatch) {
            emit UseMismatchFlagged(unitId, plannedUse, actualUse, msg.sender, reportIndex, inspectionHash);
        } else {
            emit UseReported(unitId, msg.sender, reportIndex, actualUse, inspectionHash);
        }
    }

    // ================================================================== views

    /// @inheritdoc IPropertyRegistry
    function hasRole(address department, Role role) external view returns (bool) {
        return _roles[department][role];
    }

    /// @inheritdoc IPropertyRegistry
    function unit(uint256 unitId) external view returns (Unit memory) {
        UnitRecord storage u = _existingUnit(unitId);
        uint256[] storage active = _activeMortgages[unitId];
        uint256 outstanding = 0;
        for (uint256 i = 0; i < active.length; ++i) {
            if (_mortgages[active[i]].consentedEntryId != u.currentEntryId) ++outstanding;
        }
        return Unit({
            parcelCode: u.parcelCode,
            buildingCode: u.buildingCode,
            unitCode: u.unitCode,
            plannedUse: u.plannedUse,
            areaM2: u.areaM2,
            registrar: u.registrar,
            registeredAt: u.registeredAt,
            currentOwnerHash: _entries[u.currentEntryId].ownerHash,
            currentEntryId: u.currentEntryId,
            titleLength: _chain[unitId].length,
            activeSeizureCount: _activeSeizures[unitId].length,
            activeMortgageCount: active.length,
            outstandingMortgageCount: outstanding,
            useReportCount: _useReports[unitId].length,
            lastActualUse: u.lastActualUse,
            useMismatch: u.useMismatch
        });
    }

    /// @inheritdoc IPropertyRegistry
    function unitIdOf(bytes32 parcelCode, bytes32 buildingCode, bytes32 unitCode) external view returns (uint256) {
        return _unitByCodes[keccak256(abi.encode(parcelCode, buildingCode, unitCode))];
    }

    /// @inheritdoc IPropertyRegistry
    function titleEntry(uint256 entryId) external view returns (TitleEntry memory) {
        TitleRecord storage e = _entries[entryId];
        if (e.registrar == address(0)) revert PropertyRegistryUnknownTitleEntry(entryId);
        return TitleEntry({
            entryId: entryId,
            unitId: e.unitId,
            ownerHash: e.ownerHash,
            previousEntryId: e.previousEntryId,
            evidenceHash: e.evidenceHash,
            priorCertificateHash: e.priorCertificateHash,
            caseRef: e.caseRef,
            registrar: e.registrar,
            registeredAt: e.registeredAt,
            certificateId: e.certificateId
        });
    }

    /// @inheritdoc IPropertyRegistry
    function entryOfCertificate(uint256 certId) external view returns (uint256) {
        return _entryOfCertificate[certId];
    }

    /// @inheritdoc IPropertyRegistry
    function entryOfConsentSession(uint256 sessionId) external view returns (uint256) {
        return _entryOfConsentSession[sessionId];
    }

    /// @inheritdoc IPropertyRegistry
    function certificates() external view returns (address) {
        return address(_certificates);
    }

    /// @inheritdoc IPropertyRegistry
    function assistedSessions() external view returns (address) {
        return address(_assistedSessions);
    }

    /// @inheritdoc IPropertyRegistry
    function titleChain(uint256 unitId) external view returns (uint256[] memory) {
        _existingUnit(unitId);
        return _chain[unitId];
    }

    /// @inheritdoc IPropertyRegistry
    function mortgage(uint256 mortgageId) external view returns (Mortgage memory) {
        if (_mortgages[mortgageId].bank == address(0)) revert PropertyRegistryUnknownMortgage(mortgageId);
        return _mortgageView(mortgageId);
    }

    /// @inheritdoc IPropertyRegistry
    function mortgages(uint256 unitId) external view returns (Mortgage[] memory list) {
        _existingUnit(unitId);
        uint256[] storage ids = _unitMortgages[unitId];
        list = new Mortgage[](ids.length);
        for (uint256 i = 0; i < ids.length; ++i) {
            list[i] = _mortgageView(ids[i]);
        }
    }

    /// @inheritdoc IPropertyRegistry
    function seizure(uint256 seizureId) external view returns (Seizure memory) {
        if (_seizures[seizureId].court == address(0)) revert PropertyRegistryUnknownSeizure(seizureId);
        return _seizureView(seizureId);
    }

    /// @inheritdoc IPropertyRegistry
    function seizures(uint256 unitId) external view returns (Seizure[] memory list) {
        _existingUnit(unitId);
        uint256[] storage ids = _unitSeizures[unitId];
        list = new Seizure[](ids.length);
        for (uint256 i = 0; i < ids.length; ++i) {
            list[i] = _seizureView(ids[i]);
        }
    }

    /// @inheritdoc IPropertyRegistry
    function useReports(uint256 unitId) external view returns (UseReport[] memory) {
        _existingUnit(unitId);
        return _useReports[unitId];
    }

    /// @inheritdoc IPropertyRegistry
    function unitCount() external view returns (uint256) {
        return _unitCount;
    }

    /// @inheritdoc IPropertyRegistry
    function titleEntryCount() external view returns (uint256) {
        return _entryCount;
    }

    /// @inheritdoc IPropertyRegistry
    function mortgageCount() external view returns (uint256) {
        return _mortgageCount;
    }

    /// @inheritdoc IPropertyRegistry
    function seizureCount() external view returns (uint256) {
        return _seizureCount;
    }

    // ================================================================== internals

    function _appendEntry(
        UnitRecord storage u,
        uint256 unitId,
        bytes32 ownerHash,
        bytes32 evidenceHash,
        bytes32 priorCertificateHash,
        bytes32 caseRef,
        uint64 previousEntryId
    ) private returns (uint256 entryId) {
        entryId = ++_entryCount;
        _entries[entryId] = TitleRecord({
            ownerHash: ownerHash,
            evidenceHash: evidenceHash,
            priorCertificateHash: priorCertificateHash,
            caseRef: caseRef,
            registrar: msg.sender,
            registeredAt: uint64(block.timestamp),
            unitId: uint64(unitId),
            previousEntryId: previousEntryId,
            certificateId: 0
        });
        _chain[unitId].push(entryId);
        u.currentEntryId = uint64(entryId);
    }

    /// @dev The unit's current entry, once the transfer's inputs are complete and name a new owner.
    function _currentEntryForTransfer(
        uint256 unitId,
        bytes32 newOwnerHash,
        bytes32 evidenceHash,
        bytes32 priorCertificateHash,
        bytes32 caseRef
    ) private view returns (uint64 entryId) {
        entryId = _existingUnit(unitId).currentEntryId;
        if (entryId == 0) revert PropertyRegistryUnitNotOwned(unitId);
        if (newOwnerHash == bytes32(0)) revert PropertyRegistryEmptyOwnerHash();
        if (evidenceHash == bytes32(0)) revert PropertyRegistryEmptyEvidenceHash();
        if (priorCertificateHash == bytes32(0)) revert PropertyRegistryEmptyCertificateHash();
        if (caseRef == bytes32(0)) revert PropertyRegistryEmptyCaseRef();
        if (_entries[entryId].ownerHash == newOwnerHash) revert PropertyRegistrySameOwner(unitId, newOwnerHash);
    }

    /// @dev The encumbrance checks, then the new entry and its {TitleTransferred}.
    function _recordTransfer(
        uint256 unitId,
        bytes32 newOwnerHash,
        bytes32 evidenceHash,
        bytes32 priorCertificateHash,
        bytes32 caseRef,
        uint64 previousEntryId
    ) private returns (uint256 entryId) {
        _requireNotSeized(unitId);
        uint256 carried = _requireNoOutstandingMortgage(unitId, previousEntryId);
        entryId = _appendEntry(
            _units[unitId], unitId, newOwnerHash, evidenceHash, priorCertificateHash, caseRef, previousEntryId
        );
        emit TitleTransferred(
            unitId,
            newOwnerHash,
            msg.sender,
            entryId,
            previousEntryId,
            evidenceHash,
            priorCertificateHash,
            caseRef,
            carried
        );
    }

    /// @dev The certificate bound to the current entry, if `presented` is its document and it is VALID.
    function _currentCertificate(uint256 unitId, uint256 entryId, uint256 bound, bytes32 presented)
        private
        view
        returns (uint256)
    {
        if (bound == 0) revert PropertyRegistryNoCurrentCertificate(unitId, entryId);
        uint256 certId = _certificates.certificateIdOf(presented);
        if (certId != bound) revert PropertyRegistryNotCurrentCertificate(unitId, certId, bound);
        ICertificates.CertificateStatus status = _certificates.statusOf(certId);
        if (status != ICertificates.CertificateStatus.Valid) revert PropertyRegistryCertificateNotValid(certId, status);
        return certId;
    }

    /// @dev The consent must come from an unused recorded session opened for the seller at `desk`, a department
    /// other than the registrar: the registrar alone (its own desk, no session, an old one) cannot consent.
    function _requireSellerSession(uint256 unitId, bytes32 sellerHash, uint256 sessionId, address desk)
        private
        view
    {
        if (sessionId == 0) revert PropertyRegistryConsentSessionRequired(unitId);
        bytes32 binding = _assistedSessions.bindingOf(sessionId);
        if (binding == bytes32(0)) revert PropertyRegistryUnknownAssistedSession(sessionId);
        if (binding != keccak256(abi.encode(desk, sellerHash))) revert PropertyRegistryConsentNotBySeller(unitId, sessionId);
        if (desk == msg.sender) revert PropertyRegistryConsentAtRegistrarDesk(sessionId, desk);
        uint256 used = _entryOfConsentSession[sessionId];
        if (used != 0) revert PropertyRegistryConsentSessionUsed(sessionId, used);
    }

    /// @dev Every active mortgage must be consented for `entryId`; answers how many are carried.
    function _requireNoOutstandingMortgage(uint256 unitId, uint64 entryId) private view returns (uint256 carried) {
        uint256[] storage active = _activeMortgages[unitId];
        carried = active.length;
        for (uint256 i = 0; i < carried; ++i) {
            if (_mortgages[active[i]].consentedEntryId != entryId) {
                revert PropertyRegistryMortgageOutstanding(unitId, active[i]);
            }
        }
    }

    function _requireNotSeized(uint256 unitId) private view {
        uint256[] storage active = _activeSeizures[unitId];
        if (active.length != 0) revert PropertyRegistryUnitSeized(unitId, active[0]);
    }

    /// @dev Removes `id` from an active list keeping the order (lists are at most MAX_ACTIVE_* long).
    function _removeActive(uint256[] storage list, uint256 id) private {
        uint256 length = list.length;
        uint256 i = 0;
        while (list[i] != id) ++i; // id is in the list: callers checked it is active
        for (; i + 1 < length; ++i) {
            list[i] = list[i + 1];
        }
        list.pop();
    }

    function _activeMortgageOfCaller(uint256 mortgageId) private view returns (MortgageRecord storage m) {
        m = _mortgages[mortgageId];
        if (m.bank == address(0)) revert PropertyRegistryUnknownMortgage(mortgageId);
        if (m.bank != msg.sender) revert PropertyRegistryNotMortgagee(mortgageId, msg.sender);
        if (m.releasedAt != 0) revert PropertyRegistryMortgageReleased(mortgageId, m.releasedAt);
    }

    function _mortgageView(uint256 mortgageId) private view returns (Mortgage memory) {
        MortgageRecord storage m = _mortgages[mortgageId];
        return Mortgage({
            mortgageId: mortgageId,
            unitId: m.unitId,
            bank: m.bank,
            creditorRef: m.creditorRef,
            termsHash: m.termsHash,
            titleEntryId: m.titleEntryId,
            consentedEntryId: m.consentedEntryId,
            registeredAt: m.registeredAt,
            releasedAt: m.releasedAt,
            outstanding: m.releasedAt == 0 && m.consentedEntryId != _units[m.unitId].currentEntryId
        });
    }

    function _seizureView(uint256 seizureId) private view returns (Seizure memory) {
        SeizureRecord storage s = _seizures[seizureId];
        return Seizure({
            seizureId: seizureId,
            unitId: s.unitId,
            court: s.court,
            courtOrderHash: s.courtOrderHash,
            releaseOrderHash: s.releaseOrderHash,
            registeredAt: s.registeredAt,
            releasedAt: s.releasedAt
        });
    }

    function _existingUnit(uint256 unitId) private view returns (UnitRecord storage u) {
        u = _units[unitId];
        if (u.registrar == address(0)) revert PropertyRegistryUnknownUnit(unitId);
    }

    function _requireRole(Role role) private view {
        if (!_roles[msg.sender][role]) revert PropertyRegistryMissingRole(msg.sender, role);
        _requireActiveDepartment(msg.sender);
    }
}
