"""Every scenario in tests/policy_scenarios/*.yaml, run against the shipped catalogue."""

from collections import Counter
from pathlib import Path

import pytest

from parkbrain.policies import load_catalogue
from parkbrain.policies.scenarios import load_scenarios, run_scenario
from parkbrain.warehouse.duckdb import DuckDBWarehouse

FOLDER = Path(__file__).parent / "policy_scenarios"
SCENARIOS = load_scenarios([FOLDER])
REAL = ("high_tech_enterprise", "tech_sme", "specialized_sme", "little_giant", "rd_super_deduction",
        "high_tech_tax_rate")


@pytest.fixture(scope="module")
def scratch():
    warehouse = DuckDBWarehouse(":memory:")
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def catalogue():
    cat = load_catalogue()
    assert not cat.errors
    return cat


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s.policy}:{s.line}" for s in SCENARIOS])
def test_scenario(scenario, scratch, catalogue):
    problems = run_scenario(scratch, catalogue, scenario)
    assert not problems, f"{scenario.where} {scenario.name}\n  " + "\n  ".join(problems)


def test_every_real_policy_has_five_scenarios():
    counts = Counter(s.policy for s in SCENARIOS)
    assert all(counts[p] >= 5 for p in REAL), counts


def _names_missing(expected: dict) -> bool:
    """Expects an unknown answer and names the missing input (of a condition, or of the amount)."""
    conditions = expected.get("conditions", {}).values()
    unknown_status = expected.get("status") == "unknown" and any(
        isinstance(c, dict) and c.get("missing") for c in conditions)
    unknown_amount = "amount" in expected and expected["amount"] is None and expected.get("amount_missing")
    return bool(unknown_status or unknown_amount)


def test_every_real_policy_has_a_missing_data_scenario():
    for policy in REAL:
        assert any(_names_missing(s.expected) for s in SCENARIOS if s.policy == policy), policy
