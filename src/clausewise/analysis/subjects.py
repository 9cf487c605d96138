"""The entity an analysis works on, and its evaluation.

A :class:`Subject` is one entity of real data (what-if, diff with data) or a generated one with
no data at all (verify, diff without data), whose figures all come from a witness assignment.
:func:`evaluate_entity` evaluates it exactly as :meth:`Policy.evaluate` does (the same figures,
the same program); with figures assumed, :func:`clausewise.analysis.assumed.solve_assumed` solves
that program over its figure table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, Collection, Mapping

from clausewise.asp.plan import compliance
from clausewise.asp.solve import EntityAnswer
from clausewise.engine.evaluation import EntityEvaluation
from clausewise.engine.policy import Policy
from clausewise.evaluate import computed
from clausewise.evaluate.leaves import LeafEvaluator
from clausewise.evaluate.measure import Data, Evaluator, Missing, Scope
from clausewise.evaluate.params import resolve_params
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

    def at(self, day: dt.date, free: Mapping[str, Any] | None = None) -> "Subject":
        """The same entity evaluated on ``day``, by a fresh evaluator (nothing cached from another
        day), with the parameters resolved for ``day`` (a default ``last 30 days to as_of`` ends on
        it); the free parameters keep their values, or take the ones ``free`` gives."""
        c = self.policy.checked
        kept = {n: p for n, p in c.params.items() if n not in self.free_params}
        try:
            values, convention = resolve_params(dataclasses.replace(c, params=kept), dict(self.given), day)
        except ClausewiseError:  # a default that cannot be computed for that day: as on the subject's day
            values, convention = dict(self.ev.params), self.ev.convention
        values.update((n, (free or {}).get(n, self.ev.params.get(n))) for n in self.free_params)
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


def evaluate_entity(subject: Subject) -> Evaluated:
    """The entity's statuses and outcomes as :meth:`Policy.evaluate` gives them: the same
    :class:`EntityEvaluation` over the policy's own program and figures."""
    policy = subject.policy
    evaluation = EntityEvaluation(policy.plan, policy.program, policy.figures, subject.ev, policy.source_text)
    answer, _measured, values = evaluation.evaluate({subject.entity: subject.scope})[subject.entity]
    return Evaluated(answer, values)
