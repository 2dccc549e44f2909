"""Security review fixes on the served console (real app, real chain; HTTP, no browser):

* the session cookie is encrypted (its bytes never contain the API token), an edited
  or expired cookie is signed out, sign-out deletes it;
* every console route with an id in its path answers a 4xx page in words for -1, 0,
  2**256, … (never a 500 from web3's MismatchedABI);
* the auditor's integrity form never files in another account's name: an auditor
  files as itself, a governor only reports (and the page says so).
"""

from __future__ import annotations

import re
import time
import uuid

import httpx
import pytest

from backend.web import session

BAD_IDS = ("-1", "0", str(2**256), str(2**300), "abc", "1e3")


class Browser:
    """An httpx client that signs in through the login form, like a browser would."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, follow_redirects=False, timeout=60)

    def csrf(self, path: str = "/console/login") -> str:
        r = self.http.get(path)
        m = re.search(r'name="csrf" value="([^"]+)"', r.text)
        assert m, (path, r.status_code, r.text[:400])
        return m.group(1)

    def sign_in(self, token: str) -> httpx.Response:
        r = self.http.post("/console/login", data={"csrf": self.csrf(), "token": token})
        assert r.status_code == 303 and session.SESSION_COOKIE in r.cookies, r.text
        return r

    def post(self, path: str, data: dict | None = None) -> httpx.Response:
        return self.http.post(path, data={"csrf": self.csrf("/console/login"), **(data or {})})

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def browser(console):
    b = Browser(console.url)
    yield b
    b.close()


def _signed_out(r: httpx.Response) -> bool:
    return r.status_code == 303 and r.headers["location"].startswith("/console/login")


def _is_error_page_in_words(r: httpx.Response) -> bool:
    return 400 <= r.status_code < 500 and 'id="error-message"' in r.text and "Traceback" not in r.text


# -- the session cookie -------------------------------------------------------------------------------
def test_session_cookie_is_encrypted_and_does_not_carry_the_token(console, browser, system):
    token = system.tokens["dept-a"]
    r = browser.sign_in(token)
    header = next(h for h in r.headers.get_list("set-cookie") if h.startswith(session.SESSION_COOKIE + "="))
    flags = [f.strip().lower() for f in header.split(";")]
    assert "httponly" in flags and "samesite=strict" in flags
    cookie = r.cookies[session.SESSION_COOKIE]
    assert cookie.startswith("v2.") and token not in cookie and token[4:] not in cookie
    assert "clerk-a-hardening" not in cookie
    assert browser.http.get("/console/workspace").status_code == 200


def test_tampered_cookie_is_signed_out(console, browser, system):
    cookie = browser.sign_in(system.tokens["dept-a"]).cookies[session.SESSION_COOKIE]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    i = len(cookie) // 2
    tampered = cookie[:i] + alphabet[alphabet.index(cookie[i]) ^ 0b100000] + cookie[i + 1 :]
    browser.http.cookies.set(session.SESSION_COOKIE, tampered)
    assert _signed_out(browser.http.get("/console/workspace"))
    browser.http.cookies.set(session.SESSION_COOKIE, cookie)
    assert browser.http.get("/console/workspace").status_code == 200


def test_expired_cookie_is_signed_out(console, browser, system):
    key = session.load_or_create_session_key(system.ctx.settings.data_dir)  # the served app's key
    now = int(time.time())
    fresh = session.seal(key, {"t": system.tokens["dept-a"], "o": "clerk", "iat": now, "exp": now + 60})
    browser.http.cookies.set(session.SESSION_COOKIE, fresh)
    assert browser.http.get("/console/workspace").status_code == 200
    expired = session.seal(key, {"t": system.tokens["dept-a"], "o": "clerk", "iat": now - 43_300, "exp": now - 1})
    browser.http.cookies.set(session.SESSION_COOKIE, expired)
    assert _signed_out(browser.http.get("/console/workspace"))


def test_sign_out_deletes_the_cookie(console, browser, system):
    browser.sign_in(system.tokens["dept-a"])
    csrf = re.search(r'name="csrf" value="([^"]+)"', browser.http.get("/console/workspace").text).group(1)
    r = browser.http.post("/console/logout", data={"csrf": csrf})
    assert _signed_out(r)
    header = next(h for h in r.headers.get_list("set-cookie") if h.startswith(session.SESSION_COOKIE + "="))
    assert "max-age=0" in header.lower()
    assert _signed_out(browser.http.get("/console/workspace"))


# -- ids out of range never make a 500 ---------------------------------------------------------------
GET_ROUTES = (  # (who, path template); {id} is replaced by each bad id
    ("dept-a", "/console/resources/{id}"),
    ("auditor", "/console/resources/{id}"),
    ("gov-1", "/console/resources/{id}"),
    ("dept-a", "/console/registry/units/{id}"),
    ("dept-a", "/console/property/{id}"),
    ("citizen", "/console/citizen/uses/{id}/1/object"),
    ("citizen", "/console/citizen/uses/1/{id}/object"),
)
POST_ROUTES = (
    ("dept-a", "/console/resources/{id}/versions", {"record": '{"x": 1}'}),
    ("dept-a", "/console/requests/{id}/approve", {"reason": "ok"}),
    ("dept-a", "/console/requests/{id}/deny", {"reason": "no"}),
    ("dept-a", "/console/grants/{id}/fetch", {}),
    ("dept-a", "/console/grants/{id}/revoke", {"reason": "x"}),
    ("dept-a", "/console/incidents/{id}/respond", {"response": "x"}),
    ("dept-a", "/console/registry/units/{id}/ownership", {}),
    ("dept-a", "/console/registry/units/{id}/transfer", {}),
    ("gov-1", "/console/council/proposals/{id}/approve", {}),
    ("gov-1", "/console/council/incidents/{id}/ruling", {"outcome": "upheld", "ruling_text": "x"}),
    ("gov-1", "/console/council/requests/{id}/propose", {"justification": "x"}),
    ("citizen", "/console/citizen/uses/{id}/1/object", {"text": "x"}),
    ("citizen", "/console/citizen/uses/1/{id}/object", {"text": "x"}),
)


def _browser_for(console, system, who: str) -> Browser:
    b = Browser(console.url)
    b.sign_in(system.tokens[who])
    return b


def test_bad_path_ids_answer_a_4xx_page_in_words(console, system):
    """An id out of range (or not a number) names nothing: the console's 404 page, in words."""
    browsers: dict[str, Browser] = {}

    def check(r: httpx.Response, *where) -> None:
        assert _is_error_page_in_words(r), (*where, r.status_code, r.text[:300])
        assert r.status_code == 404 and ("未找到" in r.text or "Not found" in r.text), (*where, r.status_code)

    try:
        for who, template in GET_ROUTES:
            b = browsers.setdefault(who, _browser_for(console, system, who))
            for bad in BAD_IDS:
                check(b.http.get(template.format(id=bad)), who, template, bad)
        for who, template, data in POST_ROUTES:
            b = browsers.setdefault(who, _browser_for(console, system, who))
            for bad in BAD_IDS:
                check(b.post(template.format(id=bad), {**data, "idem": "web-" + uuid.uuid4().hex}), who, template, bad)
        # the use index is a uint32: 2**32 is out of range there (but a fine grant id)
        check(browsers["citizen"].http.get(f"/console/citizen/uses/1/{2**32}/object"), "use index 2**32")
        # an id in range that names nothing: a 4xx page too, from the contract's own error
        r = browsers["dept-a"].http.get(f"/console/resources/{2**255}")
        assert _is_error_page_in_words(r), (r.status_code, r.text[:300])
    finally:
        for b in browsers.values():
            b.close()


def test_bad_form_ids_never_500(console, system):
    dept = _browser_for(console, system, "dept-a")
    aud = _browser_for(console, system, "auditor")
    try:
        for bad in ("-1", str(2**256), str(2**300)):
            r = dept.post(
                "/console/requests",
                {
                    "resource_id": bad,
                    "purpose_code": "1",
                    "legal_basis": "x",
                    "fields": "a",
                    "duration_days": "1",
                    "max_uses": "1",
                },
            )
            assert r.status_code < 500 and "Traceback" not in r.text, (bad, r.status_code)
            r = aud.post("/console/audit/integrity", {"resource_id": bad})
            assert r.status_code < 500 and 'id="integrity-error"' in r.text, (bad, r.status_code, r.text[:300])
            assert "InternalError" not in r.text
    finally:
        dept.close()
        aud.close()


# -- the console's integrity check files only as the caller ------------------------------------------
def _tamper(system, record: dict) -> int:
    res = system.register("dept-a", record=record)
    path = system.ctx.store.path_for(res["content_hash"])
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    path.write_bytes(bytes(blob))
    return res["resource_id"]


def _tamper_incidents(system, rid: int) -> list[dict]:
    return [
        e for e in system.events("Accountability", "IncidentFiled") if e["subjectId"] == rid and e["incidentType"] == 3
    ]


def test_console_integrity_governor_reports_auditor_files_as_itself(console, system):
    rid = _tamper(system, {"hardening": uuid.uuid4().hex})
    owner_nonce = system.w3.eth.get_transaction_count(system.addr["dept-a"])
    gov = _browser_for(console, system, "gov-1")
    aud = _browser_for(console, system, "auditor")
    try:
        r = gov.post("/console/audit/integrity", {"resource_id": str(rid)})
        assert r.status_code == 200 and 'id="integrity-report-only"' in r.text, r.text[:400]
        assert _tamper_incidents(system, rid) == []
        r = aud.post("/console/audit/integrity", {"resource_id": str(rid)})
        assert r.status_code == 200 and 'id="integrity-report-only"' not in r.text
        evs = _tamper_incidents(system, rid)
        assert len(evs) == 1 and evs[0]["reporter"] == system.addr["auditor"]
        assert evs[0]["responsible"] == system.addr["dept-a"]
        assert system.w3.eth.get_transaction_count(system.addr["dept-a"]) == owner_nonce  # nothing in its name
    finally:
        gov.close()
        aud.close()
