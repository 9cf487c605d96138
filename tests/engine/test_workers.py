"""Worker processes: same verdicts in parallel, and limits that stop an evaluation with an error."""

from __future__ import annotations

import time

import pytest

import clausewise
from clausewise.engine.workers import LimitExceeded, run_chunks

from tests.support import POLICIES
from tests.policies.test_tier import PARAMS, data


def test_parallel_results_keep_their_order():
    assert run_chunks(lambda i: i * i, 7, workers=2) == [0, 1, 4, 9, 16, 25, 36]


def test_time_limit_kills_a_stuck_worker():
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as err:
        run_chunks(lambda i: time.sleep(60), 2, workers=2, time_limit=0.5)
    assert time.monotonic() - started < 10
    assert err.value.diagnostics[0].message == "the evaluation did not finish within the time limit of 0.5 s"


def test_memory_limit_stops_a_worker_that_allocates_too_much():
    with pytest.raises(LimitExceeded) as err:
        run_chunks(lambda i: bytearray(512 * 2**20), 1, memory_limit=64 * 2**20)
    assert err.value.diagnostics[0].message == "the evaluation needed more memory than the limit of 64 MiB"


def test_user_errors_in_a_worker_reach_the_caller_as_diagnostics():
    def bad(i):
        raise clausewise.ClausewiseError.simple("x.csv", "bad")

    with pytest.raises(clausewise.ClausewiseError) as err:
        run_chunks(bad, 1, workers=1, time_limit=5)
    assert err.value.diagnostics[0].render() == "x.csv: error: bad"


def test_parallel_evaluation_equals_serial_evaluation():
    tier = clausewise.load_policy(POLICIES / "tier.policy")
    providers = tuple(f"P{i:03d}" for i in range(40))
    rows = data([(p, f"S{i}", "2023-01-01", "") for i, p in enumerate(providers)],
                [(f"S{i}", "2024-01-05", i * 1000) for i in range(40)], providers=providers)
    serial = tier.evaluate(rows, "2024-04-01", PARAMS)
    parallel = tier.evaluate(rows, "2024-04-01", PARAMS, workers=2, time_limit=60, memory_limit=2**30)
    assert parallel == serial and [v.entity for v in parallel.verdicts] == sorted(providers)


@pytest.mark.parametrize("value, message", [("lots", "'lots' is not a size"), ("10k", "'10k' is below 1 MiB")])
def test_bad_memory_limit_option_is_a_usage_error(value, message):
    from click.testing import CliRunner

    from clausewise.cli.main import main

    result = CliRunner().invoke(main, ["explain", str(POLICIES / "tier.policy"), "--data", ".", "--entity", "P1",
                                       "--memory-limit", value])
    assert result.exit_code == 2 and message in result.output + (result.stderr or "")
