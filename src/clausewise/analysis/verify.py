"""Verify: analysis of a policy by search, without data.

Every figure of the policy (see :mod:`clausewise.analysis.figures`) may take any of its candidate values,
or be missing where data can be missing; clingo computes everything that can happen at all
(its brave consequences) and, for each finding, an example: a *witness*, an assignment of
figure values. Findings:

* ``overlap``: two clauses of one outcome field can apply at once; the field's priority
  (first match, or the smallest/largest value) resolves it, shown so the officer sees it.
  (Two rules setting one field differently at once cannot happen: a field has one decide block.)
* ``shadowed``: a clause that is never chosen (an earlier or better clause always wins).
* ``gap``: a field no clause decides even with complete data; ``undecided``: a field that is
  undecided when data are missing.
* ``never-holds`` / ``never-fails``: a rule or condition that can never pass / never fail
  (``never-fires`` for a whole rule), e.g. because of the parameters.

Every witness is turned into data rows (:mod:`clausewise.analysis.synth`) and those rows are evaluated
through :meth:`Policy.evaluate`; ``checked`` means that real evaluation gives the claim. A figure
assignment no rows give is excluded (a nogood) and clingo asks for another, a few times; a
finding none of whose witnesses is realized says so and is not counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Collection, Mapping

from clausewise.engine.policy import Policy, parse_day
from clausewise.analysis.figures import DAY, SpaceBuilder
from clausewise.analysis.programfacts import space_facts
from clausewise.analysis.subjects import ASSUMED_MISSING, WITNESS, Evaluated, Subject, synthetic_subject, witness_lines
from clausewise.asp.search import VERIFY_RULES, Constant, Retry, Search, sym
from clausewise.analysis.witnessdata import Conflicts, RowCheck, WitnessData, misled, write_witnesses

#: figure assignments tried per finding before giving up on realizing it as data
RETRIES = 6
#: findings that claim something can happen: only a witness realized as rows makes them sound
CAN_HAPPEN = ("overlap", "gap", "undecided")



@dataclass
class Finding:
    kind: str
    subject: str  # a node id or a field
    message: str
    #: what evaluating the witness must give: ("status", node, status) | ("chosen", field, clause)
    #: | ("undecided", field) | ("overlap", field, i, j)
    claim: tuple
    witness: dict[str, Any] = field(default_factory=dict)  # figure key -> value (the search's)
    shown: list[str] = field(default_factory=list)  # "name = value": the figures that matter, measured on the rows
    #: True when the witness's rows, evaluated as real data, give the claim
    checked: bool = False
    data: WitnessData | None = None  # the rows of the witness (when realized)
    figure_shown: list[str] = field(default_factory=list)  # the search's figure values (first witness)

    @property
    def sound(self) -> bool:
        """A claim that something can happen needs a realized witness; 'never' claims do not."""
        return self.checked or self.kind not in CAN_HAPPEN

    def render(self, number: int | None = None, written: list[str] | None = None) -> str:
        head = f"{number}. " if number is not None else ""
        return "\n".join([f"{head}{self.kind}: {self.message}", *data_lines(self.checked, self.shown, self.data,
                                                                             self.figure_shown, bool(self.witness)),
                          *written_lines(written)])


def data_lines(checked: bool, shown: list[str], data: WitnessData | None, figure_shown: list[str],
               searched: bool) -> list[str]:
    """A witness in text: its figures measured on its rows and the rows' size, or why there are none."""
    if checked and data is not None:
        return witness_lines(shown, True) + [f"    {data.summary()}"]
    if not searched:
        return witness_lines(shown, True)
    figures = "; ".join(figure_shown) or "(any entity)"
    return [f"    no witness could be realized as data rows; figure-level witness: {figures}"]


def written_lines(commands: list[str] | None) -> list[str]:
    """Where a witness's rows were written (``--witness-data``) and the commands that show its claim."""
    return [f"    written: {c}" for c in commands or []]


@dataclass
class Verification:
    policy: str
    version: str
    as_of: dt.date
    figures: int
    findings: list[Finding]
    #: finding number (1-based, as listed) -> the explain commands for its written rows
    written: dict[int, list[str]] = field(default_factory=dict)
    #: the parameters the search chose too (``--free-param``)
    free_params: list[str] = field(default_factory=list)

    def write_data(self, directory: str, policy: Policy, path: str) -> None:
        """Each realized witness's rows in ``DIRECTORY/<n>/`` (n: the finding's number)."""
        items = {n: f.data for n, f in enumerate(self.findings, 1) if f.checked and f.data is not None}
        self.written = write_witnesses(items, directory, {"": policy}, {"": path})

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "version": self.version, "as_of": str(self.as_of), "figures": self.figures,
                "free_params": self.free_params,
                "findings": [{"kind": f.kind, "subject": f.subject, "message": f.message, "witness": f.shown,
                              "checked": f.checked, "sound": f.sound, "figure_witness": f.figure_shown,
                              "data": f.data.to_json() if f.data is not None else None, "number": n,
                              **({"explain": self.written[n]} if n in self.written else {})}
                             for n, f in enumerate(self.findings, 1)]}

    def render(self) -> str:
        free = f"; free parameters: {', '.join(self.free_params)}" if self.free_params else ""
        head = f"verify {self.policy} {self.version} (as of {self.as_of}; {self.figures} figures searched{free})"
        if not self.findings:
            return head + "\nno findings"
        counts: dict[str, int] = {}
        unsound: dict[str, int] = {}
        for f in self.findings:
            tally = counts if f.sound else unsound
            tally[f.kind] = tally.get(f.kind, 0) + 1
        summary = f"findings: {', '.join(f'{k} {n}' for k, n in sorted(counts.items())) or 'none'}"
        if unsound:
            summary += "; not realized as data (not counted): " + ", ".join(f"{k} {n}" for k, n in sorted(unsound.items()))
        return "\n".join([head, *(f.render(n, self.written.get(n)) for n, f in enumerate(self.findings, 1)), summary])


def claim_holds(claim: tuple, evaluated: Evaluated) -> bool:
    """Whether an evaluated witness shows what a finding claims."""
    answer = evaluated.answer
    match claim:
        case ("status", node, status):
            return answer.status.get(node) == status
        case ("chosen", field_name, clause):
            return answer.chosen.get(field_name) == clause and field_name not in answer.undecided
        case ("undecided", field_name):
            return field_name in answer.undecided or field_name not in answer.chosen
        case ("overlap", field_name, i, j):
            return answer.status.get(f"{field_name}#{i}") == "pass" and answer.status.get(f"{field_name}#{j}") == "pass"
    return False


def verdict_agrees(claim: tuple, check: RowCheck) -> bool:
    """Whether :meth:`Policy.evaluate`'s verdict on the rows shows the claim, as far as a verdict
    shows it (clause conditions are not in a verdict: those come from the same evaluation's statuses)."""
    verdict = check.verdict
    if verdict is None:
        return False
    outcomes = {o.field: o for o in verdict.outcome_details}
    match claim:
        case ("status", node, status):
            stack = list(verdict.rules)
            while stack:
                n = stack.pop()
                if n.id == node:
                    return n.status == status
                stack += n.children
            return True
        case ("chosen", field_name, clause):
            o = outcomes.get(field_name)
            return o is not None and o.decided and o.clause == clause
        case ("undecided", field_name):
            o = outcomes.get(field_name)
            return o is not None and not o.decided
        case ("overlap", field_name, i, j):
            o = outcomes.get(field_name)
            return o is not None and o.decided and o.clause in (i, j)
    return True


def check_free_params(policies: list[Policy], names: Collection[str]) -> list[str]:
    """The ``--free-param`` names, each declared by one of the policies (else a usage error), and
    each a single value (a parameter per key is not freed as a whole)."""
    from clausewise.language.diagnostics import ClausewiseError, did_you_mean

    declared = {n: p for policy in policies for n, p in policy.checked.params.items()}
    for name in names:
        if name not in declared:
            raise ClausewiseError.simple("--free-param", f"policy {policies[0].name} has no parameter '{name}'",
                                         did_you_mean(name, declared) or f"parameters: {', '.join(sorted(declared))}")
        if declared[name].per is not None:
            raise ClausewiseError.simple("--free-param", f"parameter '{name}' has a value per key; only a single-valued "
                                         "parameter can be free", "give its values with --param or --params")
    return sorted(set(names))


def leaves_under(policy: Policy, node_ids: list[str]) -> set[str]:
    nodes, seen, out = policy.plan.nodes, set(), set()
    stack = list(node_ids)
    while stack:
        node = nodes.get(stack.pop())
        if node is None or node.id in seen:
            continue
        seen.add(node.id)
        if node.kind == "leaf":
            out.add(node.id)
        stack += node.children + ([node.target] if node.target else [])
    return out


class _Verifier:
    def __init__(self, policy: Policy, subject: Subject, params: Mapping[str, Any] | None = None):
        self.policy, self.subject, self.params = policy, subject, dict(params or {})
        self.builder = SpaceBuilder()
        self.builder.add(subject)
        self.builder.finish(with_current=False, allow_missing=True)
        facts, self.keys = space_facts(self.builder, {"a": subject})
        for d in policy.plan.decides:
            facts += [("when_clause", [d.field, i]) for i, w in enumerate(d.when_nodes, 1) if w is not None]
        self.search = Search({"a": policy.search_program}, VERIFY_RULES, facts)
        per_leaf = self.builder.leaf_figures[id(subject)]
        # a condition the parameters and the day alone decide is no finding (the branches it switches off are)
        self.free_leaves = {leaf for leaf, figs in per_leaf.items() if set(figs) - {DAY}}
        self.conflicts = Conflicts(policy, self.builder, subject.as_of, self.params)
        self.learned: list = []  # nogoods on values no rows combine, shared by every finding

    def depends(self, node_ids: list[str]) -> bool:
        return bool(leaves_under(self.policy, node_ids) & self.free_leaves)

    def witness(self, finding: Finding, assume: list, node_ids: list[str], complete: bool = False) -> Finding:
        """A witness realized as rows whose real evaluation gives the claim, trying up to
        :data:`RETRIES` figure assignments (each failed one excluded by a nogood)."""
        used = {k for leaf in leaves_under(self.policy, node_ids)
                for k in self.builder.leaf_figures[id(self.subject)].get(leaf, [])}
        retry = Retry(self.search, f"{finding.kind} {finding.subject} {finding.claim}", self.learned)
        for attempt in range(RETRIES):
            model = retry.solve(assume, complete)
            if model is None:
                break
            index = {s.arguments[0].number: s.arguments[1].number for s in model if s.name == "value"}
            assignment = {self.keys[f]: self.builder.figures[self.keys[f]].candidates[v] for f, v in index.items()}
            if attempt == 0:
                finding.witness = assignment
                finding.figure_shown = self.show(finding, assignment, used)
            r = self.conflicts.realize(assignment)
            check = self.conflicts.check(self.policy, r)
            if check.problem is None and claim_holds(finding.claim, check.evaluated) and verdict_agrees(finding.claim, check):
                finding.witness, finding.checked, finding.data = assignment, True, WitnessData.of(r)
                finding.shown = self.show(finding, r.values, used)
                return finding
            searched = {s.arguments[1].string: s.arguments[2].name for s in model if s.name == "a_status"}
            wrong = misled(self.builder, self.subject, searched, check.evaluated)
            if not retry.fail(self.keys, index, *self.conflicts.exclusions(assignment, r, used, self.keys, wrong)):
                break
        return finding

    def show(self, finding: Finding, values: Mapping[str, Any], used: set[str]) -> list[str]:
        keys = {k for k in used if k in values}
        if finding.kind in ("undecided",):  # what makes it undecided: the missing figures
            keys = {k for k in keys if isinstance(values[k], type(ASSUMED_MISSING))}
        shown = sorted((self.builder.label(k), self.builder.figures[k].show(values[k])) for k in keys)
        return [f"{name} = {value}" for name, value in shown]


def first_day_in_force(policies: list[Policy], command: str) -> dt.date:
    """The day an analysis without ``--as-of`` runs on: the latest first day in force of the
    policies, never the machine's clock; an error when none states an effective date."""
    days = [p.checked.header.effective_from for p in policies if p.checked.header.effective_from is not None]
    if not days:
        from clausewise.language.diagnostics import ClausewiseError

        which = "the policy states no" if len(policies) == 1 else "neither version states an"
        raise ClausewiseError.simple("--as-of", f"{which} effective date, so {command} has no day to run on",
                                     "give the day: --as-of YYYY-MM-DD (the result never depends on the day it runs)")
    return max(days)


def verify(policy: Policy, as_of: dt.date | str | None = None, params: Mapping[str, Any] | None = None,
           free_params: Collection[str] = ()) -> Verification:
    """Search the policy for overlaps, gaps, shadowed clauses and conditions that never hold or fail.
    ``free_params``: parameters the search may also choose (around their default or given value)."""
    day = as_of if isinstance(as_of, dt.date) else parse_day(as_of) if as_of else first_day_in_force([policy], "verify")
    free = check_free_params([policy], free_params)
    subject = synthetic_subject(policy, day, params or {}, free)
    v = _Verifier(policy, subject, params)
    possible = v.search.brave()
    complete = v.search.brave(complete=True)
    statuses: dict[str, set[str]] = {}
    chosen: set[tuple[str, int]] = set()
    undecided: set[str] = set()
    overlaps = []
    decided: set[tuple[str, int, int]] = set()  # overlaps where one of the two clauses decides
    for s in possible:
        args = s.arguments
        if s.name == "a_status":
            statuses.setdefault(args[1].string, set()).add(args[2].name)
        elif s.name == "a_chosen":
            chosen.add((args[1].string, args[2].number))
        elif s.name == "a_undecided":
            undecided.add(args[1].string)
        elif s.name == "overlap":
            overlaps.append((args[0].string, args[1].number, args[2].number))
        elif s.name == "overlap_decided":
            decided.add((args[0].string, args[1].number, args[2].number))
    gaps = {s.arguments[1].string for s in complete if s.name == "a_undecided"}
    findings: list[Finding] = []
    plan = policy.plan
    for d in plan.decides:
        values = [policy.source_text(c.value) for c in d.decl.clauses]
        how = {"first": "the earlier clause wins", "min": "the smaller value wins", "max": "the larger value wins"}[d.decl.combine]
        for f_name, i, j in sorted(overlaps):
            if f_name == d.field and values[i - 1] != values[j - 1]:  # the same value either way: no conflict
                finding = Finding("overlap", d.field, f"{d.field}: clauses {i} ({values[i - 1]}) and {j} ({values[j - 1]}) "
                                  f"apply at once; {how}", ("overlap", d.field, i, j))
                shown = "overlap_decided" if (d.field, i, j) in decided else "overlap"
                findings.append(v.witness(finding, [sym(shown, d.field, i, j)],  # earlier clauses may win
                                          [w for w in d.when_nodes[:j] if w]))
        for i, when in enumerate(d.when_nodes, 1):
            if (d.field, i) in chosen:
                continue
            if when is None:
                finding = Finding("shadowed", f"{d.field}#{i}", f"{d.field}: clause {i} ({values[i - 1]}, otherwise) "
                                  "is never chosen: some earlier clause always decides", ("none",))
                finding.checked = True  # nothing can witness what cannot happen
                findings.append(finding)
            elif "pass" in statuses.get(when, set()):
                finding = Finding("shadowed", f"{d.field}#{i}", f"{d.field}: clause {i} ({values[i - 1]}) is never chosen: "
                                  "whenever its condition holds another clause decides", ("status", when, "pass"))
                findings.append(v.witness(finding, [sym("a_status", WITNESS, when, Constant("pass"))], [when]))
            else:
                seen = sorted(statuses.get(when, {"na"}))
                finding = Finding("never-applies", f"{d.field}#{i}", f"{d.field}: clause {i} ({values[i - 1]}) never "
                                  f"applies: its condition is always {' or '.join(seen)}", ("status", when, seen[0]))
                findings.append(v.witness(finding, [sym("a_status", WITNESS, when, Constant(seen[0]))], [when]))
        whens = [w for w in d.when_nodes if w]
        if d.field in gaps:
            finding = Finding("gap", d.field, f"{d.field}: no clause applies, even with complete data", ("undecided", d.field))
            findings.append(v.witness(finding, [sym("a_undecided", WITNESS, d.field)], whens, complete=True))
        elif d.field in undecided:
            finding = Finding("undecided", d.field, f"{d.field}: undecided when data are missing", ("undecided", d.field))
            findings.append(v.witness(finding, [sym("a_undecided", WITNESS, d.field)], whens))
    rules = set(plan.rules)
    for node_id in sorted(plan.nodes):
        if node_id.split("#")[0] in {d.field for d in plan.decides} and "#" in node_id:
            continue  # clause conditions: covered by the outcome findings above
        if not v.depends([node_id]):
            continue  # decided by the parameters alone
        observed = statuses.get(node_id, set())
        if not observed:
            continue
        example = sorted(observed)[0]
        if "pass" not in observed:
            kind = "never-fires" if node_id in rules else "never-holds"
            what = "rule" if node_id in rules else "condition"
            message = f"{what} {node_id} can never pass (it is always {' or '.join(sorted(observed))})"
        elif "fail" not in observed:
            kind, message = "never-fails", f"{'rule' if node_id in rules else 'condition'} {node_id} can never fail " \
                                           f"(it is always {' or '.join(sorted(observed))})"
        else:
            continue
        finding = Finding(kind, node_id, message, ("status", node_id, example))
        findings.append(v.witness(finding, [sym("a_status", WITNESS, node_id, Constant(example))], [node_id]))
    return Verification(policy.name, policy.version, day, len(v.keys), findings, free_params=free)
