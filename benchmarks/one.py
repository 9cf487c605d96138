"""Run one engine on one workload in this process and print what it measured as JSON.

The runner (``benchmarks/run.py``) starts one such process per measurement, so that each
engine's peak memory is its own. The timed part imports the engine, reads the data files,
evaluates every entity and writes the verdicts out; it excludes the interpreter's start. Its CPU
seconds (``timed_cpu_seconds``) are this process's and its workers'.

    python -m benchmarks.one figures clausewise DATA_DIR [--workers 2] [--verdicts tree|columns] [--format csv]
    python -m benchmarks.one figures clausewise DATA_DIR --verdicts columns --clausewise-engine duckdb
    python -m benchmarks.one figures "zen-engine (batch)" DATA_DIR
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AS_OF = {"figures": "2024-04-01", "novice": "2024-03-31", "bindings": "2024-04-01", "renewal": "2024-06-30"}
POLICY = {"figures": HERE / "silver_figures.policy", "novice": ROOT / "policies" / "novice.policy",
          "bindings": ROOT / "policies" / "tier.policy", "renewal": ROOT / "policies" / "renew.policy"}
OUTCOME = {"figures": "tier", "novice": "in_novice_period", "bindings": "tier", "renewal": "renewal_status"}


def digest(pairs: list[tuple[str, Any]]) -> str:
    """A hash of every (entity, outcome) pair, to check that engines agree."""
    h = hashlib.sha256()
    for entity, value in pairs:
        h.update(f"{entity}\t{value}\n".encode())
    return h.hexdigest()[:16]


def run_clausewise(workload: str, data: Path, workers: int, form: str = "tree",
                   suffix: str = ".jsonl") -> tuple[list[tuple[str, object]], int, dict]:
    """Explained verdicts of every entity, streamed to a file chunk by chunk, with the summary's
    counts: what ``clausewise audit --out X.SUFFIX --verdicts FORM`` does (records.VerdictSink,
    Tally): the explanation tree per entity as JSON Lines, or columns (report/columns.py)."""
    import clausewise
    from clausewise.report.records import Tally, VerdictSink

    policy = clausewise.load_policy(POLICY[workload])
    params_file = data / "params.json"
    params = json.loads(params_file.read_text(encoding="utf-8")) if params_file.exists() else {}
    outcome = OUTCOME[workload]
    pairs: list[tuple[str, object]] = []
    first_chunk: list[float] = []
    tally = Tally()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"verdicts{suffix}"
        with VerdictSink(out, [d.field for d in policy.plan.decides], form=form, plan=policy.plan) as sink:
            def render(raws):  # runs in the worker: explained verdicts as JSON Lines, and the counts
                return sink.render(raws), Tally.of(raws), [(r.entity, r.outcome(outcome)) for r in raws]

            def on_chunk(payload) -> None:
                text, chunk_tally, chunk_pairs = payload
                if not first_chunk:
                    first_chunk.append(time.perf_counter() - started)
                sink.write(text)
                tally.add(chunk_tally)
                pairs.extend(chunk_pairs)

            result = policy.evaluate(data, AS_OF[workload], params, workers=workers, on_chunk=on_chunk, render_raw=render)
        size = out.stat().st_size
    return pairs, result.accounting.rows_read, {"first_chunk_s": round(first_chunk[0], 3) if first_chunk else None,
                                                "verdict_bytes": size}


def run_columnar(workload: str, data: Path, workers: int, suffix: str = ".parquet"
                 ) -> tuple[list[tuple[str, object]], int, dict]:
    """What ``clausewise audit --engine duckdb --verdicts columns --out X.SUFFIX`` does for a policy
    the columnar audit takes (engine/columnaraudit.py): the verdict file and the summary's counts;
    the (entity, outcome) pairs are read back from the file written."""
    import clausewise
    from clausewise.engine.columnaraudit import columnar_audit
    from clausewise.report.records import VerdictSink

    policy = clausewise.load_policy(POLICY[workload])
    params_file = data / "params.json"
    params = json.loads(params_file.read_text(encoding="utf-8")) if params_file.exists() else {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"verdicts{suffix}"
        with VerdictSink(out, [d.field for d in policy.plan.decides], form="columns", plan=policy.plan) as sink:
            done = columnar_audit(policy, [data], dt.date.fromisoformat(AS_OF[workload]), params, sink, workers)
        if isinstance(done, str):
            raise SystemExit(f"the columnar audit does not take {POLICY[workload].name}: {done}")
        outcome = OUTCOME[workload]
        pairs: list[tuple[str, object]]
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.ParquetFile(out).read(columns=["entity", outcome])  # read_table would import pyarrow.dataset
            pairs = list(zip(table.column(0).to_pylist(), table.column(1).to_pylist()))
        else:
            import csv

            with out.open(encoding="utf-8", newline="") as handle:
                pairs = [(r["entity"], r[outcome]) for r in csv.DictReader(handle)]
        size = out.stat().st_size
    return pairs, done[0].accounting.rows_read, {"verdict_bytes": size}


def _cpu() -> float:
    """CPU seconds of this process and of its workers that have ended (user and system)."""
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=sorted(POLICY))
    parser.add_argument("engine")
    parser.add_argument("data", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--verdicts", choices=["tree", "columns"], default="tree", help="clausewise: the verdicts' form")
    parser.add_argument("--clausewise-engine", choices=["python", "duckdb"], default="python",
                        help="clausewise: duckdb for the columnar audit (with --verdicts columns; csv or parquet)")
    parser.add_argument("--format", choices=["jsonl", "csv", "parquet"], default=None,
                        help="clausewise: the verdict file (default: jsonl for the tree, parquet for columns)")
    args = parser.parse_args()
    started, cpu = time.perf_counter(), _cpu()
    extra: dict = {}
    pairs: list[Any]  # (entity, outcome)
    if args.engine == "clausewise":
        suffix = "." + (args.format or ("jsonl" if args.verdicts == "tree" else "parquet"))
        if args.clausewise_engine == "duckdb":
            pairs, rows, extra = run_columnar(args.workload, args.data, args.workers, suffix)
        else:
            pairs, rows, extra = run_clausewise(args.workload, args.data, args.workers, args.verdicts, suffix)
    else:
        from benchmarks.peers.engines import PEERS

        pairs = PEERS[args.engine](args.data / "provider_figures.csv")
        rows = len(pairs)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    pairs.sort(key=lambda p: p[0])
    counts = Counter(str(v) for _, v in pairs)
    json.dump({"seconds": seconds, "timed_cpu_seconds": cpu, "entities": len(pairs), "rows": rows, "digest": digest(pairs),
               "counts": dict(sorted(counts.items())), **extra}, sys.stdout)


if __name__ == "__main__":
    main()
