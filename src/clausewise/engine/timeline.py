"""An entity's history day by day: its verdict on every day of a range, and the spans where it stays the same.

Each day is evaluated as of that day by the one evaluation (:class:`EntityEvaluation`: the
same measuring, facts and program as :meth:`Policy.evaluate`) over rows loaded once. The days
of a chunk of entities are solved in **one** clingo call, each (entity, day) an entity key of
its own (``S01@2024-03-05``) whose facts include that day's constants (``as_of`` and what it
gives: :meth:`EntityEvaluation.const_facts` with ``per_entity``), so keys with the same facts
(entities on the same side of every bound, days on which nothing changed in what the program
reads) share one solved answer (:func:`clausewise.asp.solve.solve`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, TypeVar

from clausewise.asp.cells import dates_only_ordered, ranked_dates
from clausewise.asp.plan import nodes_under
from clausewise.asp.program import compile_plan
from clausewise.asp.solve import Fact, solve
from clausewise.data import files as datafiles
from clausewise.engine.evaluation import EntityEvaluation, Measured
from clausewise.engine.policy import no_cyclic_gc, rejected_verdict
from clausewise.evaluate import computed
from clausewise.evaluate.leaves import LeafResult
from clausewise.evaluate.measure import Data, Evaluator, Scope
from clausewise.evaluate.params import resolve_params
from clausewise.language import syntax
from clausewise.language.diagnostics import ClausewiseError, did_you_mean
from clausewise.report.encode import RawVerdict, VerdictEncoder
from clausewise.report.explain import outcome_json
from clausewise.report.failed import ErrorVerdict

T = TypeVar("T")
#: the most days one timeline or range audit covers (ten years)
MAX_DAYS = 3660
#: (entity, day) keys measured before one solve: bounds the memory a range audit holds at once
KEYS_PER_SOLVE = 4000
#: the distinct fact sets whose answers are kept for the next chunks of entities (cleared beyond it)
MAX_ANSWERS = 20_000


def day_range(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from ``start`` to ``end``, both included; a reversed or too long range is an error."""
    if end < start:
        raise ClausewiseError.simple("--to", f"the range ends ({end}) before it starts ({start})",
                                     "give --from on or before --to")
    count = (end - start).days + 1
    if count > MAX_DAYS:
        raise ClausewiseError.simple("--to", f"a range of {count:,} days is longer than {MAX_DAYS:,} days (ten years)",
                                     "split the range")
    return [start + dt.timedelta(days=i) for i in range(count)]


class DayEvaluations:
    """One policy evaluated on each day of a range, over the same loaded rows and parameters;
    ``outcomes_only``: each day's verdict is read for its compliance and outcomes only (a range
    audit's records), so the program's answers hold no other status (:class:`OutcomesOnly`)."""

    def __init__(self, policy: Any, tables: Mapping[str, Any], params: Mapping[str, Any], days: list[dt.date],
                 outcomes_only: bool = False):
        self.policy, self.days = policy, days
        #: the program solved: with ``outcomes_only``, without the status/3 rules of the nodes no
        #: outcome reads (reading 117 atoms per fact set of novice.policy was a third of the main solve)
        self.program = policy.program
        self._shown: tuple[str, ...] | None = None
        if outcomes_only:
            plan = policy.plan
            self._shown = (*([plan.compliant] if plan.compliant else []),
                           *(leaf.id for leaf in plan.leaves() if isinstance(leaf.cond, syntax.Quantified)))
            self.program = compile_plan(plan, policy.figures, shown=self._shown)
        rows = {name: t if hasattr(t, "by_field") else t.rows for name, t in tables.items()}
        self.data = Data(rows)  # the indexes by field are built once for every day
        self.params = dict(params)
        self._days: dict[dt.date, tuple[EntityEvaluation, VerdictEncoder]] = {}
        self._encoder: VerdictEncoder | None = None
        self._first: Evaluator | None = None
        self._history: Any = None
        self._template: EntityEvaluation | None = None
        #: parameter facts -> {an entity-day's facts: the program's answer}, kept across chunks of entities
        self._answers: dict[tuple, dict[tuple, Any]] = {}
        #: an entity's dates enter by their order, so that days on which they stand the same way share a solve
        self._ranked = dates_only_ordered(policy.figures)

    def on(self, day: dt.date) -> tuple[EntityEvaluation, VerdictEncoder]:
        """The evaluation and the verdict encoder of one day (made when first needed)."""
        found = self._days.get(day)
        if found is None:
            p = self.policy
            values, convention = resolve_params(p.checked, self.params, day)
            if self._first is None:
                self._first = Evaluator(p.checked, self.data, values, day, convention)
            elif values == self._first.params:  # one parameter set: what is measured from it is shared between days
                values = self._first.params
            ev = self._first.on_day(day, values, convention)
            if self._encoder is None:
                self._encoder = VerdictEncoder(p.plan, day, p.source_text)
            # the rules' statuses on other days are the same for every day of the range (with the same parameters)
            history = self._history if self._history is not None and values == self._history.base.params else None
            if self._template is None:
                evaluation = self._template = EntityEvaluation(p.plan, p.program, p.figures, ev, p.source_text, history=history)
            else:  # what depends only on the plan is made once for every day
                evaluation = self._template.on_day(ev, history)
            if self._history is None:
                self._history = ev.history
            found = self._days[day] = (evaluation, self._encoder.on(day))
        return found

    def evaluate(self, scopes: Mapping[str, Scope]) -> dict[str, list[RawVerdict | ErrorVerdict]]:
        """Every entity's verdict on every day (in day order), the days solved together."""
        facts: dict[str, list[Fact]] = {}
        measured: dict[str, tuple[str, dt.date, Any]] = {}
        failed: dict[tuple[str, dt.date], ErrorVerdict] = {}
        groups: dict[tuple, list[str]] = {}  # parameter facts -> keys (the parameters may depend on the day)
        for day in self.days:
            evaluation, encoder = self.on(day)
            history = evaluation.ev.history
            if history is not None:  # the rules' histories of every entity, solved together (up to the range's end)
                history.keep = (self.days[0], self.days[-1])  # the figures of the range's days, measured once for both
                try:
                    history.prepare(evaluation.ev, scopes, ahead=(self.days[-1] - day).days)
                except Exception as exc:  # an entity's failure is reported when it is measured
                    if isinstance(exc, MemoryError):
                        raise
            constants = evaluation.const_facts(per_entity=True)
            group = groups.setdefault(tuple(evaluation.param_facts()), [])
            for entity, scope in scopes.items():
                key = f"{entity}@{day.isoformat()}"
                try:
                    m = evaluation.measure(scope, explained=False,
                                           known=history.figures_on(evaluation.ev, scope) if history else None)
                    facts[key] = evaluation.facts(m) + constants
                    if self._ranked:
                        facts[key] = ranked_dates(facts[key])
                except Exception as exc:  # one entity-day's failure must not stop the others
                    if isinstance(exc, MemoryError):
                        raise
                    failed[(entity, day)] = ErrorVerdict(encoder, entity, f"{type(exc).__name__}: {str(exc)[:300]!r}",
                                                         f"while measuring its figures as of {day}")
                    continue
                measured[key] = (entity, day, m)
                group.append(key)
        out: dict[str, list[RawVerdict | ErrorVerdict]] = {entity: [] for entity in scopes}
        answers = self._solved(groups, facts)
        for day in self.days:
            evaluation, encoder = self.on(day)
            for entity in scopes:
                key = f"{entity}@{day.isoformat()}"
                if key not in measured:
                    out[entity].append(failed[(entity, day)])
                    continue
                _, _, m = measured[key]
                answer = answers[key]
                out[entity].append(DayVerdict(encoder, entity, answer, evaluation, m, evaluation.outcomes(answer, m)))
        return out

    def _solved(self, groups: Mapping[tuple, list[str]], facts: Mapping[str, list[Fact]]) -> dict[str, Any]:
        """The program's answer for each key of ``groups`` (parameter facts -> keys): the fact sets
        not solved for an earlier chunk of entities are solved in one call per parameter set; the
        answer depends on the facts alone, so keys (of any chunk) with the same facts share one."""
        answers: dict[str, Any] = {}
        for shared, keys in groups.items():
            known = self._answers.setdefault(shared, {})
            new: dict[tuple, list[str]] = {}
            for key in keys:
                signature = tuple(facts[key])
                found = known.get(signature)
                if found is not None:
                    answers[key] = found
                else:
                    new.setdefault(signature, []).append(key)
            if not new:
                continue
            if len(known) + len(new) > MAX_ANSWERS:
                known.clear()
            solved = solve(self.program, {same[0]: list(signature) for signature, same in new.items()}, shared)
            for signature, same in new.items():
                known[signature] = answer = solved[same[0]]
                if self._shown is not None:
                    answer.status = OutcomesOnly(answer.status)
                answers.update((key, answer) for key in same)
        return answers


class OutcomesOnly(dict):
    """The statuses of a day solved for its compliance and outcomes only (a range audit's record):
    the compliance condition's and the quantifiers' (which a verdict's leaves read). Asking for any
    other node's status is an error, not a silent "na": the program did not show it."""

    def get(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            raise LookupError(f"the status of {key} was not solved: this range is evaluated for its outcomes only")
        return dict.get(self, key)

    def __getitem__(self, key: Any) -> Any:
        return self.get(key)


class DayVerdict(RawVerdict):
    """A range day's verdict whose leaf results for the explanation are made when first read: a
    range audit and a timeline's spans read the answer and the outcomes of every day, the
    explanation of a few (:meth:`EntityEvaluation.explained_leaves`: the same results)."""

    def __init__(self, encoder: VerdictEncoder, entity: str, answer: Any, evaluation: EntityEvaluation,
                 measured: Measured, values: dict[str, Any]):
        self._explain: tuple[EntityEvaluation, Measured] | None = None
        self._leaves: dict[str, LeafResult] | None = None
        if encoder.quantified:  # a quantifier's result is completed from the answer when the verdict is made
            super().__init__(encoder, entity, answer, evaluation.explained_leaves(measured), values)
        else:
            self.encoder, self.entity, self.answer, self.values = encoder, entity, answer, values
            self._explain = (evaluation, measured)

    @property  # type: ignore[override]
    def leaves(self) -> dict[str, LeafResult]:
        if self._explain is not None:
            evaluation, measured = self._explain
            self._leaves, self._explain = evaluation.explained_leaves(measured), None
        assert self._leaves is not None
        return self._leaves

    @leaves.setter
    def leaves(self, value: dict[str, LeafResult]) -> None:
        self._leaves, self._explain = value, None


@dataclass
class Span:
    """Consecutive days on which an entity's compliance and outcomes stay the same."""

    start: dt.date
    end: dt.date
    compliant: bool | None
    #: outcome field -> its JSON value, or the string ``undecided``
    outcomes: dict[str, Any]
    #: the leaf conditions whose status differs from the day before the span: id -> (before, now)
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: the verdict of the span's first day (its explanation shows why)
    first: Any = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class Timeline:
    """One entity's verdict on every day of a range."""

    policy: str
    version: str
    entity: str
    start: dt.date
    end: dt.date
    #: one verdict per day, in day order (:class:`RawVerdict`, or :class:`ErrorVerdict`)
    days: list[Any]

    def outcomes_on(self, i: int) -> dict[str, Any]:
        raw, plan = self.days[i], self.days[i].encoder.plan
        return {d.field: outcome_json(raw.values.get(d.field)) if raw.decided(d.field) else "undecided"
                for d in plan.decides} if not isinstance(raw, ErrorVerdict) else {d.field: "error" for d in plan.decides}

    def spans(self) -> list[Span]:
        """The runs of days with the same compliance and outcomes, each with what changed at its start."""
        out: list[Span] = []
        previous: Any = None
        for i, raw in enumerate(self.days):
            day = self.start + dt.timedelta(days=i)
            outcomes = self.outcomes_on(i)
            if out and out[-1].compliant == raw.compliant and out[-1].outcomes == outcomes:
                out[-1].end = day
            else:
                out.append(Span(day, day, raw.compliant, outcomes, changed_leaves(previous, raw), raw))
            previous = raw
        return out


def changed_leaves(before: Any, now: Any) -> dict[str, tuple[str, str]]:
    """The leaf conditions whose status differs between two verdicts of one entity (tree order),
    among those under what changed: the compliance condition if compliance changed, and the
    conditions of the chosen clauses (before and now) of each outcome that changed."""
    if before is None or isinstance(before, ErrorVerdict) or isinstance(now, ErrorVerdict):
        return {}
    plan = now.encoder.plan
    old, new = before.answer.status, now.answer.status
    roots = [plan.compliant] if plan.compliant and before.compliant != now.compliant else []
    for d in plan.decides:
        clauses = {before.answer.chosen.get(d.field), now.answer.chosen.get(d.field)}
        if len(clauses) > 1 or before.outcome(d.field) != now.outcome(d.field) or before.decided(d.field) != now.decided(d.field):
            roots += [d.when_nodes[c - 1] for c in clauses if c is not None and d.when_nodes[c - 1] is not None]
    under = nodes_under(plan, roots)
    return {leaf.id: (old.get(leaf.id, "na"), new.get(leaf.id, "na")) for leaf in plan.leaves()
            if leaf.id in under and old.get(leaf.id, "na") != new.get(leaf.id, "na")}


def entity_scopes(policy: Any, tables: Mapping[str, Any], entities: list[str] | None) -> tuple[dict[str, Scope], dict]:
    """The scope of each entity (every one, or the ones named; an unknown or rejected one named is
    an error), and the entities whose own row was rejected (every one: their rejection)."""
    checked = policy.checked
    entity_table = tables[checked.entity_table]
    entity_rows = computed.entity_rows(checked, entity_table if hasattr(entity_table, "by_field") else entity_table.rows)
    rejected = datafiles.rejected_entities(entity_table, entity_rows)
    wanted = sorted(entity_rows) if entities is None else list(entities)
    for entity in wanted:
        if entity in rejected:
            error = rejected[entity]
            raise ClausewiseError.simple("<data>", f"the {checked.entity_table} row of '{entity}' was rejected: {error.reason}",
                                         f"{error.file}:{error.line}: fix the row")
        if entity not in entity_rows:
            raise ClausewiseError.simple("<data>", f"no {checked.entity_table} row for entity '{entity}'",
                                         computed.entity_hint(checked, entity, entity_rows) or did_you_mean(entity, entity_rows))
    return ({e: Scope(entity_rows[e], checked.entity_table, entity_rows[e]) for e in wanted},
            rejected if entities is None else {})


def timelines(policy: Any, tables: Mapping[str, Any], start: dt.date, end: dt.date,
              params: Mapping[str, Any] | None = None, entities: list[str] | None = None) -> Iterator[Timeline]:
    """Each entity's timeline from ``start`` to ``end`` (both included), in entity order; the days of
    a chunk of entities are solved together."""
    return _Range(policy, tables, start, end, params, entities).all()


def range_audit(policy: Any, tables: Mapping[str, Any], start: dt.date, end: dt.date, params: Mapping[str, Any] | None,
                render: Callable[[Timeline], T], workers: int = 1, time_limit: float | None = None,
                memory_limit: int | None = None, outcomes_only: bool = False) -> Iterator[T]:
    """``render(timeline)`` of every entity's timeline, in entity order; with ``workers`` > 1 (or a
    limit) chunks of entities are evaluated and rendered in worker processes
    (:mod:`clausewise.engine.workers`), which hand back only what ``render`` made. ``outcomes_only``:
    ``render`` reads each day's compliance and outcomes only (:func:`clausewise.report.timeline.range_record`),
    not its explanation or its conditions' statuses (:class:`OutcomesOnly`; the spans' changed conditions)."""
    days = _Range(policy, tables, start, end, params, None, outcomes_only)
    if workers <= 1 and time_limit is None and memory_limit is None:
        yield from (render(t) for t in days.all())
        return
    from clausewise.engine import workers as workers_mod  # multiprocessing: imported only when it is used

    chunks = days.chunks(max(1, -(-len(days.names) // (4 * workers))))
    hint = "audit a shorter range (--from, --to) or fewer entities at a time (split the data)"
    for part in workers_mod.iter_chunks(lambda i: [render(t) for t in days.chunk(chunks[i])], len(chunks), workers,
                                        time_limit, memory_limit, hint):
        yield from part


class _Range:
    """The entities and days of a range, evaluated a chunk of entities at a time."""

    def __init__(self, policy: Any, tables: Mapping[str, Any], start: dt.date, end: dt.date,
                 params: Mapping[str, Any] | None, entities: list[str] | None, outcomes_only: bool = False):
        self.policy, self.start, self.end = policy, start, end
        self.days = day_range(start, end)
        self.evaluations = DayEvaluations(policy, tables, params or {}, self.days, outcomes_only)
        self.scopes, self.rejected = entity_scopes(policy, tables, entities)
        self.names = sorted({*self.scopes, *self.rejected})

    def chunks(self, most: int) -> list[list[str]]:
        """The entities in chunks of at most ``most``, and of at most :data:`KEYS_PER_SOLVE` entity-days."""
        size = max(1, min(most, KEYS_PER_SOLVE // len(self.days)))
        return [self.names[i:i + size] for i in range(0, len(self.names), size)]

    def all(self) -> Iterator[Timeline]:
        for names in self.chunks(len(self.names)):
            yield from self.chunk(names)

    def chunk(self, names: list[str]) -> list[Timeline]:
        """The timelines of the entities ``names`` (in that order), their days solved together (with
        Python's cycle collector paused, as in a one-day audit: it scanned the loaded rows and every
        day's figures hundreds of times a year of one shop, a quarter of its CPU time)."""
        with no_cyclic_gc():
            done = self.evaluations.evaluate({e: self.scopes[e] for e in names if e in self.scopes})
        p = self.policy
        return [Timeline(p.name, p.version, entity, self.start, self.end, done[entity] if entity in done else [
            rejected_verdict(self.evaluations.on(day)[1], entity, self.rejected[entity]) for day in self.days])
            for entity in names]
