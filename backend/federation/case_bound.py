"""Owner side: a service's standing grant releases only for a case of that service (check 7b).

A one-stop service's lead holds standing grants (many uses, long-lived) for its evidence
requirements. Through the peer protocol such a grant could name any citizen and any context;
so before releasing, the owner's node decides from the chain whether the grant serves a
service, and if so requires that the use's ``contextRef`` (from the mined ``UseRecorded``,
never the request) is the ``caseRef`` of an OPEN case of such a service whose applicant is
the use's subject.

A grant "serves a service" when its grantee is the lead of a registered service with a
requirement on the grant's resource with the same purpose code and legal basis hash (the
legal basis of a request-based grant is on its request; a direct grant never reaches this
check, check 7 refuses it). Services are append-only and their requirements never change,
so the answer per grant is cached and extended only by services registered since.
"""

from __future__ import annotations

import threading

from backend.chain.bindings import Contracts, Grant, Request
from backend.chain.enums import CaseStatus
from backend.federation.errors import ReleaseNotForCase
from backend.indexer.query import IndexBehind
from backend.services.common import ChainOps
from backend.services.errors import IndexLagging

OSS = "OneStopServices"
OPEN = CaseStatus.OPEN.value


class CaseBinding:
    def __init__(self, ops: ChainOps) -> None:
        self.ops = ops
        self._lock = threading.Lock()
        # grant id -> (services scanned so far, ids of those the grant serves)
        self._served: dict[int, tuple[int, frozenset[int]]] = {}

    def services_served(
        self, grant_id: int, g: Grant, req: Request, contracts: Contracts | None = None
    ) -> frozenset[int]:
        """Ids of the registered services whose lead is the grantee and that require what the grant gives."""
        if OSS not in self.ops.manifest.contracts:
            return frozenset()
        oss = self.ops.contracts.one_stop_services
        with self._lock:
            scanned, served = self._served.get(grant_id, (0, frozenset()))
        total = int((contracts or self.ops.contracts).one_stop_services.service_count())
        found = set(served)
        for sid in range(scanned + 1, total + 1):
            s = oss.service(sid)
            if s.lead.lower() == g.grantee.lower() and any(
                r.resource_id == g.resource_id
                and r.purpose_code == g.purpose_code
                and r.legal_basis_hash.lower() == req.legal_basis_hash.lower()
                for r in s.requirements
            ):
                found.add(sid)
        result = frozenset(found)
        with self._lock:
            if self._served.get(grant_id, (0,))[0] <= total:
                self._served[grant_id] = (total, result)
        return result

    def check(
        self,
        grant_id: int,
        g: Grant,
        req: Request,
        subject_hash: str,
        context_ref: str,
        *,
        use_block: int,
        contracts: Contracts | None = None,
    ) -> int | None:
        """None for a grant that serves no service; else the id of the open case the use is for.
        Raises ReleaseNotForCase otherwise (nothing is released, no ledger row). ``contracts``:
        the bindings to read the service count through (e.g. a batch read just before)."""
        served = self.services_served(grant_id, g, req, contracts)
        if not served:
            return None
        refused = ReleaseNotForCase(
            "this grant serves a one-stop service: it releases only for an open case of that service "
            "whose applicant is the use's subject",
            grant_id=grant_id,
        )
        opened = self._cases_with_ref(served, context_ref, use_block)
        oss = self.ops.contracts.one_stop_services
        for case_id in opened:
            c = oss.case_info(case_id)  # the contract confirms what the index names
            if (
                c.service_id in served
                and c.status == OPEN
                and c.applicant_hash.lower() == subject_hash.lower()
                and oss.case_ref(case_id).lower() == context_ref.lower()
            ):
                return case_id
        raise refused

    def _cases_with_ref(self, served: frozenset[int], context_ref: str, use_block: int) -> list[int]:
        """Ids of the indexed CaseOpened of the served services carrying ``context_ref``. A case
        is opened before its uses are recorded: once the index has the use's block it has the case."""
        try:
            self.ops.index.wait_for(use_block)
        except IndexBehind as exc:
            raise IndexLagging(exc.needed_block, exc.indexed_to_block) from None
        events = self.ops.history(OSS, "CaseOpened", serviceId=sorted(served), caseRef=context_ref)
        return [int(ev["args"]["caseId"]) for ev in events]
