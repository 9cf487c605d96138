"""A rule's history: whether it passes as of other days, for the figures that read ``R on d``.

``first day d in opened_on .. as_of where exit_inspection on d`` reads rule ``exit_inspection``
as of each day ``d``: the status the program gives it when the entity is evaluated as of ``d``.
:class:`RuleHistory` answers that with the one evaluation (:class:`EntityEvaluation`) restricted
to the leaves under the rule (the checker refuses a rule that reads itself this way, so the
figure being measured is never among them): the days of a batch are measured as of each day
and solved in one clingo call, one entity key per day (``S01@2024-03-05``, as a timeline does),
and every status is remembered for the entity, so a range of as-of days asks for each day once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from clausewise.asp.leafrules import FigureProgram
from clausewise.asp.plan import Plan, nodes_under
from clausewise.asp.program import compile_plan
from clausewise.asp.solve import solve
from clausewise.asp.text import q
from clausewise.evaluate.figuretable import FigurePlan
from clausewise.evaluate import measure
from clausewise.evaluate.measure import Evaluator, Missing, Scope
from clausewise.values.calendar import Window

#: days measured and solved together when a day's status is first asked for (at least, and at most)
BATCH, MAX_BATCH = 32, 400


class RuleHistory:
    """The statuses of rules on other days, for each entity an evaluation measures."""

    def __init__(self, plan: Plan, figures: FigureProgram, ev: Evaluator, text: Callable[[Any], str]):
        self.plan, self.figures, self.base, self.text = plan, figures, ev, text
        #: (rule, day) -> the evaluation of the rule's leaves as of that day
        self._evaluations: dict[tuple[str, dt.date], Any] = {}
        #: rule -> the plan, program and figures of the rule alone
        self._programs: dict[str, tuple[Plan, str, FigureProgram]] = {}
        #: id(entity row) -> (the row, {(rule, day): status}); the row is kept so that its id stays its own
        self._statuses: dict[int, tuple[dict, dict[tuple[str, dt.date], str]]] = {}

    def __call__(self, rule: str, day: dt.date, scope: Scope, until: dt.date | None = None) -> bool | Missing:
        """Whether ``rule`` passes for the entity of ``scope`` as of ``day`` (unknown: Missing);
        ``until``: the days up to it will be asked for next (the window ``first day`` walks), so
        they are measured and solved with this one."""
        entry = self._statuses.get(id(scope.entity))
        if entry is None or entry[0] is not scope.entity:
            entry = self._statuses[id(scope.entity)] = (scope.entity, {})
        statuses = entry[1]
        status = statuses.get((rule, day))
        if status is None:
            count = min(MAX_BATCH, max(BATCH, (until - day).days + 1 if until is not None else 0), (dt.date.max - day).days + 1)
            days = [d for d in (day + dt.timedelta(days=i) for i in range(count)) if (rule, d) not in statuses]
            statuses.update(self._solve(rule, days, scope))
            status = statuses[(rule, day)]
        if status == "unknown":
            return Missing((f"whether {rule} holds on {day} is unknown (data of that day are missing)",))
        return status == "pass"

    def first(self, rule: str, window: Window, scope: Scope) -> dt.date | Missing | None:
        """The first day of ``window`` on which ``rule`` passes (``first day d in W where rule on
        d``): none if never, unknown if it is unknown on a day before; a window too long to walk
        day by day raises :class:`~clausewise.values.calendar.WindowTooLong`, as any walk does."""
        for day in window.days():
            status = self(rule, day, scope, window.end)
            if status is True:
                return day
            if isinstance(status, Missing):
                return status
        return None

    def _evaluation(self, rule: str, day: dt.date) -> Any:
        found = self._evaluations.get((rule, day))
        if found is None:
            from clausewise.engine.evaluation import EntityEvaluation  # it builds a history: imported when used

            plan, program, figures = self._program(rule)
            ev = self.base.on_day(day, self.base.params, self.base.convention)
            found = self._evaluations[(rule, day)] = EntityEvaluation(plan, program, figures, ev, self.text, history=self)
        return found

    def _program(self, rule: str) -> tuple[Plan, str, FigureProgram]:
        """The plan, program and figures of one rule alone (the rules it names included)."""
        found = self._programs.get(rule)
        if found is None:
            under = nodes_under(self.plan, [rule])
            plan = Plan(self.plan.checked, {i: n for i, n in self.plan.nodes.items() if i in under},
                        [r for r in self.plan.rules if r in under], [], None)
            leaves = self.figures.figures.leaves
            figures = FigureProgram(plan, FigurePlan(self.figures.figures.figures,
                                                     {i: leaf for i, leaf in leaves.items() if i in under}))
            # only the rule's status is read: the other nodes' status/3 rules are left out, so the
            # answer holds one atom per day instead of one per node and day
            program = compile_plan(plan, figures)
            own = f"status(E,{q(rule)},S) :- "
            lines = [line for line in program.split("\n") if not line.startswith("status(E,") or line.startswith(own)]
            assert len(lines) < program.count("\n") + 1 or len(plan.nodes) == 1, "the program's status/3 rules moved"
            found = self._programs[rule] = (plan, "\n".join(lines), figures)
        return found

    def _solve(self, rule: str, days: list[dt.date], scope: Scope) -> dict[tuple[str, dt.date], str]:
        facts, shared = {}, ()
        for day in days:
            evaluation = self._evaluation(rule, day)
            measured = evaluation.measure(scope)
            facts[day.isoformat()] = evaluation.facts(measured) + evaluation.const_facts(per_entity=True)
            shared = tuple(evaluation.param_facts())
        answers = solve(self._program(rule)[1], facts, shared)
        return {(rule, day): answers[day.isoformat()].status.get(rule, "unknown") for day in days}


def history_of(ev: Evaluator) -> RuleHistory:
    """The history for an evaluator no engine evaluation made (what-if, verify, diff): the policy's
    plan and figures, planned again from the checked policy (once per policy)."""
    found = _PLANNED.get(id(ev.c))
    if found is None or found[0] is not ev.c:
        from clausewise.engine.policy import compile_checked  # the policy module builds on this one

        policy = compile_checked(ev.c)
        found = _PLANNED[id(ev.c)] = (ev.c, policy.plan, policy.figures, policy.source_text)
    return RuleHistory(found[1], found[2], ev, found[3])


#: id(checked policy) -> (the checked policy, its plan, figures and source text), for :func:`history_of`
_PLANNED: dict[int, tuple[Any, Plan, FigureProgram, Callable[[Any], str]]] = {}
measure.HISTORY = history_of
