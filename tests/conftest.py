"""pytest hooks: the ``slow`` marker and the order files run in. Shared helpers live in ``tests/support.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

#: Tests that take more than about a second of CPU each (generated policies, witness searches,
#: every example through a second path, every day of a range, CLI runs, browsers, Spark);
#: ``./dev test -m "not slow"`` leaves them out: a quick run (its budget: under a minute on 2
#: cores) that still runs tests of every layer. An entry is a file, a test (all its
#: parametrizations) or one parametrization. Some modules mark their own with ``@pytest.mark.slow``.
SLOW = (
    # analysis: searches over the bundled policies
    "tests/analysis/test_coverage.py::test_bundled_coverage_needs_nothing_beside_the_clone",
    "tests/analysis/test_coverage.py::test_bundled_policies_cover_every_clause_of_their_documents",
    "tests/analysis/test_diff.py::test_a_change_appears_only_with_a_free_parameter",
    "tests/analysis/test_diff.py::test_at_least_groups_and_ranked_outcomes",
    "tests/analysis/test_diff.py::test_cli_diff_witness_data",
    "tests/analysis/test_diff.py::test_no_change_against_itself",
    "tests/analysis/test_diff.py::test_with_data_lists_exactly_the_entities_that_change",
    "tests/analysis/test_diff.py::test_without_data_against_brute_force",
    "tests/analysis/test_diff.py::test_without_data_tier_witnesses_are_rows",
    "tests/analysis/test_diff.py::test_without_data_witnesses_check_out",
    "tests/analysis/test_synth.py::test_the_day_and_what_comes_from_it_are_not_free_figures",
    "tests/analysis/test_verify.py::test_bundled_policies_witnesses_check_out",
    "tests/analysis/test_verify.py::test_cli_verify",
    "tests/analysis/test_verify.py::test_cli_witness_data_round_trip",
    "tests/analysis/test_verify.py::test_novice_findings",
    "tests/analysis/test_verify.py::test_novice_with_a_free_reading_of_the_class_b_clause",
    "tests/analysis/test_verify.py::test_parameters_change_the_findings",
    "tests/analysis/test_verify.py::test_the_search_program_states_these_leaves[windows]",  # 3.2 CPU s alone
    "tests/analysis/test_whatif.py::test_already_there",
    "tests/analysis/test_whatif.py::test_best_month_figure_and_for_each_entities",
    "tests/analysis/test_whatif.py::test_cli_what_if",
    "tests/analysis/test_whatif.py::test_novice_repairs_check_out",
    "tests/analysis/test_whatif.py::test_small_policy_random_entities",
    "tests/analysis/test_whatif.py::test_tier_p03_is_ten_orders_short",
    "tests/analysis/test_whatif.py::test_tier_p12_alternatives",
    "tests/analysis/test_whatif.py::test_tier_repairs_are_right_and_minimal",
    "tests/analysis/test_whatif.py::test_a_repair_is_checked_on_the_program",  # 2.2
    "tests/architecture/test_layers.py::test_no_module_imports_another_modules_private_names",
    # asp, engine: every example entity through a second path
    "tests/asp/test_cells.py::test_a_number_and_its_representative_meet_every_bound_alike",
    "tests/asp/test_cells.py::test_every_example_entity_solved_alone_with_exact_figures_gets_the_shared_answer",
    "tests/asp/test_cells.py::test_the_explained_leaf_results_equal_the_leaf_evaluators",
    "tests/asp/test_cells.py::test_the_program_decides_the_same_status_as_the_exact_leaf_result[life-2024-04-01]",
    "tests/asp/test_cells.py::test_the_program_decides_the_same_status_as_the_exact_leaf_result[tier-2024-04-01]",
    "tests/asp/test_offsets.py::test_offsets_decided_by_the_program_equal_the_exact_statuses[start_day_excluded]",
    "tests/asp/test_offsets.py::test_offsets_decided_by_the_program_equal_the_exact_statuses[start_day_is_day_1]",
    "tests/asp/test_month_in_window.py::test_months_in_windows_decided_by_the_program_equal_the_exact_statuses",  # 2.2
    "tests/asp/test_window_membership.py::test_shops_in_one_cell_get_the_answer_each_gets_alone",  # 2.1
    "tests/asp/test_terms.py::test_number_terms_compare_as_the_numbers_do",
    "tests/engine/test_history.py::test_duckdb_gives_the_same_novice_verdicts",
    "tests/engine/test_history.py::test_figures_that_read_no_day_are_measured_once_per_shop_not_once_per_history_day",
    "tests/engine/test_history.py::test_the_derived_exit_day_equals_the_record_on_every_example_shop_that_has_one",
    "tests/engine/test_node_ids.py::test_a_spawned_process_evaluates_a_pickled_policy_and_makes_ids_of_its_own",
    "tests/engine/test_speed_paths.py::test_field_parsers_agree_with_parse_value",
    "tests/engine/test_speed_paths.py::test_per_entity_caches_and_closures_give_what_the_plain_walker_gives",
    "tests/engine/test_speed_paths.py::test_shared_answers_equal_one_solve_per_entity",
    "tests/engine/test_timeline.py::test_chunks_of_entities_share_the_answers_of_earlier_chunks",
    "tests/engine/test_timeline.py::test_a_limit_an_audit_reaches_hints_what_it_can_be_given_less_of",  # 6 s: waits for its limits
    "tests/engine/test_timeline.py::test_a_days_explanation_is_made_only_when_read",
    "tests/engine/test_timeline.py::test_every_day_of_every_example_entity_equals_the_one_day_evaluation",
    "tests/engine/test_timeline.py::test_a_range_solved_for_its_outcomes_only_gives_the_same_records",  # novice: 3 s
    # cli: audits end to end
    "tests/cli/test_cli.py::test_a_failed_audit_leaves_the_earlier_verdict_file_as_it_was",
    "tests/cli/test_cli.py::test_audit_writes_verdicts_summary_and_record",
    "tests/cli/test_cli.py::test_explain_text_json_and_languages",
    "tests/cli/test_timeline_cli.py::test_audit_range_counts_the_days_each_outcome_held",
    "tests/cli/test_timeline_cli.py::test_audit_range_in_workers_writes_the_same_records_and_a_decision_record",
    "tests/cli/test_timeline_cli.py::test_timeline_text_json_and_csv",
    # columnar: DuckDB and Spark against the Python reference
    "tests/columnar/test_columnar_duckdb.py::test_duckdb_figure_table_equals_python_on_generated_policies",
    "tests/columnar/test_columnar_duckdb.py::test_duckdb_figure_table_equals_python_on_the_bundled_examples[life-2024-04-01-True]",
    "tests/columnar/test_columnar_duckdb.py::test_duckdb_figure_table_equals_python_on_the_bundled_examples[novice-2024-03-15-False]",
    "tests/columnar/test_columnar_duckdb.py::test_duckdb_figure_table_equals_python_on_the_bundled_examples[tier-2024-04-01-True]",
    "tests/columnar/test_columnar_duckdb.py::test_renew_on_duckdb_reads_shop_daily_itself_and_gives_the_python_verdicts[while_bound]",
    "tests/columnar/test_columnar_duckdb.py::test_the_tier_order_figures_are_measured_by_duckdb",
    "tests/columnar/test_columnar_engine.py::test_a_bound_shop_without_a_shops_row_is_walked_in_python_and_the_others_decided_in_sql",
    "tests/columnar/test_columnar_engine.py::test_explain_on_duckdb_leaves_the_tables_duckdb_reads_to_it",
    "tests/columnar/test_columnar_engine.py::test_a_relation_table_duckdb_reads_itself_rejects_reversed_spans_as_the_reader_does",
    "tests/columnar/test_columnar_engine.py::test_a_table_duckdb_reads_itself_rejects_the_readers_rows",
    "tests/columnar/test_columnar_engine.py::test_audit_files_are_the_same_on_duckdb[life-2024-04-01-True]",
    "tests/columnar/test_columnar_engine.py::test_audit_files_are_the_same_on_duckdb[novice-2024-03-15-False]",
    "tests/columnar/test_columnar_engine.py::test_audit_files_are_the_same_on_duckdb[renew-2024-06-30-True]",
    "tests/columnar/test_columnar_engine.py::test_audit_files_are_the_same_on_duckdb[tier-2024-04-01-True]",
    "tests/columnar/test_columnar_engine.py::test_explain_on_duckdb_counts_every_row_of_the_file_in_one_pass",
    "tests/columnar/test_columnar_engine.py::test_explain_on_duckdb_gives_a_filter_per_item_every_row_of_the_item_it_reads",
    "tests/columnar/test_columnar_engine.py::test_explain_on_duckdb_is_the_same",
    "tests/columnar/test_columnar_engine.py::test_explain_on_duckdb_reads_only_the_entity_s_rows_with_the_python_output",
    "tests/columnar/test_columnar_engine.py::test_explain_on_duckdb_reads_the_rows_the_python_reader_finds_by_an_id_with_white_space",
    "tests/columnar/test_columnar_engine.py::test_explain_on_duckdb_validates_the_rows_the_python_engine_validates",
    "tests/columnar/test_columnar_engine.py::test_json_lines_tables_duckdb_reads_itself_give_the_same_audit",
    "tests/columnar/test_columnar_engine.py::test_parquet_tables_duckdb_reads_itself_give_the_same_audit",
    "tests/columnar/test_columnar_engine.py::test_the_monthly_standard_measured_once_per_category_gives_the_python_verdicts",
    "tests/columnar/test_columnar_engine.py::test_verdicts_on_duckdb_equal_pythons_on_generated_policies",
    "tests/columnar/test_columnar_engine.py::test_workers_on_duckdb_give_the_same_verdicts",
    "tests/columnar/test_columnar_figures.py::test_leaf_results_from_the_figure_table_equal_the_leaf_evaluators[life-2024-04-01-True]",
    "tests/columnar/test_columnar_figures.py::test_leaf_results_from_the_figure_table_equal_the_leaf_evaluators[novice-2024-03-15-False]",
    "tests/columnar/test_columnar_figures.py::test_leaf_results_from_the_figure_table_equal_the_leaf_evaluators[tier-2024-04-01-True]",
    "tests/columnar/test_columnar_figures.py::test_leaf_results_from_the_figure_table_on_generated_policies",
    "tests/columnar/test_columnar_fuse.py::test_fused_queries_give_each_query_s_results_on_generated_policies",
    "tests/columnar/test_columnar_fuse.py::test_fused_queries_give_each_query_s_results_on_the_bundled_examples[tier-2024-04-01-True]",
    "tests/columnar/test_columnar_scan.py::test_every_example_table_as_json_lines_reads_as_the_reader_reads_it[tier-4]",
    "tests/columnar/test_columnar_scan.py::test_every_example_table_as_parquet_reads_as_the_reader_reads_it[life-text]",
    "tests/columnar/test_columnar_scan.py::test_every_example_table_as_parquet_reads_as_the_reader_reads_it[novice-typed]",
    "tests/columnar/test_columnar_scan.py::test_every_example_table_as_parquet_reads_as_the_reader_reads_it[tier-text]",
    "tests/columnar/test_columnar_scan.py::test_every_example_table_as_parquet_reads_as_the_reader_reads_it[tier-typed]",
    "tests/columnar/test_columnar_scan.py::test_every_example_table_reads_as_the_reader_reads_it[novice]",
    "tests/columnar/test_columnar_scan.py::test_every_example_table_reads_as_the_reader_reads_it[tier]",
    "tests/columnar/test_columnar_spark.py",
    # data
    "tests/data/test_lazydata.py::test_a_duplicate_key_is_rejected_as_in_a_full_load",
    "tests/data/test_lazydata.py::test_bad_rows_of_the_entity_are_still_rejected_and_bad_rows_of_others_are_not_validated",
    "tests/data/test_lazydata.py::test_every_entity_alone_gets_the_verdict_of_the_full_evaluation",
    # hostile: every field, date position or clock, each through an evaluation or a CLI run
    "tests/hostile/test_hostile.py::test_damaged_files_give_per_row_errors_or_a_diagnostic_and_always_balance",
    "tests/hostile/test_hostile_analysis.py::test_a_limit_reached_while_writing_witness_data_leaves_none",
    "tests/hostile/test_hostile_analysis.py::test_a_memory_limit_reached_is_exit_2_with_the_message_and_no_witness_data",
    "tests/hostile/test_hostile_analysis.py::test_an_evaluation_without_a_day_is_an_error_on_any_clock",
    "tests/hostile/test_hostile_analysis.py::test_the_fake_clock_is_the_one_the_cli_reads",  # 1.4: a process
    "tests/hostile/test_hostile_analysis.py::test_without_a_day_to_run_on_the_error_says_which",
    "tests/hostile/test_hostile_calendar.py::test_explain_and_audit_of_an_open_end_date_give_verdicts_not_exit_1",
    "tests/hostile/test_hostile_calendar.py::test_extreme_as_of_dates",
    "tests/hostile/test_hostile_calendar.py::test_extreme_value_in_every_date_position",
    "tests/hostile/test_hostile_cli.py::test_diff_within_generous_limits_gives_the_same_answer",
    "tests/hostile/test_hostile_cli.py::test_out_an_existing_directory_is_a_usage_error_and_leaves_nothing",
    "tests/hostile/test_hostile_cli.py::test_what_if_honours_a_memory_limit_reached_in_a_real_process",
    "tests/hostile/test_hostile_cli.py::test_what_if_within_generous_limits_gives_the_same_answer",
    "tests/hostile/test_hostile_isolation.py::test_audit_goes_on_counts_the_error_and_exits_3",
    "tests/hostile/test_hostile_isolation.py::test_explain_and_the_decision_record_name_the_rows_rejected_for_the_entity",
    "tests/hostile/test_hostile_isolation.py::test_one_failing_entity_gets_an_error_verdict_and_the_others_are_unchanged",
    "tests/hostile/test_hostile_isolation.py::test_verdicts_of_the_other_entities_equal_a_clean_run",
    "tests/hostile/test_hostile_program.py::test_policy_strings_do_not_become_program_text[title]",
    "tests/hostile/test_hostile_program.py::test_policy_strings_do_not_become_program_text[version]",
    "tests/hostile/test_hostile_tables.py",  # every field of every bundled table: one evaluation of the examples each
    # language: generated and fuzzed text
    "tests/language/test_fuzz_parser.py::test_cli_check_exits_2_without_traceback",
    "tests/language/test_fuzz_parser.py::test_mutated_bundled_policies_are_diagnosed",
    "tests/language/test_fuzz_parser.py::test_random_text_is_diagnosed",
    "tests/language/test_language_traps.py::test_evaluation_without_as_of_is_an_error_and_today_is_asked_for",
    "tests/language/test_roundtrip.py::test_generated_policy_roundtrips",
    # oracle, policies: the bundled examples and their own tests
    "tests/oracle/test_oracle.py::test_bundled_examples_agree_with_the_oracle",
    "tests/oracle/test_oracle.py::test_generated_policies_agree_with_the_oracle",
    "tests/oracle/test_oracle.py::test_the_long_run_entry_point_reports_its_figure",
    "tests/policies/test_examples.py::test_novice_example_rejects_exactly_the_three_bad_rows",
    "tests/policies/test_examples.py::test_tier_example_outcomes",
    "tests/policies/test_life.py::test_cli_audit_and_explain",
    "tests/policies/test_life.py::test_examples_tell_their_stories",
    "tests/policies/test_novice.py::test_a_finding_on_the_exit_day_caps_under_4_3_from_that_day",
    "tests/policies/test_policytest.py::test_bundled_policy_tests_pass",
    "tests/policies/test_renew.py::test_policy_tests_pass_with_full_node_coverage",
    "tests/policies/test_renew.py::test_the_order_line_matches_a_direct_count_of_the_period",
    # report: audits of the examples (test_report.py's share one, made by the first that asks), browsers
    "tests/report/test_audit_summary.py::test_audit_summary_separates_deciding_failures",
    "tests/report/test_columns.py::test_counts_made_once_per_answer_equal_the_counts_of_each_verdict[life-2024-04-01-True]",
    "tests/report/test_columns.py::test_counts_made_once_per_answer_equal_the_counts_of_each_verdict[tier-2024-04-01-True]",
    "tests/report/test_columns.py::test_csv_parquet_and_json_lines_in_columns_hold_the_tree_s_records",
    "tests/report/test_columns.py::test_every_column_says_what_the_tree_says[life-2024-04-01-True-duckdb]",
    "tests/report/test_columns.py::test_every_column_says_what_the_tree_says[life-2024-04-01-True-python]",
    "tests/report/test_columns.py::test_every_column_says_what_the_tree_says[novice-2024-03-15-False-duckdb]",
    "tests/report/test_columns.py::test_every_column_says_what_the_tree_says[novice-2024-03-15-False-python]",
    "tests/report/test_columns.py::test_every_column_says_what_the_tree_says[tier-2024-04-01-True-python]",
    "tests/report/test_columns.py::test_parquet_row_groups_do_not_depend_on_the_chunks",
    "tests/report/test_columns.py::test_the_report_of_a_file_in_columns_says_it_needs_the_trees",
    "tests/report/test_columns.py::test_the_tree_form_is_kept_on_request_and_refused_where_it_cannot_go",
    "tests/report/test_columns.py::test_two_workers_write_the_file_one_writes",
    "tests/report/test_effective_date.py",  # two audits (tier, novice), about 10 s
    "tests/report/test_encode.py::test_compiled_leaves_equal_the_tree_walker",
    "tests/report/test_encode.py::test_json_text_equals_the_models_on_generated_policies",
    "tests/report/test_encode.py::test_json_text_equals_the_models_on_the_bundled_examples[life-2024-04-01-True]",
    "tests/report/test_encode.py::test_json_text_equals_the_models_on_the_bundled_examples[tier-2024-04-01-True]",
    "tests/report/test_encode.py::test_streamed_audit_files_equal_the_files_made_from_models",
    "tests/report/test_encode.py::test_verdict_text_is_the_same_with_and_without_the_answer_frames",  # 3, 13, 24 s
    "tests/report/test_missing_data.py::test_an_undecided_outcome_lists_the_data_its_clause_misses",
    "tests/report/test_missing_data.py::test_explain_and_audit_list_the_same_missing_data",
    "tests/report/test_report.py::test_a_verdict_that_cannot_be_explained_is_a_diagnostic",
    "tests/report/test_report.py::test_above_the_limit_the_table_is_a_sample_and_counts_stay_exact",
    "tests/report/test_report.py::test_audit_writes_the_report_beside_any_verdict_format",
    "tests/report/test_report.py::test_compare_lists_changed_outcomes_and_conditions",
    "tests/report/test_report.py::test_counts_are_those_of_the_verdict_file",
    "tests/report/test_report.py::test_entities_that_could_not_be_evaluated_are_counted",
    "tests/report/test_report.py::test_explanations_are_explains_tree",
    "tests/report/test_report.py::test_histograms_count_every_figure_and_the_bound_is_an_edge",
    "tests/report/test_report.py::test_near_the_line_lists_figures_within_the_share_in_explains_words",
    "tests/report/test_report.py::test_the_page_is_self_contained_and_deterministic",
    "tests/report/test_report.py::test_user_errors_are_diagnostics",
    "tests/report/test_range_report.py::test_the_range_report_shows_the_days_each_outcome_held",
    "tests/report/test_range_report.py::test_the_range_report_in_chinese_and_a_report_that_is_not_html",
    "tests/report/test_report_browser.py",
    "tests/report/test_report_xlsx.py::test_every_verdict_file_and_report_lists_the_same_failing_conditions",
    "tests/report/test_report_xlsx.py::test_summary_and_record_sheets",
)

#: One quick representative of a module SLOW lists whole.
QUICK = (
    "tests/hostile/test_hostile_tables.py::test_hostile_cells_in_every_field_of_every_table[renew-empty-shared-rows]",
)


#: The files that take most of the suite's CPU, heaviest first. They run first: ``./dev test`` hands
#: whole files to its processes in the order collected (``--dist loadfile --no-loadscope-reorder``),
#: each process taking the next file when it is done, so the light files fill the end and neither
#: process is left running a long file alone. (xdist's own order, by number of tests, put files with
#: few but slow tests, such as verify's and diff's witness searches, last.) Only the order changes.
#: The numbers: the file's CPU seconds in one process (2026-12-07, load 5-9); a file without one was
#: not measured then and is placed by its SLOW entries. A second number, "alone": the file run by
#: itself in one process (2026-12-08 00:30-01:10 UTC, load 14-17), and what changes cut.
HEAVY = (
    # these: CPU s in a run of the whole suite on 2 processes at bb8df84 (2026-12-07 19:16, load 2-4.5)
    "tests/columnar/test_columnar_engine.py",  # 183 (119 before)
    "tests/analysis/test_verify.py",  # 125 (183 before 90e2121 and 6ecf35c)
    "tests/oracle/test_oracle.py",  # 112; alone: generated policies 35, the same on DuckDB 29, the examples 6
    "tests/engine/test_timeline.py",  # 111
    "tests/analysis/test_diff.py",  # 100; alone 66, novice's search without data 33 (test_cli_diff 11.2 -> 0.7: 7f3235d)
    "tests/report/test_encode.py",  # 84; alone 43 (its tier streamed files 13 -> 0.9: 3b8fc9f)
    "tests/hostile/test_hostile_calendar.py",  # 47
    "tests/report/test_columns.py",  # 43; alone 26
    "tests/hostile/test_hostile_tables.py",  # 82 (131 before 23dd7b0); alone 65 -> 29 (563bce5, a smaller tier)
    "tests/engine/test_speed_paths.py",  # 39; alone 21 (its tier every-leaf case 8.6 -> 0.3: eb19bab)
    "tests/columnar/test_columnar_spark.py",
    "tests/asp/test_cells.py",  # 35
    "tests/analysis/test_whatif.py",
    "tests/analysis/test_coverage.py",
    "tests/report/test_report_browser.py",
    "tests/hostile/test_hostile_analysis.py",
    "tests/columnar/test_columnar_duckdb.py",  # 7 or more
    "tests/engine/test_history.py",  # 21
    "tests/columnar/test_columnar_scan.py",  # 19
    "tests/report/test_report.py",  # 18
    "tests/policies/test_life.py",  # 17
    "tests/hostile/test_hostile_cli.py",  # 13
    "tests/cli/test_cli.py",  # 11
    "tests/policies/test_novice.py",  # 11
    "tests/cli/test_timeline_cli.py",  # 10
    "tests/policies/test_renew.py",  # 10
    "tests/report/test_effective_date.py",
    "tests/architecture/test_layers.py",
)


def listed(nodeid: str, entries: tuple[str, ...]) -> bool:
    """Whether an entry names this test: its file, its function, or exactly this parametrization."""
    return any(nodeid == entry or nodeid.startswith((entry + "::", entry + "[")) for entry in entries)


def pytest_configure(config):
    missing = [f for f in HEAVY if not (Path(__file__).resolve().parent.parent / f).is_file()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py HEAVY names files that do not exist: {', '.join(missing)}")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if listed(item.nodeid, SLOW) and not listed(item.nodeid, QUICK):
            item.add_marker(pytest.mark.slow)
    rank = {f: i for i, f in enumerate(HEAVY)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(HEAVY)))  # stable: within a file, as written
