"""What-if: the smallest changes to an entity's figures that reach a target outcome.

"What does provider P03 need to reach silver?" The entity's figures (see
:mod:`clausewise.analysis.figures`) each get candidate values; clingo chooses at most one new value per
figure so that the compiled policy gives the target, minimising first the number of figures
changed, then their relative change (:mod:`clausewise.asp.search`). Every figure set of that minimal
size is reported, each with its smallest change, and every repair is checked by evaluating the
entity again with the figures overridden; only repairs that check out are shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any, Mapping, cast

from clausewise.engine.policy import Policy, parse_day
from clausewise.language.diagnostics import ClausewiseError, did_you_mean
from clausewise.report.explain import value_text
from clausewise.analysis.figures import Figure, SpaceBuilder
from clausewise.analysis.programfacts import space_facts
from clausewise.analysis.assumed import solve_assumed
from clausewise.analysis.subjects import Evaluated, Subject, evaluate_entity, subject_from_data
from clausewise.evaluate.measure import Missing
from clausewise.asp.plan import statuses_meaning
from clausewise.asp.search import WHATIF_RULES, Constant, Search

#: relative changes are weighed in basis points (1/10000) and capped, so that the #minimize sum
#: over every figure stays far below clingo's 32-bit limit (see :func:`weight_cap`)
FULL = 10_000
MAX_REPAIRS = 12


def weight_cap(figure_count: int) -> int:
    """The largest weight one figure may get: 100x (1,000,000 bp), lowered when there are so
    many figures that their sum could exceed 2**31 - 1."""
    return max(1, min(100 * FULL, (2**31 - 1) // max(1, figure_count)))


def relative_weight(old: Any, new: Any, cap: int) -> int:
    """|new - old| / |old| in basis points, rounded up and capped; flags, dates, texts and values
    that were zero or missing count as a change of 100%."""
    if old == new and type(old) is type(new):
        return 0
    if isinstance(old, (int, Decimal)) and isinstance(new, (int, Decimal)) and not isinstance(old, bool) \
            and not isinstance(new, bool) and old != 0:
        change = cast("int | Decimal", abs(new - old))
        ratio = (Decimal(change) * FULL / Decimal(old).copy_abs()).to_integral_value(ROUND_CEILING)
        return int(min(Decimal(cap), max(Decimal(1), ratio)))
    return min(cap, FULL)


@dataclass
class Change:
    figure: str  # the figure's key
    name: str
    expression: str
    old: Any
    new: Any

    def describe(self) -> str:
        """``paid_orders +786,600 (to 9,000,000)`` or ``brand_is_known: false -> true``."""
        numeric = (int, Decimal)
        if isinstance(self.old, numeric) and isinstance(self.new, numeric) \
                and not isinstance(self.old, bool) and not isinstance(self.new, bool):
            delta = self.new - self.old
            return f"{self.name} {'+' if delta >= 0 else '-'}{value_text(abs(delta))} (to {value_text(self.new)})"
        return f"{self.name}: {_show(self.old)} -> {_show(self.new)}"


@dataclass
class Repair:
    changes: list[Change]
    weight: int  # the summed relative change, in basis points
    outcomes: dict[str, Any]  # the target fields after the change, as evaluated

    @property
    def overrides(self) -> dict[str, Any]:
        return {c.figure: c.new for c in self.changes}

    def describe(self) -> str:
        return ", ".join(c.describe() for c in self.changes)


@dataclass
class WhatIf:
    entity: str
    targets: dict[str, str]
    before: dict[str, Any]
    repairs: list[Repair] = field(default_factory=list)
    already: bool = False
    unchecked: int = 0  # repairs the solver proposed that did not check out (not shown)

    @property
    def reachable(self) -> bool:
        return self.already or bool(self.repairs)

    def to_json(self) -> dict[str, Any]:
        return {"entity": self.entity, "targets": self.targets, "before": {k: _show(v) for k, v in self.before.items()},
                "already": self.already, "reachable": self.reachable,
                "repairs": [{"changes": [{"figure": c.name, "expression": c.expression, "from": _show(c.old),
                                          "to": _show(c.new), "text": c.describe()} for c in r.changes],
                             "relative_change_bp": r.weight, "outcomes": {k: _show(v) for k, v in r.outcomes.items()}}
                            for r in self.repairs]}

    def render(self) -> str:
        want = ", ".join(f"{f} = {v}" for f, v in self.targets.items())
        now = ", ".join(f"{f} = {_show(self.before[f])}" for f in self.targets)
        lines = [f"{self.entity}: {now}"]
        if self.already:
            lines.append(f"already {want}: nothing to change")
            return "\n".join(lines)
        if not self.repairs:
            lines.append(f"{want} cannot be reached by changing this entity's figures")
            if self.unchecked:
                lines.append(f"({self.unchecked} proposed repair(s) did not check out on re-evaluation and are not shown)")
            return "\n".join(lines)
        n = len(self.repairs[0].changes)
        lines.append(f"to reach {want}, change {n} figure{'s' if n != 1 else ''}:")
        for i, repair in enumerate(self.repairs):
            lines.append(f"  {'or: ' if i else ''}{repair.describe()}")
        seen: dict[str, str] = {}
        for repair in self.repairs:
            for c in repair.changes:
                if c.name != c.expression:
                    seen.setdefault(c.name, c.expression)
        if seen:
            lines.append("figures:")
            lines += [f"  {name} = {expr}" for name, expr in seen.items()]
        if self.unchecked:
            lines.append(f"({self.unchecked} proposed repair(s) did not check out on re-evaluation and are not shown)")
        return "\n".join(lines)


def _show(value: Any) -> str:
    if isinstance(value, Missing):
        return "missing"
    if isinstance(value, str):
        return value
    return value_text(value)


def _norm(text: str) -> str:
    return text.strip().lower().replace(",", "")


def target_pairs(targets: Mapping[str, Any] | list[str]) -> dict[str, str]:
    """``["tier=silver"]`` or ``{"tier": "silver"}`` -> ``{"tier": "silver"}``."""
    pairs: dict[str, str] = {}
    for item in (targets.items() if isinstance(targets, Mapping) else targets):
        if isinstance(item, tuple):
            pairs[str(item[0]).strip()] = str(item[1]).strip()
        elif "=" in item:
            name, value = item.split("=", 1)
            pairs[name.strip()] = value.strip()
        else:
            raise ClausewiseError.simple("--target", f"expected FIELD=VALUE, got {item!r}", "e.g. --target tier=silver")
    if not pairs:
        raise ClausewiseError.simple("--target", "no target given", "e.g. --target tier=silver")
    return pairs


def parse_targets(policy: Policy, subject: Subject, pairs: dict[str, str]) -> dict[str, list[int] | str]:
    """``tier=silver`` -> the clauses of ``tier`` that give silver (``compliant=true`` -> statuses)."""
    decides = {d.field: d for d in policy.plan.decides}
    goals: dict[str, list[int] | str] = {}
    for name, value in pairs.items():
        if name == "compliant" and policy.plan.compliant is not None:
            if _norm(value) not in ("true", "false"):
                raise ClausewiseError.simple("--target", f"compliant is true or false, not {value!r}")
            goals[name] = " ".join(statuses_meaning(_norm(value) == "true"))
            continue
        if name not in decides:
            fields = list(decides) + (["compliant"] if policy.plan.compliant else [])
            raise ClausewiseError.simple("--target", f"policy {policy.name} has no outcome field '{name}'",
                                         did_you_mean(name, fields) or f"fields: {', '.join(fields)}")
        shown = {}
        for i, clause in enumerate(decides[name].decl.clauses, 1):
            v = subject.ev.eval(clause.value, subject.scope)
            shown[i] = policy.source_text(clause.value) if isinstance(v, Missing) else _show(v)
        clauses = [i for i, text in shown.items() if _norm(text) == _norm(value)]
        if not clauses:
            values = sorted(set(shown.values()))
            raise ClausewiseError.simple("--target", f"no clause of '{name}' gives {value!r}",
                                         did_you_mean(value, values) or f"values: {', '.join(values)}")
        goals[name] = clauses
    return goals


def what_if(policy: Policy, data: Any, entity: str, targets: Mapping[str, str] | list[str],
            as_of: dt.date | str, params: Mapping[str, Any] | None = None, max_repairs: int = MAX_REPAIRS) -> WhatIf:
    """The smallest changes to ``entity``'s figures that give every target outcome."""
    day = as_of if isinstance(as_of, dt.date) else parse_day(as_of)
    subject = subject_from_data(policy, data, entity, day, params or {})
    wanted = target_pairs(targets)
    goals = parse_targets(policy, subject, wanted)
    now = evaluate_entity(subject)
    result = WhatIf(entity, wanted, {f: now.outcome(f) for f in goals})
    if _meets(now, goals):
        result.already = True
        return result
    builder = SpaceBuilder()
    builder.add(subject)
    builder.set_current(subject)
    builder.finish(with_current=True, allow_missing=False)
    facts, keys = space_facts(builder, {"a": subject})
    cap = weight_cap(len(keys))
    for i, key in enumerate(keys):
        fig = builder.figures[key]
        for v, value in enumerate(fig.candidates):
            facts.append(("weight", [i, v, relative_weight(fig.current, value, cap)]))
        order = sorted(range(len(fig.candidates)), key=lambda v: _distance(fig, fig.candidates[v]))
        facts += [("nearness", [i, v, rank]) for rank, v in enumerate(order)]
    for g, (name, goal) in enumerate(sorted(goals.items())):
        if isinstance(goal, str):
            facts += [("goal_status", [g, "compliant", Constant(status)]) for status in goal.split()]
        else:
            facts += [("goal", [g, name, i]) for i in goal]
    found: list[list[str]] = []
    size = None
    while len(result.repairs) + result.unchecked < max_repairs:
        extra = [("at_most", [size])] if size is not None else []
        for n, figs in enumerate(found):
            extra.append(("forbidden", [n]))
            extra += [("forbid", [n, keys.index(k)]) for k in figs]
        model = Search({"a": policy.search_program}, WHATIF_RULES, facts + extra).optimum()
        if model is None:
            break
        chosen = {keys[s.arguments[0].number]: s.arguments[1].number for s in model if s.name == "value"}
        changed = sorted(k for k, v in chosen.items() if v != 0)
        if size is None:
            size = len(changed)
        if not changed:
            break
        found.append(changed)
        repair = _repair(builder, subject, changed, chosen, cap, goals)
        if repair is None:
            result.unchecked += 1
        else:
            result.repairs.append(repair)
    result.repairs.sort(key=lambda r: (len(r.changes), r.weight, r.describe()))
    return result


def _repair(builder: SpaceBuilder, subject: Subject, changed: list[str], chosen: dict[str, int], cap: int,
            goals: dict[str, list[int] | str]) -> Repair | None:
    """The repair as changes, checked by the policy's own program solved over the entity's figures
    with the changed ones replaced (None if it fails, or cannot be checked there)."""
    changes = []
    for key in changed:
        fig: Figure = builder.figures[key]
        changes.append(Change(key, fig.name, fig.text, fig.current, fig.candidates[chosen[key]]))
    after = solve_assumed(builder, subject, {c.figure: c.new for c in changes})
    if after is None or not _meets(after, goals):
        return None
    weight = sum(relative_weight(c.old, c.new, cap) for c in changes)
    return Repair(changes, weight, {f: after.outcome(f) for f in goals})


def _distance(fig: Figure, value: Any) -> tuple:
    """How far a candidate is from the figure's current value; values at a bound come first."""
    old, numeric = fig.current, (int, Decimal)
    if isinstance(old, numeric) and isinstance(value, numeric) and not isinstance(old, bool) and not isinstance(value, bool):
        far: Any = abs(Decimal(value - old))
    elif isinstance(old, dt.date) and isinstance(value, dt.date):
        far = abs((value - old).days)
    else:
        far = 0 if value == old and type(value) is type(old) else 1
    return (far, value not in fig.bounds, str(value))


def _meets(evaluated: Evaluated, goals: dict[str, list[int] | str]) -> bool:
    for name, goal in goals.items():
        if isinstance(goal, str):
            if evaluated.answer.status.get("compliant") not in goal.split():
                return False
        elif name in evaluated.answer.undecided or evaluated.answer.chosen.get(name) not in goal:
            return False
    return True
