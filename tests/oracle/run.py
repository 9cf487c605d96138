"""The long oracle run: ``python -m tests.oracle.run [CASES] [--seed N]`` (``./dev oracle [CASES]``).

A case is one entity's verdict (every outcome, compliance and every explanation node's status)
compared between the clingo path and the oracle. Cases come in batches: one generated policy
with ENTITIES entities, one clingo call. Prints ``cases: N, disagreements: 0``, or the first
disagreement found, shrunk by hypothesis to a small policy and data set.
"""

from __future__ import annotations

import argparse
import sys
import time

from hypothesis import HealthCheck, Phase, given, seed, settings

from .compare import disagreements
from .gen import cases

ENTITIES = 12


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev oracle", description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="?", type=int, default=100_000, help="entity verdicts to compare (default 100000)")
    parser.add_argument("--seed", type=int, default=20240229, help="hypothesis seed (fixed, so a run is reproducible)")
    args = parser.parse_args(argv)
    batches = max(1, -(-args.cases // ENTITIES))
    done = {"cases": 0, "policies": 0}
    started = time.monotonic()

    @seed(args.seed)
    @settings(max_examples=batches, deadline=None, database=None, print_blob=True,
              phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(cases(ENTITIES))
    def agree(case) -> None:
        compared, problems = disagreements(case)
        assert not problems, "\n".join(problems[:20])
        done["cases"] += compared
        done["policies"] += 1
        if done["policies"] % 500 == 0:
            print(f"  ... {done['cases']} cases, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

    try:
        agree()
    except AssertionError as failure:
        print(f"DISAGREEMENT after {done['cases']} agreeing cases (shrunk example above):\n{failure}")
        return 1
    elapsed = time.monotonic() - started
    print(f"cases: {done['cases']}, disagreements: 0 ({done['policies']} generated policies, seed {args.seed}, {elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
