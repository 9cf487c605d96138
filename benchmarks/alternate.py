"""One command run under two or more source trees, alternating, in fresh processes: CPU, wall, peak memory.

    python -m benchmarks.alternate --tree before=/tmp/old/src --tree after=src --rounds 5 -- \\
        python -m clausewise.cli.main explain policies/tier.policy --engine duckdb --entity P0000001 --data DATA ...

Each round runs the command once per tree, the order reversed every other round, so that the
trees see the same load on a shared machine. A tree is a ``src`` directory put first on
``PYTHONPATH`` (an old tree: ``git worktree add --detach /tmp/old COMMIT``). Bytecode is written
outside the trees, one cache directory per tree (``PYTHONPYCACHEPREFIX``, with
``PYTHONDONTWRITEBYTECODE`` removed), and one unrecorded run per tree writes it first. Per run:
CPU seconds (user + system of the process and the children it waited for, ``os.wait4``), wall
seconds, peak RSS, the load average before it, and a digest of its standard output (or of one
field of it, ``--json-field``, when the output holds times of its own): the report says whether
every tree printed the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(command: list[str], tree: Path, cache: Path, json_field: str | None) -> dict:
    """One run of ``command`` with ``tree`` first on the module path."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(tree)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    load = float(Path("/proc/loadavg").read_text().split()[0])
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    shown: object = json.loads(text)[json_field] if json_field else hashlib.sha256(text).hexdigest()[:12]
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "rss_mib": usage.ru_maxrss // 1024,
            "load": load, "exit": os.waitstatus_to_exitcode(status), "output": shown}


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", action="append", required=True, help="NAME=SRC_DIR (two or more)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json-field", help="compare this field of the JSON the command prints, not all of it")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "clausewise-alternate-pyc")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- the command")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command or len(args.tree) < 2:
        parser.error("give two or more --tree NAME=SRC_DIR and, after --, the command")
    trees = {name: Path(path).resolve() for name, path in (t.split("=", 1) for t in args.tree)}
    caches = {name: args.cache / hashlib.sha256(str(path).encode()).hexdigest()[:12] for name, path in trees.items()}
    for name, path in trees.items():  # bytecode written once, not timed
        run_once(command, path, caches[name], args.json_field)
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    order = list(trees)
    for round_no in range(args.rounds):
        for name in order if round_no % 2 == 0 else order[::-1]:
            done = run_once(command, trees[name], caches[name], args.json_field)
            runs[name].append(done)
            print(f"{name}: cpu {done['cpu']:.3f} s, wall {done['wall']:.3f} s, peak {done['rss_mib']} MiB, "
                  f"load {done['load']:.2f}, exit {done['exit']}, output {done['output']}", flush=True)
    print("| tree | CPU s, median (range) | wall s, median (range) | peak MiB | outputs |")
    print("|---|---|---|---:|---|")
    for name, of_tree in runs.items():
        outputs = sorted({str(d["output"]) for d in of_tree})
        print(f"| {name} | {_summary([d['cpu'] for d in of_tree])} | {_summary([d['wall'] for d in of_tree])} | "
              f"{max(d['rss_mib'] for d in of_tree)} | {', '.join(outputs)} |")
    every = {str(d["output"]) for of_tree in runs.values() for d in of_tree}
    loads = [d["load"] for of_tree in runs.values() for d in of_tree]
    print(f"load average {min(loads):.2f}-{max(loads):.2f}; "
          + ("every run printed the same" if len(every) == 1 else "the outputs DIFFER"))
    if len(every) != 1 or any(d["exit"] != 0 for of_tree in runs.values() for d in of_tree):
        sys.exit(1)


if __name__ == "__main__":
    main()
