"""No answer depends on the machine's clock (explain, audit, what-if, timeline, verify, diff), and a memory limit that is reached
stops the search with exit 2, the documented message, no traceback and no partial output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausewise.cli.main import main
from tests.support import EXAMPLES, POLICIES

NOVICE, TIER = str(POLICIES / "novice.policy"), str(POLICIES / "tier.policy")

#: the CLI in a process whose clock says ``sys.argv[1]`` (every ``date.today()`` in it, whatever module asks)
CLOCK = """
import datetime, sys, warnings
# pyarrow's compiled modules check the size of the date class they meet: this harness's subclass, not the CLI's doing
warnings.filterwarnings("ignore", message="datetime.date size changed", category=RuntimeWarning)
day = datetime.date.fromisoformat(sys.argv.pop(1))
class Clock(datetime.date):
    @classmethod
    def today(cls):
        return cls(day.year, day.month, day.day)
datetime.date = Clock
from clausewise.cli.main import main
main()
"""


def on_clock(day: str, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CLOCK, day, *args], capture_output=True, text=True, timeout=600)


def test_the_fake_clock_is_the_one_the_cli_reads():
    """The harness itself: ``--as-of today`` asks for the clock, so it shows the one the CLI reads."""
    args = ["explain", NOVICE, "--data", str(EXAMPLES / "novice"), "--entity", "S01", "--as-of", "today"]
    run = on_clock("2024-03-15", args)
    assert run.stderr == "note: --as-of today is 2024-03-15 (the machine's clock)\n"
    assert run.stdout.startswith("novice 2022-10-13 · entity S01 · as of 2024-03-15\n")


# ---- explain, audit, what-if, timeline: a day is given, or the command says it has none ---------------------
DATA = ["--data", str(EXAMPLES / "novice")]
EVALUATIONS = {
    "explain": ["explain", NOVICE, *DATA, "--entity", "S07"],
    "what-if": ["what-if", NOVICE, *DATA, "--entity", "S07", "--target", "in_novice_period=false"],
    "audit": ["audit", NOVICE, *DATA, "--workers", "1", "--out"],
}


@pytest.mark.parametrize("command", sorted(EVALUATIONS))
def test_an_evaluation_without_a_day_is_an_error_on_any_clock(command, tmp_path):
    args = EVALUATIONS[command] + ([str(tmp_path / "v.jsonl")] if command == "audit" else [])
    first, second = (on_clock(day, args) for day in ("2026-12-07", "2031-05-05"))
    assert first.returncode == second.returncode == 2 and first.stdout == second.stdout == ""
    assert first.stderr == second.stderr == (
        "--as-of: error: no evaluation day given: the verdicts would depend on the day the command runs\n"
        "hint: give the day: --as-of YYYY-MM-DD (or --as-of today, for the machine's date)\n")
    assert not list(tmp_path.iterdir())  # no verdicts, no record, no .partial file


def _audit_outputs(out: Path) -> tuple[bytes, dict]:
    import json

    record = json.loads(Path(str(out) + ".record.json").read_text("utf-8"))
    record.pop("generated_at")  # when the record was written: the one field that is the clock's
    record["verdicts"].pop("path")
    return out.read_bytes(), record


@pytest.mark.slow
@pytest.mark.parametrize("command", [*sorted(EVALUATIONS), "timeline", "audit range"])
def test_evaluations_give_the_same_answer_on_two_clocks(command, tmp_path):
    """The same command line on two clocks: the same stdout, stderr, exit code, verdict file and decision
    record (but for its generated_at); ``--as-of today`` is the one way to ask for the clock's day."""
    runs, files = [], []
    for day in ("2026-12-07", "2031-05-05"):
        out = tmp_path / day / "v.jsonl"
        out.parent.mkdir()
        if command == "timeline":
            args = ["timeline", NOVICE, *DATA, "--entity", "S12", "--from", "2024-03-10", "--to", "2024-03-20"]
        elif command == "audit range":
            args = ["audit", NOVICE, *DATA, "--from", "2024-03-12", "--to", "2024-03-14", "--workers", "1", "--out", str(out)]
        else:
            args = [*EVALUATIONS[command], *([str(out)] if command == "audit" else []), "--as-of", "2024-03-15"]
        run = on_clock(day, args)
        runs.append((run.returncode, run.stdout.replace(str(out), "OUT"), run.stderr))
        files.append(_audit_outputs(out) if command.startswith("audit") else None)
    assert runs[0] == runs[1] and files[0] == files[1]
    assert runs[0][0] in (0, 1) and runs[0][2] == "" and "Traceback" not in runs[0][1]
    if command == "explain":
        clocked = [on_clock(day, [*EVALUATIONS["explain"], "--as-of", "today"]).stdout.splitlines()[0]
                   for day in ("2026-12-07", "2031-05-05")]
        assert clocked == ["novice 2022-10-13 · entity S07 · as of 2026-12-07", "novice 2022-10-13 · entity S07 · as of 2031-05-05"]


GAP = "gap.policy"  # written into the test's directory: a small dated policy with a gap (below)


@pytest.mark.slow
@pytest.mark.parametrize("args, code", [
    (["verify", GAP], 1),  # from its first day in force, 2020-01-01 (novice's search: 8 CPU s on each clock)
    (["verify", TIER], 2),  # states no effective date: no day to run on
    (["diff", NOVICE, NOVICE], 0),  # the later first day in force of the two
    (["diff", TIER, TIER], 2),
    (["diff", NOVICE, NOVICE, "--data", str(EXAMPLES / "novice")], 2),  # the day the data are evaluated on
], ids=["verify", "verify-undated", "diff", "diff-undated", "diff-data"])
def test_verify_and_diff_give_the_same_answer_on_two_clocks(args, code, tmp_path):
    from tests.analysis.test_verify import THRESHOLDS

    gap = tmp_path / GAP  # 90 to 99 orders: neither busy nor quiet, no level
    gap.write_text(THRESHOLDS.replace("param lo [X-1]: orders = 100", "param lo [X-1]: orders = 90"), "utf-8")
    args = [str(gap) if a == GAP else a for a in args]
    first, second = (on_clock(day, args) for day in ("2026-12-07", "2031-05-05"))
    assert first.returncode == second.returncode == code, first.stderr
    assert (first.stdout, first.stderr) == (second.stdout, second.stderr)
    assert "Traceback" not in first.stderr and "today" not in first.stdout + first.stderr
    if args[0] == "verify" and code == 1:
        assert "(as of 2020-01-01; " in first.stdout and "gap: level" in first.stdout, first.stdout
    if code == 2:
        assert first.stderr.startswith("--as-of: error: ") and "hint: give the day: --as-of YYYY-MM-DD" in first.stderr


def test_without_a_day_to_run_on_the_error_says_which(tmp_path):
    runner = CliRunner()
    undated = runner.invoke(main, ["verify", TIER])
    assert undated.exit_code == 2
    assert undated.output == ("--as-of: error: the policy states no effective date, so verify has no day to run on\n"
                              "hint: give the day: --as-of YYYY-MM-DD (the result never depends on the day it runs)\n")
    both = runner.invoke(main, ["diff", TIER, TIER])
    assert both.exit_code == 2 and "neither version states an effective date, so diff has no day to run on" in both.output
    data = runner.invoke(main, ["diff", NOVICE, NOVICE, "--data", str(EXAMPLES / "novice")])
    assert data.exit_code == 2 and "diff on data needs the day to evaluate them on" in data.output
    from tests.analysis.test_verify import THRESHOLDS

    undated = tmp_path / "undated.policy"  # a small policy that, as TIER, states no effective date (tier's search: 4 CPU s)
    undated.write_text(THRESHOLDS.replace("effective from 2020-01-01", "effective date not stated"), "utf-8")
    assert runner.invoke(main, ["verify", str(undated)]).exit_code == 2
    dated = runner.invoke(main, ["verify", str(undated), "--as-of", "2024-04-01", "--format", "json"])
    assert dated.exit_code in (0, 1) and '"as_of": "2024-04-01"' in dated.output, dated.output


# ---- a real memory limit -----------------------------------------------------------------------------------
LIMITED = [["verify", NOVICE], ["diff", NOVICE, NOVICE]]


@pytest.mark.parametrize("command", LIMITED, ids=["verify", "diff"])
def test_a_memory_limit_reached_is_exit_2_with_the_message_and_no_witness_data(command, tmp_path):
    out = tmp_path / "witnesses"
    result = subprocess.run([sys.executable, "-c", "from clausewise.cli.main import main; main()", *command,
                             "--memory-limit", "1MiB", "--witness-data", str(out)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    # the C library of the limited process may say first that it ran out ("Fatal glibc error: failed to
    # register TLS destructor: out of memory"): the limited process's own words, before ours
    assert result.stderr.endswith("<evaluation>: error: the evaluation needed more memory than the limit of 1 MiB\n"
                                  "hint: raise --memory-limit\n")  # verify and diff have no --entity
    assert "Traceback" not in result.stderr and result.stderr.count("error: the evaluation") == 1
    assert not out.exists()


@pytest.mark.parametrize("command", [["verify", "small"], ["diff", "small", "small"]], ids=["verify", "diff"])
def test_a_limit_reached_while_writing_witness_data_leaves_none(command, tmp_path, monkeypatch):
    """The limit is reached after the first witness file is written (a real allocation beyond a real limit, in
    the search's child process): the directory, new or empty before, is left as it was. The search is of a small
    policy (test_whatif's SMALL): the data are written after it, whatever it found (novice.policy: 32 CPU s)."""
    from clausewise.analysis.diff import Diff
    from clausewise.analysis.verify import Verification
    from tests.analysis.test_whatif import SMALL

    small = tmp_path / "small.policy"
    small.write_text(SMALL, "utf-8")
    command = [str(small) if arg == "small" else arg for arg in command]

    def write_then_grow(self, directory, *args, **kwargs):
        Path(directory, "1").mkdir(parents=True)
        Path(directory, "1", "shops.csv").write_text("shop_id\n", "utf-8")
        return bytearray(2**31)  # beyond the limit: MemoryError in the child

    for cls in (Verification, Diff):
        monkeypatch.setattr(cls, "write_data", write_then_grow)
    for out, existed in ((tmp_path / "new", False), (tmp_path / "empty", True)):
        if existed:
            out.mkdir()
        result = CliRunner().invoke(main, [*command, "--memory-limit", "256MiB", "--witness-data", str(out)])
        assert result.exit_code == 2, result.output
        assert "the evaluation needed more memory than the limit of 256 MiB" in result.output
        assert "Traceback" not in result.output
        assert (sorted(out.iterdir()) == [] if existed else not out.exists()), sorted(out.rglob("*"))
