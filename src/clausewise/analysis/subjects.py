"""The entity an analysis works on, and evaluating it with figures overridden.

A :class:`Subject` is one entity of real data (what-if, diff with data) or a generated one with
no data at all (verify, diff without data), whose figures all come from a witness assignment.
:func:`evaluate_with` evaluates it exactly as :meth:`Policy.evaluate` does (the same leaf
evaluator, the same clingo program) with some expressions or conditions replaced by assumed
values (a :class:`Substituted` evaluator: the evaluator itself has no such hook); what-if checks
every repair through it, and the tests check the search against it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, Collection, Mapping

from clausewise.asp.plan import compliance
from clausewise.asp.solve import EntityAnswer
from clausewise.engine.evaluation import EntityEvaluation
from clausewise.engine.policy import Policy
from clausewise.evaluate import computed
from clausewise.evaluate.leaves import LeafEvaluator, LeafResult
from clausewise.evaluate.measure import Data, Evaluator, Missing, Scope
from clausewise.evaluate.params import resolve_params
from clausewise.language import syntax
from clausewise.language.diagnostics import ClausewiseError

#: the value a witness gives a figure to make it missing (an empty field, an absent row)
ASSUMED_MISSING = Missing(("assumed missing (analysis witness)",))
#: a witness of more figures than this is summarised in text (JSON lists all)
SHOWN_FIGURES = 8


def witness_lines(shown: list[str], checked: bool, empty: str | None = None) -> list[str]:
    """The text lines of a witness: its figures (or a summary), and a warning if re-evaluating
    it did not give the claimed outcome."""
    lines = []
    if len(shown) > SHOWN_FIGURES:
        lines.append(f"    witness: {len(shown)} figures (all of them with --format json)")
    elif shown or empty:
        lines.append("    witness: " + ("; ".join(shown) or str(empty)))
    if not checked:
        lines.append("    (the witness did not check out on re-evaluation)")
    return lines
#: the id of a generated entity
WITNESS = "witness"
#: the key of an override map that holds a generated entity's evaluation day (never a node id)
AS_OF = -1


@dataclass
class Subject:
    """One entity to analyse: an evaluator over its data (or over none: a generated witness)."""

    policy: Policy
    ev: Evaluator
    leaf_eval: LeafEvaluator
    entity: str
    row: dict
    as_of: dt.date
    free_params: frozenset[str] = frozenset()
    #: a generated entity: the evaluation day is a figure too (``as_of > end of period`` may go either way)
    free_as_of: bool = False
    #: the free parameters' default or given values (each is a candidate of its figure)
    seeds: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: the parameters as given (before defaults), resolved again for each day :meth:`at` evaluates
    given: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def at(self, day: dt.date) -> "Subject":
        """The same entity evaluated on ``day``, by a fresh evaluator (nothing cached from another
        day or another assignment: named values over overridden figures are computed again), with
        the parameters resolved for ``day`` (a default ``last 30 days to as_of`` ends on it); the
        free parameters keep what the search gives them."""
        c = self.policy.checked
        kept = {n: p for n, p in c.params.items() if n not in self.free_params}
        try:
            values, convention = resolve_params(dataclasses.replace(c, params=kept), dict(self.given), day)
        except ClausewiseError:  # a default that cannot be computed for that day: as on the subject's day
            values, convention = dict(self.ev.params), self.ev.convention
        values.update((n, self.ev.params.get(n)) for n in self.free_params)
        ev = Evaluator(c, self.ev.data, values, day, convention)
        return dataclasses.replace(self, ev=ev, leaf_eval=LeafEvaluator(ev), as_of=day)

    @property
    def scope(self) -> Scope:
        return Scope(self.row, self.policy.checked.entity_table, self.row)


def subject_from_data(policy: Policy, data: Any, entity: str, as_of: dt.date, params: Mapping[str, Any]) -> Subject:
    """An entity of real data (validated as ``evaluate`` does)."""
    from clausewise.language.diagnostics import ClausewiseError, did_you_mean

    values, convention = resolve_params(policy.checked, dict(params), as_of)
    tables = policy.load_data(data)
    ev = Evaluator(policy.checked, Data({n: t.rows for n, t in tables.items()}), values, as_of, convention)
    rows = computed.entity_rows(policy.checked, tables[policy.checked.entity_table].rows)  # 'P01/catering'
    if entity not in rows:
        raise ClausewiseError.simple("--entity", f"no {policy.checked.entity_table} row for entity '{entity}'",
                                     computed.entity_hint(policy.checked, entity, rows) or did_you_mean(entity, rows))
    return Subject(policy, ev, LeafEvaluator(ev), entity, rows[entity], as_of, given=dict(params))


def synthetic_subject(policy: Policy, as_of: dt.date, params: Mapping[str, Any],
                      free_params: Collection[str] = ()) -> Subject:
    """A generated entity with no data: every figure gets its value from a witness assignment.

    Required parameters without a value are left free, and so are ``free_params`` (their
    default or given value is one of their candidates): a bound that uses one becomes a figure.
    """
    c = policy.checked
    unset = frozenset(n for n, p in c.params.items() if p.default is None and n not in params)
    free = unset | frozenset(free_params)
    values, convention = resolve_params(dataclasses.replace(c, params={n: p for n, p in c.params.items() if n not in unset}),
                                        dict(params), as_of)
    seeds = {name: values.get(name) for name in free}
    for name in free:
        values[name] = {} if c.params[name].per is not None else None
    table = c.tables[c.entity_table]
    row = {f.name: None for f in table.fields} | {table.key[0]: WITNESS}
    ev = Evaluator(c, Data({c.entity_table: [row]}), values, as_of, convention)
    return Subject(policy, ev, LeafEvaluator(ev), WITNESS, row, as_of, free, free_as_of=True, seeds=seeds,
                   given=dict(params))


@dataclass
class Evaluated:
    answer: EntityAnswer
    values: dict[str, Any]

    def outcome(self, field_name: str) -> Any:
        """The field's value, or ``"undecided"``."""
        if field_name == "compliant":
            decided = compliance(self.answer.status.get("compliant"))
            return "undecided" if decided is None else decided
        if field_name in self.answer.undecided or field_name not in self.answer.chosen:
            return "undecided"
        return self.values.get(field_name)


class Substituted(Evaluator):
    """An evaluator in which some expressions (by node id) have assumed values: what an entity
    would give if those figures had these values. Analysis only: a fresh one per assignment,
    so nothing it caches outlives the assumption."""

    def __init__(self, base: Evaluator, values: Mapping[int, Any], nodes: Any = ()):
        super().__init__(base.c, base.data, base.params, base.as_of, base.convention)
        self.values = dict(values)
        #: a list a value is looked up in (by node id) -> every assumed ``V in L`` of that list (the
        #: program decides those leaves from the list's items: the list is made to agree with them)
        self.lists: dict[int, list[syntax.Member]] = {}
        same: dict[Any, list[syntax.Member]] = {}
        for node in nodes:  # no compiled closures: they would read around an assumed value
            self.compiled[node.nid] = functools.partial(self.eval, node)
            if isinstance(node, syntax.Member) and node.nid in self.values and node.collection.nid not in self.values \
                    and _is_list(base.c, node.collection):
                members = same.setdefault(base.c.refs.get(node.collection.nid), [])
                members.append(node)
                self.lists[node.collection.nid] = members

    def eval(self, node, scope: Scope) -> Any:
        values = self.values
        if values and node.nid in values:
            return values[node.nid]
        members = self.lists.get(node.nid) if self.lists else None
        if members is not None:
            items = []
            for member in members:
                holds = values[member.nid]
                if isinstance(holds, Missing):
                    return holds
                item = super().eval(member.item, scope)
                if bool(holds) != member.negated and item is not None and not isinstance(item, Missing):
                    items.append(item)
            return items or None
        return super().eval(node, scope)


def _is_list(c: Any, node: Any) -> bool:
    sort = c.sorts.get(node.nid)
    return sort is not None and sort.vtype is not None and sort.vtype.is_list


class SubstitutedLeaves(LeafEvaluator):
    """Leaf conditions through the tree walker, a condition with an assumed value (a yes/no
    figure, or the truth a best-month figure gives) decided by it."""

    def __init__(self, ev: Substituted):
        super().__init__(ev, compiled=False)
        self.assumed = ev.values

    def evaluate(self, cond, scope: Scope) -> LeafResult:
        if cond.nid in self.assumed:
            value = self.assumed[cond.nid]
            if isinstance(value, Missing):
                return LeafResult("unknown", missing=value.reasons)
            return LeafResult("pass" if value else "fail", observed=value)
        return super().evaluate(cond, scope)


def every_node(roots: Any) -> list[Any]:
    """Every syntax node under the given roots (each once)."""
    seen: dict[int, Any] = {}
    for root in roots:
        for node in syntax.walk(root, metadata=True) if isinstance(root, syntax.Node) else ():
            seen.setdefault(node.nid, node)
    return list(seen.values())


def evaluate_with(subject: Subject, overrides: Mapping[int, Any]) -> Evaluated:
    """The entity's statuses and outcomes with figures replaced by assumed values (by node id):
    the same figure plan, leaf evaluator and clingo program as :meth:`Policy.evaluate`, through a
    :class:`Substituted` evaluator. A generated entity is evaluated on the day the assumption
    gives (:data:`AS_OF`)."""
    if subject.free_as_of:
        subject = subject.at(overrides.get(AS_OF, subject.as_of))
    policy, scope = subject.policy, subject.scope
    plan = policy.plan
    roots = [leaf.cond for leaf in plan.leaves()] + [c.value for d in plan.decides for c in d.decl.clauses]
    ev = Substituted(subject.ev, overrides, every_node(roots))
    evaluation = EntityEvaluation(plan, policy.search_program, policy.search_figures, ev, policy.source_text,
                                  SubstitutedLeaves(ev))
    answer, _measured, values = evaluation.evaluate({subject.entity: scope})[subject.entity]
    return Evaluated(answer, values)
