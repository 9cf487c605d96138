"""Timelines (issue 17): a year of one shop and a month of many shops, in this process.

Prints, per measurement, the CPU seconds of this process (``time.process_time``), the wall
seconds and the load average, so that a run on a shared machine says how loaded it was. The data
are generated (``benchmarks/generate.py``, novice tables) into ``--work`` when absent: one
ordinary shop with a ``shop_daily`` row every day of 2024, and ``--shops`` shops over the 90 days
to 2024-03-31; the bundled example shop S01 is measured too. The month is measured as
``audit --from --to`` runs it (:func:`clausewise.engine.timeline.range_audit` making each shop's
record, in this process), and with ``--timelines`` as timelines too (every status solved).

    python -m benchmarks.timeline --shops 300 --rounds 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path
from typing import Any, Callable

from benchmarks.generate import write_novice

ROOT = Path(__file__).resolve().parent.parent


def measured(what: str, run: Callable[[], Any]) -> None:
    """Run once and print CPU and wall seconds, and the load average before and after."""
    load = os.getloadavg()[0]
    cpu, wall = time.process_time(), time.monotonic()
    result = run()
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    print(f"{what}: cpu {cpu:.2f} s, wall {wall:.2f} s, load {load:.1f} -> {os.getloadavg()[0]:.1f}; {result}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shops", type=int, default=300, help="shops of the month (default 300)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--timelines", action="store_true",
                        help="also the month as timelines (Policy.timeline's path: every status solved, for the spans)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/clausewise-timeline"), help="where the data are generated")
    args = parser.parse_args()
    year, month = args.work / "year-1", args.work / f"month-{args.shops}"
    if not (year / "shops.csv").exists():
        write_novice(year, 1, 366, dt.date(2024, 12, 31), seed=6)
    if not (month / "shops.csv").exists():
        write_novice(month, args.shops, 90, dt.date(2024, 3, 31))

    import clausewise
    from clausewise.engine.timeline import range_audit, timelines
    from clausewise.report.timeline import range_record

    policy = clausewise.load_policy(ROOT / "policies" / "novice.policy")
    example, one, many = (policy.load_data(d) for d in (ROOT / "examples" / "novice", year, month))
    for r in range(1, args.rounds + 1):
        measured(f"round {r}, a year (2024-01-02..12-31) of example shop S01", lambda: "{} spans".format(
            len(policy.timeline(example, "2024-01-02", "2024-12-31", entities=["S01"])[0].spans())))
        measured(f"round {r}, a year (2024) of one generated shop", lambda: "{} spans".format(
            len(policy.timeline(one, "2024-01-01", "2024-12-31")[0].spans())))
        measured(f"round {r}, a month (2024-03) of {args.shops} generated shops, audited", lambda: "{} records".format(
            sum(1 for _ in range_audit(policy, many, dt.date(2024, 3, 1), dt.date(2024, 3, 31), None, range_record,
                                       outcomes_only=True))))
        if args.timelines:
            measured(f"round {r}, a month (2024-03) of {args.shops} generated shops, timelines", lambda: "{} shops".format(
                sum(1 for _ in timelines(policy, many, dt.date(2024, 3, 1), dt.date(2024, 3, 31)))))


if __name__ == "__main__":
    main()
