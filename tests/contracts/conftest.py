"""Shared fixtures for the contract unit tests.

The whole system is deployed once per test module (3 governors, threshold 2,
four departments admitted through proposals, one auditor, one resource of each
classification owned by department A) and every test runs in brownie's function
isolation, so tests may change state freely. Helpers live in contract_helpers.py.
"""

from __future__ import annotations

import pytest
from contract_helpers import (
    INTERNAL,
    PUBLIC,
    SECRET,
    SENSITIVE,
    TEST_LEGAL_BASES,
    TEST_PURPOSES,
    ZERO32,
    System,
    h,
)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "ganache_smoke: representative contract tests also run on ganache 7 (make test-ganache)"
    )


@pytest.fixture(scope="module")
def system(accounts, Consortium, DataCatalog, Purposes, UsageRights, Accountability) -> System:
    deployer = accounts[0]
    governors = [accounts[1], accounts[2], accounts[3]]
    depts = [accounts[4], accounts[5], accounts[6], accounts[7]]
    auditor = accounts[8]
    outsider = accounts[9]

    consortium = Consortium.deploy(governors, 2, {"from": deployer})
    catalog = DataCatalog.deploy(consortium, {"from": deployer})
    purposes = Purposes.deploy(consortium, {"from": deployer})
    rights = UsageRights.deploy(consortium, catalog, purposes, {"from": deployer})
    accountability = Accountability.deploy(consortium, catalog, rights, {"from": deployer})

    names = ["Land Registry", "Civil Affairs", "Public Security", "Tax Bureau"]
    for i, (dept, name) in enumerate(zip(depts, names)):
        pid = consortium.proposeAdmitDepartment(
            dept, h(f"code-{i}"), name, h("region-310000"), {"from": governors[0]}
        ).return_value
        consortium.approve(pid, {"from": governors[1]})
    pid = consortium.proposeAppointAuditor(auditor, {"from": governors[1]}).return_value
    consortium.approve(pid, {"from": governors[2]})
    # UsageRights keeps its own copy of each department's standing (told by the consortium), as deployed
    pid = consortium.proposeAddStandingListener(rights, {"from": governors[0]}).return_value
    consortium.approve(pid, {"from": governors[1]})

    # the council's registry: every purpose code and legal basis the tests name
    def council(fn_name: str, *args) -> None:
        data = getattr(purposes, fn_name).encode_input(*args)
        pid = consortium.proposeCouncilCall(purposes, data, h("registry"), {"from": governors[0]}).return_value
        consortium.approve(pid, {"from": governors[1]})

    for code in TEST_PURPOSES:
        council("registerPurpose", code, f"用途{code}", f"purpose {code}")
    for label in TEST_LEGAL_BASES:
        council("registerLegalBasis", h(label), f"Regulation {label}, art. 1")

    resources = {}
    for cls in (PUBLIC, INTERNAL, SENSITIVE, SECRET):
        tx = catalog.registerResource(
            cls, h(f"schema-{cls}"), h(f"content-{cls}"), h("steward"), ZERO32, {"from": depts[0]}
        )
        resources[cls] = tx.return_value

    return System(
        consortium=consortium,
        catalog=catalog,
        rights=rights,
        accountability=accountability,
        governors=governors,
        depts=depts,
        auditor=auditor,
        outsider=outsider,
        deployer=deployer,
        resources=resources,
        purposes=purposes,
    )


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    """Every test starts from the module's deployment snapshot."""
