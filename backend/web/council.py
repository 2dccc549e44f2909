"""Council pages: pending proposals (k of n), sensitive requests, incidents awaiting a
ruling (escalated or answered) with a ruling form that proposes ``Accountability.rule``."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request

from backend.services.errors import InvalidInput
from backend.web import i18n
from backend.web.core import CSRF, WebUser, act, ctx_of, idem, lang_of, listing, load, need

router = APIRouter(prefix="/console")
Gov = Annotated[WebUser, Depends(need("governor"))]
Id = Annotated[int, Path(ge=1, le=2**256 - 1)]  # proposal, incident and request ids are uint256 on chain


@router.get("/council")
def council_page(request: Request, user: Gov):
    ctx = ctx_of(request)
    svc = ctx.services

    def loader():
        proposals, pp = listing(request, "page", lambda o, l: svc.council.list_proposals(user, True, o, l))
        threshold, n = svc.council.thresholds()
        for p in proposals:
            p["required"] = n if p["kind"] == "UnanimousCouncilCall" else threshold
            p["call"] = svc.council.describe_call(p)
        sensitive = svc.council.sensitive_requests(user)
        proposed = {p.get("request_id") for p in proposals}
        for q in sensitive:
            q["proposed"] = q["request_id"] in proposed
        # rulings already proposed (any page of pending proposals), by incident
        rulings: dict[int, dict[str, Any]] = {}
        for p in svc.council.list_proposals(user, True, 0, 10_000)["items"]:
            svc.council.describe_call(p)
            if p.get("incident_id"):
                rulings[p["incident_id"]] = {
                    "proposal_id": p["proposal_id"],
                    "approvals": p["approvals"],
                    "upheld": p.get("upheld"),
                }
        escalated, pe = listing(request, "inc_page", lambda o, l: _awaiting_ruling(ctx, user, o, l))
        for i in escalated:
            i["ruling"] = rulings.get(i["incident_id"])
        return {
            "proposals": proposals,
            "pp": pp,
            "threshold": threshold,
            "n": n,
            "sensitive": sensitive,
            "escalated": escalated,
            "pe": pe,
            "tab": "council",
        }

    return load(request, "council.html", loader)


def _awaiting_ruling(ctx, user: WebUser, offset: int, limit: int) -> dict[str, Any]:
    """Escalated incidents first, then answered ones (both may be ruled on), newest first."""
    audit = ctx.services.audit
    items = (
        audit.incidents(user, status="Escalated", limit=10_000)["items"]
        + audit.incidents(user, status="Responded", limit=10_000)["items"]
    )
    return {"total": len(items), "items": items[offset : offset + limit]}


@router.post("/council/proposals/{proposal_id}/approve")
def approve_proposal(
    request: Request,
    proposal_id: Id,
    user: Gov,
    _c: None = CSRF,
    idem_key: Annotated[str, Form(alias="idem")] = "",
):
    svc, lang = ctx_of(request).services, lang_of(request)

    def do() -> str:
        res = svc.council.approve_proposal(user, proposal_id, key=idem(idem_key))
        if res.get("executed"):
            return i18n.t(lang, "saved_proposal_executed", id=proposal_id)
        return i18n.t(lang, "saved_proposal_approved", id=proposal_id, approvals=res.get("approvals"))

    return act(request, "/console/council", do)


@router.post("/council/incidents/{incident_id}/ruling")
def propose_ruling(
    request: Request,
    incident_id: Id,
    user: Gov,
    _c: None = CSRF,
    outcome: Annotated[str, Form()] = "",
    ruling_text: Annotated[str, Form()] = "",
    idem_key: Annotated[str, Form(alias="idem")] = "",
):
    ctx, lang = ctx_of(request), lang_of(request)

    def do() -> str:
        if outcome not in ("upheld", "dismissed"):
            raise InvalidInput("choose upheld or dismissed", field="outcome")
        res = ctx.services.council.propose_ruling(
            user, incident_id, outcome == "upheld", ruling_text, key=idem(idem_key)
        )
        k, n = ctx.services.council.thresholds()
        if res.get("executed"):
            return i18n.t(lang, "saved_proposal_executed", id=res.get("proposal_id"))
        return i18n.t(lang, "saved_ruling", iid=incident_id, id=res.get("proposal_id"), k=k, n=n)

    return act(request, "/console/council", do)


@router.post("/council/requests/{request_id}/propose")
def propose_request(
    request: Request,
    request_id: Id,
    user: Gov,
    _c: None = CSRF,
    justification: Annotated[str, Form()] = "",
    idem_key: Annotated[str, Form(alias="idem")] = "",
):
    svc, lang = ctx_of(request).services, lang_of(request)

    def do() -> str:
        if not justification.strip():
            raise InvalidInput("justification is required", field="justification")
        res = svc.council.propose_request_approval(user, request_id, justification.strip(), key=idem(idem_key))
        return i18n.t(lang, "saved_proposed", id=res.get("proposal_id"))

    return act(request, "/console/council", do)
