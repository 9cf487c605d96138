"""clausewise: platform rules as policies, compiled to Answer Set Programming, explained verdicts.

    >>> import clausewise
    >>> policy = clausewise.load_policy("policies/tier.policy")
    >>> result = policy.evaluate("examples/tier", as_of="2024-04-01", params={...})
"""

from .api import Policy, compile_policy_text, load_policy
from .diagnostics import ClausewiseError, Diagnostic
from .models import Evaluation, ExplanationNode, Verdict
from .diff import diff as diff_policies
from .verify import verify as verify_policy
from .whatif import what_if

__all__ = ["ClausewiseError", "Diagnostic", "diff_policies", "Evaluation", "ExplanationNode", "Policy", "Verdict",
           "compile_policy_text", "load_policy",
           "verify_policy", "what_if"]
__version__ = "0.1.0"
