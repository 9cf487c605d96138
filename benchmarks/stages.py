"""Where the CPU time of ``Policy.evaluate`` goes, stage by stage, in one process (no profiler overhead).

    python -m benchmarks.stages DATA_DIR [--policy benchmarks/silver_figures.policy] [--as-of 2024-04-01]

It times the steps of :class:`clausewise.engine.evaluation.EntityEvaluation` one by one: load and validate
the rows, measure the leaf conditions, solve, the outcome values, then what ``clausewise audit``
writes: the explained verdicts as JSON text (the tree), or the records in columns
(:mod:`clausewise.report.columns`), and the summary's counts. Times are CPU seconds of this
process (``time.process_time``), so that other work on a shared machine does not count.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from pathlib import Path

import clausewise
from clausewise.engine.evaluation import EntityEvaluation
from clausewise.evaluate import computed
from clausewise.evaluate.leaves import LeafEvaluator
from clausewise.evaluate.measure import Data, Evaluator, Scope
from clausewise.evaluate.params import resolve_params
from clausewise.report.columns import VerdictColumns
from clausewise.report.encode import RawVerdict, VerdictEncoder
from clausewise.report.records import Tally

HERE = Path(__file__).resolve().parent


def stages(policy_path: Path, data: Path, as_of: str, chunk: int = 2000) -> dict[str, float]:
    import datetime as dt

    policy = clausewise.load_policy(policy_path)
    day = dt.date.fromisoformat(as_of)
    params_file = data / "params.json"
    params = json.loads(params_file.read_text(encoding="utf-8")) if params_file.exists() else {}
    times = dict.fromkeys(("load and validate", "measure leaves", "solve", "outcome values", "verdict JSON (tree)",
                           "records in columns", "summary counts"), 0.0)
    layout = VerdictColumns(policy.plan, [d.field for d in policy.plan.decides])
    gc.disable()
    t = time.process_time()
    tables = policy.load_data(data)
    times["load and validate"] = time.process_time() - t
    values, convention = resolve_params(policy.checked, params, day)
    rows = {name: table.rows for name, table in tables.items()}
    ev = Evaluator(policy.checked, Data(rows), values, day, convention)
    leaf_eval = LeafEvaluator(ev)
    encoder = VerdictEncoder(policy.plan, day, policy.source_text)
    entity_rows = computed.entity_rows(policy.checked, rows[policy.checked.entity_table])
    wanted = sorted(entity_rows)
    evaluation = EntityEvaluation(policy.plan, policy.program, policy.figures, ev, policy.source_text, leaf_eval)
    table = policy.checked.entity_table
    for start in range(0, len(wanted), chunk):
        part = wanted[start:start + chunk]
        t = time.process_time()
        measured = {entity: evaluation.measure(Scope(entity_rows[entity], table, entity_rows[entity])) for entity in part}
        times["measure leaves"] += time.process_time() - t
        t = time.process_time()
        answers = evaluation.solve(measured)
        times["solve"] += time.process_time() - t
        t = time.process_time()
        raw = [RawVerdict(encoder, e, answers[e], m.leaves, evaluation.outcomes(answers[e], m)) for e, m in measured.items()]
        times["outcome values"] += time.process_time() - t
        t = time.process_time()
        "".join(r.json() + "\n" for r in raw)
        times["verdict JSON (tree)"] += time.process_time() - t
        t = time.process_time()
        layout.rows(raw)
        times["records in columns"] += time.process_time() - t
        t = time.process_time()
        Tally.of(raw)
        times["summary counts"] += time.process_time() - t
    gc.enable()
    times["entities"] = len(wanted)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--policy", type=Path, default=HERE / "silver_figures.policy")
    parser.add_argument("--as-of", default="2024-04-01")
    args = parser.parse_args()
    times = stages(args.policy, args.data, args.as_of)
    n = times.pop("entities")
    for stage, seconds in times.items():
        print(f"{stage:22} {seconds:8.2f} s {seconds / n * 1e6:8.1f} µs/entity")
    evaluation = sum(v for k, v in times.items() if k in ("load and validate", "measure leaves", "solve", "outcome values"))
    for form, writing in (("tree", "verdict JSON (tree)"), ("columns", "records in columns")):
        total = evaluation + times[writing] + times["summary counts"]
        print(f"{'total, ' + form:22} {total:8.2f} s {total / n * 1e6:8.1f} µs/entity")


if __name__ == "__main__":
    main()
