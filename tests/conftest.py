"""Shared helpers for the test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = os.environ.get("CLAUSEWISE_UPDATE_GOLDEN") == "1"

HEADER = """policy t {
  title "测试" / "test"
  version "1"
  effective from 2020-01-01
  source "x.txt"
  entity shop in shops
}
table shops key shop_id {
  shop_id: string
  opened_on: date
  shop_type: enum(flagship, ordinary)
  main_category: string
}
table shop_daily key shop_id, date by date {
  shop_id: string -> shops
  date: date
  paid_orders: orders
  amount_yuan: yuan
  experience_score: score optional
}
"""


def golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; CLAUSEWISE_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if UPDATE_GOLDEN or not path.exists():
        path.write_text(actual, "utf-8")
        if not UPDATE_GOLDEN:
            pytest.fail(f"golden file {name} was missing and has been written; check it in")
    assert actual == path.read_text("utf-8"), f"differs from golden file {name} (CLAUSEWISE_UPDATE_GOLDEN=1 to accept)"


def node(verdict, node_id: str):
    """The explanation node with this id anywhere in a verdict's tree (KeyError if none)."""
    stack = list(verdict.rules)
    while stack:
        n = stack.pop()
        if n.id == node_id:
            return n
        stack += n.children
    raise KeyError(node_id)


#: Tests that take seconds each (generated policies, witness searches, every example through a
#: second path, browsers, Spark); ``./dev test -m "not slow"`` leaves them out for a quick run.
#: A test id here is a prefix: a file, a test, or one parametrization of it.
SLOW = (
    "tests/test_oracle.py::test_generated_policies_agree_with_the_oracle",
    "tests/test_roundtrip.py::test_generated_policy_roundtrips",
    "tests/test_verify.py::test_bundled_policies_witnesses_check_out",
    "tests/test_verify.py::test_cli_witness_data_round_trip",
    "tests/test_verify.py::test_parameters_change_the_findings",
    "tests/test_verify.py::test_novice_findings",
    "tests/test_diff.py::test_cli_diff",
    "tests/test_diff.py::test_without_data_tier_witnesses_are_rows",
    "tests/test_diff.py::test_without_data_witnesses_check_out",
    "tests/test_fuzz_parser.py::test_mutated_bundled_policies_are_diagnosed",
    "tests/test_fuzz_parser.py::test_random_text_is_diagnosed",
    "tests/test_lazydata.py::test_every_entity_alone_gets_the_verdict_of_the_full_evaluation",
    "tests/test_speed_paths.py::test_per_entity_caches_and_closures_give_what_the_plain_walker_gives",
    "tests/test_encode.py::test_json_text_equals_the_models_on_generated_policies",
    "tests/test_encode.py::test_streamed_audit_files_equal_the_files_made_from_models",
    "tests/test_whatif.py::test_cli_what_if",
    "tests/test_whatif.py::test_novice_repairs_check_out",
    "tests/test_hostile_calendar.py",
    "tests/test_columnar_spark.py",
    "tests/test_report_browser.py",
    "tests/asp/test_cells.py::test_every_example_entity_solved_alone",
    "tests/asp/test_cells.py::test_the_explained_leaf_results_equal",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
