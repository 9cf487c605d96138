"""Realized witnesses: rows checked by the ordinary evaluation, values the rows cannot combine,
and the rows written as a data directory that ``clausewise explain`` reads.

:mod:`clausewise.analysis.synth` builds rows for a witness; this module decides what they show
(:func:`evaluate_rows`, through :meth:`Policy.evaluate`), learns which figure values no rows
give together (:class:`Conflicts`, for the search's nogoods) and writes realized witnesses
(:class:`WitnessData`, :func:`write_witnesses`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Mapping

from clausewise.engine.policy import Policy
from clausewise.language.diagnostics import ClausewiseError
from clausewise.analysis.figures import SpaceBuilder
from clausewise.language.sorts import CONVENTION
from clausewise.analysis.drafts import Memo, Realization, same
from clausewise.analysis.synth import realize

#: at most this many figures sharing rows are tried against a conflicting one, and this many of their values
MAX_PAIRS = 6
MAX_VALUES = 8
#: at most this many small realizations per verify or diff run to find conflicting values
MAX_TRIALS = 300
#: where errors about the witness-data directory point
WHERE = "--witness-data"


class Conflicts:
    """Which figure values the rows cannot give together, learned from small realizations (one
    figure, or two that read the same rows) and cached for a whole verify or diff run.

    After a witness no rows realize, :meth:`exclusions` says what to rule out (see
    :class:`clausewise.asp.search.Retry`): a value no rows give at all; each value of a figure
    sharing its rows that the rows cannot combine with it (``B points = 3`` with ``B violations
    = 0``, and the same for every other count); failing both, the combination of the figure
    with all the figures sharing its rows. And for the next tries of the same claim only (each
    claim's :class:`clausewise.asp.search.Retry`): each value of the claim's figures that the rows
    did not give and that changed a condition's status (``le (best month) = missing`` where the
    other figures' rows make it 0), so that the search moves away from it even when no small
    realization shows why."""

    def __init__(self, policies: Policy | list[Policy], space: SpaceBuilder, as_of: dt.date, params: Mapping[str, Any]):
        self.policies, self.space, self.as_of, self.params = policies, space, as_of, params
        self.cache: dict[tuple, bool] = {}
        self.rows: dict[tuple, Realization] = {}
        self.checks: dict[tuple[int, int], RowCheck] = {}
        self.memo = Memo()  # what every realization of the run shares (parameters, syntax facts)

    def realize(self, witness: Mapping[str, Any]) -> Realization:
        """Rows for a whole witness (remembered: two findings often share one)."""
        key = _key(witness)
        if key not in self.rows:
            self.rows[key] = realize(self.policies, self.space, witness, self.as_of, self.params, self.memo)
        return self.rows[key]

    def check(self, policy: Policy, r: Realization) -> RowCheck:
        """:func:`evaluate_rows`, remembered per realization and version."""
        key = (id(r), id(policy))  # id(): a realization and a policy, alive as long as this cache
        if key not in self.checks:
            self.checks[key] = evaluate_rows(policy, r)
        return self.checks[key]

    def possible(self, values: Mapping[str, Any]) -> bool:
        """Whether rows give all these figure values at once (as far as the synthesizer finds)."""
        key = _key(values)
        if key not in self.cache and len(self.cache) >= MAX_TRIALS:
            return True  # out of budget: not known to conflict
        if key not in self.cache:
            self.cache[key] = not realize(self.policies, self.space, values, self.as_of, self.params, self.memo).unmet
        return self.cache[key]

    def exclusions(self, witness: Mapping[str, Any], r: Realization, used: set[str], keys: list[str],
                   misled: Collection[str] = ()) -> tuple[list[dict[str, int]], list[str], list[dict[str, int]]]:
        """Nogoods as {figure: candidate index} groups, the figures of the whole claim, and the
        values of the claim's figures that misled the search (``misled``: figures of a leaf whose
        status on the rows is not the search's), for this claim only and on any day (on another
        day the search would keep the value): those the rows did not give, or all of them when
        the rows gave every value."""
        # the day and, with 'for each', the verdict's value: every trial is made in their context
        dimensions = {p.checked.dimension for p in ([self.policies] if isinstance(self.policies, Policy) else self.policies)}
        day = {k: witness[k] for k in sorted(witness) if k == "as_of" or k in dimensions}
        groups: list[dict[str, Any]] = []
        for k in r.unmet:
            if k not in used and k != "as_of":
                continue
            mine = {**day, k: witness[k]}
            if k == "as_of" or not self.possible(mine):
                groups.append(mine)
                continue
            sharing = r.sharing.get(k, [])
            clash = [o for o in sharing[:MAX_PAIRS] if not self.possible({**mine, o: witness[o]})]
            for other in clash:  # each value of the clashing figure the rows cannot combine with this one
                for value in self.space.figures[other].candidates[:MAX_VALUES]:
                    if same(value, witness[other]) or not self.possible({**mine, other: value}):
                        groups.append({**mine, other: value})
            if not clash:
                groups.append({**mine, **{o: witness[o] for o in sharing}})
        whole = sorted(used | ({"as_of"} & set(keys))) if used else list(keys)
        wrong = [k for k in sorted(misled) if k in used and k not in day]
        missed = [{k: witness[k]} for k in ([k for k in wrong if k in r.unmet] if r.unmet else wrong)]
        return [self.indexes(g) for g in groups], whole, [self.indexes(g) for g in missed]

    def indexes(self, group: Mapping[str, Any]) -> dict[str, int]:
        out = {}
        for k, value in group.items():
            candidates = self.space.figures[k].candidates
            out[k] = next(i for i, c in enumerate(candidates) if same(c, value) and type(c) is type(value))
        return out


def misled(space: SpaceBuilder, subject: Any, searched: Mapping[str, str], evaluated: Any) -> set[str]:
    """The figures of each leaf whose status on the rows (``evaluated``, a subjects.Evaluated) is
    not the one the search's answer gave it (``searched``: node id -> status)."""
    status = evaluated.answer.status if evaluated is not None else {}
    return {k for leaf, keys in space.leaf_figures[id(subject)].items() if searched.get(leaf) != status.get(leaf)
            for k in keys}


def _key(values: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in values.items()))


@dataclass
class RowCheck:
    """What the ordinary evaluation makes of synthesized rows."""

    evaluated: Any  # subjects.Evaluated: statuses of every node and the chosen clauses
    verdict: Any  # models.Verdict from Policy.evaluate
    problem: str | None = None  # rows the validation rejected


def evaluate_rows(policy: Policy, r: Realization) -> RowCheck:
    """Evaluate the rows through :meth:`Policy.evaluate` (validated as real data) and, for the
    statuses a verdict does not show (clause conditions), the same evaluation of the entity
    (:func:`clausewise.analysis.subjects.evaluate_entity`)."""
    from clausewise.analysis.subjects import evaluate_entity, subject_from_data

    c = policy.checked  # the rows and parameters as text, exactly as --witness-data writes them
    params = {k: v for k, v in r.text_params().items() if k in c.params or k == CONVENTION}
    tables = {t: rows for t, rows in r.text_tables().items() if t in c.tables}
    try:
        result = policy.evaluate(tables, as_of=r.as_of, params=params, entities=[r.entity])
    except ClausewiseError as exc:
        return RowCheck(None, None, exc.diagnostics[0].message)
    problem = None
    if result.rejected:
        bad = result.rejected[0]
        problem = f"{bad.table} row {bad.row}: {bad.reason}"
    verdict = result.verdict(r.entity) if any(v.entity == r.entity for v in result.verdicts) else None
    subject = subject_from_data(policy, tables, r.entity, r.as_of, params)
    return RowCheck(evaluate_entity(subject), verdict, problem if verdict is not None else problem or "no verdict")


@dataclass
class WitnessData:
    """A realized witness as a user can reproduce it: rows as text, the day, the parameters."""

    entity: str
    as_of: dt.date
    params: dict[str, Any]
    tables: dict[str, list[dict[str, str]]]
    columns: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, r: Realization) -> "WitnessData":
        return cls(r.entity, r.as_of, r.text_params(), r.text_tables(), r.columns)

    def summary(self) -> str:
        counts = ", ".join(f"{t} {len(rows)}" for t, rows in self.tables.items() if rows)
        return f"rows: {counts} (entity {self.entity}, as of {self.as_of})"

    def to_json(self) -> dict[str, Any]:
        return {"entity": self.entity, "as_of": str(self.as_of), "params": self.params, "tables": self.tables}

    def param_files(self, versions: Mapping[str, Policy]) -> dict[str, str]:
        """Per version (tag), the parameters file it reads: ``params.json``, or ``params-TAG.json``
        when two versions declare different parameters (an unknown parameter is an error)."""
        mine = {tag: self.params_of(p) for tag, p in versions.items()}
        if len({json.dumps(m, sort_keys=True) for m in mine.values()}) <= 1:
            return {tag: "params.json" for tag in versions}
        return {tag: f"params-{tag}.json" for tag in versions}

    def params_of(self, policy: Policy) -> dict[str, Any]:
        return {k: v for k, v in self.params.items() if k in policy.checked.params or k == CONVENTION}

    def write(self, directory: str | Path, versions: Mapping[str, Policy] | None = None) -> Path:
        """One CSV file per table and the parameters (see :meth:`param_files`), for
        ``explain POLICY --data DIR --entity ENTITY --as-of DAY --params DIR/params.json``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for table, rows in self.tables.items():
            with open(out / f"{table}.csv", "w", newline="", encoding="utf-8") as handle:
                names = self.columns.get(table) or (list(rows[0]) if rows else [])
                writer = csv.DictWriter(handle, fieldnames=names, lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
        files = self.param_files(versions) if versions else {"": "params.json"}
        for tag, name in files.items():
            params = self.params_of(versions[tag]) if versions else self.params
            (out / name).write_text(json.dumps(params, indent=2, ensure_ascii=False) + "\n", "utf-8")
        return out

    def explain(self, policy_path: str, directory: str, params_file: str = "params.json") -> str:
        """The command that shows the claim on the written rows."""
        return " ".join(["clausewise explain", shlex.quote(policy_path), "--data", shlex.quote(directory), "--entity",
                         shlex.quote(self.entity), "--as-of", str(self.as_of), "--params",
                         shlex.quote(str(Path(directory) / params_file))])


def write_witnesses(items: Mapping[int, WitnessData], directory: str | Path, versions: Mapping[str, Policy],
                    paths: Mapping[str, str]) -> dict[int, list[str]]:
    """Each realized witness's rows in ``DIRECTORY/<n>/`` (n: its number in the text output).
    Returns per number the commands that show its claim (one per version). DIRECTORY must be
    new or empty: nothing a user has there is overwritten."""
    root = check_directory(directory)
    try:
        root.mkdir(parents=True, exist_ok=True)
        out: dict[int, list[str]] = {}
        for n, data in sorted(items.items()):
            sub = root / str(n)
            data.write(sub, versions)
            files = data.param_files(versions)
            out[n] = [data.explain(paths[tag], str(sub), files[tag]) for tag in versions]
        return out
    except OSError as exc:
        raise ClausewiseError.simple(WHERE, f"cannot write witness data to {root}: {exc.strerror or exc}") from None


def check_directory(directory: str | Path) -> Path:
    """A directory witness data may go to: new, or empty (checked before a long search)."""
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise ClausewiseError.simple(WHERE, f"{root} is a file, not a directory", "give a new or empty directory")
    try:
        if root.is_dir() and any(root.iterdir()):
            raise ClausewiseError.simple(WHERE, f"directory {root} is not empty",
                                         "give a new or empty directory (witness data are never written over files)")
    except OSError as exc:
        raise ClausewiseError.simple(WHERE, f"cannot read directory {root}: {exc.strerror or exc}") from None
    return root
