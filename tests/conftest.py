"""pytest hooks: the ``slow`` marker. Shared helpers live in ``tests/support.py``."""

from __future__ import annotations

import pytest

#: Tests that take seconds each (generated policies, witness searches, every example through a
#: second path, browsers, Spark); ``./dev test -m "not slow"`` leaves them out for a quick run.
#: A test id here is a prefix: a file, a test, or one parametrization of it.
SLOW = (
    "tests/oracle/test_oracle.py::test_generated_policies_agree_with_the_oracle",
    "tests/hostile/test_hostile_tables.py",  # every field of every bundled table: one evaluation of the examples each
    "tests/language/test_roundtrip.py::test_generated_policy_roundtrips",
    "tests/analysis/test_verify.py::test_bundled_policies_witnesses_check_out",
    "tests/analysis/test_verify.py::test_cli_witness_data_round_trip",
    "tests/analysis/test_verify.py::test_parameters_change_the_findings",
    "tests/analysis/test_verify.py::test_novice_findings",
    "tests/analysis/test_verify.py::test_novice_with_a_free_reading_of_the_class_b_clause",
    "tests/analysis/test_diff.py::test_cli_diff",
    "tests/analysis/test_diff.py::test_without_data_tier_witnesses_are_rows",
    "tests/analysis/test_diff.py::test_without_data_witnesses_check_out",
    "tests/language/test_fuzz_parser.py::test_mutated_bundled_policies_are_diagnosed",
    "tests/language/test_fuzz_parser.py::test_random_text_is_diagnosed",
    "tests/data/test_lazydata.py::test_every_entity_alone_gets_the_verdict_of_the_full_evaluation",
    "tests/engine/test_speed_paths.py::test_per_entity_caches_and_closures_give_what_the_plain_walker_gives",
    "tests/report/test_encode.py::test_json_text_equals_the_models_on_generated_policies",
    "tests/report/test_encode.py::test_streamed_audit_files_equal_the_files_made_from_models",
    "tests/analysis/test_whatif.py::test_cli_what_if",
    "tests/analysis/test_whatif.py::test_novice_repairs_check_out",
    "tests/hostile/test_hostile_calendar.py",
    "tests/report/test_effective_date.py",  # two audits (tier, novice), about 10 s
    "tests/columnar/test_columnar_spark.py",
    "tests/columnar/test_columnar_fuse.py::test_fused_queries_give_each_query_s_results_on_generated_policies",
    "tests/columnar/test_columnar_engine.py::test_parquet_tables_duckdb_reads_itself_give_the_same_audit",
    "tests/columnar/test_columnar_engine.py::test_the_monthly_standard_measured_once_per_category",
    "tests/columnar/test_columnar_engine.py::test_a_relation_table_duckdb_reads_itself_rejects_reversed_spans",
    "tests/report/test_report_browser.py",
    "tests/asp/test_cells.py::test_every_example_entity_solved_alone",
    "tests/asp/test_cells.py::test_the_explained_leaf_results_equal",
    "tests/engine/test_timeline.py::test_every_day_of_every_example_entity_equals_the_one_day_evaluation",
    "tests/engine/test_history.py::test_duckdb_gives_the_same_novice_verdicts",
    "tests/cli/test_timeline_cli.py::test_audit_range_counts_the_days_each_outcome_held",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
