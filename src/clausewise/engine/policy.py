"""The library API: ``load_policy(path).evaluate(data, as_of=..., params=...)``.

Loading a policy parses, checks, plans and compiles it (:mod:`clausewise.language`,
:mod:`clausewise.asp`); evaluating it loads the data (:mod:`clausewise.data`), evaluates the
entities in chunks (:mod:`clausewise.engine.evaluation`) and writes verdicts
(:mod:`clausewise.report`).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Collection, Iterable, Mapping, Sequence

from clausewise.asp.plan import Plan, plan
from clausewise.asp.leafrules import FigureProgram
from clausewise.asp.program import compile_plan
from clausewise.data import files as datafiles
from clausewise.data import rows as data_mod
from clausewise.engine.engines import prepare as prepare_engine
from clausewise.engine.evaluation import EntityEvaluation
from clausewise.evaluate import computed
from clausewise.evaluate.closures import value_of
from clausewise.evaluate.figuretable import figure_plan
from clausewise.evaluate.leaves import source_text
from clausewise.evaluate.measure import Scope
from clausewise.evaluate.params import resolve_params
from clausewise.language.check import Checked, check
from clausewise.language.diagnostics import ClausewiseError, did_you_mean
from clausewise.language.parse import parse_file, parse_text
from clausewise.report.encode import RawVerdict, VerdictEncoder
from clausewise.report.failed import ErrorVerdict
from clausewise.report.models import (
    Accounting,
    Evaluation,
    RejectedRow,
    TableCount,
    Verdict,
)

if TYPE_CHECKING:
    from clausewise.data.lazy import LazyTable  # read only by explain: imported when used

DataSource = str | Path | Sequence[str | Path] | Mapping[str, Any]
CHUNK = 2000
#: the hint of a time or memory limit an audit reached, besides raising it (an audit has no --entity)
ENTITIES_AT_A_TIME = "audit fewer entities at a time (split the data)"


def _misnamed_files(paths: Sequence[Any], schemas: Mapping[str, Any], absent: list[str]) -> str | None:
    """A hint naming the data files of the given directories that match no table but look like
    a missing one (``transactons.csv`` for ``transactions``)."""
    strays = sorted(f for d in paths if Path(d).is_dir() for f in Path(d).iterdir()
                    if f.suffix in data_mod.SUFFIXES and f.stem not in schemas)
    for name in absent:
        for f in strays:
            if did_you_mean(f.stem, [name]):
                return f"{f} matches no table of the policy: did you mean {name}{f.suffix}?"
    return None


@dataclass
class Policy:
    """A checked, compiled policy version."""

    checked: Checked
    plan: Plan
    program: str
    text: str
    #: the figures the program reads and the leaves it decides from them
    figures: FigureProgram
    _texts: dict[int, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.checked.header.name

    @property
    def version(self) -> str:
        return self.checked.header.version or ""

    @functools.cached_property
    def search_figures(self) -> FigureProgram:
        """The figures and leaves of the program the analysis commands (what-if, verify, diff)
        search: :attr:`figures`, except that a quantifier over months or days reads its status from
        ``leaf/3`` (the search decides it from the quantifier's best month), a date offset (``end
        of 90 days from revoked_on``) is a figure of its own, as before the program stated offsets,
        and so a date or month in a window with an edge from data (a month's own first and last days
        are offsets too) and a value from data looked
        up in a list field (``label in extra.labels``) read theirs from ``leaf/3`` too. A date in a
        window of constant edges (``opened_on in previous quarter of as_of``, ``d in period``) and a
        constant looked up in a list field (``"catering" in industries``) are the program's rules:
        the search chooses the date, or the list's items; so is a constant date in a window of days
        from a date of the data (``as_of in 60 days from found_on``: the search chooses found_on,
        the program computes the window's edges from it). Why not yet the evaluation's program
        (issue 14): the search chooses one candidate value per figure (analysis/figures.py,
        ties.py); choosing every unit's value needs the relations between units the data impose (a
        cumulative sum over ``start .. d`` never falls as ``d`` grows), or it finds witnesses no
        data give (LIFE verify's false never-holds and gaps when it fed one unit); and an offset's
        candidates would have to be chosen through its dates, shared with every other comparison
        that reads them."""
        return FigureProgram(self.plan, self.figures.figures, quantifiers=False, offsets=False)

    @functools.cached_property
    def search_program(self) -> str:
        """The program of :attr:`search_figures`: :attr:`program` with quantifiers as ``leaf/3`` and
        date offsets as figures."""
        return compile_plan(self.plan, self.search_figures)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def in_force(self, day: dt.date) -> bool:
        h = self.checked.header
        return (h.effective_from is None or h.effective_from <= day) and (h.effective_to is None or day <= h.effective_to)

    def source_text(self, node) -> str:
        text = self._texts.get(node.nid)
        if text is None:
            text = self._texts[node.nid] = source_text(self.text, node)
        return text

    def load_data(self, source: DataSource, lazy: bool = False, skip: Collection[str] = ()) -> dict[str, Any]:
        """The tables this policy reads, validated row by row.

        ``lazy``: CSV files of tables other than the entity table are read but their rows are
        validated only when an evaluation looks them up (:mod:`clausewise.data.lazy`), for
        evaluating a few named entities. ``skip``: tables whose files another engine reads.
        """
        schemas = self.checked.tables
        tables: dict[str, data_mod.Table | LazyTable] = {}
        if isinstance(source, Mapping):
            for name, rows in source.items():
                if name not in schemas:
                    raise ClausewiseError.simple("<data>", f"policy {self.name} reads no table '{name}'", did_you_mean(name, schemas))
                tables[name] = rows if isinstance(rows, data_mod.Table) else datafiles.table_from_rows(rows, schemas[name])
        else:
            paths = [source] if isinstance(source, (str, Path)) else list(source)
            files = datafiles.find_table_files(paths, schemas)
            entity_table = self.checked.entity_table
            deferred = {n for n, f in files.items() if lazy and n != entity_table and n not in skip and Path(f).suffix == ".csv"}
            for name in sorted(schemas):
                if name in files and name not in deferred and name not in skip:
                    tables[name] = datafiles.load_table(files[name], schemas[name])
            if deferred:
                from clausewise.data.lazy import LazyTable

                entity = tables.get(entity_table)
                key = entity.schema.key[0] if entity is not None and len(entity.schema.key) == 1 else None
                known = {row[key] for row in entity.rows} if entity is not None and key is not None else None
                for name in sorted(deferred):
                    spans = tuple(sorted({(r.start_field, r.end_field) for r in self.checked.relations.values()
                                          if r.via == name and r.start_field and r.end_field}))
                    tables[name] = LazyTable(Path(files[name]), schemas[name], entity_table, key, known, spans)
        absent = sorted(set(schemas) - set(tables) - set(skip))
        if absent:
            hint = f"policy {self.name} reads {', '.join(sorted(schemas))}; give a file per table, e.g. {absent[0]}.csv"
            if not isinstance(source, Mapping):
                hint = _misnamed_files(paths, schemas, absent) or hint
            raise ClausewiseError.simple("<data>", f"no data for table{'s' if len(absent) > 1 else ''} {', '.join(absent)}",
                                         hint)
        datafiles.reject_unknown_entities(tables, self.checked.entity_table)
        datafiles.reject_reversed_spans(tables, sorted({(r.via, r.start_field, r.end_field) for r in self.checked.relations.values()
                                                        if r.start_field and r.end_field}))
        return tables

    def evaluate(self, data: DataSource, as_of: dt.date | str, params: Mapping[str, Any] | None = None,
                 entities: Iterable[str] | None = None, progress: Callable[[int, int], None] | None = None,
                 workers: int = 1, time_limit: float | None = None, memory_limit: int | None = None,
                 on_chunk: Callable[[Any], None] | None = None,
                 render: Callable[[list[Verdict]], Any] | None = None,
                 render_raw: Callable[[list[RawVerdict | ErrorVerdict]], Any] | None = None, engine: str = "python") -> Evaluation:
        """Verdicts for every entity (or the ones named) on the as-of date.

        ``engine``: what measures the figures, ``python`` (the reference) or ``duckdb``
        (:mod:`clausewise.engine.engines`); the verdicts are the same.

        ``workers`` > 1 evaluates chunks of entities in that many processes. ``time_limit``
        (seconds, for the whole call) and ``memory_limit`` (bytes a worker may allocate)
        stop an evaluation with :class:`clausewise.engine.workers.LimitExceeded` instead of a hang.

        Streaming: with ``on_chunk``, each chunk of verdicts (in entity order) is handed to
        ``on_chunk`` as soon as it is ready, instead of being kept in the result (whose
        ``verdicts`` is then empty; the accounting still counts them). ``render`` turns a chunk
        into what ``on_chunk`` receives (e.g. JSON lines), inside the worker process.
        ``render_raw`` does the same from :class:`clausewise.report.encode.RawVerdict` records, which
        write their JSON text without building models (``raw.json()``: the same text as
        ``raw.model().model_dump_json()``, several times faster).
        """
        started = time.monotonic()
        as_of = as_of if isinstance(as_of, dt.date) else parse_day(as_of)
        self.check_in_force(as_of)
        values, convention = resolve_params(self.checked, dict(params or {}), as_of)
        # a few named entities in this process (explain): validate only the rows they look up
        if entities is not None:
            entities = list(entities)
        measuring = prepare_engine(engine, self.checked, [(leaf.id, leaf.cond) for leaf in self.plan.leaves()], values,
                                   as_of, convention, self.source_text, data, entities)
        lazy = (entities is not None and workers <= 1 and time_limit is None and memory_limit is None
                and not isinstance(data, Mapping) and engine in ("python", "duckdb"))
        with no_cyclic_gc():
            tables = self.load_data(data, lazy=lazy, skip=measuring.skip)
            ev = measuring.evaluator(tables)  # adds the tables another engine read itself
        rows = {name: t if hasattr(t, "by_field") else t.rows for name, t in tables.items()}
        evaluation = EntityEvaluation(self.plan, self.program, self.figures, ev, self.source_text)
        entity_rows = computed.entity_rows(self.checked, rows[self.checked.entity_table])  # 'P01/catering' with 'for each'
        # an entity whose own row was rejected still gets a verdict: an error naming the rejection
        rejected_entities = datafiles.rejected_entities(tables.get(self.checked.entity_table), entity_rows)
        wanted = sorted({*entity_rows, *rejected_entities}) if entities is None else list(entities)
        for entity in wanted:
            if entity not in entity_rows and entity not in rejected_entities:
                raise ClausewiseError.simple("<data>", f"no {self.checked.entity_table} row for entity '{entity}'",
                                             computed.entity_hint(self.checked, entity, entity_rows)
                                             or did_you_mean(entity, entity_rows))
        size = CHUNK if workers <= 1 else max(1, min(CHUNK, -(-len(wanted) // (4 * workers))))
        chunks = [wanted[start:start + size] for start in range(0, len(wanted), size)]
        verdicts: list[Verdict] = []
        produced = 0

        encoder = VerdictEncoder(self.plan, as_of, self.source_text)

        def work(i: int) -> Any:
            raw = self._evaluate_chunk(chunks[i], entity_rows, evaluation, encoder, rejected_entities)
            if render_raw is not None:
                return (len(raw), render_raw(raw))
            chunk_verdicts = [r.model() for r in raw]
            return (len(chunk_verdicts), render(chunk_verdicts) if render else chunk_verdicts)

        def deliver(done: Iterable[tuple[int, Any]]) -> None:
            nonlocal produced
            for count, payload in done:
                produced += count
                if on_chunk is not None:
                    on_chunk(payload)
                else:
                    verdicts.extend(payload)
                if progress:
                    progress(produced, len(wanted))

        with no_cyclic_gc():  # evaluation makes no reference cycles; scanning the loaded rows costs ~40%
            if workers <= 1 and time_limit is None and memory_limit is None:
                deliver(work(i) for i in range(len(chunks)))
            else:
                from clausewise.engine import (
                    workers as workers_mod,  # multiprocessing: imported only when it is used
                )

                remaining = None if time_limit is None else time_limit - (time.monotonic() - started)
                if remaining is not None and remaining <= 0:
                    raise workers_mod.LimitExceeded(ClausewiseError.simple(
                        "<evaluation>", f"the evaluation did not finish within the time limit of {time_limit:g} s",
                        "loading the data alone took longer; raise --time-limit").diagnostics)
                deliver(workers_mod.iter_chunks(work, len(chunks), workers, remaining, memory_limit,
                                                "" if entities is not None else ENTITIES_AT_A_TIME))
        accounting, rejected = accounting_of(self.checked, tables, len(wanted), produced)
        return Evaluation(policy=self.name, version=self.version, as_of=as_of, params=shown_params(values, convention),
                          verdicts=verdicts, accounting=accounting, rejected=rejected)

    def timeline(self, data: DataSource, start: dt.date | str, end: dt.date | str, params: Mapping[str, Any] | None = None,
                 entities: Iterable[str] | None = None) -> list[Any]:
        """Each entity's (or each named entity's) verdict on every day from ``start`` to ``end``, both
        included, as :class:`clausewise.engine.timeline.Timeline` objects (``.days``, ``.spans()``):
        each day is what :meth:`evaluate` gives as of that day; the days are solved together."""
        from clausewise.engine.timeline import timelines

        start = start if isinstance(start, dt.date) else parse_day(start, "--from")
        end = end if isinstance(end, dt.date) else parse_day(end, "--to")
        self.check_in_force(start, end)
        tables = self.load_data(data)
        return list(timelines(self, tables, start, end, params, None if entities is None else list(entities)))

    def check_in_force(self, start: dt.date, end: dt.date | None = None) -> None:
        """An error unless this version is in force on ``start`` (and on ``end``, if given)."""
        for day in (start, end or start):
            if not self.in_force(day):
                h = self.checked.header
                until = f" to {h.effective_to}" if h.effective_to else ""
                raise ClausewiseError.simple(self.checked.source.name,
                                             f"policy {self.name} version {self.version} is not in force on {day}",
                                             f"it is in force from {h.effective_from}{until}")

    def evaluate_chunk(self, chunk: list[str], entity_rows: dict, evaluation: EntityEvaluation,
                       encoder: VerdictEncoder) -> list[RawVerdict | ErrorVerdict]:
        """The raw verdicts of the named entities (rows from ``entity_rows``), in their order; an entity
        that fails alone gets an error verdict (what :meth:`evaluate` does per chunk)."""
        return self._evaluate_chunk(chunk, entity_rows, evaluation, encoder)

    def _evaluate_chunk(self, chunk: list[str], entity_rows: dict, evaluation: EntityEvaluation,
                        encoder: VerdictEncoder, rejected: Mapping[str, Any] | None = None) -> list[RawVerdict | ErrorVerdict]:
        if rejected and any(entity in rejected for entity in chunk):  # in entity order, with the evaluated ones
            done = {v.entity: v for v in self._evaluate_chunk([e for e in chunk if e not in rejected], entity_rows,
                                                               evaluation, encoder)}
            return [done[e] if e in done else rejected_verdict(encoder, e, rejected[e]) for e in chunk]
        table = self.checked.entity_table
        scopes = {entity: Scope(entity_rows[entity], table, entity_rows[entity]) for entity in chunk}
        try:
            results = evaluation.evaluate(scopes)
        except Exception as exc:  # one entity's failure must not stop the others: evaluate them one by one
            if _is_limit(exc):
                raise
            return [self._evaluate_alone(entity, scope, evaluation, encoder) for entity, scope in scopes.items()]
        return [RawVerdict(encoder, entity, answer, measured.leaves, values)
                for entity, (answer, measured, values) in results.items()]

    def _evaluate_alone(self, entity: str, scope: Scope, evaluation: EntityEvaluation,
                        encoder: VerdictEncoder) -> RawVerdict | ErrorVerdict:
        """One entity's verdict, or an error verdict naming what failed (per-entity isolation)."""
        try:
            ((answer, measured, values),) = evaluation.evaluate({entity: scope}).values()
        except Exception as exc:
            if _is_limit(exc):
                raise
            message = f"{type(exc).__name__}: {str(exc)[:300]!r}"
            return ErrorVerdict(encoder, entity, message, _failing_part(self, evaluation, scope))
        return RawVerdict(encoder, entity, answer, measured.leaves, values)


def accounting_of(checked: Checked, tables: Mapping[str, Any], entities_in: int,
                  verdicts_out: int) -> tuple[Accounting, list[RejectedRow]]:
    """The rows of each loaded table (read = used + rejected + not validated) and every rejected
    row with the entity it belonged to, for an evaluation of ``entities_in`` entities."""
    counts = [TableCount(table=n, rows_read=t.rows_read, rows_used=len(t.rows), rows_rejected=len(t.rejected),
                         rows_not_validated=getattr(t, "not_validated", 0)) for n, t in sorted(tables.items())]
    rejected = [RejectedRow(table=n, file=e.file, row=e.row, line=e.line, field=e.field, reason=e.reason,
                            entity=_entity_of(checked, n, e))
                for n, t in sorted(tables.items()) for e in t.rejected]
    accounting = Accounting(tables=counts, rows_read=sum(c.rows_read for c in counts),
                            rows_used=sum(c.rows_used for c in counts), rows_rejected=sum(c.rows_rejected for c in counts),
                            rows_not_validated=sum(c.rows_not_validated for c in counts),
                            entities_in=entities_in, verdicts_out=verdicts_out)
    return accounting, rejected


def shown_params(values: Mapping[str, Any], convention: str) -> dict[str, str]:
    """The parameters an evaluation used, as its record shows them (the day-count convention too)."""
    shown = {k: _show(v) for k, v in sorted(values.items())}
    shown["period_day_count_convention"] = convention
    return shown


def _entity_of(checked: Checked, table: str, error: Any) -> str | None:
    """The entity a rejected row belonged to: the key of an entity row, or the field of another
    table's row that refers to the entity table (None when it could not be read)."""
    entity_table = checked.entity_table
    schema = checked.tables[table]
    if table == entity_table:
        fields = set(schema.key[:1])
    else:
        fields = {f.name for f in schema.fields if f.references and f.references[0] == entity_table}
    return next((text for name, text in getattr(error, "links", ()) if name in fields), None)


def rejected_verdict(encoder: VerdictEncoder, entity: str, error: Any) -> ErrorVerdict:
    """The verdict of an entity whose own row was rejected: nothing decided, the rejection named."""
    where = f"{error.file}:{error.line}: row {error.row}" + (f", field {error.field!r}" if error.field else "")
    return ErrorVerdict(encoder, entity, f"its {encoder.plan.checked.entity_table} row was rejected: {error.reason}",
                        f"rejected row {where}")


def _is_limit(exc: Exception) -> bool:
    """A memory limit reached (Python's or clingo's): the run stops with the limit, not an entity error."""
    return isinstance(exc, MemoryError) or isinstance(exc, RuntimeError) and "bad_alloc" in str(exc)


def _failing_part(policy: Policy, evaluation: EntityEvaluation, scope: Scope) -> str:
    """The first condition or outcome value whose evaluation raises for this entity, as its id and text."""
    for leaf in policy.plan.leaves():
        try:
            evaluation.leaf_eval.evaluate(leaf.cond, scope)
        except Exception:
            return f"while evaluating condition {leaf.id}: {policy.source_text(leaf.cond)}"
    for d in policy.plan.decides:
        for i, clause in enumerate(d.decl.clauses, 1):
            try:
                value_of(evaluation.ev, clause.value, scope)
            except Exception:
                return f"while evaluating outcome {d.field}, clause {i}: {policy.source_text(clause.value)}"
    return "while deciding the entity's outcomes from its figures"


@contextmanager
def no_cyclic_gc():
    """Pause Python's cycle collector (reference counting still frees memory) and restore it: each
    collection scans every loaded row (a one-day audit, a chunk of a range's entities:
    :mod:`clausewise.engine.timeline`). A one-day evaluation makes no reference cycles; a range's
    day evaluations and its rules' histories do (they refer to one another), and are collected
    when the collector runs again after the chunk."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _show(value: Any) -> str:
    from clausewise.report.explain import value_text

    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {value_text(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    return value_text(value)


def parse_day(text: str, option: str = "--as-of") -> dt.date:
    """A day written YYYY-MM-DD (Python would also read 20240315 and 2024-W11-5); ``option``
    names where it was given, for the error."""
    try:
        if not (len(text) == 10 and text.isascii() and text[4] == text[7] == "-"):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ClausewiseError.simple(option, f"not a date: {text!r}", "write YYYY-MM-DD, e.g. 2024-02-29") from None


def compile_policy_text(text: str, filename: str = "<policy>") -> Policy:
    tree = parse_text(text, filename)
    from clausewise.language.diagnostics import SourceFile

    return _compiled(check(tree, SourceFile(filename, text)), text)


def load_policy(path: str | Path) -> Policy:
    """Parse, check and compile a policy file; raise ClausewiseError for mistakes in it."""
    tree, source = parse_file(path)
    return _compiled(check(tree, source), source.text)


def compile_checked(checked: Checked) -> Policy:
    """The compiled policy of a checked one (its text is the checked source's)."""
    return _compiled(checked, checked.source.text)


def _compiled(checked: Checked, text: str) -> Policy:
    """Plan a checked policy, lower its leaves to figures, and compile its program."""
    logic = plan(checked)
    figures = FigureProgram(logic, figure_plan(checked, [(leaf.id, leaf.cond) for leaf in logic.leaves()],
                                               lambda node: source_text(text, node)))
    return Policy(checked, logic, compile_plan(logic, figures), text, figures)


@dataclass
class PolicyVersions:
    """Several versions of one policy; an evaluation uses the version in force on its as-of day."""

    versions: list[Policy]

    @property
    def name(self) -> str:
        return self.versions[0].name

    def in_force_on(self, day: dt.date | str) -> Policy:
        day = day if isinstance(day, dt.date) else parse_day(day)
        for policy in self.versions:
            if policy.in_force(day):
                return policy
        spans = "; ".join(f"{p.version}: {_span(p)}" for p in self.versions)
        raise ClausewiseError.simple(self.versions[0].checked.source.name,
                                     f"no version of policy {self.name} is in force on {day}", f"versions: {spans}")

    def evaluate(self, data: DataSource, as_of: dt.date | str, params: Mapping[str, Any] | None = None,
                 entities: Iterable[str] | None = None, progress: Callable[[int, int], None] | None = None,
                 **limits: Any) -> Evaluation:
        """Evaluate with the version in force on ``as_of`` (same options as :meth:`Policy.evaluate`)."""
        return self.in_force_on(as_of).evaluate(data, as_of, params, entities, progress, **limits)


def _span(policy: Policy) -> str:
    h = policy.checked.header
    return f"{h.effective_from or 'always'} to {h.effective_to or 'open end'}"


def load_versions(paths: Sequence[str | Path]) -> PolicyVersions:
    """Load policy files (or every ``*.policy`` of a directory) that are versions of one policy.

    Two versions in force on the same day are an error: the as-of date must pick one.
    """
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        files += sorted(path.glob("*.policy")) if path.is_dir() else [path]
    if not files:
        raise ClausewiseError.simple(str(paths[0]) if paths else "<policy>", "no .policy files here")
    loaded = [load_policy(f) for f in files]
    names = sorted({p.name for p in loaded})
    if len(names) > 1:
        raise ClausewiseError.simple(str(paths[0]), f"these files hold different policies: {', '.join(names)}",
                                     "give the versions of one policy (files with the same policy id)")
    unstated = [p for p in loaded if p.checked.header.effective_not_stated]
    if unstated and len(loaded) > 1:
        raise ClausewiseError.simple(
            unstated[0].checked.source.name,
            f"version {unstated[0].version} of policy {unstated[0].name} states no effective date, so it is in force on "
            "every day and the as-of date cannot choose between it and another version",
            "give each version its dates ('effective from YYYY-MM-DD to YYYY-MM-DD'), or load this version alone")
    loaded.sort(key=lambda p: (p.checked.header.effective_from or dt.date.min, p.version))
    for earlier, later in zip(loaded, loaded[1:]):
        end = earlier.checked.header.effective_to
        start = later.checked.header.effective_from or dt.date.min
        if end is None or end >= start:
            raise ClausewiseError.simple(
                later.checked.source.name,
                f"versions {earlier.version} and {later.version} of policy {later.name} are both in force on {start}",
                f"end the earlier one with 'effective from {earlier.checked.header.effective_from} to "
                f"{start - dt.timedelta(days=1)}'" if start != dt.date.min else None)
    return PolicyVersions(loaded)
