"""The entity an analysis works on, and evaluating it with figures overridden.

A :class:`Subject` is one entity of real data (what-if, diff with data) or a generated one with
no data at all (verify, diff without data), whose figures all come from a witness assignment.
:func:`evaluate_with` evaluates it exactly as :meth:`Policy.evaluate` does (the same leaf
evaluator, the same clingo program) with some expressions or conditions overridden; every
repair and witness is checked through it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from clausewise.asp.plan import compliance
from clausewise.asp.solve import EntityAnswer
from clausewise.engine.evaluation import EntityEvaluation
from clausewise.engine.policy import Policy
from clausewise.evaluate import computed
from clausewise.evaluate.leaves import LeafEvaluator
from clausewise.evaluate.measure import Data, Evaluator, Missing, Scope
from clausewise.evaluate.params import resolve_params

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

    def at(self, day: dt.date) -> "Subject":
        """The same entity evaluated on ``day``, by a fresh evaluator (nothing cached from another
        day or another assignment: named values over overridden figures are computed again)."""
        ev = Evaluator(self.ev.c, self.ev.data, self.ev.params, day, self.ev.convention)
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
    return Subject(policy, ev, LeafEvaluator(ev), entity, rows[entity], as_of)


def synthetic_subject(policy: Policy, as_of: dt.date, params: Mapping[str, Any]) -> Subject:
    """A generated entity with no data: every figure gets its value from a witness assignment.

    Required parameters without a value are left free: a bound that uses one becomes a figure.
    """
    c = policy.checked
    free = frozenset(n for n, p in c.params.items() if p.default is None and n not in params)
    values, convention = resolve_params(dataclasses.replace(c, params={n: p for n, p in c.params.items() if n not in free}),
                                        dict(params), as_of)
    for name in free:
        values[name] = {} if c.params[name].per is not None else None
    table = c.tables[c.entity_table]
    row = {f.name: None for f in table.fields} | {table.key[0]: WITNESS}
    ev = Evaluator(c, Data({c.entity_table: [row]}), values, as_of, convention)
    return Subject(policy, ev, LeafEvaluator(ev), WITNESS, row, as_of, free, free_as_of=True)


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


def evaluate_with(subject: Subject, overrides: Mapping[int, Any]) -> Evaluated:
    """The entity's statuses and outcomes with figures overridden: the same leaf evaluator and
    clingo program as :meth:`Policy.evaluate`, used to check every repair and witness. A generated
    entity is evaluated on the day the overrides give (:data:`AS_OF`), by a fresh evaluator."""
    if subject.free_as_of:
        subject = subject.at(overrides.get(AS_OF, subject.as_of))
    policy, ev, scope = subject.policy, subject.ev, subject.scope
    ev.overrides = dict(overrides)
    try:
        evaluation = EntityEvaluation(policy.plan, policy.program, policy.figures, ev, policy.source_text,
                                      subject.leaf_eval)
        answer, _measured, values = evaluation.evaluate({subject.entity: scope})[subject.entity]
        return Evaluated(answer, values)
    finally:
        ev.overrides = {}
