"""Demo data for `govchain up`: a small but complete picture of the platform.

``seed(ctx, log)`` runs after ``bootstrap()`` on the demo roster (backend.ops.roster) and
puts on chain, through the same use cases the API uses:

- the data catalog: household registration (PSB, SENSITIVE), marriage records (CA),
  tax clearance (TAX), business licences (SAMR, PUBLIC), property records (NR);
- usage flows: TAX → NR property records and BANK → TAX tax clearance (request,
  approve, fetch), NOTARY → CA marriage records (fetched, then revoked by CA); an
  incident (DATA_ERROR filed by TAX about NR's property records) and NR's answer;
- council decisions: registry roles (REGISTRAR NR, BANK, COURT, INSPECTOR SAMR), the
  PROPERTY_CERT certificate type (issuer NR), the three one-stop services activated,
  and the council-issued standing grant on PSB's SENSITIVE household registration;
- the real-estate registry: one unit, first ownership of the seller, the seller's
  property certificate;
- one-stop services: second-hand house transfer (lead NR; evidence TAX + CA; steps
  TAX ∥ CA then NR), newborn registration (lead PSB; evidence CA), business licence
  change (lead SAMR; evidence TAX + PSB household); their standing grants;
- a FINISHED house-transfer case for the demo citizen (resident_id
  110101199001011234), who handed in only identity + form at the PSB desk: both
  evidence items pulled through grants, three approvals, the registry transfer
  and the new property certificate (the seller's is revoked); plus an open
  newborn-registration case of the same citizen waiting for PSB's decision.

Idempotent: every write has a deterministic Idempotency-Key namespaced by the
deployment (chain id, Consortium address, hash of its deploy block), and a marker
row (table ``demo_seed``) stores the summary once the seed finished; a re-run
whose marker is confirmed by the chain (the case Approved, the certificate valid)
returns the stored summary without a transaction. A run interrupted half-way is
completed by the next one (replayed keys return their recorded outcome).

Independent writes run concurrently (different signers, or one signer through
its nonce manager); the whole seed takes ~10-20 s on anvil with 0.2 s blocks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from eth_utils import keccak
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, select

from backend.chain import ContractRevert
from backend.chain.enums import Classification, IncidentType, Role, SubjectKind
from backend.ops import roster
from backend.services import Actor, Content
from backend.services.common import canonical_json, h0x, text_hash

if TYPE_CHECKING:  # pragma: no cover
    from backend.composition import AppContext

Log = Callable[[str], None]

CITIZEN = {"id_type": "resident_id", "id_value": "110101199001011234"}  # the demo applicant (buyer)
SELLER = {"id_type": "resident_id", "id_value": "110101197805052345"}
SPOUSE = {"id_type": "resident_id", "id_value": "110101199103033456"}
NEIGHBOUR = {"id_type": "resident_id", "id_value": "110105198811114567"}

YEAR = 365 * 24 * 3600
PURPOSE = {  # purpose codes used in the demo
    "house_tax": 31,
    "house_marriage": 32,
    "newborn_marriage": 21,
    "licence_tax": 41,
    "licence_household": 42,
    "tax_property": 51,
    "bank_tax": 61,
    "notary_marriage": 71,
}

_meta = MetaData()
demo_seed_table = Table(
    "demo_seed",
    _meta,
    Column("deployment", String(100), primary_key=True),
    Column("summary", Text, nullable=False),
    Column("seeded_at", DateTime(timezone=True), nullable=False),
)


class DemoSeedError(RuntimeError):
    pass


# ----------------------------------------------------------------------------------- helpers


def _requirement(resource_id: int, purpose_code: int, legal_basis: str, label: str) -> dict[str, Any]:
    """One piece of evidence a demo service requires (as RegisterService's requirements take it)."""
    return {"resource_id": resource_id, "purpose_code": purpose_code, "legal_basis": legal_basis, "label": label}


def _parallel(*calls: Callable[[], Any]) -> list[Any]:
    """Run independent writes concurrently; the first exception is raised after all finished."""
    with ThreadPoolExecutor(max_workers=max(1, len(calls))) as pool:
        futures = [pool.submit(c) for c in calls]
        return [f.result() for f in futures]


def deployment_tag(ctx: AppContext) -> str:
    """Identifies this deployment on this chain (a re-created chain gets a new tag)."""
    c = ctx.manifest.contract("Consortium")
    with ctx.client.guard():
        block_hash = bytes(ctx.client.w3.eth.get_block(int(c.block))["hash"])
    digest = keccak(str(ctx.client.chain_id).encode() + bytes.fromhex(c.address[2:]) + block_hash)
    return digest.hex()[:12]


def _marker(ctx: AppContext, tag: str) -> dict[str, Any] | None:
    _meta.create_all(ctx.engine)
    with ctx.engine.connect() as conn:
        row = conn.execute(select(demo_seed_table.c.summary).where(demo_seed_table.c.deployment == tag)).first()
    return json.loads(row[0]) if row else None


def _save_marker(ctx: AppContext, tag: str, summary: dict[str, Any]) -> None:
    with ctx.engine.begin() as conn:
        conn.execute(demo_seed_table.delete().where(demo_seed_table.c.deployment == tag))
        conn.execute(
            demo_seed_table.insert().values(deployment=tag, summary=json.dumps(summary), seeded_at=datetime.now(UTC))
        )


def _confirmed(ctx: AppContext, summary: dict[str, Any]) -> bool:
    """The chain still holds what the marker describes."""
    try:
        c = ctx.services.ops.contracts.one_stop_services.case_info(int(summary["cases"]["house_transfer"]))
        doc = bytes.fromhex(summary["certificate"]["document_hash"][2:])
        v = ctx.services.certificates.verify(doc)
        return c.status == 2 and v["status"] == "valid"
    except (ContractRevert, KeyError, TypeError, ValueError):
        return False


def seller_consent_hash(unit_id: int, seller_hash: str, buyer_hash: str | None, session_id: int | None) -> str:
    """The hash of the seller's consent record (unit, keyed hashes of both parties, the session): the record
    stays off chain; the transfer carries its hash."""
    record = {"consent": "sale", "unit_id": unit_id, "seller": seller_hash, "buyer": buyer_hash, "session": session_id}
    return h0x(keccak(canonical_json(record)))


def _records(ops, rows: list[tuple[dict[str, str], dict[str, Any]]]) -> dict[str, Any]:
    """A dataset whose records are keyed by the citizens' subject hashes (never raw ids)."""
    return {
        "records": [{"subject_hash": h0x(ops.subject(p["id_type"], p["id_value"])), **fields} for p, fields in rows]
    }


# ----------------------------------------------------------------------------------- seed
def seed(ctx: AppContext, log: Log = print) -> dict[str, Any]:
    t0 = time.monotonic()
    for name in ("OneStopServices", "Certificates", "PropertyRegistry"):
        if name not in ctx.manifest.contracts:
            raise DemoSeedError(f"{name} is not deployed: run `brownie compile` and deploy again")
    tag = deployment_tag(ctx)
    stored = _marker(ctx, tag)
    if stored is not None and _confirmed(ctx, stored):
        log(
            f"demo data already present (deployment {tag}): house-transfer case "
            f"{stored['cases']['house_transfer']}, certificate {stored['certificate']['document_hash']}"
        )
        return {**stored, "already_seeded": True}

    svc = ctx.services
    ops = svc.ops
    cases = svc.cases
    ks = ctx.keystore

    def dept(key: str) -> Actor:
        return Actor("department", ks.address_of(key), f"demo-{roster.by_key(key).code.lower()}-officer-01")

    def gov(key: str) -> Actor:
        return Actor("governor", ks.address_of(key), f"demo-{key}-member")

    def k(step: str) -> str:
        return f"demo-{tag}-{step}"

    psb, ca, nr, tax, samr = (dept(x) for x in ("dept-psb", "dept-ca", "dept-nr", "dept-tax", "dept-samr"))
    notary, bank, court = dept("dept-notary"), dept("dept-bank"), dept("dept-court")
    bdb, gno = gov("gov-bdb"), gov("gov-gov")
    citizen = ops.subject(CITIZEN["id_type"], CITIZEN["id_value"])
    seller = ops.subject(SELLER["id_type"], SELLER["id_value"])
    log(f"demo: seeding deployment {tag}")

    # ---- 1. the catalog, and the council's proposals (registry roles, certificate type) -------
    def register(actor: Actor, name: str, record: Any, cls: str, title: str) -> int:
        schema = text_hash(canonical_json({"title": title, "type": "object"}).decode())
        r = svc.resources.register(actor, Content.from_record(record), cls, schema, key=k(f"resource-{name}"))
        return int(r["resource_id"])

    def propose_role(dept_actor: Actor, role: str) -> int | None:
        code = Role[role]
        if ops.contracts.property_registry.has_role(dept_actor.address, code):
            return None
        r = svc.registry.propose_role(
            bdb, dept_actor.address, role, True, f"demo: designate {role}", key=k(f"role-{role}")
        )
        return int(r["proposal_id"])

    def propose_cert_type() -> int | None:
        try:
            svc.certificates.get_type("PROPERTY_CERT")
            return None
        except ContractRevert:
            pass
        r = svc.certificates.propose_type(
            bdb,
            "PROPERTY_CERT",
            nr.address,
            30 * YEAR,
            "demo: property certificates are issued by Natural Resources",
            key=k("cert-type"),
        )
        return int(r["proposal_id"])

    res_calls = {
        "household_registration": lambda: register(
            psb,
            "household",
            _records(
                ops,
                [
                    (CITIZEN, {"household_no": "110101-0042-07", "address": "东城区和平里街道12号", "members": 3}),
                    (SELLER, {"household_no": "110101-0017-02", "address": "东城区东四街道8号", "members": 2}),
                    (NEIGHBOUR, {"household_no": "110105-0901-11", "address": "朝阳区望京街道3号", "members": 4}),
                ],
            ),
            Classification.SENSITIVE.name,
            "household registration",
        ),
        "marriage_records": lambda: register(
            ca,
            "marriage",
            _records(
                ops,
                [
                    (
                        CITIZEN,
                        {
                            "marital_status": "married",
                            "spouse_hash": h0x(ops.subject(**SPOUSE)),
                            "registered": "2019-05-20",
                        },
                    ),
                    (SELLER, {"marital_status": "married", "registered": "2005-10-01"}),
                    (NEIGHBOUR, {"marital_status": "single"}),
                ],
            ),
            Classification.INTERNAL.name,
            "marriage records",
        ),
        "tax_clearance": lambda: register(
            tax,
            "tax",
            _records(
                ops,
                [
                    (CITIZEN, {"tax_clearance": "cleared", "year": 2024, "arrears_cny": 0}),
                    (SELLER, {"tax_clearance": "cleared", "year": 2024, "arrears_cny": 0}),
                ],
            ),
            Classification.INTERNAL.name,
            "tax clearance",
        ),
        "business_licences": lambda: register(
            samr,
            "licences",
            {
                "records": [
                    {"uscc": "91110101MA01XYZ12K", "name": "北京和平里餐饮有限公司", "status": "active"},
                    {"uscc": "91110105MA02ABC34L", "name": "望京科技有限公司", "status": "active"},
                ]
            },
            Classification.PUBLIC.name,
            "business licences",
        ),
        "property_records": lambda: register(
            nr,
            "property",
            _records(
                ops,
                [
                    (SELLER, {"parcel": "110101-001-0042", "building": "B3", "unit": "1502", "area_m2": 89}),
                ],
            ),
            Classification.INTERNAL.name,
            "property records",
        ),
    }
    gov_calls = [
        lambda r=r, d=d: propose_role(d, r)
        for r, d in (
            (Role.REGISTRAR.name, nr),
            (Role.BANK.name, bank),
            (Role.COURT.name, court),
            (Role.INSPECTOR.name, samr),
        )
    ]
    # resources one after another (stable ids for docs/demo.md), beside the council's proposals
    out = _parallel(lambda: {name: call() for name, call in res_calls.items()}, *gov_calls, propose_cert_type)
    resources = out[0]
    proposals = [p for p in out[1:] if p is not None]
    log(f"demo: catalog registered {resources}")

    # ---- 2. council approvals; the three services; usage requests -----------------------------
    def approve(pid: int) -> None:
        svc.council.approve_proposal(gno, pid, key=k(f"approve-{pid}"))

    def register_service(lead: Actor, name: str, kind: str, reqs: list[dict], steps: list[dict]) -> int:
        r = cases.register_service(lead, name, None, kind, reqs, steps, 7 * 24 * 3600, key=k(f"service-{kind}"))
        return int(r["service_id"])

    def request(actor: Actor, rid: int, purpose: int, legal: str, fields: list[str], max_uses: int, name: str) -> int:
        from backend.services.usage import fields_hash

        r = svc.usage.request_use(
            actor,
            rid,
            purpose,
            text_hash(legal),
            fields_hash(fields),
            90 * 24 * 3600,
            max_uses,
            None,
            key=k(f"request-{name}"),
        )
        return int(r["request_id"])

    house_def = (
        nr,
        "二手房转移登记 / Second-hand house transfer registration",
        "house_transfer",
        [
            _requirement(
                resources["tax_clearance"],
                PURPOSE["house_tax"],
                "《契税法》第十条 / Deed Tax Law art. 10",
                "完税证明 / tax clearance",
            ),
            _requirement(
                resources["marriage_records"],
                PURPOSE["house_marriage"],
                "《不动产登记暂行条例实施细则》第三十八条 / Real Estate Registration Rules art. 38",
                "婚姻状况 / marital status",
            ),
        ],
        [
            {"department": tax.address, "stage": 1, "label": "契税核定 / deed tax assessment"},
            {"department": ca.address, "stage": 1, "label": "婚姻状况核验 / marital status check"},
            {"department": nr.address, "stage": 2, "label": "登簿 / registration"},
        ],
    )
    newborn_def = (
        psb,
        "新生儿出生登记 / Newborn registration",
        "newborn_registration",
        [
            _requirement(
                resources["marriage_records"],
                PURPOSE["newborn_marriage"],
                "《户口登记条例》第七条 / Household Registration Regulation art. 7",
                "父母婚姻状况 / parents' marriage",
            ),
        ],
        [{"department": psb.address, "stage": 1, "label": "户口登记 / household entry"}],
    )
    licence_def = (
        samr,
        "营业执照变更 / Business licence change",
        "business_licence_change",
        [
            _requirement(
                resources["tax_clearance"],
                PURPOSE["licence_tax"],
                "《市场主体登记管理条例》第二十四条 / Market Entity Registration Reg. art. 24",
                "完税证明 / tax clearance",
            ),
            _requirement(
                resources["household_registration"],
                PURPOSE["licence_household"],
                "《市场主体登记管理条例》第九条 / Market Entity Registration Reg. art. 9",
                "法定代表人住所 / legal representative's domicile",
            ),
        ],
        [
            {"department": tax.address, "stage": 1, "label": "税务核验 / tax check"},
            {"department": samr.address, "stage": 2, "label": "变更登记 / registration of the change"},
        ],
    )
    out = _parallel(
        *[lambda p=p: approve(p) for p in proposals],
        lambda: [register_service(*d) for d in (house_def, newborn_def, licence_def)],  # stable ids 1, 2, 3
        lambda: request(
            tax,
            resources["property_records"],
            PURPOSE["tax_property"],
            "《税收征收管理法》第五条 / Tax Collection Law art. 5",
            ["parcel", "area_m2"],
            100,
            "tax-nr",
        ),
        lambda: request(
            bank,
            resources["tax_clearance"],
            PURPOSE["bank_tax"],
            "《个人贷款管理暂行办法》第十一条 / Personal Loan Rules art. 11 (with the applicant's consent)",
            ["tax_clearance"],
            100,
            "bank-tax",
        ),
        lambda: request(
            notary,
            resources["marriage_records"],
            PURPOSE["notary_marriage"],
            "《公证法》第二十九条 / Notarization Law art. 29",
            ["marital_status"],
            10,
            "notary-ca",
        ),
    )
    n = len(proposals)
    services = dict(zip(("house_transfer", "newborn_registration", "business_licence_change"), out[n]))
    req_tax_nr, req_bank_tax, req_notary_ca = out[n + 1 : n + 4]
    log(f"demo: council set registry roles and PROPERTY_CERT; services registered {services}")

    # ---- 3. activation proposals; standing grants; request approvals; the unit ----------------
    def propose_activation(sid: int) -> int | None:
        if ops.contracts.one_stop_services.service(sid).status != 1:
            return None
        return int(
            cases.propose_activation(bdb, sid, "demo: approved by the council", key=k(f"activate-{sid}"))["proposal_id"]
        )

    def propose_household_grant() -> int | None:
        sid = services["business_licence_change"]
        s = ops.contracts.one_stop_services.service(sid)
        if cases._standing_grant(s.lead, s.requirements[1]) is not None:
            return None
        return int(
            cases.propose_standing_grant(
                bdb,
                sid,
                1,
                YEAR,
                10_000,
                "demo: licence changes check the legal representative's domicile",
                key=k("household-grant"),
            )["proposal_id"]
        )

    def standing(actor: Actor, sid: int) -> Any:
        return cases.issue_standing_grants(actor, sid, YEAR, 10_000, key=k(f"standing-{sid}"))

    def approve_request(owner: Actor, rid: int) -> int:
        return int(
            svc.usage.approve(owner, rid, text_hash("demo: lawful purpose"), key=k(f"req-approve-{rid}"))["grant_id"]
        )

    def register_unit() -> int:
        r = svc.registry.register_unit(nr, "110101-001-0042", "B3", "1502", 1, 89, key=k("unit"))
        return int(r["unit_id"])

    out = _parallel(
        *[lambda s=s: propose_activation(s) for s in services.values()],
        propose_household_grant,
        lambda: standing(tax, services["house_transfer"]),
        lambda: standing(ca, services["house_transfer"]),
        lambda: standing(ca, services["newborn_registration"]),
        lambda: standing(tax, services["business_licence_change"]),
        lambda: approve_request(nr, req_tax_nr),
        lambda: approve_request(tax, req_bank_tax),
        lambda: approve_request(ca, req_notary_ca),
        register_unit,
    )
    council_pids = [p for p in out[:4] if p is not None]
    grant_tax_nr, grant_bank_tax, grant_notary_ca, unit_id = out[8:12]
    log(f"demo: standing grants issued; grants {grant_tax_nr}, {grant_bank_tax}, {grant_notary_ca}; unit {unit_id}")

    # ---- 4. council approvals (activations, household grant); fetches; first ownership ----------
    def fetch(actor: Actor, gid: int, person: dict[str, str], ref: str, name: str) -> dict[str, Any]:
        g = ops.contracts.usage_rights.grant(gid)
        if g.revoked:  # a re-run after the revocation: the fetch happened already
            return {"grant_id": gid, "skipped": True}
        r = svc.usage.fetch(
            actor, gid, ops.subject(person["id_type"], person["id_value"]), text_hash(ref), None, key=k(f"fetch-{name}")
        )
        return {"grant_id": gid, "use_index": r["use"]["use_index"]}

    def first_ownership() -> None:
        u = ops.contracts.property_registry.unit(unit_id)
        if u.current_entry_id != 0:
            return
        svc.registry.first_ownership(
            nr,
            unit_id,
            seller,
            text_hash("demo: purchase contract 2015-0042"),
            text_hash("demo: first registration 2015"),
            key=k("first-ownership"),
        )

    _parallel(
        *[lambda p=p: approve(p) for p in council_pids],
        lambda: fetch(tax, grant_tax_nr, SELLER, "tax assessment 2024-0042", "tax-nr"),
        lambda: fetch(bank, grant_bank_tax, CITIZEN, "mortgage pre-check 2024-118", "bank-tax"),
        lambda: fetch(notary, grant_notary_ca, NEIGHBOUR, "notarial deed 2024-77", "notary-ca"),
        first_ownership,
    )
    log("demo: services activated; data fetched under grants; first ownership registered")

    # ---- 5. revocation, incident, the seller's certificate -----------------------------------
    prior_doc = canonical_json(
        {
            "govchain": "certificate/v1",
            "type_code": "PROPERTY_CERT",
            "title": "不动产权证书 / Real-estate title certificate",
            "unit_id": unit_id,
            "holder_hash": h0x(seller),
            "issued": "2015-06-30",
            "demo": tag,
        }
    )
    prior_hash = ctx.store.put(prior_doc, nr.address, "application/vnd.govchain.certificate+json")

    def revoke_notary() -> None:
        if not ops.contracts.usage_rights.grant(grant_notary_ca).revoked:
            svc.usage.revoke(
                ca, grant_notary_ca, text_hash("demo: the notarial matter is closed"), key=k("revoke-notary")
            )

    def incident() -> int:
        r = svc.incidents.file(
            tax,
            IncidentType.DATA_ERROR.name,
            SubjectKind.RESOURCE_VERSION.name,
            resources["property_records"],
            1,
            text_hash("demo: area 89 m2 differs from the tax record 92 m2"),
            7 * 24 * 3600,
            key=k("incident"),
        )
        return int(r["incident_id"])

    def seller_certificate() -> int:
        cid = int(ops.contracts.certificates.certificate_id_of(bytes.fromhex(prior_hash[2:])))
        if cid:
            return cid
        r = svc.certificates.issue(
            nr, "PROPERTY_CERT", bytes.fromhex(prior_hash[2:]), seller, 0, 0, None, key=k("seller-cert")
        )
        return int(r["cert_id"])

    _, incident_id, prior_cert_id = _parallel(revoke_notary, incident, seller_certificate)
    log(f"demo: grant {grant_notary_ca} revoked; incident {incident_id} filed; seller's certificate {prior_cert_id}")

    # ---- 5b. the seller's certificate bound to their title; the seller consents at PSB's desk ---
    # (not NR's: NR is the registrar, and the registry refuses a consent the registrar vouched for itself)
    def bind_seller_certificate() -> None:
        u = ops.contracts.property_registry.unit(unit_id)
        if u.current_owner_hash.lower() != h0x(seller) or (
            ops.contracts.property_registry.title_entry(u.current_entry_id).certificate_id == prior_cert_id
        ):
            return  # bound already, or (a re-run) the title has moved on
        svc.registry.bind_certificate(nr, unit_id, prior_cert_id, key=k("seller-cert-bind"))

    def seller_session() -> int:
        ops.fresh()
        opened = ops.history("AssistedSessions", "AssistedSessionOpened", desk=psb.address, subjectHash=h0x(seller))
        if opened:  # a re-run (a replayed key would be refused once the session's 30 minutes are over)
            return int(opened[0]["args"]["sessionId"])
        # an assisted session is opened by a person: PSB's demo desk officer, signed in as themself
        desk = Actor("department", psb.address, psb.officer_id, kind="officer")
        reason = f"demo: the seller consents to the sale of unit {unit_id}"
        r = svc.citizens.open_session(desk, SELLER["id_type"], SELLER["id_value"], reason, key=k("seller-session"))
        return int(r["session_id"])

    _, seller_session_id = _parallel(bind_seller_certificate, seller_session)
    log(
        f"demo: seller's certificate bound to unit {unit_id}; the seller consented in assisted session {seller_session_id}"
    )

    # ---- 6. the incident answered; the citizen applies at the PSB desk (and at the CA desk) ---
    def respond() -> None:
        if ops.contracts.accountability.incident(incident_id).status == 1:
            svc.incidents.respond(
                nr, incident_id, text_hash("demo: re-measured 2024-03; 89 m2 is correct"), key=k("incident-response")
            )

    house_form = {
        "unit_id": unit_id,
        "prior_certificate_hash": prior_hash,
        "seller_consent_hash": seller_consent_hash(unit_id, h0x(seller), h0x(citizen), seller_session_id),
        "seller_assisted_session_id": seller_session_id,
        "seller_consent_desk": psb.address,
        "price_cny": 3_200_000,
        "contract_no": "京(2024)东城区二手房买卖合同第0042号",
        "buyer": "王芳",
        "seller": "李强",
    }
    newborn_form = {
        "child_name": "王小明",
        "birth_date": "2024-05-01",
        "birth_certificate_no": "O110420001",
        "parent": "王芳",
    }

    def open_case(desk: Actor, sid: int, form: dict, name: str) -> dict[str, Any]:
        return cases.open_case(desk, sid, citizen, form, key=k(f"case-{name}"))

    _, (house_case, newborn_case) = _parallel(
        respond,
        lambda: (
            open_case(psb, services["house_transfer"], house_form, "house"),  # case 1
            open_case(ca, services["newborn_registration"], newborn_form, "newborn"),
        ),  # case 2
    )
    hc, nc = int(house_case["case_id"]), int(newborn_case["case_id"])
    log(
        f"demo: case {hc} (house transfer) opened at the PSB desk, case {nc} (newborn) at the CA desk; "
        "the citizen handed in identity + form only"
    )

    # ---- 7. evidence pulled through the standing grants ---------------------------------------
    def pull(lead: Actor, cid: int, name: str) -> dict[str, Any]:
        c = ops.contracts.one_stop_services.case_info(cid)
        if c.status != 1 or c.evidence_attached == c.evidence_required:
            return {
                "case_id": cid,
                "complete": True,
                "evidence_attached": c.evidence_attached,
                "evidence_required": c.evidence_required,
                "items": [],
            }
        return cases.pull_evidence(lead, cid, key=k(f"pull-{name}"))

    pulls = _parallel(lambda: pull(nr, hc, "house"), lambda: pull(psb, nc, "newborn"))
    for p in pulls:
        if not p["complete"]:
            raise DemoSeedError(f"evidence of case {p['case_id']} incomplete: {p['items']}")
    log(
        f"demo: evidence pulled: case {hc} {pulls[0]['evidence_attached']}/{pulls[0]['evidence_required']}, "
        f"case {nc} {pulls[1]['evidence_attached']}/{pulls[1]['evidence_required']}"
    )

    # ---- 8./9. approvals: TAX and CA in parallel, then NR -------------------------------------
    def decide(actor: Actor, step: int, reason: str) -> dict[str, Any] | None:
        st = ops.contracts.one_stop_services.step_statuses(hc)[step]
        if st.status != 0:
            return None
        return cases.decide_step(actor, hc, step, True, text_hash(reason), key=k(f"case-house-step-{step}"))

    _parallel(lambda: decide(tax, 0, "demo: deed tax paid"), lambda: decide(ca, 1, "demo: marital status confirmed"))
    decide(nr, 2, "demo: registered in the land register")
    log(f"demo: case {hc} approved by Tax, Civil Affairs and Natural Resources")

    # ---- 10. finalize: registry transfer + the new property certificate ----------------------
    fin = cases.finalize(nr, hc)
    info = ops.contracts.one_stop_services.case_info(hc)
    involved = cases.get_case(Actor("auditor", ks.address_of(roster.AUDITORS[0].key)), hc)["departments_involved"]
    summary = {
        "deployment": tag,
        "already_seeded": False,
        "citizen": dict(CITIZEN),
        "citizen_subject_hash": h0x(citizen),
        "resources": resources,
        "services": services,
        "grants": {
            "tax_on_property_records": grant_tax_nr,
            "bank_on_tax_clearance": grant_bank_tax,
            "notary_on_marriage_records": grant_notary_ca,
        },
        "revoked_grant": grant_notary_ca,
        "incident_id": incident_id,
        "unit_id": unit_id,
        "cases": {"house_transfer": hc, "newborn_registration": nc},
        "certificate": {
            "cert_id": fin["certificate"]["cert_id"],
            "document_hash": fin["certificate"]["document_hash"],
            "status": fin["certificate"]["status"],
            "type_code": "PROPERTY_CERT",
        },
        "prior_certificate": {
            "cert_id": prior_cert_id,
            "document_hash": prior_hash,
            "status": fin["prior_certificate"]["status"],
            "revocation_reason": fin["prior_certificate"]["revocation_reason"],
        },
        "seller_consent": fin["seller_consent"],
        "counts": {
            "documents_submitted": info.submitted_documents,
            "evidence_required": info.evidence_required,
            "evidence_pulled": info.evidence_attached,
            "departments_involved": involved["count"],
        },
        "seconds": round(time.monotonic() - t0, 1),
    }
    _save_marker(ctx, tag, summary)
    log(
        f"demo: case {hc} finished: the citizen submitted {summary['counts']['documents_submitted']} documents, "
        f"{summary['counts']['evidence_pulled']} evidence items were pulled through grants, "
        f"{summary['counts']['departments_involved']} departments took part; new certificate "
        f"{summary['certificate']['document_hash']} ({summary['certificate']['status']}); seeded in "
        f"{summary['seconds']} s"
    )
    return summary


__all__ = ["CITIZEN", "DemoSeedError", "deployment_tag", "seed", "seller_consent_hash"]
