"""The raw-row tier workload on each engine, against a hand-written DuckDB query.

    python -m benchmarks.columnar --providers 500 --shops 10000 --days 90

Generates (once) ``benchmarks.generate bindings`` data with a ``gift_orders`` column of zeros
(policies/tier.policy reads it), then runs, each in its own process, measuring wall time and
peak memory (PSS of the process and its children, sampled every 50 ms):

* ``clausewise audit policies/tier.policy --engine python`` and ``--engine duckdb`` (the
  verdict files are checked byte-identical before the times are recorded);
* ``benchmarks/columnar_hand.py``: one DuckDB query written by hand for the same three
  figures and the silver decision (no validation, no explanation), the reference the issue's
  target is stated against.

``--repeat N`` runs the DuckDB engine and the hand-written query N times each, alternating,
and reports each one's median (on a shared machine only ratios within one run mean anything);
``--no-python`` leaves out the Python engine (minutes at this size) and checks the DuckDB
verdicts against the Python engine's file of an earlier run on the same data instead.

``--copies N`` makes the larger data sets of docs/benchmarks.md (issue 15): the generated
``shop_daily`` rows repeated N times, each copy 90 days earlier than the one before, sorted by
``shop_id`` and ``date`` (``--copies 11``: 9.9 M rows, 263 MB), the other tables as generated;
``--parquet`` also writes the same data with ``shop_daily`` as typed Parquet, in a directory beside
it (for ``explain``; the runs above read the CSV files).

Prints a Markdown table and writes the results as JSON beside the data.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    pids = [pid]
    try:
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            pids += _tree(int(child))
    except OSError:
        pass
    return pids


def run(command: list[str], ok: tuple[int, ...] = (0, 1)) -> dict:
    """Wall seconds and peak PSS of a command (and its children); ``ok``: its exit codes that are not failures."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, sum(_pss_kib(p) for p in _tree(proc.pid)))
        time.sleep(0.05)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(command)} failed:\n{err}")
    return {"seconds": round(seconds, 2), "peak_mib": round(peak / 1024), "stdout": out}


def make_data(out: Path, providers: int, shops: int, days: int) -> dict[str, int]:
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import write_bindings

    import datetime as dt

    out.mkdir(parents=True, exist_ok=True)
    counts = write_bindings(out, providers, shops, days, dt.date(2024, 3, 31))
    daily, with_gifts = out / "shop_daily.csv", out / "shop_daily.gifts.csv"
    with daily.open(newline="", encoding="utf-8") as src, with_gifts.open("w", newline="", encoding="utf-8") as dst:
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
        writer.writerow(next(reader) + ["gift_orders"])
        for row in reader:
            writer.writerow(row + ["0"])
    with_gifts.replace(daily)
    return counts


def make_copies(base: Path, out: Path, copies: int, parquet: Path | None) -> dict[str, int]:
    """``base``'s data with its ``shop_daily`` rows repeated ``copies`` times, copy k shifted 90·k days
    earlier, sorted by shop and day, in ``out`` (CSV) and, if given, in ``parquet`` (shop_daily typed)."""
    import shutil

    import duckdb

    counts = json.loads((base / ".complete").read_text())
    for target in [out] + ([parquet] if parquet else []):
        target.mkdir(parents=True, exist_ok=True)
        for name in ("bindings.csv", "shops.csv", "providers.csv", "params.json"):
            shutil.copyfile(base / name, target / name)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    shifted = ("SELECT shop_id, CAST(date AS DATE) - CAST(90 * k AS INTEGER) AS date, CAST(paid_orders AS BIGINT) AS paid_orders, "
               "CAST(gift_orders AS BIGINT) AS gift_orders FROM read_csv($daily, header = true, all_varchar = true), "
               "range($copies) AS c(k) ORDER BY shop_id, date")
    con.execute(f"CREATE TABLE daily AS {shifted}", {"daily": str(base / "shop_daily.csv"), "copies": copies})
    con.execute(f"COPY (SELECT shop_id, strftime(date, '%Y-%m-%d') AS date, paid_orders, gift_orders FROM daily) "
                f"TO '{out / 'shop_daily.csv'}' (HEADER, DELIMITER ',')")  # benchmark paths, not data
    if parquet:
        con.execute(f"COPY daily TO '{parquet / 'shop_daily.parquet'}' (FORMAT parquet)")
    return {**counts, "shop_daily": counts["shop_daily"] * copies}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--providers", type=int, default=500)
    parser.add_argument("--shops", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--base", type=Path, default=Path("/tmp/clausewise-bench"))
    parser.add_argument("--repeat", type=int, default=1, help="runs of the DuckDB engine and of the hand query (median)")
    parser.add_argument("--no-python", action="store_true", help="check against an earlier run's Python verdicts")
    parser.add_argument("--copies", type=int, default=1, help="shop_daily repeated this many times, 90 days apart")
    parser.add_argument("--parquet", action="store_true", help="with --copies: also the data with shop_daily as Parquet")
    args = parser.parse_args()
    data = args.base / f"tier-raw-{args.providers}x{args.shops}x{args.days}"
    if not (data / ".complete").exists():
        print(f"generating {data} ...", file=sys.stderr, flush=True)
        counts = make_data(data, args.providers, args.shops, args.days)
        (data / ".complete").write_text(json.dumps(counts))
    if args.copies > 1:
        copied = data.with_name(f"{data.name}-x{args.copies}")
        parquet = copied.with_name(copied.name + "-parquet") if args.parquet else None
        if not (copied / ".complete").exists() or (parquet and not (parquet / "shop_daily.parquet").exists()):
            print(f"generating {copied} ...", file=sys.stderr, flush=True)
            counts = make_copies(data, copied, args.copies, parquet)
            (copied / ".complete").write_text(json.dumps(counts))
        if parquet:
            print(f"Parquet: {parquet}", file=sys.stderr)
        data = copied
    counts = json.loads((data / ".complete").read_text())
    rows = sum(counts.values())
    cw = [sys.executable, "-m", "clausewise.cli.main"]
    audit = [*cw, "audit", "policies/tier.policy", "--data", str(data), "--params", str(data / "params.json"),
             "--as-of", "2024-04-01", "--workers", str(args.workers)]
    results: dict[str, dict] = {}
    outs = {engine: data / f"verdicts-{engine}.jsonl" for engine in ("python", "duckdb")}
    if args.no_python:
        if not outs["python"].exists():
            raise SystemExit(f"--no-python needs {outs['python']} from an earlier run")
    else:
        results["clausewise audit --engine python"] = run([*audit, "--out", str(outs["python"]), "--engine", "python"])
    hand_command = [sys.executable, str(ROOT / "benchmarks" / "columnar_hand.py"), str(data)]
    runs: dict[str, list[dict]] = {"clausewise audit --engine duckdb": [], "hand-written DuckDB query": []}
    for _ in range(args.repeat):  # alternating, so both see the same load
        runs["clausewise audit --engine duckdb"].append(run([*audit, "--out", str(outs["duckdb"]), "--engine", "duckdb"]))
        if outs["python"].read_bytes() != outs["duckdb"].read_bytes():
            raise SystemExit("the two engines' verdict files differ: no times recorded")
        runs["hand-written DuckDB query"].append(run(hand_command, (0,)))
    for name, done in runs.items():
        ordered = sorted(done, key=lambda r: r["seconds"])
        results[name] = {**ordered[len(ordered) // 2], "all_seconds": [r["seconds"] for r in done]}
    hand = json.loads(results["hand-written DuckDB query"]["stdout"])
    verdicts = [json.loads(line) for line in outs["duckdb"].read_text("utf-8").splitlines()]
    tiers = {v["entity"]: v["outcomes"]["tier"] for v in verdicts}
    agree = sum(1 for p, t in hand.items() if tiers.get(p) == t)
    print(f"tier raw rows: {args.providers} providers, {args.shops} shops, {args.days} days ({rows:,} rows), "
          f"{args.workers} workers; hand query agrees on {agree}/{len(hand)} tiers")
    print("| engine | seconds | peak memory | ÷ hand-written DuckDB |")
    print("|---|---:|---:|---:|")
    base = results["hand-written DuckDB query"]["seconds"]
    for name, r in results.items():
        print(f"| {name} | {r['seconds']:.2f} | {r['peak_mib']:,} MiB | {r['seconds'] / base:.1f} |")
    if args.repeat > 1:
        print("every run's seconds: " + "; ".join(f"{n}: {', '.join(f'{x:.2f}' for x in r['all_seconds'])}"
                                                  for n, r in results.items() if "all_seconds" in r))
    (data / "results.json").write_text(json.dumps({k: {x: y for x, y in v.items() if x != "stdout"} for k, v in results.items()},
                                                  indent=2))


if __name__ == "__main__":
    main()
