"""Council pages: pending proposals (k of n), sensitive requests, incidents awaiting a
ruling (escalated or answered) with a ruling form that proposes ``Accountability.rule``."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request

from backend.services.errors import InvalidInput
from backend.web import i18n
from backend.web.core import ChainId, FormWrite, WebUser, ctx_of, listing, load, need, required_text

router = APIRouter(prefix="/console")
Gov = Annotated[WebUser, Depends(need("governor"))]


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
def approve_proposal(proposal_id: ChainId, user: Gov, form: FormWrite):
    def do() -> str:
        res = form.services.council.approve_proposal(user, proposal_id, key=form.key)
        if res.get("executed"):
            return i18n.t(form.lang, "saved_proposal_executed", id=proposal_id)
        return i18n.t(form.lang, "saved_proposal_approved", id=proposal_id, approvals=res.get("approvals"))

    return form.act("/console/council", do)


@router.post("/council/incidents/{incident_id}/ruling")
def propose_ruling(
    incident_id: ChainId,
    user: Gov,
    form: FormWrite,
    outcome: Annotated[str, Form()] = "",
    ruling_text: Annotated[str, Form()] = "",
):
    council, lang = form.services.council, form.lang

    def do() -> str:
        if outcome not in ("upheld", "dismissed"):
            raise InvalidInput("choose upheld or dismissed", field="outcome")
        res = council.propose_ruling(user, incident_id, outcome == "upheld", ruling_text, key=form.key)
        k, n = council.thresholds()
        if res.get("executed"):
            return i18n.t(lang, "saved_proposal_executed", id=res.get("proposal_id"))
        return i18n.t(lang, "saved_ruling", iid=incident_id, id=res.get("proposal_id"), k=k, n=n)

    return form.act("/console/council", do)


@router.post("/council/requests/{request_id}/propose")
def propose_request(request_id: ChainId, user: Gov, form: FormWrite, justification: Annotated[str, Form()] = ""):
    def do() -> str:
        why = required_text(justification, "justification")
        res = form.services.council.propose_request_approval(user, request_id, why, key=form.key)
        return i18n.t(form.lang, "saved_proposed", id=res.get("proposal_id"))

    return form.act("/console/council", do)
