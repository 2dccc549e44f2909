"""One-stop citizen services (一网通办): service definitions, standing grants, cases,
evidence pulled through grants, staged approvals and the outcome of a case.

How the parts fit (see docs/one-stop.md for the contract and docs/demo.md for a walk-through):

- **Service definition.** The lead department posts the definition (name, kind,
  evidence requirements by resource id + purpose + legal-basis text, approval
  steps by department address + stage, step deadline). The definition document
  (canonical JSON) is stored encrypted in the document store, owned by the lead;
  its keccak256 content hash is the on-chain ``nameHash``, so the text can always
  be checked against the chain. Each requirement's ``legalBasisHash`` is
  keccak256 of its legal-basis text. Status: Proposed.
- **Activation** is a council call: a governor proposes
  ``OneStopServices.activateService(id)`` (``POST /services/{id}/activation``)
  and the others approve through ``POST /council/proposals/{id}/approve``.
- **Standing grants** (chosen design: a separate step, not part of activation,
  because each grant is the *source* department's decision): the owner of a
  requirement's resource calls ``POST /services/{id}/standing-grants``, which issues
  ``UsageRights.issueGrant(resource, lead, purpose, legalBasisHash, duration,
  maxUses)`` for every requirement on a resource it owns (PUBLIC/INTERNAL). A
  SENSITIVE/SECRET requirement is answered ``council_required`` there; a governor
  proposes the grant as a council call (``POST /services/{id}/standing-grants/proposals``,
  unanimous for SECRET) and the others approve it.
- **Open a case** at any front desk (any active department): the citizen's
  identity becomes the keyed subject hash; the application form is wrapped with a
  per-request salt (so its hash cannot be guessed from a known form), stored
  encrypted for the lead (and the step departments, who decide on it), and its
  content hash is the on-chain ``formHash``. ``submittedDocuments = 2``: the
  identity document shown at the desk and the form. Nothing else is asked of the
  citizen.
- **Pull evidence** (the lead; ``POST /cases/{id}/evidence/pull``). On a federation node
  (a ``PeerEvidence`` port given by the composition) each item goes peer to peer: a grant
  issued through a request for the requirement's field list (named in the definition), the
  use recorded with the applicant and the case ref, and the owner's node releases only the
  applicant's records (``backend.federation.client.PeerClient``); docs/federation.md. In the
  single-process sandbox: for every
  requirement still missing, the lead's backend finds a usable standing grant,
  fetches the data through :meth:`UsageService.fetch` (the use is recorded on chain
  first, with ``subjectHash = applicantHash`` and ``contextRef = caseRef(caseId)``,
  and only then decrypted: fail closed, tamper-checked), then calls
  ``attachEvidence``. Requirements run in parallel. A use recorded for this case
  and citizen but never attached (a crash between the two transactions) is found
  in the ``UseRecorded`` logs and attached instead of recording another use.
- **Steps**: the step's department approves / rejects on chain (the contract
  decides who may: another department gets ``OneStopServicesWrongDepartment`` as
  403; approving before all evidence is attached gets
  ``OneStopServicesEvidenceMissing`` as 409). A department or a governor may escalate a
  step past its deadline (auditor tokens are read-only: 403).
- **Finalize** (house transfer; explicit, by the lead: ``POST /cases/{id}/finalize``
  after the case is Approved): the registry transfer of the unit to the applicant
  (the form names the unit and the seller's certificate; evidence hash = hash of
  the case's evidence links), a new PROPERTY_CERT certificate for a generated
  certificate document (stored encrypted, hash on chain, holder = applicant hash),
  and revocation of the seller's certificate when the lead issued it. Every part
  checks the chain first, so finalize can be repeated safely.
- **Reads**: the case view (departments involved, auditors, governors) shows the
  documents the citizen submitted versus the evidence items pulled and the
  departments involved; the citizen (citizen token) lists their own cases with
  step statuses and downloads the certificate document a case produced.
"""

from __future__ import annotations

from backend.services.cases.base import (
    CASE_STATUS,
    CERT_MEDIA_TYPE,
    CLASSIFICATIONS,
    DEFAULT_CERT_TYPE,
    DEFINITION_MEDIA_TYPE,
    DOCUMENTS_SUBMITTED,
    FORM_MEDIA_TYPE,
    KINDS,
    OSS,
    SECRET,
    SENSITIVE,
    SERVICE_STATUS,
    STEP_STATUS,
    CaseBase,
    CaseFormOnAnotherNode,
    CaseKind,
    CaseNotApproved,
    EvidenceFieldsUnknown,
    EvidenceUseNotNoted,
    NoStandingGrant,
    PeerEvidence,
)
from backend.services.cases.decisions import DecisionsMixin
from backend.services.cases.definitions import DefinitionsMixin
from backend.services.cases.evidence import EvidenceMixin
from backend.services.cases.finalize import FinalizeMixin
from backend.services.cases.reads import ReadsMixin


class CasesService(DefinitionsMixin, EvidenceMixin, DecisionsMixin, FinalizeMixin, ReadsMixin, CaseBase):
    """The one-stop case use case (constructor: see CaseBase)."""


__all__ = [
    "CASE_STATUS",
    "CERT_MEDIA_TYPE",
    "CLASSIFICATIONS",
    "DEFAULT_CERT_TYPE",
    "DEFINITION_MEDIA_TYPE",
    "DOCUMENTS_SUBMITTED",
    "FORM_MEDIA_TYPE",
    "KINDS",
    "OSS",
    "SECRET",
    "SENSITIVE",
    "SERVICE_STATUS",
    "STEP_STATUS",
    "CaseBase",
    "CaseFormOnAnotherNode",
    "CaseKind",
    "CaseNotApproved",
    "CasesService",
    "EvidenceFieldsUnknown",
    "EvidenceUseNotNoted",
    "NoStandingGrant",
    "PeerEvidence",
]
