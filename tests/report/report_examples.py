"""The bundled examples audited once per test session, for the report tests (HTML, xlsx, browser)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from clausewise.cli.main import main

ROOT = Path(__file__).resolve().parents[2]

#: name -> (policy, data, params file or None, as-of): the audits ./dev demo runs
BUNDLED = {
    "tier": ("policies/tier.policy", "examples/tier", "examples/tier/params.json", "2024-04-01"),
    "novice": ("policies/novice.policy", "examples/novice", None, "2024-03-15"),
    "renew": ("policies/renew.policy", "examples/renew", "examples/renew/params.json", "2024-06-30"),
    "life": ("policies/life.policy", "examples/life", "examples/life/params.json", "2024-04-01"),
}


def audit(name: str, out: Path, *extra: str, check: bool = True) -> Any:
    """Run ``clausewise audit`` on a bundled example, writing ``out`` (and whatever ``extra`` asks);
    ``check``: fail unless it exits 0, 1 or 3."""
    policy, data, params, as_of = BUNDLED[name]
    args = ["audit", str(ROOT / policy), "--data", str(ROOT / data), "--as-of", as_of, "--out", str(out),
            "--workers", "1", *extra]
    if params:
        args += ["--params", str(ROOT / params)]
    result = CliRunner().invoke(main, args)
    assert not check or result.exit_code in (0, 1, 3), result.output  # 3: renew's R37, whose row is rejected
    return result


def verdicts(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def walk(nodes: list[dict[str, Any]]):
    for node in nodes:
        yield node
        yield from walk(node["children"])
