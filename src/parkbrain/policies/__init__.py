"""Policies as code: dated YAML rules, a safe expression language compiled to warehouse expressions,
evaluated for every enterprise and talent at once, each answer explained (政策计算器 core).

    cat = load_catalogue()                      # parkbrain/data/policies/*.yaml (+ your files)
    results = evaluate_policies(park.warehouse, cat)
    policy_summary(results)                     # eligible counts and amounts per policy
    enterprise_policies(results, uscc, cat)     # one enterprise's policies, why, what it lacks
    what_if(park.warehouse, cat, uscc, add={"rd_expense": 100})
    automatic_grants(results, cat)              # the 免申即享 list
"""

from parkbrain.policies.assemble import RESULT_SCHEMA, STATUSES
from parkbrain.policies.errors import ExpressionError, PolicyCycleError, PolicyError
from parkbrain.policies.evaluate import evaluate_policies, iter_policy_results, resolve_period
from parkbrain.policies.loader import Catalogue, load_catalogue, parse_policy
from parkbrain.policies.model import Benefit, Condition, InputSpec, Policy, PolicyVersion, Source
from parkbrain.policies.panel import Delta
from parkbrain.policies.results import (
    automatic_grants,
    enterprise_policies,
    gap_text,
    policy_summary,
    what_if,
)

__all__ = [
    "RESULT_SCHEMA", "STATUSES", "Benefit", "Catalogue", "Condition", "Delta", "ExpressionError", "InputSpec",
    "Policy", "PolicyCycleError", "PolicyError", "PolicyVersion", "Source", "automatic_grants", "enterprise_policies",
    "evaluate_policies", "gap_text", "iter_policy_results", "load_catalogue", "parse_policy",
    "policy_summary", "resolve_period", "what_if",
]
