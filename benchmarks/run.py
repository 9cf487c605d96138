"""The benchmark runner: generate data, measure every engine, print a table, write docs/benchmarks.md.

    ./dev bench                                  # everything, as recorded in docs/benchmarks.md
    ./dev bench --workloads 1 --sizes 10000      # a quick look

Each measurement runs in its own process (``benchmarks/one.py``); its peak memory is the
largest proportional set size (PSS, so pages shared by forked workers count once) of that
process and its children, sampled every 50 ms. Workload 1 checks that every engine gives
clausewise's verdicts before it reports a time: a benchmark of a wrong answer is worthless.
Results are kept in ``--results`` (JSON) and the document is rendered from them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import generate

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEERS = ["zen-engine (batch)", "regopy (a query per 100)", "cedarpy (batch)", "plain Python", "DuckDB query (hand-written)",
         "hand-written ASP"]


# ---- one measurement ----------------------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return pids


def _pss(pid: int) -> int:
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total


def measure(args: list[str]) -> dict:
    """Run ``python -m benchmarks.one ARGS``; its JSON result plus peak memory and wall time."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]))
    load = os.getloadavg()[0]
    cpu = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.one", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT, env=env, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _pss(proc.pid))
        time.sleep(0.05)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"benchmarks.one {' '.join(args)} failed:\n{err}")
    result = json.loads(out)
    result.update(peak_bytes=peak, process_seconds=time.perf_counter() - started, cpu_seconds=_children_cpu() - cpu,
                  load=load)
    return result


def _children_cpu() -> float:
    """User and system CPU seconds of the waited-for child processes (and theirs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ---- workloads ----------------------------------------------------------------------------------------


def _data(base: Path, name: str, make) -> Path:
    """A generated data directory, made once (a marker file says it is complete)."""
    path = base / name
    if not (path / ".complete").exists():
        print(f"generating {path} ...", file=sys.stderr, flush=True)
        make(path)
        (path / ".complete").write_text("ok")
    return path


def workload1(results: dict, base: Path, sizes: list[int], workers: int, engines: list[str], single: int,
              rounds: int = 1, forms: tuple[str, ...] = ("tree", "columns")) -> None:
    """Every engine on the same file, in ``rounds`` rounds that alternate them (each round in another
    order), so that a change of load on a shared machine falls on every engine; the medians are kept."""
    for size in sizes:
        data = _data(base, f"figures-{size}", lambda p, size=size: generate.write_figures(p, size))
        counts = sorted({workers} | ({1} if size <= single else set()), reverse=True)
        # form "duckdb": columns through the columnar audit (audit --engine duckdb --verdicts columns)
        ours = [(f"clausewise, {'columns on DuckDB' if form == 'duckdb' else form} ({w} worker{'s' if w > 1 else ''})",
                 ["clausewise", "--workers", str(w), "--verdicts", "columns" if form == "duckdb" else form]
                 + (["--clausewise-engine", "duckdb"] if form == "duckdb" else []))
                for form in forms for w in counts]
        theirs = [(e, [e]) for e in engines]
        # ours and the peers taking turns, so that a run stopped early has measured some of each
        runs = [r for pair in itertools.zip_longest(ours, theirs) for r in pair if r is not None]
        measured: dict[str, list[dict]] = {label: [] for label, _ in runs}
        reference = None
        for round_ in range(rounds):
            order = runs[round_ % len(runs):] + runs[:round_ % len(runs)]
            for label, args in order if round_ % 2 == 0 else order[::-1]:
                print(f"workload 1, {size:,} providers, round {round_ + 1}/{rounds}: {label} ...", file=sys.stderr, flush=True)
                r = measure(["figures", args[0], str(data), *args[1:]])
                reference = reference or r["digest"]
                if r["digest"] != reference:
                    raise SystemExit(f"{label} disagrees with clausewise on {data}: {r['counts']} (digest {r['digest']})")
                measured[label].append(r)
                print(f"  {r['seconds']:.2f} s, CPU {r['timed_cpu_seconds']:.2f} s, load {r['load']:.1f}, "
                      f"peak {r['peak_bytes'] / 2**20:,.0f} MiB, verdicts {r['counts']}", file=sys.stderr, flush=True)
                results[f"1|{size}|{label}"] = summarised(measured[label])
                if results.get("_file"):  # after every measurement: a run stopped midway keeps what it measured
                    Path(results["_file"]).write_text(json.dumps(results, indent=1))


def summarised(runs: list[dict]) -> dict:
    """One engine's runs: the median time and CPU, their range, the largest peak and the loads."""
    seconds = [r["seconds"] for r in runs]
    cpu = [r["timed_cpu_seconds"] for r in runs]
    out = dict(runs[0])
    out.update(seconds=statistics.median(seconds), seconds_range=[min(seconds), max(seconds)],
               timed_cpu_seconds=statistics.median(cpu), cpu_range=[min(cpu), max(cpu)],
               cpu_seconds=statistics.median(r["cpu_seconds"] for r in runs), peak_bytes=max(r["peak_bytes"] for r in runs),
               load_range=[min(r["load"] for r in runs), max(r["load"] for r in runs)], rounds=len(runs), agrees=True)
    return out


def workload2(results: dict, base: Path, shops: int, days: int, workers: int) -> None:
    data = _data(base, f"novice-{shops}x{days}",
                 lambda p: generate.write_novice(p, shops, days, dt.date(2024, 3, 31)))
    print(f"workload 2, {shops:,} shops x {days} days ...", file=sys.stderr, flush=True)
    r = measure(["novice", "clausewise", str(data), "--workers", str(workers)])
    results[f"2|{shops}x{days}|clausewise ({workers} workers)"] = r
    print(f"  {r['seconds']:.1f} s, {r['rows'] / r['seconds']:,.0f} rows/s", file=sys.stderr, flush=True)


def workload3(results: dict, base: Path, providers: int, shops: int, workers: int) -> None:
    """The 2024 renewal (policies/renew.policy) over 91 days of shop_daily (2023-12-01..2024-02-29)."""
    data = _data(base, f"renewal-{providers}x{shops}", lambda p: generate.write_renewal(p, providers, shops))
    print(f"workload 3, {providers:,} providers, {shops:,} shops x 91 days ...", file=sys.stderr, flush=True)
    r = measure(["renewal", "clausewise", str(data), "--workers", str(workers)])
    results[f"3|{providers}x{shops}x91|clausewise ({workers} workers)"] = r
    print(f"  {r['seconds']:.1f} s, {r['rows'] / r['seconds']:,.0f} rows/s", file=sys.stderr, flush=True)


def workload4(results: dict, repeat: int) -> None:
    """Explain one entity: a cold CLI process, and a warm library call in one process."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    cli = [sys.executable, "-m", "clausewise.cli.main", "explain", "policies/tier.policy", "--data", "examples/tier",
           "--params", "examples/tier/params.json", "--as-of", "2024-04-01", "--entity", "P03"]
    subprocess.run(cli, cwd=ROOT, env=env, capture_output=True)  # first run may write the parser cache
    cold = []
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run(cli, cwd=ROOT, env=env, capture_output=True, text=True)
        cold.append(time.perf_counter() - started)
        if "P03" not in done.stdout:
            raise SystemExit(f"cold explain failed: {done.stderr}")
    code = ("import clausewise, json, time\n"
            "p = clausewise.load_policy('policies/tier.policy')\n"
            "params = json.load(open('examples/tier/params.json'))\n"
            "times = []\n"
            f"for _ in range({repeat * 4}):\n"
            "    t = time.perf_counter()\n"
            "    r = p.evaluate('examples/tier', '2024-04-01', params, entities=['P03'])\n"
            "    v = r.verdict('P03'); v.model_dump_json()\n"
            "    times.append(time.perf_counter() - t)\n"
            "tables = p.load_data('examples/tier')\n"
            "loaded = []\n"
            f"for _ in range({repeat * 4}):\n"
            "    t = time.perf_counter()\n"
            "    r = p.evaluate(tables, '2024-04-01', params, entities=['P03'])\n"
            "    v = r.verdict('P03'); v.model_dump_json()\n"
            "    loaded.append(time.perf_counter() - t)\n"
            "print(json.dumps([times, loaded]))\n")
    warm, loaded = json.loads(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                                     check=True).stdout)
    import_code = "import time; t = time.perf_counter(); import clausewise.cli.main; print(time.perf_counter() - t)"
    imports = [float(subprocess.run([sys.executable, "-c", import_code], cwd=ROOT, env=env, capture_output=True,
                                    text=True, check=True).stdout) for _ in range(repeat)]
    results["4|explain|cold CLI"] = {"median": statistics.median(cold), "min": min(cold), "runs": len(cold),
                                     "import_median": statistics.median(imports)}
    results["4|explain|warm library, data read per call"] = {"median": statistics.median(warm), "min": min(warm),
                                                               "runs": len(warm)}
    results["4|explain|warm library, tables loaded once"] = {"median": statistics.median(loaded), "min": min(loaded),
                                                              "runs": len(loaded)}
    print(f"workload 4: cold CLI median {statistics.median(cold):.3f} s (imports {statistics.median(imports):.3f} s), "
          f"warm library median {statistics.median(warm) * 1000:.1f} ms", file=sys.stderr, flush=True)


# ---- the document ----------------------------------------------------------------------------------------


def conditions() -> dict:
    import clingo

    def version(module: str) -> str:
        try:
            from importlib.metadata import version as v
            return v(module)
        except Exception:
            return "not installed"

    commit = os.environ.get("BENCH_COMMIT") or subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                                              capture_output=True, text=True).stdout.strip()
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) * 1024
    return {"date": os.environ.get("BENCH_DATE") or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": commit,
            "python": platform.python_version(), "clingo": clingo.__version__,
            "cores": os.cpu_count(), "memory_gib": round(mem / 2**30, 1), "load": os.getloadavg(),
            "cpu": _cpu_name(),
            "versions": {m: version(m) for m in ("zen-engine", "regopy", "cedarpy", "pydantic")}}


def _cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


#: the peers that are engines (not the floors: plain Python, a hand-written query or ASP program)
PEER_ENGINES = ("zen-engine (batch)", "regopy (a query per 100)", "cedarpy (batch)")


def table1(results: dict) -> list[str]:
    sizes = sorted({int(k.split("|")[1]) for k in results if k.startswith("1|")})
    lines = []
    for size in sizes:
        rows = {k.split("|")[2]: v for k, v in results.items() if k.startswith(f"1|{size}|")}
        peers = [v for k, v in rows.items() if k in PEER_ENGINES]
        fastest = min(peers, key=lambda v: v["seconds"]) if peers else None
        thriftiest = min(peers, key=lambda v: v["timed_cpu_seconds"]) if peers else None
        counts = next(iter(rows.values()))["counts"]
        lines += [f"**{size:,} providers** (verdicts: {', '.join(f'{k} {v:,}' for k, v in counts.items())})", "",
                  "| engine | seconds (median) | range | CPU seconds (median) | range | peak memory | load | "
                  "the fastest peer engine's seconds ÷ this | its CPU seconds ÷ this |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for label, r in sorted(rows.items(), key=lambda kv: kv[1]["seconds"]):
            low, high = r["seconds_range"]
            cpu_low, cpu_high = r["cpu_range"]
            load = r["load_range"]
            ratio = "—" if fastest is None else f"{fastest['seconds'] / r['seconds']:.2f}"
            cpu_ratio = "—" if thriftiest is None else f"{thriftiest['timed_cpu_seconds'] / r['timed_cpu_seconds']:.2f}"
            lines.append(f"| {label} | {r['seconds']:.2f} | {low:.2f}–{high:.2f} | {r['timed_cpu_seconds']:.2f} | "
                         f"{cpu_low:.2f}–{cpu_high:.2f} | {r['peak_bytes'] / 2**20:,.0f} MiB | {load[0]:.1f}–{load[1]:.1f} | "
                         f"{ratio} | {cpu_ratio} |")
        lines.append("")
    return lines


def rows_table(results: dict, workload: str, heading: list[str], columns: str) -> list[str]:
    """The table of a workload on raw rows (2 or 3): one line per measurement."""
    found = {k: v for k, v in results.items() if k.startswith(f"{workload}|")}
    if not found:
        return []
    out = heading + [columns, "|---|---|---:|---:|---:|---:|---:|"]
    for k, r in found.items():
        _, size, label = k.split("|")
        out.append(f"| {size} | {label} | {r['seconds']:.1f} | {r['entities'] / r['seconds']:,.0f} | "
                   f"{r['rows'] / r['seconds']:,.0f} | {r['peak_bytes'] / 2**20:,.0f} MiB | {r.get('first_chunk_s')} s |")
    return out + [""]


def render(results: dict, cond: dict, command: str) -> str:
    out = ["# Benchmarks", "",
           f"Reproduce: `{command}` (every workload at the sizes below, about 30 minutes here; `./dev bench --help` "
           "for fewer). The analysis below the tables is written by hand.", "",
           f"Measured {cond['date']} at commit `{cond['commit']}` on {cond['cores']} cores ({cond['cpu']}), "
           f"{cond['memory_gib']} GiB, shared with other work (see the conditions below). "
           f"Python {cond['python']}, clingo {cond['clingo']}, "
           + ", ".join(f"{k} {v}" for k, v in cond["versions"].items()) + ".", "",
           "## Workload 1: the silver tier on provider-level figures", "",
           "`benchmarks/silver_figures.policy` (TIER-3, same thresholds and citations as `policies/tier.policy`) "
           "over `provider_figures.csv`; peers in `benchmarks/peers/`, each through its API for many requests. "
           "Every engine reads the same CSV file; clausewise validates every row, explains every verdict and "
           "streams the verdicts to a file: `tree`, the full explanation tree per entity (labels in Chinese and "
           "English, observed value, bound, gap, citations) as JSON Lines; `columns`, a record per entity with "
           "the outcomes and each condition's status, observed value, bound and gap, as Parquet. The peers "
           "return the tier only. Every engine's verdicts were checked equal to clausewise's before its time "
           "was recorded. Rounds alternate the engines; the table gives medians, CPU seconds are the "
           "measured process's and its workers'.", ""]
    out += table1(results)
    out += rows_table(results, "2", ["## Workload 2: the novice daily assessment from raw rows", ""],
                      "| data | engine | seconds | shops/s | rows/s | peak memory | first chunk after |")
    out += rows_table(results, "3", [
        "## Workload 3: the renewal from bindings and shop_daily", "",
        "`policies/renew.policy` as of 2024-06-30 (the period ended; verdicts kept / revoked / not applicable).", ""],
        "| providers × shops × days | engine | seconds | providers/s | rows/s | peak memory | first chunk after |")
    w4 = {k: v for k, v in results.items() if k.startswith("4|")}
    if w4:
        out += ["## Workload 4: one-entity explain latency", "", "| path | median | best | runs |", "|---|---:|---:|---:|"]
        for k, r in w4.items():
            out.append(f"| {k.split('|')[2]} | {r['median'] * 1000:.0f} ms | {r['min'] * 1000:.0f} ms | {r['runs']} |")
        cold = w4.get("4|explain|cold CLI")
        if cold:
            out.append(f"\nOf the cold CLI time, importing `clausewise.cli.main` (Python, pydantic, clingo, lark, click) "
                       f"takes {cold['import_median'] * 1000:.0f} ms (median).")
        out.append("")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default="1,2,3,4")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="workload 1: providers")
    parser.add_argument("--engines", default=",".join(PEERS), help="workload 1: peers to measure")
    parser.add_argument("--single-worker-up-to", type=int, default=100_000,
                        help="workload 1: also measure clausewise with one worker up to this size")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=3, help="workload 1: rounds, engines alternating")
    parser.add_argument("--forms", default="tree,columns,duckdb",
                        help="workload 1: clausewise's verdict forms (duckdb: columns by the columnar audit)")
    parser.add_argument("--novice", default="100000x90", help="workload 2: SHOPSxDAYS")
    parser.add_argument("--renewal", default="1000x100000",
                        help="workload 3: PROVIDERSxSHOPS, 91 days each (the issue's 10000x1000000: see docs/benchmarks.md)")
    parser.add_argument("--repeat", type=int, default=7, help="workload 4: runs")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/clausewise-bench"))
    parser.add_argument("--results", type=Path, default=None, help="JSON file of results (kept across runs)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    results_file = args.results or args.data_dir / "results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    workloads = {int(w) for w in args.workloads.split(",") if w}  # none: render the document from --results
    args.data_dir.mkdir(parents=True, exist_ok=True)
    if 1 in workloads:
        results["_file"] = str(results_file)  # written after every round
        workload1(results, args.data_dir, [int(s) for s in args.sizes.split(",")], args.workers,
                  [e for e in args.engines.split(",") if e], args.single_worker_up_to, args.rounds,
                  tuple(f for f in args.forms.split(",") if f))
        del results["_file"]
        results_file.write_text(json.dumps(results, indent=1))
    if 2 in workloads:
        shops, days = (int(x) for x in args.novice.split("x"))
        workload2(results, args.data_dir, shops, days, args.workers)
        results_file.write_text(json.dumps(results, indent=1))
    if 3 in workloads:
        providers, shops = (int(x) for x in args.renewal.split("x"))
        workload3(results, args.data_dir, providers, shops, args.workers)
        results_file.write_text(json.dumps(results, indent=1))
    if 4 in workloads:
        workload4(results, args.repeat)
        results_file.write_text(json.dumps(results, indent=1))
    text = render({k: v for k, v in results.items() if not k.startswith("_")}, conditions(), "./dev bench")
    write_doc(args.out, text)
    print(text)


BEGIN, END = "<!-- results: begin (written by benchmarks/run.py) -->", "<!-- results: end -->"


def write_doc(path: Path, text: str) -> None:
    """Put the generated tables between the markers of ``path``, keeping the hand-written analysis."""
    block = f"{BEGIN}\n{text}{END}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        new = head + block + "\n" + rest.split(END, 1)[1].lstrip("\n")
    else:
        new = block + old
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
