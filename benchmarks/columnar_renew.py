"""Workload 3 (the renewal, policies/renew.policy) over raw rows on each engine, against a
hand-written DuckDB query (benchmarks/renew_hand.py).

    python -m benchmarks.columnar_renew --providers 100 --shops 10000 [--repeat 3] [--attribution A]
        [--old-src /tmp/old/src] [--no-python]

Generates (once) ``benchmarks.generate renewal`` data, then runs, each in its own process and
alternating (on a shared machine only ratios within one run mean anything): ``clausewise audit
policies/renew.policy --engine duckdb`` (and, with ``--old-src``, the same with that source tree
first on PYTHONPATH), the hand query, and once ``--engine python`` (unless ``--no-python``).
The verdict files of every clausewise run must be byte-identical and the hand query's status
must equal clausewise's for every provider before any time is printed. Per command: wall
seconds, CPU seconds of the process and its children and peak RSS (``/usr/bin/time``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2024-06-30"


def run(command: list[str], env: dict[str, str] | None = None, ok: tuple[int, ...] = (0, 1)) -> dict:
    """Wall and CPU seconds of a command (with its children) and its peak RSS (GNU time's %M: the
    largest of the process and the children it waited for), through /usr/bin/time."""
    with tempfile.NamedTemporaryFile("r") as report:
        started = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%U %S %M", *command], cwd=ROOT,
                              capture_output=True, text=True, env=env)
        wall = time.perf_counter() - started
        user, system, peak = report.read().split()[-3:]
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(command)} failed:\n{proc.stderr}")
    return {"wall": round(wall, 2), "cpu": round(float(user) + float(system), 2), "peak_mib": round(int(peak) / 1024),
            "stdout": proc.stdout}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--providers", type=int, default=100)
    parser.add_argument("--shops", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--base", type=Path, default=Path("/tmp/clausewise-bench"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--attribution", default="while_bound", choices=("while_bound", "whole_period_if_bound_during"))
    parser.add_argument("--old-src", type=Path, help="a source tree to time as 'before' (PYTHONPATH)")
    parser.add_argument("--no-python", action="store_true")
    args = parser.parse_args()
    data = args.base / f"renew-{args.providers}x{args.shops}"
    if not (data / "shop_daily.csv").exists():
        sys.path.insert(0, str(ROOT))
        from benchmarks.generate import write_renewal

        write_renewal(data, args.providers, args.shops)
    out = Path(args.base) / f"renew-verdicts-{args.attribution}"
    out.mkdir(exist_ok=True)
    audit = [sys.executable, "-m", "clausewise.cli.main", "audit", "policies/renew.policy", "--data", str(data),
             "--params", str(data / "params.json"), "--param", f"order_attribution={args.attribution}",
             "--as-of", AS_OF, "--workers", str(args.workers)]
    commands: dict[str, tuple[list[str], dict[str, str] | None, Path | None]] = {}
    if not args.no_python:
        commands["audit --engine python"] = ([*audit, "--engine", "python", "--out", str(out / "python.jsonl")], None,
                                             out / "python.jsonl")
    if args.old_src:
        old = {**os.environ, "PYTHONPATH": str(args.old_src)}
        commands["audit --engine duckdb, before"] = ([*audit, "--engine", "duckdb", "--out", str(out / "old.jsonl")],
                                                     old, out / "old.jsonl")
    commands["audit --engine duckdb"] = ([*audit, "--engine", "duckdb", "--out", str(out / "duckdb.jsonl")], None,
                                         out / "duckdb.jsonl")
    commands["hand-written DuckDB query"] = ([sys.executable, str(ROOT / "benchmarks" / "renew_hand.py"), str(data),
                                             AS_OF, args.attribution], None, None)
    times: dict[str, list[dict]] = {name: [] for name in commands}
    for round_ in range(args.repeat):
        for name, (command, env, path) in commands.items():
            if name == "audit --engine python" and round_:
                continue
            if path is not None:
                path.unlink(missing_ok=True)
            times[name].append(run(command, env))
            if path is not None and not path.exists():
                raise SystemExit(f"{name} wrote no verdicts")
    files = [path.read_bytes() for _, _, path in commands.values() if path is not None]
    if any(f != files[0] for f in files):
        raise SystemExit("the verdict files differ: no times printed")
    status = {json.loads(line)["entity"]: json.loads(line)["outcomes"]["renewal_status"]
              for line in files[0].decode("utf-8").splitlines()}
    hand = json.loads(times["hand-written DuckDB query"][0]["stdout"])
    if hand != status:
        raise SystemExit(f"the hand query disagrees on {sum(hand.get(p) != s for p, s in status.items())} providers")
    print(f"renewal raw rows: {args.providers} providers, {args.shops} shops, attribution {args.attribution}, "
          f"{args.workers} workers; {len(status)} statuses equal; load {os.getloadavg()}")
    print("| command | wall s (each run) | CPU s (each run) | peak RSS |")
    print("|---|---|---|---:|")
    for name, done in times.items():
        print(f"| {name} | {', '.join(str(r['wall']) for r in done)} | {', '.join(str(r['cpu']) for r in done)} "
              f"| {max(r['peak_mib'] for r in done)} MiB |")


if __name__ == "__main__":
    main()
