"""The long oracle run: ``python -m tests.oracle.run [CASES] [--seed N]`` (``./dev oracle [CASES]``).

A case is one entity's verdict (every outcome, compliance and every explanation node's status)
compared between the clingo path and the oracle, under each engine (``--engine``, default
``python`` and ``duckdb``; the columnar engine reads the rows from CSV files, and its verdicts
must also equal the Python engine's whole). Cases come in batches: one generated policy with
ENTITIES entities, one clingo call per engine. Prints ``cases: N, disagreements: 0``, or the
first disagreement found, shrunk by hypothesis to a small policy and data set.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

from .compare import ENGINES, disagreements
from .gen import cases

ENTITIES = 12


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev oracle", description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="?", type=int, default=100_000, help="entity verdicts to compare (default 100000)")
    parser.add_argument("--seed", type=int, default=20240229, help="hypothesis seed (fixed, so a run is reproducible)")
    parser.add_argument("--engine", action="append", choices=ENGINES, help="engines to compare (default: all of them)")
    args = parser.parse_args(argv)
    engines = tuple(args.engine or ENGINES)
    files = Path(tempfile.mkdtemp(prefix="oracle-"))
    batches = max(1, -(-args.cases // ENTITIES))
    done = {"cases": 0, "policies": 0}
    started = time.monotonic()

    @seed(args.seed)
    @settings(max_examples=batches, deadline=None, database=None, print_blob=True,
              phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(cases(ENTITIES))
    def agree(case) -> None:
        compared, problems = disagreements(case, engines, files)
        assert not problems, "\n".join(problems[:20])
        done["cases"] += compared
        done["policies"] += 1
        if done["policies"] % 100 == 0:
            print(f"  ... {done['cases']} cases, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

    try:
        agree()
    except AssertionError as failure:
        print(f"DISAGREEMENT after {done['cases']} agreeing cases (shrunk example above):\n{failure}")
        return 1
    finally:
        shutil.rmtree(files, ignore_errors=True)
    elapsed = time.monotonic() - started
    print(f"cases: {done['cases']}, disagreements: 0 ({done['policies']} generated policies, seed {args.seed}, "
          f"engines {', '.join(engines)}, {elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
