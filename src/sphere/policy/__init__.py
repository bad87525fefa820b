"""Policy as code: a YAML policy, loaded with precise errors and compiled to a pure,
fast ``Facts -> Decision`` function. Pure: see ``README.md`` in this folder."""

from sphere.policy.compiler import DEFAULT_RULE
from sphere.policy.diff import PolicyDiff, diff_policies
from sphere.policy.engine import Policy
from sphere.policy.loader import default_policy, default_policy_path, load_policy, load_policy_text
from sphere.policy.model import PurposeSpec, Rule, SourceMarks
from sphere.policy.whatif import WhatIf, WhatIfShift, compare_outcomes

__all__ = [
    "DEFAULT_RULE",
    "Policy",
    "PolicyDiff",
    "PurposeSpec",
    "Rule",
    "SourceMarks",
    "WhatIf",
    "WhatIfShift",
    "compare_outcomes",
    "default_policy",
    "default_policy_path",
    "diff_policies",
    "load_policy",
    "load_policy_text",
]
