"""Where the time of ``Policy.evaluate`` goes, stage by stage, in one process (no profiler overhead).

    python -m benchmarks.stages DATA_DIR [--policy benchmarks/silver_figures.policy] [--as-of 2024-04-01]

It times the steps of :class:`clausewise.engine.evaluation.EntityEvaluation` one by one: load and validate
the rows, measure the leaf conditions, solve, the outcome values, the explained verdicts as
JSON text (what ``clausewise audit`` writes).
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
from clausewise.report.encode import RawVerdict, VerdictEncoder

HERE = Path(__file__).resolve().parent


def stages(policy_path: Path, data: Path, as_of: str, chunk: int = 2000) -> dict[str, float]:
    import datetime as dt

    policy = clausewise.load_policy(policy_path)
    day = dt.date.fromisoformat(as_of)
    params_file = data / "params.json"
    params = json.loads(params_file.read_text(encoding="utf-8")) if params_file.exists() else {}
    times = dict.fromkeys(("load and validate", "measure leaves", "solve", "outcome values", "verdict JSON"), 0.0)
    gc.disable()
    t = time.perf_counter()
    tables = policy.load_data(data)
    times["load and validate"] = time.perf_counter() - t
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
        t = time.perf_counter()
        measured = {entity: evaluation.measure(Scope(entity_rows[entity], table, entity_rows[entity])) for entity in part}
        times["measure leaves"] += time.perf_counter() - t
        t = time.perf_counter()
        answers = evaluation.solve(measured)
        times["solve"] += time.perf_counter() - t
        t = time.perf_counter()
        raw = [RawVerdict(encoder, e, answers[e], m.leaves, evaluation.outcomes(answers[e], m)) for e, m in measured.items()]
        times["outcome values"] += time.perf_counter() - t
        t = time.perf_counter()
        "".join(r.json() + "\n" for r in raw)
        times["verdict JSON"] += time.perf_counter() - t
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
    total = sum(times.values())
    for stage, seconds in times.items():
        print(f"{stage:20} {seconds:8.2f} s {seconds / n * 1e6:8.1f} µs/entity {seconds / total * 100:5.1f}%")
    print(f"{'total':20} {total:8.2f} s {total / n * 1e6:8.1f} µs/entity")


if __name__ == "__main__":
    main()
