"""Browser tests: the real app (API + console) served by uvicorn on 127.0.0.1
(free port) against a real anvil with the real contracts, driven by Debian's
headless Chromium through Selenium + chromedriver (no browser downloads).

The chain, contracts, departments and tokens come from the API tests' own
set-up (tests/backend/api/conftest.py, loaded here under another name), so
there is one way to bring up a consortium. Screenshots of every main page go
to reports/screenshots/<page>.png.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "reports" / "screenshots"
CHROMIUM = os.environ.get("GOVCHAIN_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("GOVCHAIN_E2E_CHROMEDRIVER", "/usr/bin/chromedriver")

# -- the consortium of the API tests (anvil + deployed contracts + departments + tokens) ---------------
# tests/backend/api_world.py is the one builder; its folder holds the test kits it imports.
sys.path.insert(0, str(ROOT / "tests" / "backend"))
import api_world

system = api_world.system  # the session fixture, re-exported

# The console pages for certificates, the property register and cases need the citizen-service
# contracts too: the world deploys these on top of the core ones (build_system reads CORE per call).
SERVICE_CONTRACTS = ("Certificates", "PropertyRegistry", "OneStopServices")
api_world.CORE = (
    *api_world.CORE,
    *(n for n in SERVICE_CONTRACTS if (ROOT / "build" / "contracts" / f"{n}.json").exists()),
)

CITIZEN_ID = ("resident_id", "110105199001011234")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn serving create_app(ctx) + the console in a thread of this process (same AppContext)."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-e2e", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def build_app(ctx):
    from backend.api.main import create_app

    return create_app(ctx, background=False)


def council_call(system, propose) -> dict:
    """gov-1 proposes through a service, gov-2 approves (threshold 2 of 3): executed."""
    import uuid

    from backend.services import Actor

    g1 = Actor("governor", system.addr["gov-1"], "gov-officer-1")
    g2 = Actor("governor", system.addr["gov-2"], "gov-officer-2")
    proposed = propose(g1, uuid.uuid4().hex)
    approved = system.ctx.services.council.approve_proposal(g2, proposed["proposal_id"], key=uuid.uuid4().hex)
    assert approved["executed"], approved
    return proposed


@pytest.fixture(scope="session")
def console(system):
    """The served app, the indexer following the chain, and a citizen token opened by a
    front desk (dept-a's clerk identifies 张三 in person; the token holds only the keyed hash)."""
    from datetime import timedelta

    from backend.services import Actor

    ctx = system.ctx
    ctx.start_indexer(0.3)
    desk = Actor("department", system.addr["dept-a"], "desk-clerk-01", kind="officer")  # a person at the desk
    session = ctx.services.citizens.open_session(
        desk, *CITIZEN_ID, "e2e: walk-in, identity card checked", ttl=timedelta(minutes=30), key="e2e-citizen"
    )
    system.tokens["citizen"] = session["token"]
    server = Server(build_app(ctx))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def driver_factory():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("Debian chromium + chromium-driver not installed: run tools/setup_e2e.sh")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium not installed: run tools/setup_e2e.sh")
    drivers, dirs = [], []

    def make():
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        profile = tempfile.mkdtemp(prefix="govchain-e2e-chrome-")
        dirs.append(profile)
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--window-size=1366,1000",
            "--lang=zh-CN",
        ):
            opts.add_argument(flag)
        d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        d.set_page_load_timeout(60)
        drivers.append(d)
        return d

    yield make
    for d in drivers:
        try:
            d.quit()
        except Exception:
            pass
    for p in dirs:
        shutil.rmtree(p, ignore_errors=True)


@pytest.fixture(scope="session")
def shot():
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(driver, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        height = driver.execute_script("return Math.min(document.body.scrollHeight, 3000)")
        driver.set_window_size(1366, max(800, int(height) + 40))
        driver.save_screenshot(str(path))
        return path

    return take


@pytest.fixture(scope="session")
def council(system):
    """``council(propose)`` runs a council call: gov-1 proposes with ``propose(actor, key)``, gov-2 approves."""
    return lambda propose: council_call(system, propose)


@pytest.fixture(scope="session")
def registry_roles(system):
    """Council-designated registry roles: dept-a is the REGISTRAR, dept-c the COURT;
    dept-b holds none (the unrelated department)."""
    if "PropertyRegistry" not in system.ctx.manifest.contracts:
        pytest.fail("PropertyRegistry not compiled (build/contracts/PropertyRegistry.json): run `brownie compile`")
    reg = system.ctx.services.registry
    for dept, role in (("dept-a", "REGISTRAR"), ("dept-c", "COURT")):
        council_call(
            system,
            lambda g, key, dept=dept, role=role: reg.propose_role(
                g, system.addr[dept], role, True, f"designate {dept} as {role}", key=key
            ),
        )
    return {"REGISTRAR": "dept-a", "COURT": "dept-c"}
