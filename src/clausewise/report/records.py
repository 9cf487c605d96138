"""Audit outputs: verdict files (JSON Lines, CSV, Parquet), written chunk by chunk as the
workers finish them, the summary's counts, and the decision record of a run.

The decision record names everything a later reader needs to reproduce and check an audit:
the policy's id, version and content hash, the hash of every data file, the parameters,
the as-of date and the engine versions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Protocol

from clausewise.asp.solve import engine_version
from clausewise.data.files import file_sha256
from clausewise.language.check import Checked
from clausewise.report.columns import VerdictColumns, outcome_cell
from clausewise.report.encode import RawVerdict
from clausewise.report.failed import ErrorVerdict
from clausewise.report.explain import outcome_json
from clausewise.report.models import Evaluation
from clausewise.version import __version__


def _compliant_cell(compliant: bool | None) -> str:
    return "" if compliant is None else str(compliant).lower()


def flat_columns(fields: list[str]) -> list[str]:
    """The columns of a timeline's flat day records (:mod:`clausewise.report.timeline`): ``figures``
    holds ``id=observed`` for each comparison that applied; ``failing_conditions`` see
    :func:`reported_failing`. An audit's CSV and Parquet files hold :mod:`clausewise.report.columns`."""
    return ["entity", "as_of", "compliant", *fields, "figures", "failing_conditions", "missing_data"]


def reported_failing(plan, status: Mapping[str, str], compliant: bool | None, failing: list[str]) -> list[str]:
    """The failing conditions a flat record lists. When the policy says what compliant means, only
    those whose failure decided a non-compliant verdict (:func:`deciding_conditions`): none for a
    compliant or undetermined entity, never the good side of a rule (``compliant when not revoked``)
    or a fallback branch. Without ``compliant when``, every failing condition that applied."""
    if plan.compliant is None:
        return failing
    if compliant is not False:
        return []
    deciding = deciding_conditions(plan, status, plan.compliant)
    return [node_id for node_id in failing if deciding.get(node_id) == "fail"]


def _figures_cell(figures: list[tuple[str, str]]) -> str:
    return ";".join(f"{node_id}={value}" for node_id, value in figures)


def flat_raw(raw: RawVerdict, fields: list[str]) -> list[str]:
    """One verdict as a flat record (the model is never built): the cells of :func:`flat_columns`."""
    failing = raw.reported_failing() if not isinstance(raw, ErrorVerdict) else []
    return [raw.entity, str(raw.encoder.as_of), _compliant_cell(raw.compliant),
            *(outcome_cell(raw.decided(f), raw.outcome(f)) for f in fields),
            _figures_cell(raw.key_figures()), ";".join(failing), ";".join(raw.missing_data())]


def write_verdicts(result: Evaluation, path: Path) -> None:
    """Write an evaluation's verdicts (models) as JSON Lines; CSV and Parquet are written from the
    evaluation's raw verdicts (:class:`VerdictSink`, as ``clausewise audit`` does), which know
    the statuses behind compliance."""
    if path.suffix != ".jsonl":
        raise ValueError(f"write_verdicts writes .jsonl, not {path.suffix}: use VerdictSink for CSV and Parquet")
    with VerdictSink(path, [], form="tree") as sink:
        sink.write("".join(v.model_dump_json() + "\n" for v in result.verdicts).encode("utf-8"))


def csv_bytes(records: list[list[str]]) -> bytes:
    """CSV lines (``\\r\\n``, as the csv module writes by default) as UTF-8."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(records)
    return text.getvalue().encode("utf-8")


#: the forms of an audit's verdict file: an explanation tree per entity (JSON Lines only), or
#: :mod:`clausewise.report.columns`
FORMS = ("tree", "columns")


def default_form(kind: str) -> str:
    """The form an audit writes when ``--verdicts`` is not given: the tree in JSON Lines (the form
    ``clausewise report`` and ``--compare`` read), columns in CSV and Parquet."""
    return "tree" if kind == ".jsonl" else "columns"


#: the rows of a Parquet row group: a fixed number, so that the file does not depend on how the
#: entities were split into chunks (the number of workers)
ROW_GROUP = 100_000


class VerdictSink:
    """A verdict file written chunk by chunk: JSON Lines, CSV or Parquet (row groups of
    :data:`ROW_GROUP` records), in the tree form (JSON Lines) or in columns
    (:mod:`clausewise.report.columns`).

    :meth:`render` runs in the worker that evaluated a chunk and gives what :meth:`write`
    appends in the parent: the chunk's JSON Lines or CSV as UTF-8 bytes (so the parent only
    copies them to the file), or for Parquet the chunk's records as an Arrow table.
    """

    def __init__(self, path: Path, fields: list[str], kind: str | None = None, form: str | None = None,
                 plan: Any = None):
        """``kind`` (``.jsonl``, ``.csv``, ``.parquet``): the format, when ``path``'s suffix is not it;
        ``form``: ``tree`` or ``columns`` (default: :func:`default_form`); the columns need the ``plan``."""
        self.path, self.fields = path, fields
        self.kind = kind or path.suffix
        self.form = form or default_form(self.kind)
        if self.form not in FORMS or (self.form == "tree" and self.kind != ".jsonl"):
            raise ValueError(f"no {self.form} form of {self.kind} verdict files (the tree is written as .jsonl)")
        self.layout = VerdictColumns(plan, fields) if self.form == "columns" else None
        path.parent.mkdir(parents=True, exist_ok=True)
        self._parquet = None
        self._file = None
        self._pending: list[Any] = []  # Parquet: chunks (Arrow tables) not yet in a row group
        self._pending_rows = 0
        if self.kind == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            assert self.layout is not None
            self._schema = pa.schema([(c, pa.string()) for c in self.layout.columns])
            self._parquet = pq.ParquetWriter(path, self._schema)
        else:
            self._file = path.open("wb")
            if self.kind == ".csv":
                assert self.layout is not None
                self._file.write(csv_bytes([self.layout.columns]))

    def render(self, raws: list[RawVerdict]) -> Any:
        if self.layout is None:
            return "".join([r.json() + "\n" for r in raws]).encode("utf-8")
        records = self.layout.rows(raws)
        if self.kind == ".parquet":  # an Arrow table, made here in the worker: the parent only gathers them
            import pyarrow as pa

            columns = [list(c) for c in zip(*records)] if records else [[] for _ in self.layout.columns]
            schema = pa.schema([(c, pa.string()) for c in self.layout.columns])
            return pa.table(dict(zip(self.layout.columns, columns)), schema=schema)
        return csv_bytes(records) if self.kind == ".csv" else self.layout.json_lines(records)

    def write(self, payload: Any) -> None:
        """Append what :meth:`render` gave: bytes, or for Parquet an Arrow table."""
        if self._parquet is None:
            assert self._file is not None and isinstance(payload, bytes)  # JSON Lines and CSV render bytes
            self._file.write(payload)
        elif payload.num_rows:
            self._pending.append(payload)
            self._pending_rows += payload.num_rows
            if self._pending_rows >= ROW_GROUP:
                self._row_groups(whole=True)

    def _row_groups(self, whole: bool) -> None:
        """Write the pending records in row groups of :data:`ROW_GROUP` (with ``whole``, keep a
        last part smaller than that for later)."""
        import pyarrow as pa

        assert self._parquet is not None
        table = pa.concat_tables(self._pending)
        end = table.num_rows - table.num_rows % ROW_GROUP if whole else table.num_rows
        for start in range(0, end, ROW_GROUP):
            self._parquet.write_table(table.slice(start, min(ROW_GROUP, end - start)).combine_chunks())
        self._pending = [table.slice(end)] if end < table.num_rows else []
        self._pending_rows = table.num_rows - end

    def __enter__(self) -> "VerdictSink":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._parquet is not None:
            if self._pending and exc[0] is None:
                self._row_groups(whole=False)
            self._parquet.close()
        elif self._file is not None:
            self._file.close()


def deciding_conditions(plan, status: Mapping[str, str], node_id: str | None) -> dict[str, str]:
    """The conditions whose status decided ``node_id``'s (the compliance node of a verdict that is
    not compliant): node id -> "fail" or "pass". Followed from the node down through the members
    that give a group its status (the failing members of a failing 'all of'; every member of a
    failing 'any of'; the operand of 'not', which decided by passing; the consequence of an
    'if'; the rule a reference names), so a rule whose failure is the good outcome
    (``compliant when not revoked``) is never counted as a reason."""
    found: dict[str, str] = {}
    if node_id is None:
        return found
    flip = {"fail": "pass", "pass": "fail"}

    def walk(nid: str, want: str) -> None:
        if status.get(nid, "unknown") != want:
            return
        node = plan.nodes[nid]
        kind = node.kind
        if kind == "leaf":
            found.setdefault(nid, want)
        elif kind == "ref" and node.target is not None:
            walk(node.target, want)
        elif kind in ("all", "any", "at_least"):
            for child in node.children:
                walk(child, want)
        elif kind in ("not", "none"):
            for child in node.children:
                walk(child, flip[want])
        elif kind == "if" and len(node.children) == 2:
            walk(node.children[1], want)

    walk(node_id, "fail")
    return found


#: how many entities that could not be evaluated the summary names
ERROR_EXAMPLES = 20


@dataclass
class Tally:
    """What an audit's summary reports, counted per chunk (in the workers) and added up."""

    compliance: Counter = field(default_factory=Counter)  # compliant | not compliant | undetermined
    outcomes: dict[str, Counter] = field(default_factory=dict)  # field -> shown value -> verdicts
    failing: Counter = field(default_factory=Counter)  # "id [cites]" -> verdicts where it failed
    #: "id [cites]" -> not-compliant verdicts whose non-compliance its failure decided
    #: (see :func:`deciding_conditions`)
    deciding: Counter = field(default_factory=Counter)
    #: failing conditions that did not decide a non-compliance (the good side of a rule, a fallback)
    other_failing: Counter = field(default_factory=Counter)
    flagged: int = 0  # verdicts not compliant or undetermined: the audit exits 1
    #: entities that could not be evaluated (:mod:`clausewise.report.failed`): the audit exits 3
    errors: int = 0
    #: the first few of them: (entity, message and cause)
    error_examples: list[tuple[str, str]] = field(default_factory=list)
    _labels: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, raws: list[RawVerdict]) -> "Tally":
        """The counts of a chunk of verdicts: what depends on the answer alone is counted once per
        answer (entities of one status pattern share the answer object) and multiplied."""
        tally = cls()
        shares: dict[int, list] = {}  # id(answer) -> [the answer, its share of the counts, entities]
        for raw in raws:
            if isinstance(raw, ErrorVerdict):
                tally.count(raw)
                continue
            share = shares.get(id(raw.answer))
            if share is None:
                share = shares[id(raw.answer)] = [raw.answer, tally._share(raw), 0]
            share[2] += 1
            tally._count_outcomes(raw)
        for _, share, n in shares.values():
            tally._add_share(share, n)
        return tally

    def count(self, raw: RawVerdict) -> None:
        plan = raw.encoder.plan
        if isinstance(raw, ErrorVerdict):
            self.compliance["error"] += 1
            for d in plan.decides:
                self.outcomes.setdefault(d.field, Counter())["undecided"] += 1
            self.errors += 1
            if len(self.error_examples) < ERROR_EXAMPLES:
                self.error_examples.append((raw.entity, f"{raw.message} ({raw.cause})"))
            return
        self.count_alike(raw, 1)

    def count_alike(self, raw: RawVerdict, n: int) -> None:
        """Count ``n`` verdicts with ``raw``'s answer and outcome values (an audit that evaluated one
        entity for each status pattern, :mod:`clausewise.engine.columnaraudit`)."""
        self._count_outcomes(raw, n)
        self._add_share(self._share(raw), n)

    def _count_outcomes(self, raw: RawVerdict, n: int = 1) -> None:
        chosen, undecided_fields, outcomes = raw.answer.chosen, raw.answer.undecided, self.outcomes
        for d in raw.encoder.plan.decides:
            name = d.field
            if chosen.get(name) is not None and name not in undecided_fields:
                shown = shown_value(outcome_json(raw.values.get(name)))
            else:
                shown = "undecided"
            counts = outcomes.get(name)
            if counts is None:
                counts = outcomes[name] = Counter()
            counts[shown] += n

    def _share(self, raw: RawVerdict) -> tuple[str, list[str], list[str], list[str], bool]:
        """What a verdict adds to the counts that its answer alone decides: its compliance, the
        labels of the conditions that decided a non-compliance, of the failing ones, of the failing
        ones that decided none, and whether it is flagged."""
        plan = raw.encoder.plan
        compliant = raw.compliant
        undecided = any(raw.answer.chosen.get(d.field) is None or d.field in raw.answer.undecided for d in plan.decides)
        deciding = deciding_conditions(plan, raw.answer.status, plan.compliant) if compliant is False else {}
        failing = raw.failing_conditions()
        return ("compliant" if compliant else "not compliant" if compliant is False else "undetermined",
                [self._label(plan, n) for n, want in deciding.items() if want == "fail"],
                [self._label(plan, n) for n in failing],
                [self._label(plan, n) for n in failing if deciding.get(n) != "fail"],
                compliant is False or (compliant is None and (undecided or bool(plan.compliant))))

    def _add_share(self, share: tuple[str, list[str], list[str], list[str], bool], n: int) -> None:
        compliance, deciding, failing, other, flagged = share
        self.compliance[compliance] += n
        for counter, labels in ((self.deciding, deciding), (self.failing, failing), (self.other_failing, other)):
            for label in labels:
                counter[label] += n
        self.flagged += n if flagged else 0

    def _label(self, plan, node_id: str) -> str:
        label = self._labels.get(node_id)
        if label is None:
            label = self._labels[node_id] = f"{node_id} [{', '.join(plan.nodes[node_id].cites)}]"
        return label

    def add(self, other: "Tally") -> None:
        self.compliance.update(other.compliance)
        for name, counts in other.outcomes.items():
            self.outcomes.setdefault(name, Counter()).update(counts)
        self.failing.update(other.failing)
        self.deciding.update(other.deciding)
        self.other_failing.update(other.other_failing)
        self.flagged += other.flagged
        self.errors += other.errors
        self.error_examples += other.error_examples[:max(0, ERROR_EXAMPLES - len(self.error_examples))]


class PolicyIdentity(Protocol):
    """What a decision record says of the policy (:class:`clausewise.engine.policy.Policy` has it)."""

    checked: Checked

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def content_hash(self) -> str: ...


def shown_value(value: Any) -> str:
    """An outcome value in the audit summary: ``{a, b}``, ``none``, ``true``."""
    if isinstance(value, list):
        return "{" + ", ".join(value) + "}"
    return "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def decision_record(policy: PolicyIdentity, result: Evaluation, data_paths: list[Path], out: Path,
                    figures: str = "python") -> dict[str, Any]:
    """What an audit read, with what, and what it wrote (``FILE.record.json``). ``figures``: what
    measured the figures (:func:`clausewise.engine.engines.engine_label`)."""
    files = []
    for p in data_paths:
        for f in sorted(p.iterdir()) if p.is_dir() else [p]:
            if f.is_file() and f.suffix in (".csv", ".jsonl", ".ndjson", ".parquet") and f.stem in policy.checked.tables:
                files.append({"table": f.stem, "path": str(f), "sha256": file_sha256(f)})
    return {
        "policy": {"id": policy.name, "version": policy.version, "file": policy.checked.source.name,
                   "effective": policy.checked.header.effective_text(), "sha256": policy.content_hash},
        "as_of": str(result.as_of),
        "parameters": result.params,
        "data": files,
        "engine": {"clausewise": __version__, "clingo": engine_version(), "figures": figures},
        "accounting": result.accounting.model_dump(),
        "rejected_rows": [r.model_dump() for r in result.rejected],  # each with the entity it belonged to
        "verdicts": {"path": str(out), "sha256": file_sha256(out)},
        "generated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
    }
