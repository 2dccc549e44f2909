"""The story of issue 5 in a real browser, on the real chain.

Sign in as a department, register a resource, request its use as another
department, approve, fetch the data, see the use in the auditor's trail and
in the citizen's log, and verify a certificate publicly (when the deployment
has the certificate contract). Plus: the council's k-of-n approval, an error
shown in words, CSRF refusal, and the language switch.
"""

from __future__ import annotations

import re
import time
import uuid

import httpx
import pyotp
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CITIZEN_ID = ("resident_id", "110105199001011234")  # the same as conftest.CITIZEN_ID

STATE: dict = {}


def wait(driver, css: str, timeout: float = 30):
    return WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def flash(driver, timeout: float = 30) -> str:
    # The form posts and the browser loads the next page: an element found on the page being
    # left goes stale under us. Read the flash of whichever page stands, once it stands.
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#flash").text
    )


def sign_in(driver, base: str, token: str) -> None:
    """Sign in with a token; the acting officer shown is the token's person (nothing typed)."""
    driver.get(base + "/console")
    wait(driver, "#login-form")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.ID, "signin").click()
    wait(driver, "#acting")


def officer_sign_in(driver, base: str, username: str, password: str, code: str) -> None:
    """The officer form: username + password + the authenticator's current code."""
    driver.get(base + "/console")
    wait(driver, "#officer-login-form")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "totp").send_keys(code)
    driver.find_element(By.ID, "officer-signin").click()


def cookies_of(driver) -> dict[str, str]:
    return {c["name"]: c["value"] for c in driver.get_cookies()}


@pytest.fixture(scope="module")
def browsers(console, driver_factory, system):
    a, b, aud = driver_factory(), driver_factory(), driver_factory()
    return {"a": a, "b": b, "auditor": aud, "make": driver_factory}


def test_1_sign_in_shows_department_and_officer(console, browsers, system, shot):
    d = browsers["a"]
    d.get(console.url + "/")
    wait(d, "#login-form")
    assert "/console/login" in d.current_url
    shot(d, "login")
    sign_in(d, console.url, system.tokens.for_officer("dept-a", "clerk-a-001"))
    acting = d.find_element(By.ID, "acting").text
    assert "dept-a" in acting and "clerk-a-001" in acting
    session_cookie = next(c for c in d.get_cookies() if c["name"] == "gc_session")
    assert session_cookie["httpOnly"] and session_cookie.get("sameSite") == "Strict"


def test_2_register_resource(console, browsers, shot):
    d = browsers["a"]
    d.get(console.url + "/console/workspace")
    wait(d, "#register-form")
    d.find_element(By.ID, "record").send_keys('{"name": "张三", "status": "已婚", "id": "%s"}' % uuid.uuid4().hex[:8])
    d.find_element(By.ID, "register-btn").click()
    text = flash(d)
    m = re.search(r"#(\d+)", text)
    assert m and ("已登记" in text), text
    STATE["rid"] = int(m.group(1))
    assert d.find_element(By.CSS_SELECTOR, f"#my-resources a[href='/console/resources/{STATE['rid']}']")
    shot(d, "workspace")


def test_3_request_use_as_another_department(console, browsers, system, shot):
    d = browsers["b"]
    sign_in(d, console.url, system.tokens.for_officer("dept-b", "clerk-b-007"))
    d.get(console.url + "/console/catalog")
    row = wait(d, f"#res-{STATE['rid']}")
    row.find_element(By.TAG_NAME, "summary").click()
    form = row.find_element(By.CSS_SELECTOR, "form.request-form")
    form.find_element(By.NAME, "legal_basis").send_keys("《政务数据共享条例》第七条")
    shot(d, "catalog")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    text = flash(d)
    m = re.search(r"#(\d+)", text)
    assert m and "已提交" in text, text
    STATE["req"] = int(m.group(1))
    assert "待审批" in d.find_element(By.ID, f"out-{STATE['req']}").text


def test_4_owner_approves(console, browsers, shot):
    d = browsers["a"]
    d.get(console.url + "/console/requests")
    row = wait(d, f"#in-{STATE['req']}")
    shot(d, "requests")
    form = row.find_element(By.CSS_SELECTOR, "form.decide")
    form.find_element(By.NAME, "reason").send_keys("依法共享")
    form.find_element(By.CSS_SELECTOR, ".approve-btn").click()
    text = flash(d)
    assert f"申请 #{STATE['req']} 已批准" in text, text
    assert "已批准" in d.find_element(By.ID, f"in-{STATE['req']}").text


def test_5_grantee_fetches_the_data(console, browsers, system, shot):
    d = browsers["b"]
    d.get(console.url + "/console/requests")
    grant_link = wait(d, f"#out-{STATE['req']} a[href='/console/grants']")
    STATE["gid"] = int(grant_link.text.lstrip("#"))
    d.get(console.url + "/console/grants")
    row = wait(d, f"#grant-{STATE['gid']}")
    assert row.find_element(By.CSS_SELECTOR, ".remaining").text.startswith("10 / 10")
    shot(d, "grants")
    form = row.find_element(By.CSS_SELECTOR, "form.fetch-form")
    form.find_element(By.NAME, "subject").send_keys(":".join(CITIZEN_ID))
    form.find_element(By.NAME, "context_ref").send_keys("CASE-2024-001")
    form.find_element(By.CSS_SELECTOR, ".fetch-btn").click()
    wait(d, "#fetch-ok")
    assert "张三" in d.find_element(By.ID, "fetched-content").text
    use_tx = d.find_element(By.ID, "use-tx").text
    assert re.fullmatch(r"0x[0-9a-f]{64}", use_tx)
    assert re.fullmatch(r"0x[0-9a-f]{64}", d.find_element(By.ID, "fetched-hash").text)
    STATE["use_tx"] = use_tx
    shot(d, "fetched")
    # on chain: exactly that use
    evs = system.events("UsageRights", "UseRecorded", grantId=STATE["gid"])
    assert [e["tx_hash"] for e in evs] == [use_tx]
    d.get(console.url + "/console/grants")
    assert wait(d, f"#grant-{STATE['gid']} .remaining").text.startswith("9 / 10")


def test_6_auditor_sees_the_use_in_the_trail(console, browsers, system, shot):
    d = browsers["auditor"]
    sign_in(d, console.url, system.tokens.for_officer("auditor", "auditor-01"))
    deadline = time.monotonic() + 30
    while True:
        d.get(f"{console.url}/console/audit?grant_id={STATE['gid']}")
        wait(d, "#trail")
        rows = d.find_elements(By.CSS_SELECTOR, "#trail tr.ev-UseRecorded")
        if rows or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert rows, "the use never reached the auditor's trail"
    assert "dept-b" in rows[0].text
    shot(d, "audit_trail")
    rows[0].find_element(By.CSS_SELECTOR, f"a[href='/console/audit/tx/{STATE['use_tx']}']").click()
    assert wait(d, "#tx-hash").text == STATE["use_tx"]
    assert "UseRecorded" in d.page_source
    shot(d, "audit_tx")
    # exports carry the same row (fetched with the browser's own cookies)
    d.get(f"{console.url}/console/audit?grant_id={STATE['gid']}")
    href = wait(d, "#export-csv").get_attribute("href")
    assert href.endswith(f"/console/audit/export.csv?grant_id={STATE['gid']}")
    r = httpx.get(href, cookies=cookies_of(d))
    assert r.status_code == 200 and "UseRecorded" in r.text and STATE["use_tx"] in r.text
    r = httpx.get(f"{console.url}/console/audit/export.json?grant_id={STATE['gid']}", cookies=cookies_of(d))
    assert r.status_code == 200 and any(x["tx_hash"] == STATE["use_tx"] for x in r.json())


def test_7_auditor_integrity_incidents_dashboard(console, browsers, shot):
    d = browsers["auditor"]
    d.get(console.url + "/console/audit/integrity")
    wait(d, "#integrity-form").find_element(By.NAME, "resource_id").send_keys(str(STATE["rid"]))
    d.find_element(By.CSS_SELECTOR, "#integrity-form button").click()
    assert wait(d, "#integrity-result").text in ("通过", "PASS")
    shot(d, "audit_integrity")
    d.get(console.url + "/console/audit/dashboard")
    svg = wait(d, "#chart-uses svg")
    assert svg.find_elements(By.TAG_NAME, "rect"), "uses chart has no bars"
    assert wait(d, "#chart-grants svg").find_elements(By.TAG_NAME, "rect")
    shot(d, "audit_dashboard")


def test_8_citizen_sees_who_used_their_data(console, browsers, system, shot):
    d = browsers["make"]()
    browsers["citizen"] = d
    sign_in(d, console.url, system.tokens["citizen"])
    assert "/console/citizen" in d.current_url
    d.get(console.url + "/console/citizen")
    table = wait(d, "#citizen-log")
    assert "dept-b" in table.text and f"#{STATE['gid']}" in table.text
    shot(d, "citizen_log")
    d.get(console.url + "/console/citizen/cases")
    wait(d, "main")
    shot(d, "citizen_cases")


def test_8a_citizen_objects_to_the_use_and_sees_the_incident(console, browsers, system, shot):
    d = browsers["citizen"]
    d.get(console.url + "/console/citizen")
    row = wait(d, f"#use-{STATE['gid']}-1")
    row.find_element(By.CSS_SELECTOR, "a.object-btn").click()
    wait(d, "#object-form")
    d.find_element(By.ID, "object-text").send_keys("我没有在民政局办理任何业务，不知道为何调取我的婚姻记录。")
    shot(d, "citizen_object")
    d.find_element(By.ID, "object-submit").click()
    inc_text = wait(d, "#objection-incident").text
    STATE["inc"] = int(inc_text.lstrip("#"))
    assert "越权使用" in d.find_element(By.ID, "objection-type").text
    assert "dept-b" in d.find_element(By.ID, "objection-responsible").text  # the grantee answers for the use
    shot(d, "citizen_objected")
    # on chain: UNAUTHORIZED_USE (1) about USE (2) of that grant, filed by the auditor account, dept-b responsible
    filed = system.events("Accountability", "IncidentFiled", incidentId=STATE["inc"])
    assert len(filed) == 1
    ev = filed[0]
    assert (ev["incidentType"], ev["subjectKind"], ev["subjectId"], ev["useIndex"]) == (1, 2, STATE["gid"], 1)
    assert ev["reporter"] == system.addr["auditor"] and ev["responsible"] == system.addr["dept-b"]
    # objecting again to the same use: the same incident, not a second one
    d.get(f"{console.url}/console/citizen/uses/{STATE['gid']}/1/object")
    wait(d, "#object-text").send_keys("再次提出")
    d.find_element(By.ID, "object-submit").click()
    assert wait(d, "#objection-incident").text == f"#{STATE['inc']}"
    assert d.find_elements(By.ID, "objection-already")
    # a use that is not the citizen's (or does not exist): refused in words, nothing filed
    d.get(f"{console.url}/console/citizen/uses/999999/1/object")
    wait(d, "#object-text").send_keys("x")
    d.find_element(By.ID, "object-submit").click()
    assert "无权" in wait(d, "#object-error").text
    assert len(system.events("Accountability", "IncidentFiled", subjectId=999999)) == 0


def test_8b_auditor_sees_the_unauthorized_use_incident(console, browsers, system, shot):
    d = browsers["auditor"]
    deadline = time.monotonic() + 30
    while True:
        d.get(console.url + "/console/audit/incidents?type=UNAUTHORIZED_USE")
        wait(d, "#audit-incidents")
        rows = d.find_elements(By.ID, f"audit-inc-{STATE['inc']}")
        if rows or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert rows, "the citizen's objection never reached the auditor's incident list"
    text = rows[0].text
    assert "越权使用" in text and "dept-b" in text and f"授权 #{STATE['gid']} 第 1 次使用" in text, text
    assert "待答复" in text
    shot(d, "audit_incidents")


def test_8c_citizen_certificates_page(console, browsers, shot):
    d = browsers["citizen"]
    d.get(console.url + "/console/citizen/certificates")
    wait(d, "#my-certs")
    shot(d, "citizen_certificates")


def test_8d_citizen_sees_case_status(console, browsers, system, council, shot):
    """A one-stop case for 张三 (when this deployment has OneStopServices and the case use
    cases): dept-a leads, dept-b's record is pulled through a standing grant, dept-c approves.
    The citizen's page shows the step status and documents submitted vs evidence pulled."""
    ctx = system.ctx
    if "OneStopServices" not in ctx.manifest.contracts:
        pytest.fail("OneStopServices not deployed: run `brownie compile`")
    from backend.services import Actor

    cases = ctx.services.cases
    lead = Actor("department", system.addr["dept-a"], "clerk-a-001")
    source = Actor("department", system.addr["dept-b"], "clerk-b-007")
    approver = Actor("department", system.addr["dept-c"], "clerk-c-003")
    applicant = ctx.services.ops.subject(*CITIZEN_ID)
    rid = system.register(
        "dept-b", record={"records": [{"subject_hash": "0x" + applicant.hex(), "household": "北京市东城区"}]}
    )["resource_id"]
    svc = cases.register_service(
        lead,
        "户籍证明开具 / household certificate",
        None,
        "generic",
        [{"resource_id": rid, "purpose_code": 301, "legal_basis": "《户口登记条例》第十五条", "label": "户籍记录"}],
        [{"department": system.addr["dept-c"], "stage": 1, "label": "审核"}],
        7 * 86400,
        key=uuid.uuid4().hex,
    )
    sid = int(svc["service_id"])
    council(lambda g, key: cases.propose_activation(g, sid, "启用户籍证明事项", key=key))
    cases.issue_standing_grants(source, sid, 30 * 86400, 100, key=uuid.uuid4().hex)
    opened = cases.open_case(lead, sid, applicant, {"申请事项": "户籍证明", "份数": 1}, key=uuid.uuid4().hex)
    cid = int(opened["case_id"])
    cases.pull_evidence(lead, cid, key=uuid.uuid4().hex)

    d = browsers["citizen"]
    d.get(console.url + "/console/citizen/cases")
    card = wait(d, f"#case-{cid}")
    assert card.find_element(By.CSS_SELECTOR, ".docs-submitted").text == "2"
    assert card.find_element(By.CSS_SELECTOR, ".evidence-pulled").text == "1 / 1"
    assert "待办理" in card.text and "办理中" in card.text
    cases.decide_step(approver, cid, 0, True, b"\x01" * 32, key=uuid.uuid4().hex)
    d.get(console.url + "/console/citizen/cases")
    card = wait(d, f"#case-{cid}")
    assert "已通过" in card.text, card.text
    shot(d, "citizen_cases")


def test_9_error_in_words_when_grant_is_exhausted(console, browsers, system, shot):
    res, approved = system.granted("dept-a", "dept-b", max_uses=1)
    gid = approved["grant_id"]
    d = browsers["b"]
    for attempt in range(2):
        d.get(console.url + "/console/grants")
        row = wait(d, f"#grant-{gid}")
        row.find_element(By.CSS_SELECTOR, ".fetch-btn").click()
        wait(d, "#fetch-ok" if attempt == 0 else "#fetch-error")
    text = d.find_element(By.ID, "fetch-error").text
    assert f"授权 #{gid} 的 1 次使用已全部用完" in text, text
    assert "Traceback" not in d.page_source and "UsageRightsGrantExhausted" not in text
    shot(d, "error_exhausted")


def test_10_csrf_is_required_on_post(console, browsers):
    cookies = cookies_of(browsers["a"])
    r = httpx.post(
        console.url + "/console/resources",
        data={"record": '{"x": 1}', "csrf": "forged"},
        cookies=cookies,
        follow_redirects=False,
    )
    assert r.status_code == 403 and "页面已过期" in r.text
    r = httpx.post(console.url + "/console/login", data={"token": "gct_x"}, follow_redirects=False)
    assert r.status_code == 403


def test_11_language_switch(console, browsers):
    d = browsers["a"]
    d.get(console.url + "/console/workspace")
    wait(d, "a.lang").click()
    wait(d, "#register-form")
    assert "My resources" in d.page_source and "Register a resource" in d.page_source
    wait(d, "a.lang").click()
    wait(d, "#register-form")
    assert "我的数据资源" in d.page_source


def test_12_council_k_of_n_approval(console, browsers, system, shot):
    res, approved = system.granted("dept-a", "dept-c", classification="SENSITIVE")
    assert approved["council_required"]
    req_id = approved["request_id"]
    g1 = browsers["make"]()
    browsers["gov-1"] = g1
    sign_in(g1, console.url, system.tokens.for_officer("gov-1", "gov-officer-1"))
    g1.get(console.url + "/console/council")
    form = wait(g1, f"#sensitive form[action='/console/council/requests/{req_id}/propose']")
    form.find_element(By.NAME, "justification").send_keys("敏感数据共享，理事会审批")
    form.find_element(By.TAG_NAME, "button").click()
    pid = int(re.search(r"#(\d+)", flash(g1)).group(1))
    row = wait(g1, f"#proposal-{pid}")
    assert "1 / 2" in row.text
    shot(g1, "council_k_of_n")
    g2 = browsers["make"]()
    browsers["gov-2"] = g2
    sign_in(g2, console.url, system.tokens.for_officer("gov-2", "gov-officer-2"))
    g2.get(console.url + "/console/council")
    wait(g2, f"#proposal-{pid} button").click()
    assert "执行" in flash(g2)
    r = system.http.get(f"/requests/{req_id}", headers=system.h("dept-c"))
    assert r.json()["status"] == "Approved" and r.json()["grant_id"]


def _issue_certificate(
    system, council, document: bytes, prefix: str = "MARRIAGE", what: str = "结婚证电子证照"
) -> dict:
    """Council registers a certificate type issued by dept-a (2 of 3), dept-a issues one to 张三."""
    from eth_utils import keccak

    from backend.services import Actor

    ctx = system.ctx
    certs = ctx.services.certificates
    code = f"{prefix}-" + uuid.uuid4().hex[:6].upper()
    council(lambda g, key: certs.propose_type(g, code, system.addr["dept-a"], 365 * 86400, what, key=key))
    holder = ctx.services.ops.subject(*CITIZEN_ID)
    dept_a = Actor("department", system.addr["dept-a"], "clerk-a-001")
    return certs.issue(dept_a, code, keccak(document), holder, 0, 0, None, key=uuid.uuid4().hex)


def test_13_public_certificate_verification(console, driver_factory, system, council, shot, tmp_path):
    d = driver_factory()  # a fresh browser: nobody signed in
    d.get(console.url + "/console/verify")
    wait(d, "main")
    if d.find_elements(By.ID, "verify-unavailable"):
        shot(d, "verify")
        pytest.fail(
            "certificate verification not available: this deployment has no Certificates contract "
            "(build/contracts/Certificates.json missing: run `brownie compile`)"
        )
    document = ("中华人民共和国结婚证 · 持证人 张三 · " + uuid.uuid4().hex).encode()
    issued = _issue_certificate(system, council, document)
    doc = tmp_path / "certificate.pdf"
    doc.write_bytes(document)
    d.get(console.url + "/console/verify")
    wait(d, "#doc-file").send_keys(str(doc))
    d.find_element(By.ID, "verify-btn").click()
    assert wait(d, "#verify-result").text.endswith("有效"), d.find_element(By.ID, "verify-result").text
    assert issued["document_hash"] in d.page_source and "dept-a" in d.page_source
    shot(d, "verify")
    # a document nobody issued: UNKNOWN, by pasted hash
    d.get(console.url + "/console/verify")
    wait(d, "#doc-hash").send_keys("0x" + "ab" * 32)
    d.find_element(By.ID, "verify-btn").click()
    assert "未登记" in wait(d, "#verify-result").text


def test_14_property_register_for_entitled_parties_only(console, browsers, system, registry_roles, council, shot):
    """dept-a (REGISTRAR) registers a unit and its first owner 张三; dept-c (COURT) seizes it; the
    registrar's transfer is refused in words; the register renders for the registrar, the court,
    the auditor and the owner, and is refused (403 in words) for dept-b, which has no standing."""
    from selenium.webdriver.support.ui import Select

    d = browsers["a"]
    d.get(console.url + "/console/registry")
    wait(d, "#register-unit-form")
    assert "登记机构" in d.find_element(By.ID, "registry-roles").text
    parcel = "110105" + uuid.uuid4().hex[:8].upper()
    d.find_element(By.ID, "parcel-code").send_keys(parcel)
    d.find_element(By.NAME, "building_code").send_keys("F0001")
    d.find_element(By.NAME, "unit_code").send_keys("0101")
    Select(d.find_element(By.ID, "planned-use")).select_by_value("1")
    area = d.find_element(By.ID, "area-m2")
    area.clear()
    area.send_keys("89")
    d.find_element(By.ID, "register-unit-btn").click()
    text = flash(d)
    assert "已登记" in text, text
    uid = int(re.search(r"#(\d+)", text).group(1))
    assert wait(d, "#unit-id").text == f"#{uid}"
    STATE["unit"] = uid
    # first ownership: 张三 (id typed by the clerk, hashed with the deployment's subject key)
    d.find_element(By.ID, "owner").send_keys(":".join(CITIZEN_ID))
    d.find_element(By.ID, "own-case").send_keys("CASE-FIRST-" + uuid.uuid4().hex[:6])
    d.find_element(By.ID, "own-evidence").send_keys("商品房买卖合同 No.2024-001；契税完税证明")
    d.find_element(By.ID, "ownership-btn").click()
    assert "首次登记完成" in flash(d)
    owner_hash = "0x" + system.ctx.services.ops.subject(*CITIZEN_ID).hex()
    assert owner_hash in wait(d, "#unit-summary").text
    assert len(d.find_elements(By.CSS_SELECTOR, "#title-chain tbody tr[id^=entry-]")) == 1
    d.get(console.url + "/console/registry")
    assert wait(d, f"#units a[href='/console/registry/units/{uid}']")
    shot(d, "registry")
    # 张三's property certificate (the prior certificate a transfer must present)
    cert = _issue_certificate(system, council, ("不动产权证书 · " + parcel).encode(), "PROPERTY", "不动产权证书")
    # bound to 张三's title entry: the certificate a transfer must present (and supersedes)
    from backend.services import Actor

    registrar = Actor("department", system.addr["dept-a"], "clerk-a-001")
    system.ctx.services.registry.bind_certificate(registrar, uid, int(cert["cert_id"]), key=uuid.uuid4().hex)
    # 张三 consents at dept-b's front desk (not the registrar's: the registry refuses a consent it vouched for)
    desk_b = Actor("department", system.addr["dept-b"], "desk-b-001", kind="officer")
    consent = system.ctx.services.citizens.open_session(
        desk_b, CITIZEN_ID[0], CITIZEN_ID[1], "张三 consents to the sale", key=uuid.uuid4().hex
    )

    # the court seizes the unit from its own registry page
    c = browsers["make"]()
    browsers["c"] = c
    sign_in(c, console.url, system.tokens.for_officer("dept-c", "judge-c-01"))
    c.get(console.url + "/console/registry")
    wait(c, "#seizure-form")
    c.find_element(By.ID, "seize-unit-id").send_keys(str(uid))
    c.find_element(By.ID, "court-order").send_keys("（2024）京0105执保123号 民事裁定书")
    c.find_element(By.ID, "seize-btn").click()
    text = flash(c)
    assert "查封登记完成" in text, text
    sid = int(re.search(r"查封 #(\d+)", text).group(1))
    assert "查封中" in wait(c, f"#seizure-{sid}").text  # the court now has standing on the unit

    # the registrar tries to transfer: refused by the contract, shown in words
    d.get(f"{console.url}/console/registry/units/{uid}")
    wait(d, "#transfer-form")
    d.find_element(By.ID, "new-owner").send_keys("resident_id:110105198502024321")
    d.find_element(By.ID, "tr-case").send_keys("CASE-TRANSFER-" + uuid.uuid4().hex[:6])
    d.find_element(By.ID, "prior-cert").send_keys(cert["document_hash"])
    d.find_element(By.ID, "seller-consent").send_keys("0x" + "5c" * 32)  # the hash of 张三's consent record
    d.find_element(By.ID, "assisted-session").send_keys(str(consent["session_id"]))
    d.find_element(By.ID, "consent-desk").send_keys(system.addr["dept-b"])
    d.find_element(By.ID, "tr-evidence").send_keys("存量房买卖合同 No.2024-777")
    d.find_element(By.ID, "transfer-btn").click()
    text = flash(d)
    assert f"该不动产单元已被查封（查封 #{sid}），不能办理转移登记" in text, text
    assert "PropertyRegistryUnitSeized" not in d.page_source and "Traceback" not in d.page_source
    shot(d, "error_transfer_seized")
    assert system.events("PropertyRegistry", "TitleTransferred", unitId=uid) == []
    # the register itself, for the registrar
    d.get(f"{console.url}/console/registry/units/{uid}")
    assert "不可转移" in wait(d, "#transferable").text
    assert "查封中" in d.find_element(By.ID, f"seizure-{sid}").text
    shot(d, "registry_unit")

    # dept-b: no role, no mortgage, no seizure on the unit -> 403 in words
    b = browsers["b"]
    b.get(f"{console.url}/console/registry/units/{uid}")
    msg = wait(b, "#error-message").text
    assert f"您无权查看不动产单元 #{uid} 的登记簿" in msg, msg
    assert "Forbidden" not in b.page_source and "title-chain" not in b.page_source
    r = httpx.get(f"{console.url}/console/registry/units/{uid}", cookies=cookies_of(b))
    assert r.status_code == 403
    shot(b, "registry_forbidden")

    # the owner herself and the auditor may read it
    for who in ("citizen", "auditor"):
        x = browsers[who]
        x.get(f"{console.url}/console/registry/units/{uid}")
        assert owner_hash in wait(x, "#unit-summary").text
    shot(browsers["citizen"], "registry_unit_owner")


def test_15_council_rules_on_an_escalated_incident(console, browsers, system, shot):
    """The citizen's objection goes unanswered past its deadline (chain time moved on with
    evm_increaseTime) and is escalated; gov-1 proposes "upheld" from the ruling form (1 of 2),
    gov-2's approval executes Accountability.rule."""
    from backend.ops import deployer

    inc = STATE["inc"]
    ops = system.ctx.services.ops
    # the API refuses a ruling while the incident is still Open (neither answered nor escalated),
    # and refuses it to anyone but a governor
    body = {"upheld": True, "ruling_text": "too early"}
    r = system.http.post(f"/council/incidents/{inc}/ruling", json=body, headers=system.h("gov-3"))
    assert r.status_code == 409 and r.json()["error"] == "Conflict", r.text
    r = system.http.post(f"/council/incidents/{inc}/ruling", json=body, headers=system.h("dept-a"))
    assert r.status_code == 403, r.text
    deadline = int(ops.view("Accountability", "incident", inc)["responseDeadline"])
    now = int(system.w3.eth.get_block("latest")["timestamp"])
    system.w3.provider.make_request("evm_increaseTime", [deadline - now + 60])
    system.w3.provider.make_request("evm_mine", [])
    acc = system.contract("Accountability")
    deployer.transact(system.w3, system.accounts["deployer"], acc.functions.escalate(inc))  # anyone may escalate
    assert int(ops.view("Accountability", "incident", inc)["status"]) == 3  # Escalated

    g1 = browsers["gov-1"]
    until = time.monotonic() + 30
    while True:
        g1.get(console.url + "/console/council")
        rows = g1.find_elements(By.CSS_SELECTOR, f"#incident-{inc} form.ruling-form")
        if rows or time.monotonic() > until:
            break
        time.sleep(0.5)
    assert rows, "the escalated incident never showed on the council page"
    row = g1.find_element(By.ID, f"incident-{inc}")
    assert "已升级" in row.text and "越权使用" in row.text
    form = rows[0]
    form.find_element(By.CSS_SELECTOR, "input[value=upheld]").click()
    form.find_element(By.NAME, "ruling_text").send_keys("经核查，dept-b 调取张三婚姻记录无合法业务依据，异议成立。")
    shot(g1, "council_ruling_form")
    form.find_element(By.CSS_SELECTOR, ".ruling-btn").click()
    text = flash(g1)
    assert f"已提交对事件 #{inc} 的裁决提案" in text, text
    pid = int(re.search(r"提案 #(\d+)", text).group(1))
    prow = wait(g1, f"#proposal-{pid}")
    assert "1 / 2" in prow.text and f"Accountability.rule(incidentId={inc}, upheld=True" in prow.text
    assert "裁决提案待批准" in g1.find_element(By.ID, f"incident-{inc}").text
    shot(g1, "council")
    assert int(ops.view("Accountability", "incident", inc)["status"]) == 3  # one governor cannot rule alone

    g2 = browsers["gov-2"]
    g2.get(console.url + "/console/council")
    wait(g2, f"#proposal-{pid} button").click()
    assert "执行" in flash(g2)
    assert int(ops.view("Accountability", "incident", inc)["status"]) == 4  # Upheld
    ruled = system.events("Accountability", "IncidentRuled", incidentId=inc)
    assert len(ruled) == 1 and ruled[0]["upheld"] is True and ruled[0]["proposalId"] == pid
    assert ruled[0]["responsible"] == system.addr["dept-b"]
    # the auditor's list shows the outcome
    d = browsers["auditor"]
    until = time.monotonic() + 30
    while True:
        d.get(console.url + "/console/audit/incidents?type=UNAUTHORIZED_USE")
        text = wait(d, f"#audit-inc-{inc}").text
        if "成立" in text or time.monotonic() > until:
            break
        time.sleep(0.5)
    assert "成立" in text, text


def test_officer_signs_in_with_password_and_second_factor(console, browsers, system, shot):
    """The console's officer form: a wrong code is refused; the right one signs in as that officer
    (the header names them; there is no field to type another officer's name)."""
    e = system.ctx.officers.store.enrol("li.wei", "Li Wei", "officer", "department", system.addr["dept-a"])
    totp = pyotp.TOTP(e.totp_secret)
    now = int(time.time())
    near = {totp.at(now + k * totp.interval) for k in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)
    d = browsers["make"]()
    officer_sign_in(d, console.url, "li.wei", e.password, wrong)
    assert flash(d) == "用户名、密码或验证码错误。"
    assert not d.find_elements(By.ID, "officer-id")  # the free-text officer field is gone
    shot(d, "officer-login")
    officer_sign_in(d, console.url, "li.wei", e.password, totp.now())
    acting = wait(d, "#acting").text
    assert "dept-a" in acting and "li.wei" in acting
    # a plain officer is no administrator: no link to the officers page, and the page refuses them
    assert not d.find_elements(By.CSS_SELECTOR, 'nav a[href="/console/officers"]')
    d.get(console.url + "/console/officers")
    assert wait(d, "#error-message").text == "当前身份无权访问该页面。"
