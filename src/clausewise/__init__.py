"""clausewise: platform rules as policies, compiled to Answer Set Programming, explained verdicts.

    >>> import clausewise
    >>> policy = clausewise.load_policy("policies/tier.policy")
    >>> result = policy.evaluate("examples/tier", as_of="2024-04-01", params={...})
"""

from typing import Any

from clausewise.engine.policy import Policy, compile_policy_text, load_policy
from clausewise.language.diagnostics import ClausewiseError, Diagnostic
from clausewise.report.models import Evaluation, ExplanationNode, Verdict
from clausewise.version import __version__ as __version__

__all__ = ["ClausewiseError", "Diagnostic", "diff_policies", "Evaluation", "ExplanationNode", "Policy", "Verdict",
           "compile_policy_text", "load_policy",
           "verify_policy", "what_if"]

#: the analysis entry points, imported on first use so evaluating (and a cold CLI) does not load them
_ANALYSIS = {"diff_policies": ("analysis.diff", "diff"), "verify_policy": ("analysis.verify", "verify"),
             "what_if": ("analysis.whatif", "what_if")}


def __getattr__(name: str) -> Any:
    if name in _ANALYSIS:
        import importlib

        module, attr = _ANALYSIS[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'clausewise' has no attribute {name!r}")
