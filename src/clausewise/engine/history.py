"""A rule's history: whether it passes as of other days, for the figures that read ``R on d``.

``first day d in opened_on .. as_of where exit_inspection on d`` reads rule ``exit_inspection``
as of each day ``d``: the status the program gives it when the entity is evaluated as of ``d``.
:class:`RuleHistory` answers that with the one evaluation (:class:`EntityEvaluation`) restricted
to the leaves under the rule (the checker refuses a rule that reads itself this way, so the
figure being measured is never among them): the days of a batch are measured as of each day
and solved in one clingo call, and every status is remembered for the entity, so a range of
as-of days asks for each day once. Before a chunk of entities is measured, :meth:`RuleHistory.prepare`
measures the days their named values walk for all of them and solves them together (in rounds,
so a walk stops soon after its first passing day); a day's facts solved once are not solved
again, for any entity: the program's answer depends on the facts alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Mapping

from clausewise.asp.cells import dates_only_ordered, ranked_dates
from clausewise.asp.leafrules import FigureProgram
from clausewise.asp.plan import Plan, nodes_under
from clausewise.asp.program import compile_plan
from clausewise.asp.solve import solve
from clausewise.evaluate.figuretable import FigurePlan
from clausewise.evaluate import measure
from clausewise.language import syntax
from clausewise.language.refs import RuleOnRef
from clausewise.evaluate.measure import Evaluator, Missing, Scope
from clausewise.values.calendar import Window

#: days measured and solved together when a day's status is first asked for (at least, and at most)
BATCH, MAX_BATCH = 32, 400
#: days of a window :meth:`RuleHistory.prepare` measures in an entity's first round (twice as many in each next one)
FIRST_ROUND = 16
#: the distinct fact sets whose answers are remembered per rule (cleared beyond it), and solved in one call
MAX_ANSWERS, KEYS_PER_SOLVE = 100_000, 5000
#: entities whose statuses are kept (cleared beyond it when :meth:`RuleHistory.prepare` starts)
MAX_ENTITIES = 4000
#: plans whose histories share their rules' programs and answers (all forgotten beyond it)
MAX_SHARED = 16
#: what a rule on a day is while :meth:`RuleHistory.prepare` collects the days to solve
_PENDING = Missing(("not solved yet",))


class RuleHistory:
    """The statuses of rules on other days, for each entity an evaluation measures."""

    def __init__(self, plan: Plan, figures: FigureProgram, ev: Evaluator, text: Callable[[Any], str]):
        self.plan, self.figures, self.base, self.text = plan, figures, ev, text
        #: (rule, day) -> the evaluation of the rule's leaves as of that day, its parameter and constant facts
        self._evaluations: dict[tuple[str, dt.date], tuple[Any, tuple, tuple]] = {}
        #: the days whose measured figures are kept until the evaluation of that day takes them (:meth:`figures_on`)
        self.keep: tuple[dt.date, dt.date] | None = None
        #: rule -> the evaluation of its first day, which the other days' evaluations are made from
        self._templates: dict[str, Any] = {}
        shared = _SHARED.get((id(plan), id(figures)))
        if shared is None or shared[0] is not plan or shared[1] is not figures:
            if len(_SHARED) >= MAX_SHARED:
                _SHARED.clear()
            shared = _SHARED[(id(plan), id(figures))] = (plan, figures, {}, {})
        #: rule -> the plan, program and figures of the rule alone (the same for every history of the plan)
        self._programs: dict[str, tuple[Plan, str, FigureProgram]] = shared[2]
        #: id(entity row) -> what :meth:`_entry` holds; the row is kept so that its id stays its own
        self._statuses: dict[int, tuple[dict, dict, dict, dict, dict, dict]] = {}
        #: while :meth:`prepare` collects: (days measured at most per window, days after a window's end)
        self._collecting: tuple[int, int] | None = None
        self._measuring = self._asked = False
        self._lets: list[str] | None = None
        #: (rule, parameter facts) -> {a day's facts: the rule's status}: the program's answer depends
        #: on the facts alone, so days (of any entity, in any history of the plan) with the same facts
        #: are solved once
        self._answers: dict[tuple[str, tuple], dict[tuple, str]] = shared[3]

    def __call__(self, rule: str, day: dt.date, scope: Scope, until: dt.date | None = None) -> bool | Missing:
        """Whether ``rule`` passes for the entity of ``scope`` as of ``day`` (unknown: Missing);
        ``until``: the days up to it will be asked for next (the window ``first day`` walks), so
        they are measured and solved with this one."""
        entry = self._entry(scope)
        statuses, pending = entry[1], entry[2]
        status = statuses.get((rule, day))
        if status is None:
            if self._collecting is not None and not self._measuring:  # :meth:`prepare`: solved with the others
                if (rule, day) not in pending:
                    batch, ahead = self._collecting
                    rounds = entry[5]  # an entity whose walk needs more days again gets twice as many
                    batch = rounds[rule] = min(MAX_BATCH, max(batch, 2 * rounds.get(rule, 0)))
                    last = day + dt.timedelta(days=batch - 1) if until is None else min(
                        until + dt.timedelta(days=ahead), day + dt.timedelta(days=batch - 1))
                    days = [d for d in (day + dt.timedelta(days=i) for i in range((last - day).days + 1))
                            if (rule, d) not in statuses]
                    pending.update(self._measure(rule, days, scope))
                self._asked = True
                return _PENDING
            days = self._batch(rule, day, until, statuses)
            statuses.update(self._answer(self._measure(rule, days, scope)))
            status = statuses[(rule, day)]
        if status == "unknown":
            return Missing((f"whether {rule} holds on {day} is unknown (data of that day are missing)",))
        return status == "pass"

    @staticmethod
    def _batch(rule: str, day: dt.date, until: dt.date | None, statuses: dict) -> list[dt.date]:
        """The days measured with ``day``: the window still to walk (at least :data:`BATCH`, at most
        :data:`MAX_BATCH` days) but the ones known."""
        count = min(MAX_BATCH, max(BATCH, (until - day).days + 1 if until is not None else 0), (dt.date.max - day).days + 1)
        return [d for d in (day + dt.timedelta(days=i) for i in range(count)) if (rule, d) not in statuses]

    def prepare(self, ev: Evaluator, scopes: Mapping[str, Scope], ahead: int = 0) -> None:
        """Before ``scopes`` are measured by ``ev``: the days their named values read (``let x =
        first day d in .. where R on d``) are measured for every entity and the new fact sets
        solved together, so that each entity's measuring finds its statuses known. In rounds:
        :data:`FIRST_ROUND` days of each window first, then twice as many as the entity's round
        before each time its walk needs more days (in this call or a later one: a timeline's next
        days), each round solved in one call, so a walk stops soon after the first day the rule
        passes. ``ahead``: the days after a window's end that will be asked for next (the next days
        of a timeline). Values
        read elsewhere (a rule on a day inside a condition) are solved when asked for."""
        lets = self._history_lets()
        if not lets:
            return
        if len(self._statuses) > MAX_ENTITIES:  # statuses of entities measured long ago are not kept
            self._statuses.clear()
        exprs = [self.plan.checked.lets[name].expr for name in lets]
        waiting = list(scopes.values())
        while waiting:
            probe = ev.on_day(ev.as_of, ev.params, ev.convention)  # its values are thrown away
            probe.history = self
            asked = []
            self._collecting = (FIRST_ROUND, ahead)
            try:
                for scope in waiting:
                    self._asked = False
                    for expr in exprs:
                        try:
                            probe.eval(expr, scope)
                        except Exception as exc:  # the entity fails again when measured: its error is reported then
                            if isinstance(exc, MemoryError):
                                raise
                    if self._asked:
                        asked.append(scope)
            finally:
                self._collecting = None
            self._flush()
            waiting = asked

    def _flush(self) -> None:
        """Solve the days :meth:`prepare` measured, and remember their statuses."""
        pending = [(entry[1], entry[2]) for entry in self._statuses.values() if entry[2]]
        try:
            answers = self._answer({(rule, day, i): value for i, (_, waiting) in enumerate(pending)
                                    for (rule, day), value in waiting.items()})
            for i, (statuses, waiting) in enumerate(pending):
                statuses.update({(rule, day): answers[(rule, day, i)] for rule, day in waiting})
        finally:  # a failed solve (a value beyond the solver's range) fails again for its entity alone
            for _, waiting in pending:
                waiting.clear()

    def _history_lets(self) -> list[str]:
        """The named values whose own expression reads a rule on a day (``R on d``)."""
        if self._lets is None:
            c = self.plan.checked
            self._lets = [name for name, let in c.lets.items()
                          if any(isinstance(c.refs.get(n.nid), RuleOnRef) for n in syntax.walk(let.expr))]
        return self._lets
    def first(self, rule: str, window: Window, scope: Scope) -> dt.date | Missing | None:
        """The first day of ``window`` on which ``rule`` passes (``first day d in W where rule on
        d``): none if never, unknown if it is unknown on a day before; a window too long to walk
        day by day raises :class:`~clausewise.values.calendar.WindowTooLong`, as any walk does.
        How far a walk from the window's start got is remembered for the entity, so the windows
        of the next days (one day longer each) are not walked again from their start."""
        next(window.days(), None)  # a window too long to walk raises here, however far it was walked before
        walks = self._entry(scope)[3]
        key = (rule, window.start)
        last, decided = walks.get(key, (None, None))  # the last day walked, and the day that decided the walk
        if decided is not None:
            if decided > window.end:
                return None
            status = self(rule, decided, scope, window.end)
            return decided if status is True else status if isinstance(status, Missing) else None
        start = window.start if last is None else max(window.start, last + dt.timedelta(days=1))
        walked = last
        try:
            for day in (Window(start, window.end).days() if start <= window.end else ()):
                status = self(rule, day, scope, window.end)
                if status is _PENDING:  # being collected (:meth:`prepare`): not known yet
                    return status
                if status is True or isinstance(status, Missing):
                    walked, decided = day, day
                    return day if status is True else status
                walked = day
            return None
        finally:
            if walked is not None and (last is None or walked > last):
                walks[key] = (walked, decided)

    def _entry(self, scope: Scope) -> tuple[dict, dict, dict, dict, dict, dict]:
        """The entity's (row, {(rule, day): status}, {(rule, day): facts waiting for :meth:`prepare`
        to solve them}, {(rule, window start): (the last day walked, the day that decided it)},
        {day: figures measured that day, for the days of :attr:`keep`}, {rule: days of its last round
        in :meth:`prepare`})."""
        entry = self._statuses.get(id(scope.entity))
        if entry is None or entry[0] is not scope.entity:
            entry = self._statuses[id(scope.entity)] = (scope.entity, {}, {}, {}, {}, {})
        return entry

    def figures_on(self, ev: Evaluator, scope: Scope) -> dict[str, Any] | None:
        """The figures the rules' evaluations measured for the entity of ``scope`` as of ``ev``'s
        day (one of :attr:`keep`), when ``ev`` has this history's parameters and convention: the
        same values ``ev`` would measure. Given once: the day's evaluation takes them."""
        entry = self._statuses.get(id(scope.entity))
        if entry is None or entry[0] is not scope.entity:
            return None
        found = entry[4].pop(ev.as_of, None)
        return found if ev.params == self.base.params and ev.convention == self.base.convention else None

    def _evaluation(self, rule: str, day: dt.date) -> tuple[Any, tuple, tuple]:
        """The evaluation of the rule's leaves as of ``day``, its parameter facts and its constants as
        one entity's facts: the same for every entity, so made once per rule and day."""
        found = self._evaluations.get((rule, day))
        if found is None:
            from clausewise.engine.evaluation import EntityEvaluation  # it builds a history: imported when used

            plan, program, figures = self._program(rule)
            ev = self.base.on_day(day, self.base.params, self.base.convention)
            template = self._templates.get(rule)
            if template is None:
                evaluation = self._templates[rule] = EntityEvaluation(plan, program, figures, ev, self.text, history=self)
            else:  # what depends only on the rule's plan is made once for every day
                evaluation = template.on_day(ev, self)
            found = self._evaluations[(rule, day)] = (evaluation, tuple(evaluation.param_facts()),
                                                      tuple(evaluation.const_facts(per_entity=True)))
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
            # only the rule's status is read: the answer holds one atom per day instead of one per node and day
            found = self._programs[rule] = (plan, compile_plan(plan, figures, shown=[rule]), figures)
        return found

    def _measure(self, rule: str, days: list[dt.date], scope: Scope) -> dict[tuple[str, dt.date], tuple[tuple, tuple]]:
        """Each day's (parameter facts, facts) of the rule's program for the entity of ``scope``."""
        out = {}
        measuring, self._measuring = self._measuring, True  # a rule on a day read inside is solved when asked for
        ranked = dates_only_ordered(self._program(rule)[2])  # a day's dates by their order: days share answers
        try:
            for day in days:
                evaluation, shared, constants = self._evaluation(rule, day)
                measured = evaluation.measure(scope, explained=False)
                facts = evaluation.facts(measured) + list(constants)
                if self.keep is not None and self.keep[0] <= day <= self.keep[1]:
                    self._entry(scope)[4].setdefault(day, {}).update(measured.figures)
                out[(rule, day)] = (shared, tuple(ranked_dates(facts) if ranked else facts))
        finally:
            self._measuring = measuring
        return out

    def _answer(self, measured: Mapping[tuple, tuple[tuple, tuple]]) -> dict[tuple, str]:
        """The rule's status for each measured (rule, day, ...): fact sets not solved before (for the rule
        and its parameters) are solved in one call per rule and parameters; the program's answer
        depends on the facts alone, so days of any entity with the same facts share it."""
        groups: dict[tuple[str, tuple], dict[tuple, None]] = {}
        for (rule, *_), (shared, facts) in measured.items():
            known = self._answers.setdefault((rule, shared), {})
            if facts not in known:
                groups.setdefault((rule, shared), {})[facts] = None
        for (rule, shared), new in groups.items():
            known = self._answers[(rule, shared)]
            if len(known) + len(new) > MAX_ANSWERS:
                known.clear()
            sets = list(new)
            for start in range(0, len(sets), KEYS_PER_SOLVE):
                part = sets[start:start + KEYS_PER_SOLVE]
                answers = solve(self._program(rule)[1], {str(k): list(f) for k, f in enumerate(part)}, shared)
                known.update({f: answers[str(k)].status.get(rule, "unknown") for k, f in enumerate(part)})
        return {key: self._answers[(key[0], shared)][facts] for key, (shared, facts) in measured.items()}


def forget_shared() -> None:
    """Forget the rules' programs and answers the histories of every plan share (the next history
    compiles and solves afresh)."""
    _SHARED.clear()


def history_of(ev: Evaluator) -> RuleHistory:
    """The history for an evaluator no engine evaluation made (what-if, verify, diff): the policy's
    plan and figures, planned again from the checked policy (once per policy)."""
    found = _PLANNED.get(id(ev.c))
    if found is None or found[0] is not ev.c:
        from clausewise.engine.policy import compile_checked  # the policy module builds on this one

        policy = compile_checked(ev.c)
        found = _PLANNED[id(ev.c)] = (ev.c, policy.plan, policy.figures, policy.source_text)
    return RuleHistory(found[1], found[2], ev, found[3])


#: (id(plan), id(figures)) -> (the plan, the figures, {rule: its plan, program and figures}, the
#: answers of :attr:`RuleHistory._answers`): what every history of one plan shares; an analysis
#: command evaluates each draft entity with an evaluator, so a history, of its own
_SHARED: dict[tuple[int, int], tuple[Plan, FigureProgram, dict, dict]] = {}
#: id(checked policy) -> (the checked policy, its plan, figures and source text), for :func:`history_of`
_PLANNED: dict[int, tuple[Any, Plan, FigureProgram, Callable[[Any], str]]] = {}
measure.HISTORY = history_of
