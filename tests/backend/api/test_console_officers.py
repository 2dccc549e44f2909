"""The console's officers page (issue 10): an administrator officer signed in as themself lists,
enrols and removes the officers of their chain identity through the API's own OfficerService; the
initial password and TOTP URI appear once, in a no-store response; anyone else is the wrong role."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pyotp
from api_world import System
from fastapi.testclient import TestClient

from backend.web import i18n

WRONG_ROLE_EN = i18n.t("en", "wrong_role")
CSRF_FAILED_EN = i18n.t("en", "csrf_failed")


class Browser:
    """A console session of its own (its own cookies), signed in with a token, English pages."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def csrf(self, path: str = "/console/login") -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.client.get(path).text)
        assert found, path
        return found.group(1)

    def get(self, path: str):
        return self.client.get(path)

    def post(self, path: str, **form: str):
        return self.client.post(path, data=form, follow_redirects=False)

    def flash(self, response) -> str:
        """The one-shot message a form's redirect leaves, as the next page shows it."""
        assert response.status_code == 303, response.text[:500]
        page = self.client.get(response.headers["location"])
        found = re.search(r'<div class="flash (\w+)" role="status" id="flash">(.*?)</div>', page.text, re.S)
        assert found, page.text[-1500:]
        return f"{found.group(1)}: {html.unescape(found.group(2))}"


@contextmanager
def console(s: System, token: str) -> Iterator[Browser]:
    with TestClient(s.app, raise_server_exceptions=False) as client:
        client.cookies.set("gc_lang", "en")
        b = Browser(client)
        r = b.post("/console/login", csrf=b.csrf(), token=token)
        assert r.status_code == 303, r.text
        yield b


def _name() -> str:
    return "u" + uuid.uuid4().hex[:10]


def _row(page: str, username: str) -> str | None:
    found = re.search(rf'<tr id="officer-{re.escape(username)}">(.*?)</tr>', page, re.S)
    return found.group(1) if found else None


def _shown(page: str, field: str) -> str:
    found = re.search(rf'<dd class="mono" id="enrolled-{field}">(.*?)</dd>', page)
    assert found, page[-2000:]
    return html.unescape(found.group(1))


def _usernames(s: System) -> set[str]:
    return {o.username for o in s.ctx.officers.store.list()}


def _officer_token(s: System, username: str, password: str, totp: pyotp.TOTP) -> str:
    r = s.http.post("/auth/officer/session", json={"username": username, "password": password, "totp": totp.now()})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def _me(s: System, token: str) -> int:
    return s.http.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_the_admin_lists_the_officers_without_secrets_and_sees_the_nav_link(system: System):
    s = system
    with console(s, s.tokens["dept-a"]) as b:  # bound to officer-1, an admin of dept-a
        r = b.get("/console/officers")
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    row = _row(r.text, "officer-1")
    assert row is not None and "Administrator" in row and "(you)" in row and "/remove" not in row
    assert '<a href="/console/officers" class="on">Officers</a>' in r.text
    assert "password_hash" not in r.text and "$argon2" not in r.text and "otpauth://" not in r.text


def test_the_admin_enrols_an_officer_who_then_signs_in_and_the_secrets_show_once(system: System):
    s = system
    name = _name()
    with console(s, s.tokens["dept-a"]) as b:
        r = b.client.post(
            "/console/officers",
            data={"csrf": b.csrf("/console/officers"), "username": name, "display_name": "Li Wei", "role": "officer"},
            follow_redirects=False,
        )
        assert r.status_code == 200, r.text
        assert r.headers["cache-control"] == "no-store"
        password, uri = _shown(r.text, "password"), _shown(r.text, "totp-uri")
        assert i18n.t("en", "officer_shown_once") in html.unescape(r.text)
        # shown in this page only: no flash cookie, no redirect, nothing in any cookie
        assert "location" not in r.headers
        assert [c for c in r.headers.get_list("set-cookie") if "gc_flash" in c or password in c] == []
        row = _row(r.text, name)
        assert row is not None and "Li Wei" in row and "Officer" in row and "/remove" in row

        # the password works for sign-in through the API with its TOTP
        token = _officer_token(s, name, password, pyotp.parse_uri(uri))
        me = s.http.get("/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert (me["role"], me["address"], me["kind"], me["officer"]) == (
            "department",
            s.addr["dept-a"],
            "officer",
            name,
        )

        # a reload shows the account, never the password or the URI again
        again = b.get("/console/officers")
    assert again.status_code == 200 and _row(again.text, name) is not None
    assert password not in again.text and uri not in again.text and "enrolled-password" not in again.text


def test_enrolment_errors_are_shown_in_words(system: System):
    s = system
    with console(s, s.tokens["dept-a"]) as b:
        csrf = b.csrf("/console/officers")
        taken = b.post("/console/officers", csrf=csrf, username="officer-1", display_name="Again", role="officer")
        assert b.flash(taken) == "error: The username officer-1 is taken; choose another."
        bad = b.post("/console/officers", csrf=csrf, username="Bad Name", display_name="X", role="officer")
        assert b.flash(bad) == "error: " + i18n.t("en", "officer_bad_username")
        b.client.cookies.set("gc_lang", "zh")
        bad_zh = b.post("/console/officers", csrf=csrf, username="Bad Name", display_name="X", role="officer")
        assert b.flash(bad_zh) == "error: " + i18n.t("zh", "officer_bad_username")
    assert "Bad Name" not in _usernames(s)


def test_the_admin_removes_an_officer_whose_token_then_gets_401(system: System):
    s = system
    name = _name()
    r = s.http.post(
        "/officers", json={"username": name, "display_name": name, "role": "officer"}, headers=s.h("dept-a")
    )
    assert r.status_code == 201, r.text
    token = _officer_token(s, name, r.json()["password"], pyotp.parse_uri(r.json()["totp_uri"]))
    assert _me(s, token) == 200
    with console(s, s.tokens["dept-a"]) as b:
        csrf = b.csrf("/console/officers")
        # without the confirmation box ticked nothing is removed
        unconfirmed = b.post(f"/console/officers/{name}/remove", csrf=csrf)
        assert b.flash(unconfirmed) == "error: " + i18n.t("en", "officer_confirm_remove")
        assert _me(s, token) == 200
        done = b.post(f"/console/officers/{name}/remove", csrf=csrf, confirm="yes")
        assert b.flash(done) == f"ok: Officer {name} removed; their 1 token(s) stopped working at once."
        page = b.get("/console/officers").text
        # an admin does not remove themself; an account not here is said so
        own = b.post("/console/officers/officer-1/remove", csrf=csrf, confirm="yes")
        assert b.flash(own) == "error: " + i18n.t("en", "officer_not_self")
        gone = b.post(f"/console/officers/{name}/remove", csrf=csrf, confirm="yes")
        assert b.flash(gone) == f"error: There is no active officer {name} here."
    assert _me(s, token) == 401
    row = _row(page, name)
    assert row is not None and 'class="badge bad"' in row and "/remove" not in row


def test_a_plain_officer_a_client_and_a_non_admin_governor_get_the_wrong_role(system: System):
    s = system
    plain = s.tokens.for_officer("dept-a", "clerk-" + uuid.uuid4().hex[:6])  # type: ignore[attr-defined]
    client = s.ctx.tokens.issue("department", s.addr["dept-a"], "batch job", scopes="*")
    governor = s.tokens.for_officer("gov-1", "gov-clerk-" + uuid.uuid4().hex[:6])  # type: ignore[attr-defined]
    before = _usernames(s)
    for token in (plain, client, governor):
        with console(s, token) as b:
            page = b.get("/console/officers")
            assert (page.status_code, WRONG_ROLE_EN in page.text) == (403, True), page.text[-800:]
            assert 'href="/console/officers"' not in b.get("/console/verify").text  # no nav link either
            csrf = b.csrf("/console/verify")
            r = b.post("/console/officers", csrf=csrf, username=_name(), display_name="Nope", role="admin")
            assert (r.status_code, WRONG_ROLE_EN in r.text) == (403, True)
            r = b.post("/console/officers/officer-1/remove", csrf=csrf, confirm="yes")
            assert (r.status_code, WRONG_ROLE_EN in r.text) == (403, True)
    assert _usernames(s) == before
    assert _me(s, s.tokens["dept-a"]) == 200


def test_a_form_without_its_csrf_value_is_refused(system: System):
    s = system
    before = _usernames(s)
    name = _name()
    with console(s, s.tokens["dept-a"]) as b:
        r = b.post("/console/officers", username=name, display_name="No Csrf", role="officer")
        assert (r.status_code, CSRF_FAILED_EN in r.text) == (403, True)
        r = b.post("/console/officers", csrf="forged", username=name, display_name="No Csrf", role="officer")
        assert (r.status_code, CSRF_FAILED_EN in r.text) == (403, True)
        r = b.post("/console/officers/officer-1/remove", confirm="yes")
        assert (r.status_code, CSRF_FAILED_EN in r.text) == (403, True)
    assert _usernames(s) == before


def test_signed_out_the_page_asks_for_sign_in(system: System):
    with TestClient(system.app, raise_server_exceptions=False) as client:
        r = client.get("/console/officers", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/console/login?next=/console/officers")
