"""How large a policy may be: a policy that would take minutes and gigabytes to check and
evaluate is refused at once, with a diagnostic at the declaration or condition that passes the
limit (issue 19).

The limits are far above what a rule document needs: the bundled policies have at most 65
declarations (``life``: 19 rules, 22 named values, 24 decide blocks) and 161 conditions. What a
policy costs grows with its size, not with the data (docs/trust.md, *Policy size*): a policy of
10,000 generated rules (20,022 conditions) took 20-40 s of CPU to parse and check and 2.3 GB to
audit 14 shops, most of it clingo grounding the program's rules.
"""

from __future__ import annotations

import re

from clausewise.language import syntax
from clausewise.language.diagnostics import ClausewiseError, SourceFile, Span

#: the most rule, named value (``let``) and ``decide`` declarations a policy may have
MAX_DECLARATIONS = 1_000
#: the most conditions (comparisons, ``in``, ``is set``, bool values and rules named as
#: conditions, ``any``/``every`` over a window, the ``where`` filters of aggregates included)
MAX_CONDITIONS = 2_000

_HINT = "split the policy into smaller ones (one per rule document), or ask for the limit to be raised"
#: a declaration starting a line: a lower bound of what the parser finds (one written after
#: another on the same line, or indented, is counted after parsing)
_DECLARATION = re.compile(r"^(?:rule|let|decide)[ \t]+[A-Za-z_]\w*", re.MULTILINE)
_DECLS = (syntax.RuleDecl, syntax.LetDecl, syntax.DecideDecl)
_CONDITIONS = (syntax.Compare, syntax.Member, syntax.IsSet, syntax.Truth, syntax.Quantified)


def _too_many(what: str, limit: int) -> str:
    return f"more than {limit:,} {what}: a policy this large would take minutes and gigabytes to evaluate"


def check_text_size(text: str, source: SourceFile) -> None:
    """Before parsing (which takes most of the time for a huge policy): refuse a text with more
    than :data:`MAX_DECLARATIONS` declarations starting a line, at the first one over the limit."""
    for count, match in enumerate(_DECLARATION.finditer(text), 1):
        if count > MAX_DECLARATIONS:
            line = text.count("\n", 0, match.start()) + 1
            raise ClausewiseError([source.diagnostic(Span.point(line, 1), _too_many("declarations", MAX_DECLARATIONS),
                                                     _HINT)])


def check_tree_size(tree: syntax.PolicyFile, source: SourceFile) -> None:
    """After parsing: refuse more than :data:`MAX_DECLARATIONS` declarations or
    :data:`MAX_CONDITIONS` conditions, at the first one over the limit."""
    decls = [d for d in tree.decls if isinstance(d, _DECLS)]
    if len(decls) > MAX_DECLARATIONS:
        raise ClausewiseError([source.diagnostic(decls[MAX_DECLARATIONS].span, _too_many("declarations", MAX_DECLARATIONS),
                                                 _HINT)])
    count = 0
    for node in syntax.walk(tree):
        if isinstance(node, _CONDITIONS):
            count += 1
            if count > MAX_CONDITIONS:
                raise ClausewiseError([source.diagnostic(node.span, _too_many("conditions", MAX_CONDITIONS), _HINT)])
