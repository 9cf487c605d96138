"""Diff: who is affected by a change between two policy versions, and how.

With data, both versions evaluate the same data on the same as-of day with the same parameters;
every entity whose outcome changes is listed with the conditions (matched by node id) whose
status changed. Without data, clingo searches the figures of both versions together (a figure is
shared when its expression text is the same) for every kind of outcome change ("field F: a -> b")
and gives a witness entity for each: data rows (:mod:`clausewise.analysis.synth`) on which both versions,
evaluated through :meth:`Policy.evaluate`, give the change. A figure assignment no rows give is
excluded by a nogood and another searched; a change no rows show says so.
"""

from __future__ import annotations

import datetime as dt
import dataclasses
from dataclasses import dataclass
from typing import Any, Collection, Mapping

from clausewise.engine.policy import Policy, parse_day
from clausewise.analysis.figures import SpaceBuilder
from clausewise.analysis.programfacts import space_facts
from clausewise.analysis.subjects import Evaluated, Subject, synthetic_subject, witness_lines
from clausewise.language.sorts import CONVENTION
from clausewise.evaluate.measure import Missing
from clausewise.report.models import Verdict
from clausewise.asp.plan import compliance
from clausewise.asp.search import DIFF_RULES, Constant, Retry, Search
from clausewise.analysis.witnessdata import Conflicts, WitnessData, misled, write_witnesses
from clausewise.analysis.verify import RETRIES, check_free_params, data_lines, first_day_in_force, written_lines

UNDECIDED = "undecided"
NO_FIELD = "(no such field)"
SHOWN_NODES = 8
#: compliance as the search and the change list show it
COMPLIANCE_TEXT = {True: "true", False: "false", None: UNDECIDED}


@dataclass
class EntityChange:
    entity: str
    outcomes: dict[str, tuple[str, str]]  # field -> (old, new)
    nodes: list[tuple[str, str, str]]  # node id, old status, new status ("-" where the node does not exist)

    def render(self) -> str:
        lines = [f"{self.entity}: " + "; ".join(f"{f} {a} -> {b}" for f, (a, b) in sorted(self.outcomes.items()))]
        for node, a, b in self.nodes[:SHOWN_NODES]:
            lines.append(f"    {node}: {a} -> {b}")
        if len(self.nodes) > SHOWN_NODES:
            lines.append(f"    ... and {len(self.nodes) - SHOWN_NODES} more conditions")
        return "\n".join(lines)


@dataclass
class ChangeKind:
    field: str
    old: str
    new: str
    witness: dict[str, Any] = dataclasses.field(default_factory=dict)
    shown: list[str] = dataclasses.field(default_factory=list)
    because: list[str] = dataclasses.field(default_factory=list)  # leaf conditions whose status differs on the witness
    #: True when the witness's rows, evaluated as real data under both versions, give the change
    checked: bool = False
    data: WitnessData | None = None
    figure_shown: list[str] = dataclasses.field(default_factory=list)  # the search's figure values (first witness)

    def render(self, number: int | None = None, written: list[str] | None = None) -> str:
        lines = [f"{f'{number}. ' if number is not None else ''}{self.field}: {self.old} -> {self.new}"]
        if self.because and self.checked:
            lines.append("    because: " + "; ".join(self.because))
        if self.checked and self.data is not None:
            lines += witness_lines(self.shown, True, empty="(any entity)") + [f"    {self.data.summary()}"]
        else:
            lines += data_lines(False, self.shown, None, self.figure_shown, True)
        return "\n".join(lines + written_lines(written))


@dataclass
class Diff:
    old: str
    new: str
    entities: list[EntityChange] | None = None  # with data
    evaluated: int = 0
    kinds: list[ChangeKind] | None = None  # without data
    #: kind number (1-based, as listed) -> the explain commands (old, new version) for its written rows
    written: dict[int, list[str]] = dataclasses.field(default_factory=dict)
    #: the parameters the search chose too (``--free-param``)
    free_params: list[str] = dataclasses.field(default_factory=list)

    def write_data(self, directory: str, old: Policy, new: Policy, paths: tuple[str, str]) -> None:
        """Each realized witness's rows in ``DIRECTORY/<n>/`` (n: the kind's number)."""
        items = {n: k.data for n, k in enumerate(self.kinds or [], 1) if k.checked and k.data is not None}
        self.written = write_witnesses(items, directory, {"old": old, "new": new}, {"old": paths[0], "new": paths[1]})

    @property
    def changed(self) -> bool:
        """Whether anything changes: an entity of the data, or a kind of change the search found
        (realized as rows or not: a CI gate must not pass a change it could not witness)."""
        return bool(self.entities) if self.entities is not None else bool(self.kinds)

    def render(self) -> str:
        head = f"diff {self.old} -> {self.new}"
        if self.entities is not None:
            lines = [f"{head}: {len(self.entities)} of {self.evaluated} entities change"]
            lines += [e.render() for e in self.entities]
        else:
            kinds = self.kinds or []
            free = f"; free parameters: {', '.join(self.free_params)}" if self.free_params else ""
            lines = [f"{head}: {sum(k.checked for k in kinds)} kinds of outcome change (witness data generated{free})"]
            if any(not k.checked for k in kinds):
                lines[0] += f"; {sum(not k.checked for k in kinds)} more not realized as data (not counted)"
            lines += [k.render(n, self.written.get(n)) for n, k in enumerate(kinds, 1)]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"old": self.old, "new": self.new}
        if self.entities is not None:
            out["evaluated"] = self.evaluated
            out["entities"] = [{"entity": e.entity, "outcomes": {f: {"old": a, "new": b} for f, (a, b) in e.outcomes.items()},
                                "conditions": [{"id": n, "old": a, "new": b} for n, a, b in e.nodes]} for e in self.entities]
        else:
            out["free_params"] = self.free_params
            out["kinds"] = [{"field": k.field, "old": k.old, "new": k.new, "because": k.because, "witness": k.shown,
                             "checked": k.checked, "figure_witness": k.figure_shown,
                             "data": k.data.to_json() if k.data is not None else None, "number": n,
                             **({"explain": self.written[n]} if n in self.written else {})}
                            for n, k in enumerate(self.kinds or [], 1)]
        return out


def _label(policy: Policy) -> str:
    return f"{policy.name} {policy.version}"


def _own_params(policy: Policy, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters this version declares (a parameter only one version has goes to that one)."""
    return {k: v for k, v in params.items() if k in policy.checked.params or k == CONVENTION}


def diff(old: Policy, new: Policy, data: Any = None, as_of: dt.date | str | None = None,
         params: Mapping[str, Any] | None = None, free_params: Collection[str] = ()) -> Diff:
    """Compare two versions: on data (entities that change) or, without data, by search
    (``free_params``: parameters the search may also choose, around their default or given value)."""
    params = params or {}
    free = check_free_params([old, new], free_params)
    if data is not None and free:
        from clausewise.language.diagnostics import ClausewiseError

        raise ClausewiseError.simple("--free-param", "parameters are free only in the search without data",
                                     "drop --data to search, or give the parameter's value with --param")
    if data is not None:
        if as_of is None:  # the day the data are evaluated on: never the machine's clock
            from clausewise.language.diagnostics import ClausewiseError

            raise ClausewiseError.simple("--as-of", "diff on data needs the day to evaluate them on",
                                         "give the day: --as-of YYYY-MM-DD (the result never depends on the day it runs)")
        return _diff_data(old, new, data, as_of, params)
    day = as_of if isinstance(as_of, dt.date) else parse_day(as_of) if as_of else first_day_in_force([old, new], "diff")
    return _diff_search(old, new, day, params, free)


def _statuses(verdict: Verdict) -> dict[str, str]:
    out: dict[str, str] = {}
    stack = list(verdict.rules)
    while stack:
        node = stack.pop()
        out[node.id] = node.status
        stack += node.children
    return out


def _outcomes(verdict: Verdict) -> dict[str, str]:
    out = {o.field: (_text(o.value) if o.decided else UNDECIDED) for o in verdict.outcome_details}
    out["compliant"] = COMPLIANCE_TEXT[verdict.compliant]
    return out


def _text(value: Any) -> str:
    return "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _diff_data(old: Policy, new: Policy, data: Any, day: Any, params: Mapping[str, Any]) -> Diff:
    a = old.evaluate(data, day, _own_params(old, params))
    b = new.evaluate(data, day, _own_params(new, params))
    after = {v.entity: v for v in b.verdicts}
    changes = []
    for before in a.verdicts:
        later = after.get(before.entity)
        if later is None:
            continue
        oa, ob = _outcomes(before), _outcomes(later)
        moved = {f: (oa.get(f, NO_FIELD), ob.get(f, NO_FIELD)) for f in sorted(set(oa) | set(ob))
                 if oa.get(f, NO_FIELD) != ob.get(f, NO_FIELD)}
        if not moved:
            continue
        sa, sb = _statuses(before), _statuses(later)
        nodes = [(n, sa.get(n, "-"), sb.get(n, "-")) for n in sorted(set(sa) | set(sb)) if sa.get(n, "-") != sb.get(n, "-")]
        changes.append(EntityChange(before.entity, moved, nodes))
    return Diff(_label(old), _label(new), changes, len(a.verdicts))


# ---- without data: search ---------------------------------------------------------------------------------
def _clause_texts(subject: Subject) -> dict[str, list[str]]:
    """Each clause's value as shown: its value where it is fixed, else its expression."""
    policy, out = subject.policy, {}
    for d in policy.plan.decides:
        texts = []
        for clause in d.decl.clauses:
            value = subject.ev.eval(clause.value, subject.scope)
            texts.append(policy.source_text(clause.value) if isinstance(value, Missing) else _text(value))
        out[d.field] = texts
    return out


def outcome_text(subject: Subject, evaluated: Evaluated, field_name: str) -> str:
    """A field as the search sees it: the chosen clause's value text, ``undecided``, or for
    ``compliant`` the compliance node's status."""
    if field_name == "compliant":
        if subject.policy.plan.compliant is None:
            return NO_FIELD
        return COMPLIANCE_TEXT[compliance(evaluated.answer.status.get("compliant", "na"))]
    texts = _clause_texts(subject)
    if field_name not in texts:
        return NO_FIELD
    clause = evaluated.answer.chosen.get(field_name)
    return texts[field_name][clause - 1] if clause is not None else UNDECIDED


def _diff_search(old: Policy, new: Policy, day: dt.date, params: Mapping[str, Any], free: list[str]) -> Diff:
    subjects = {tag: synthetic_subject(p, day, _own_params(p, params), [n for n in free if n in p.checked.params])
                for tag, p in (("old", old), ("new", new))}
    builder = SpaceBuilder()
    for s in subjects.values():
        builder.add(s)
    builder.finish(with_current=False, allow_missing=True)
    facts, keys = space_facts(builder, subjects)
    for tag, s in subjects.items():
        for f_name, texts in _clause_texts(s).items():
            facts.append(("has_field", [Constant(tag), f_name]))
            facts += [("clause_value", [Constant(tag), f_name, i, t]) for i, t in enumerate(texts, 1)]
        if s.policy.plan.compliant is not None:
            facts.append(("has_field", [Constant(tag), "compliant"]))
    search = Search({"old": old.search_program, "new": new.search_program}, DIFF_RULES, facts)
    kinds = []
    run = _Run(search, builder, keys, subjects, day, params, Conflicts([old, new], builder, day, params))
    for atom in sorted(a for a in search.brave() if a.name == "change"):
        f_name, a, b = (atom.arguments[0].string, *(_sym_text(x) for x in atom.arguments[1:]))
        kinds.append(_witness(ChangeKind(f_name, a, b), atom, run))
    return Diff(_label(old), _label(new), kinds=kinds, free_params=free)


@dataclass
class _Run:
    """One search for the kinds of change, and what its witnesses share."""

    search: Search
    builder: SpaceBuilder
    keys: list[str]
    subjects: dict[str, Subject]
    day: dt.date
    params: Mapping[str, Any]
    conflicts: Conflicts
    learned: list = dataclasses.field(default_factory=list)  # nogoods on values no rows combine, for every kind


def _witness(kind: ChangeKind, atom: Any, run: _Run) -> ChangeKind:
    """Rows on which both versions give the change, trying up to RETRIES figure assignments."""
    search, builder, keys, subjects = run.search, run.builder, run.keys, run.subjects
    conflicts, learned = run.conflicts, run.learned
    used = _used(builder, subjects, kind.field)
    retry = Retry(search, f"change {kind.field} {kind.old} {kind.new}", learned)
    for attempt in range(RETRIES):
        model = retry.solve([atom])
        if model is None:
            break
        index = {s.arguments[0].number: s.arguments[1].number for s in model if s.name == "value"}
        witness = {keys[f]: builder.figures[keys[f]].candidates[v] for f, v in index.items()}
        if attempt == 0:
            kind.witness, kind.figure_shown = witness, _shown(builder, subjects, kind.field, witness)
        r = conflicts.realize(witness)
        checks = {tag: conflicts.check(s.policy, r) for tag, s in subjects.items()}
        if all(c.problem is None for c in checks.values()) and \
                outcome_text(subjects["old"], checks["old"].evaluated, kind.field) == kind.old and \
                outcome_text(subjects["new"], checks["new"].evaluated, kind.field) == kind.new:
            kind.witness, kind.checked, kind.data = witness, True, WitnessData.of(r)
            kind.shown = _shown(builder, subjects, kind.field, r.values)
            kind.because = _because(builder, subjects, {t: c.evaluated for t, c in checks.items()}, r.values)
            return kind
        wrong = set().union(*(misled(builder, s, {a.arguments[1].string: a.arguments[2].name for a in model
                                                   if a.name == f"{tag}_status"}, checks[tag].evaluated)
                              for tag, s in subjects.items()))
        if not retry.fail(keys, index, *conflicts.exclusions(witness, r, used, keys, wrong)):
            break
    return kind


def _because(builder: SpaceBuilder, subjects: dict[str, Subject], results: dict[str, Evaluated],
             witness: Mapping[str, Any]) -> list[str]:
    """The leaf conditions whose status differs between the versions on the witness, with their figures."""
    leaves = {tag: {leaf.id for leaf in s.policy.plan.leaves()} for tag, s in subjects.items()}
    out = []
    for node in sorted(leaves["old"] | leaves["new"]):
        a = results["old"].answer.status.get(node, "-") if node in leaves["old"] else "-"
        b = results["new"].answer.status.get(node, "-") if node in leaves["new"] else "-"
        if a == b or {a, b} <= {"-", "na"}:
            continue
        keys = dict.fromkeys(k for tag, s in subjects.items() if node in leaves[tag]
                             for k in builder.leaf_figures[id(s)].get(node, []))
        figures = ", ".join(f"{builder.label(k)} = {builder.figures[k].show(witness[k])}" for k in keys if k in witness)
        out.append(f"{node} {a} -> {b}" + (f" ({figures})" if figures else ""))
    return out


def _sym_text(symbol) -> str:
    return symbol.string if symbol.type.name == "String" else str(symbol)


def _shown(builder: SpaceBuilder, subjects: dict[str, Subject], f_name: str, witness: Mapping[str, Any]) -> list[str]:
    """The witness values of the figures that can affect the field in either version."""
    used = _used(builder, subjects, f_name)
    return sorted(f"{builder.label(k)} = {builder.figures[k].show(witness[k])}" for k in used if k in witness)


def _used(builder: SpaceBuilder, subjects: dict[str, Subject], f_name: str) -> set[str]:
    """The figures that can affect the field in either version."""
    from clausewise.analysis.verify import leaves_under

    used: set[str] = set()
    for s in subjects.values():
        plan = s.policy.plan
        roots = [w for d in plan.decides if d.field == f_name for w in d.when_nodes if w]
        if f_name == "compliant" and plan.compliant:
            roots.append(plan.compliant)
        for leaf in leaves_under(s.policy, roots):
            used.update(builder.leaf_figures[id(s)].get(leaf, []))
    return used


__all__ = ["ChangeKind", "Diff", "EntityChange", "diff", "outcome_text"]
