"""A citizen signs in themselves in a real browser: the node's login page → the development
OIDC provider's login page (served for real on its own port) → back to the node, which verifies
the ID token and opens the citizen's session → "who used my data" lists the use of their data."""

from __future__ import annotations

import pytest
from identity_testkit import ServedIdp  # tests/backend, on the path through conftest.py
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from backend.web.oidc import OidcClient, OidcConfig

CITIZEN_ID = ("resident_id", "110105199001011234")  # the same as conftest.CITIZEN_ID
USERNAME, PASSWORD = "e2e-citizen", "e2e-citizen-password"
CLIENT_ID = "govchain-e2e-console"


def wait(driver, css: str, timeout: float = 30):
    return WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


@pytest.fixture(scope="module")
def idp(console, tmp_path_factory):
    served = ServedIdp(tmp_path_factory.mktemp("idp"))
    served.store.add_user(USERNAME, PASSWORD, {"sub": "e2e-0001", "name": "张三", CITIZEN_ID[0]: CITIZEN_ID[1]})
    served.store.register_client(CLIENT_ID, [console.url + "/console/citizen/callback"])
    app = console.server.config.app
    app.state.oidc_client = OidcClient(OidcConfig(issuer=served.issuer, client_id=CLIENT_ID))
    try:
        yield served
    finally:
        del app.state.oidc_client
        served.stop()


@pytest.fixture(scope="module")
def use_of_the_citizens_data(console, system):
    """dept-b reads one record of dept-a about the citizen under a grant: the use the citizen must see."""
    _res, req = system.granted("dept-a", "dept-b")
    gid = req["grant_id"]
    r = system.http.get(
        f"/grants/{gid}/data?context_ref=oidc-e2e",
        headers=system.h("dept-b", officer="clerk-oidc", **{"X-Data-Subject": ":".join(CITIZEN_ID)}),
    )
    assert r.status_code == 200, r.text
    return gid


def test_citizen_signs_in_through_the_provider_and_sees_who_used_their_data(
    console, idp, use_of_the_citizens_data, driver_factory, shot
):
    d = driver_factory()
    d.get(console.url + "/console/login")
    wait(d, "#citizen-signin").click()
    wait(d, "#idp-login")
    assert d.current_url.startswith(idp.issuer + "/authorize?")
    shot(d, "citizen_oidc_provider_login")
    d.find_element(By.ID, "idp-username").send_keys(USERNAME)
    d.find_element(By.ID, "idp-password").send_keys(PASSWORD)
    d.find_element(By.ID, "idp-signin").click()
    table = wait(d, "#citizen-log")
    assert d.current_url == console.url + "/console/citizen"
    WebDriverWait(d, 30).until(
        lambda drv: f"#{use_of_the_citizens_data}" in drv.find_element(By.ID, "citizen-log").text
    )
    assert "dept-b" in d.find_element(By.ID, "citizen-log").text
    assert table is not None
    shot(d, "citizen_oidc_who_used_my_data")


def test_a_wrong_password_stays_on_the_provider_and_opens_no_session(console, idp, driver_factory):
    d = driver_factory()
    d.get(console.url + "/console/citizen/login")
    wait(d, "#idp-login")
    d.find_element(By.ID, "idp-username").send_keys(USERNAME)
    d.find_element(By.ID, "idp-password").send_keys("not-the-password")
    d.find_element(By.ID, "idp-signin").click()
    assert "Wrong username or password" in wait(d, "#idp-error").text
    d.get(console.url + "/console/citizen")
    wait(d, "#login-form")  # not signed in: the node sends the browser to its sign-in page
