"""The ``clausewise`` command line: a thin layer over the library.

Exit codes: 0 all compliant (or all checks pass), 1 some entity not compliant or
undetermined, 2 a bad policy, bad data or bad usage, 3 some entity could not be evaluated
(its verdict names the error; the others were evaluated).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable

import click

from clausewise.data.files import file_sha256
from clausewise.engine.engines import CLI_DEFAULT_ENGINE, ENGINES, engine_label
from clausewise.engine.policy import load_policy, load_versions, parse_day
from clausewise.evaluate.params import load_params_file
from clausewise.language.diagnostics import ClausewiseError
from clausewise.report.explain import COLORS, render_text
from clausewise.report.models import Evaluation, Verdict
from clausewise.report.records import Tally, VerdictSink, decision_record, default_form
from clausewise.version import __version__


def _fail(err: ClausewiseError) -> None:
    for d in err.diagnostics:
        click.echo(d.render(), err=True)
    sys.exit(2)


def user_errors(fn: Callable) -> Callable:
    """Report ClausewiseError as diagnostics with exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ClausewiseError as err:
            _fail(err)

    return wrapper


_SIZES = {"": 1, "b": 1, "k": 2**10, "kb": 10**3, "kib": 2**10, "m": 2**20, "mb": 10**6, "mib": 2**20,
          "g": 2**30, "gb": 10**9, "gib": 2**30}


#: the largest limits accepted: beyond them a limit means nothing and some calls would overflow
MAX_MEMORY, MAX_SECONDS = 2**50, 10**7


def _memory_option(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip().lower().replace(" ", "")
    number = text.rstrip("kmgib")
    unit = text[len(number):]
    try:
        size = Decimal(number) * _SIZES[unit]
    except (InvalidOperation, KeyError):
        raise click.BadParameter(f"{value!r} is not a size; write e.g. 2GiB, 500MiB or 1000000000") from None
    if not size.is_finite() or size > MAX_MEMORY:
        raise click.BadParameter(f"{value!r} is not a size this machine could have (at most 1 PiB)")
    if size < 2**20:
        raise click.BadParameter(f"{value!r} is below 1 MiB")
    return int(size)


def _time_option(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = Decimal(value.strip())
    except InvalidOperation:
        raise click.BadParameter(f"{value!r} is not a number of seconds") from None
    if not seconds.is_finite() or not 0 < seconds <= MAX_SECONDS:
        raise click.BadParameter(f"{value!r} is not a time limit: give seconds, more than 0 and at most {MAX_SECONDS:,}")
    return float(seconds)


def evaluation_options(fn: Callable) -> Callable:
    """Options shared by every command that evaluates a policy over data."""
    options = [
        click.option("--data", "data", multiple=True, required=True, type=click.Path(),
                     help="A directory of table files, or one table file (CSV, JSON Lines, Parquet). Repeatable."),
        click.option("--as-of", "as_of", default=None, metavar="DATE",
                     help="The evaluation day, YYYY-MM-DD, or 'today' (required: no default)."),
        click.option("--param", "param", multiple=True, metavar="NAME=VALUE",
                     help="A parameter value, e.g. --param silver_paid_orders=900万. Repeatable."),
        click.option("--params", "params_file", type=click.Path(), default=None,
                     help="A JSON file of parameter values."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return limit_options(fn)


def limit_options(fn: Callable) -> Callable:
    """--time-limit and --memory-limit: every long command honours them (exit 2 naming the limit)."""
    fn = click.option("--memory-limit", callback=_memory_option, default=None, metavar="SIZE",
                      help="Stop with an error (exit 2) if the command needs more memory, e.g. 2GiB, 500MiB.")(fn)
    return click.option("--time-limit", callback=_time_option, default=None, metavar="SECONDS",
                        help="Stop with an error (exit 2) if the command takes longer.")(fn)


def gather_params(param: tuple[str, ...], params_file: str | None) -> dict[str, Any]:
    values: dict[str, Any] = load_params_file(params_file) if params_file else {}
    for item in param:
        if "=" not in item:
            raise ClausewiseError.simple("--param", f"expected NAME=VALUE, got {item!r}")
        name, value = item.split("=", 1)
        values[name.strip()] = value
    return values


def known_params(params: dict[str, Any], policies) -> None:
    """A parameter that none of ``policies`` has is an error (diff gives each version only its own)."""
    from clausewise.language.diagnostics import did_you_mean
    from clausewise.language.sorts import CONVENTION

    names = {name for policy in policies for name in policy.checked.params} | {CONVENTION}
    for name in params:
        if name not in names:
            raise ClausewiseError.simple("parameters", f"unknown parameter {name!r}", did_you_mean(name, names))


def as_of_day(text: str | None, option: str = "--as-of") -> dt.date:
    """The day an option names: YYYY-MM-DD, or ``today`` (the machine's clock, only when asked for, with a
    note on stderr). Without it, an error: no answer depends on the day it runs unless the command says so."""
    if text is None:
        raise ClausewiseError.simple(option, "no evaluation day given: the verdicts would depend on the day the "
                                     "command runs", f"give the day: {option} YYYY-MM-DD (or {option} today, "
                                     "for the machine's date)")
    if text.strip().lower() == "today":
        today = dt.date.today()
        click.echo(f"note: {option} today is {today} (the machine's clock)", err=True)
        return today
    return parse_day(text, option)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clausewise")
def main() -> None:
    """clausewise: platform rules as policies, checked, compiled to ASP and explained."""


@main.command()
@click.argument("policies", nargs=-1, required=True, type=click.Path())
def check(policies: tuple[str, ...]) -> None:
    """Check POLICIES statically and print every diagnostic (exit 2 on errors)."""
    failed = False
    for path in policies:
        try:
            policy = load_policy(path)
        except ClausewiseError as err:
            failed = True
            for d in err.diagnostics:
                click.echo(d.render(), err=True)
            continue
        for warning in policy.checked.warnings:
            click.echo(warning.render(), err=True)
        c = policy.checked
        click.echo(f"{path}: ok — policy {policy.name} version {policy.version}: {len(c.tables)} tables, "
                   f"{len(c.params)} parameters, {len(c.rules)} rules, {len(c.decides)} outcome fields")
    sys.exit(2 if failed else 0)


@main.command(name="compile")
@click.argument("policy", type=click.Path())
@user_errors
def compile_cmd(policy: str) -> None:
    """Print the Answer Set Program that POLICY compiles to."""
    click.echo(load_policy(policy).program, nl=False)


@main.command(name="fmt")
@click.argument("policies", nargs=-1, required=True, type=click.Path())
@click.option("--check", "check_only", is_flag=True, help="Change nothing; exit 1 if a file is not formatted.")
def fmt_cmd(policies: tuple[str, ...], check_only: bool) -> None:
    """Rewrite POLICIES in canonical form (comments kept); --check only reports."""
    status = 0
    for path in policies:
        try:
            text = Path(path).read_text("utf-8")
            from clausewise.language.format import format_text

            formatted = format_text(text, path)
        except (OSError, UnicodeDecodeError) as exc:
            click.echo(f"{path}: error: cannot read: {exc}", err=True)
            status = 2
            continue
        except ClausewiseError as err:
            for d in err.diagnostics:
                click.echo(d.render(), err=True)
            status = 2
            continue
        if formatted == text:
            continue
        if check_only:
            click.echo(f"{path}: would reformat")
            status = max(status, 1)
        else:
            Path(path).write_text(formatted, "utf-8")
            click.echo(f"{path}: reformatted")
    sys.exit(status)


@main.command()
@click.argument("policy", type=click.Path())
@evaluation_options
@click.option("--entity", required=True, help="The entity to explain (a provider or shop id).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Language of the labels.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--color/--no-color", default=None, help="Colour the tree (default: when writing to a terminal).")
@click.option("--engine", type=click.Choice(ENGINES), default=CLI_DEFAULT_ENGINE, show_default=True,
              help="What measures the figures: DuckDB, embedded, for the aggregates it can run (the rest in Python), the "
                   "Python evaluator (the reference), or Spark (the same verdicts).")
@user_errors
def explain(policy: str, data, as_of, param, params_file, time_limit, memory_limit, entity: str, lang: str, fmt: str,
            color, engine: str) -> None:
    """Explain the verdict of POLICY for one entity: every condition, observed vs bound, the gap."""
    day = as_of_day(as_of)
    loaded = load_versions([policy]).in_force_on(day)
    result = loaded.evaluate(list(data), day, gather_params(param, params_file), entities=[entity],
                             time_limit=time_limit, memory_limit=memory_limit, engine=engine)
    verdict = result.verdicts[0]
    own = [r for r in result.rejected if r.entity is not None and r.entity in (entity, entity.split("/")[0])]
    if fmt == "json":  # the verdict, and the rows of this entity the run rejected (the verdict does not use them)
        shown = {**json.loads(verdict.model_dump_json()), "rejected_rows": [r.model_dump() for r in own]}
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        use_color = sys.stdout.isatty() if color is None else color
        style = (lambda text, status: click.style(text, fg=COLORS[status])) if use_color else (lambda text, status: text)
        click.echo(render_text(verdict, lang, style), color=use_color)
        if own:  # the verdict rests on fewer rows than the files hold: say which
            click.echo("被拒绝的本实体数据行(判定未使用):" if lang == "zh"
                       else "rows of this entity rejected (the verdict does not use them):")
            for r in own:
                click.echo(f"  {r.file}:{r.line}: row {r.row}" + (f", field {r.field!r}" if r.field else "")
                           + f": {_one_line(r.reason)}")
    if verdict.error is not None:
        sys.exit(3)
    sys.exit(0 if verdict.compliant in (True, None) and not _undecided(verdict) else 1)


def _undecided(verdict: Verdict) -> bool:
    return verdict.compliant is None and any(not o.decided for o in verdict.outcome_details)


@main.command()
@click.argument("policy", type=click.Path())
@evaluation_options
@click.option("--out", required=True, type=click.Path(),
              help="Where to write verdicts: .jsonl, .csv, .parquet, or .xlsx (a spreadsheet with summary and record sheets).")
@click.option("--verdicts", "form", type=click.Choice(["tree", "columns"]), default=None,
              help="The form of the verdicts: an explanation tree per entity (JSON Lines; the default for .jsonl and "
                   ".xlsx), or a record per entity with each condition's status, observed value, bound and gap as "
                   "columns (the default for .csv and .parquet; cheaper to write).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes evaluating chunks of entities in parallel (default: one per core).")
@click.option("--report", "report_path", type=click.Path(), default=None, metavar="FILE.html",
              help="Also write the HTML audit report (see 'clausewise report'; with --from and --to, the range's).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the report and the spreadsheet.")
@click.option("--engine", type=click.Choice(ENGINES), default=None,
              help="What measures the figures: DuckDB, embedded, for the aggregates it can run (the rest in Python), the "
                   f"Python evaluator (the reference), or Spark (the same verdicts). Default: {CLI_DEFAULT_ENGINE}; "
                   "python for a --from/--to range, the only engine ranges run on.")
@click.option("--from", "start", default=None, metavar="DATE",
              help="With --to, instead of --as-of: per entity, the days of the range on which each outcome held.")
@click.option("--to", "end", default=None, metavar="DATE", help="The last day of the --from range (included).")
@user_errors
def audit(policy: str, data, as_of, param, params_file, time_limit, memory_limit, out: str, form: str | None,
          workers: int | None, report_path: str | None, lang: str, engine: str | None, start: str | None, end: str | None) -> None:
    """Evaluate POLICY for every entity; write verdicts, a summary and a decision record (with --from and
    --to: the days each outcome held, per entity)."""
    if start is not None or end is not None:
        if start is None or as_of is not None or engine not in (None, "python") or form is not None:
            raise ClausewiseError.simple("--from", "a range audit takes --from and --to, without --as-of, --verdicts "
                                         "or an --engine other than python",
                                         "give --from YYYY-MM-DD --to YYYY-MM-DD, or --as-of alone")
        from clausewise.engine.workers import default_workers

        timeline_command.audit_range(policy, data, start, end, gather_params(param, params_file), out,
                                     workers or default_workers(), time_limit, memory_limit, report_path, lang)
    engine = engine or CLI_DEFAULT_ENGINE
    day = as_of_day(as_of)
    loaded = load_versions([policy]).in_force_on(day)
    out_path = Path(out)
    if out_path.suffix not in (".jsonl", ".csv", ".parquet", ".xlsx"):
        raise ClausewiseError.simple("--out", f"unsupported output type '{out_path.suffix}'",
                                     "use .jsonl, .csv, .parquet or .xlsx")
    if out_path.is_dir():
        raise ClausewiseError.simple("--out", f"{out!r} is a directory", f"give a file name, e.g. {out_path / 'verdicts.jsonl'}")
    if report_path is not None and Path(report_path).suffix != ".html":
        raise ClausewiseError.simple("--report", f"unsupported report type '{Path(report_path).suffix}'", "use .html")
    kind = ".jsonl" if out_path.suffix == ".xlsx" else out_path.suffix  # the spreadsheet is made from JSON Lines
    form = form or default_form(kind)
    if form == "tree" and kind != ".jsonl":
        raise ClausewiseError.simple("--verdicts", f"a {out_path.suffix} file holds verdicts in columns",
                                     "write the tree as JSON Lines (--out FILE.jsonl), or leave out --verdicts tree")
    if form != "tree" and out_path.suffix == ".xlsx":
        raise ClausewiseError.simple("--verdicts", "the spreadsheet is made from the explanation trees",
                                     "leave out --verdicts for .xlsx, or write FILE.csv or FILE.parquet in columns")
    params = gather_params(param, params_file)
    from clausewise.engine.workers import default_workers

    limits = {"workers": workers or default_workers(), "time_limit": time_limit, "memory_limit": memory_limit,
              "engine": engine}
    tally = Tally()
    # a failed audit leaves an earlier file as it was: verdicts go to FILE.partial, renamed at the end. The report
    # and the spreadsheet are made from the trees in JSON Lines: a copy beside a file in columns, removed after
    # the report; for .xlsx, FILE.partial is JSON Lines, made into the spreadsheet and then removed
    jsonl = form == "tree"
    streamed = out_path.with_name(out_path.name + ".partial")
    side = None if jsonl or report_path is None else out_path.with_name(out_path.name + ".partial.jsonl")
    final = out_path.with_name(out_path.name + ".partial.xlsx") if out_path.suffix == ".xlsx" else streamed
    lines = side or (streamed if jsonl else None)
    temporary = [p for p in (streamed, side, final) if p is not None]
    try:
        files = [(streamed, kind, form)] + ([(side, ".jsonl", "tree")] if side else [])
        result = _stream_audit(loaded, data, day, params, limits, files, tally)
        record = decision_record(loaded, result, [Path(p) for p in data], streamed, engine_label(engine))
        if final != streamed:
            from clausewise.report.xlsx import write_xlsx

            write_xlsx(streamed, final, {k: v for k, v in record.items() if k != "verdicts"}, lang)
        final.replace(out_path)
        lines = out_path if lines == final else lines
        record["verdicts"] = {"path": str(out_path), "sha256": file_sha256(out_path), "form": form}
        record_path = out_path.with_name(out_path.name + ".record.json")
        record_path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", "utf-8")
        click.echo(summary(result, tally, loaded.plan.compliant is not None))
        click.echo(f"verdicts: {out_path}\ndecision record: {record_path}")
        if report_path is not None and lines is not None:
            from clausewise.report.html import write_report

            write_report(lines, Path(report_path), lang, record=record)
            click.echo(f"report: {report_path}")
    finally:
        for path in temporary:
            path.unlink(missing_ok=True)
    sys.exit(3 if tally.errors else 1 if tally.flagged else 0)


def _stream_audit(loaded, data, day: dt.date, params: dict, limits: dict, files: list[tuple[Path, str, str]],
                  tally: Tally) -> Evaluation:
    """Evaluate every entity, writing verdicts to each (path, kind, form) of ``files`` chunk by chunk
    and counting them in ``tally``."""
    fields = [d.field for d in loaded.plan.decides]
    with contextlib.ExitStack() as stack:
        sinks = [stack.enter_context(VerdictSink(path, fields, kind, form, loaded.plan)) for path, kind, form in files]
        if limits["engine"] == "duckdb" and len(sinks) == 1 and limits["time_limit"] is None and limits["memory_limit"] is None:
            from clausewise.engine.columnaraudit import columnar_audit  # Python once per status pattern

            done = columnar_audit(loaded, list(data), day, params, sinks[0], limits["workers"])
            if not isinstance(done, str):  # else: why not, and nothing written yet
                tally.add(done[1])
                return done[0]

        def render(raws: list) -> tuple:  # in the worker: the chunk's file text or records, and its counts
            return [sink.render(raws) for sink in sinks], Tally.of(raws)

        def on_chunk(payload: tuple) -> None:
            for sink, part in zip(sinks, payload[0]):
                sink.write(part)
            tally.add(payload[1])

        streaming = {"render_raw": render, "on_chunk": on_chunk, **limits}
        if sys.stderr.isatty():
            with click.progressbar(length=1, label="evaluating", file=sys.stderr) as bar:
                def progress(done: int, total: int) -> None:
                    bar.length = total
                    bar.update(done - bar.pos)

                return loaded.evaluate(list(data), day, params, progress=progress, **streaming)
        return loaded.evaluate(list(data), day, params, **streaming)


@main.command(name="report")
@click.argument("verdicts", type=click.Path())
@click.option("--out", required=True, type=click.Path(), metavar="FILE.html|FILE.xlsx",
              help="The report to write: a self-contained HTML page, or a spreadsheet.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Language of the report.")
@click.option("--compare", "compare", type=click.Path(), default=None, metavar="OLD_VERDICTS",
              help="An earlier audit's verdicts: list the entities whose outcome changed, and why.")
@click.option("--near", default="5%", show_default=True, metavar="SHARE",
              help="How close to its bound (a share of it) a figure is 'near the line', e.g. 5% or 0.02.")
@user_errors
def report_cmd(verdicts: str, out: str, lang: str, compare: str | None, near: str) -> None:
    """Write the audit report of VERDICTS (an audit's .jsonl file, its .record.json beside it):
    outcome and condition counts, each figure against its bound, the entities near the line,
    a searchable table of entities with their explanations, and changes since --compare."""
    from clausewise.report.html import write_report
    from clausewise.report.htmldata import parse_near, read_record

    source, target = Path(verdicts), Path(out)
    if target.suffix == ".xlsx":
        from clausewise.report.xlsx import write_xlsx

        write_xlsx(source, target, read_record(source), lang)
    elif target.suffix == ".html":
        write_report(source, target, lang, parse_near(near), Path(compare) if compare else None)
    else:
        raise ClausewiseError.simple("--out", f"unsupported report type '{target.suffix}'", "use .html or .xlsx")
    click.echo(f"report: {target}")


@main.command(name="test")
@click.argument("policies", nargs=-1, required=True, type=click.Path())
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None, metavar="PERCENT",
              help="Also fail when fewer rules and conditions than this were seen both passing and failing.")
@user_errors
def test_cmd(policies: tuple[str, ...], min_coverage: float | None) -> None:
    """Run the test cases beside POLICIES (X.tests.toml next to X.policy), with coverage."""
    from clausewise.analysis.policytest import report, run_tests, test_file_for

    files: list[Path] = []
    for given in policies:
        path = Path(given)
        files += sorted(path.glob("*.policy")) if path.is_dir() else [path]
    failed = False
    for path in files:
        tests = test_file_for(path)
        if not tests.exists():
            click.echo(f"{path}: warning: no test file {tests}", err=True)
            continue
        run = run_tests(load_policy(path), path, tests)
        click.echo(report(run))
        cov = run.coverage
        percent = 100 * sum(cov.covered(n) for n in cov.nodes) / max(1, len(cov.nodes))
        if run.failed or (min_coverage is not None and percent < min_coverage):
            failed = True
            if not run.failed:
                click.echo(f"coverage {percent:.1f}% is below --min-coverage {min_coverage:g}%")
    sys.exit(1 if failed else 0)


@main.command(name="coverage")
@click.argument("policies", nargs=-1, required=True, type=click.Path())
@click.option("--catalog", "--index", "catalog", type=click.Path(), default=None,
              help="The clause index (default: $CLAUSEWISE_CATALOG, else the nearest clauses.toml in the "
                   "policies' directory or above; docs/language.md, 'Clause index').")
@click.option("--all", "all_documents", is_flag=True, help="List the clauses of every document, not only those the policies cite.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@user_errors
def coverage_cmd(policies: tuple[str, ...], catalog: str | None, all_documents: bool, fmt: str) -> None:
    """Map every clause of the clause index to the policy element that encodes it, or to the
    reason it is not encoded; exit 1 if a clause is missing or a citation names no clause."""
    from clausewise.analysis.coverage import INDEX_NAME, coverage, default_catalog, render_coverage
    from clausewise.language.parse import parse_file

    catalog_path = Path(catalog) if catalog else default_catalog(policies)
    if catalog_path is None:
        raise ClausewiseError.simple("--catalog", f"no clause index found: no {INDEX_NAME} beside the policies "
                                     "or in a directory above them",
                                     "write one (docs/language.md, 'Clause index'), or give it with --catalog PATH "
                                     "or CLAUSEWISE_CATALOG")
    files = [f for p in policies for f in (sorted(Path(p).glob("*.policy")) if Path(p).is_dir() else [Path(p)])]
    trees = []
    for f in files:
        load_policy(f)  # only checked policies are listed
        trees.append((str(f), parse_file(f)[0]))
    report = coverage(trees, catalog_path, all_documents)
    click.echo(report.model_dump_json(indent=2) if fmt == "json" else render_coverage(report))
    sys.exit(0 if report.complete else 1)


def summary(result: Evaluation, tally: Tally, has_compliance: bool = True) -> str:
    """Entities per outcome, the most common failing conditions, and the row accounting."""
    a = result.accounting
    lines = [f"policy {result.policy} {result.version}, as of {result.as_of}: {a.entities_in} entities, {a.verdicts_out} verdicts",
             f"rows: {a.rows_read} read = {a.rows_used} used + {a.rows_rejected} rejected"]
    if has_compliance:
        lines.append("compliance: " + ", ".join(f"{k} {n}" for k, n in sorted(tally.compliance.items())))
    for f, counts in sorted(tally.outcomes.items()):
        lines.append(f"{f}: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    def top(counts) -> list[str]:
        return [f"  {n:>6}  {name}" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]

    if has_compliance:  # the reasons for non-compliance apart from failures that decided nothing
        if tally.deciding:
            lines.append("failing conditions that decide non-compliance:")
            lines += top(tally.deciding)
        if tally.other_failing:
            lines.append("other failing conditions (they decide no non-compliance):")
            lines += top(tally.other_failing)
    elif tally.failing:
        lines.append("most common failing conditions:")
        lines += top(tally.failing)
    if tally.errors:
        lines.append(f"errors: {tally.errors} entities could not be evaluated (exit code 3):")
        lines += [f"  {entity!r}: {_one_line(message)}" for entity, message in tally.error_examples]
        if tally.errors > len(tally.error_examples):
            lines.append(f"  ... and {tally.errors - len(tally.error_examples)} more (their verdicts name the error)")
    # rows rejected for one reason (the hundreds of rows of an entity whose own row was rejected) on one line
    groups: dict[tuple, list] = {}
    for r in result.rejected:
        groups.setdefault((r.file, r.field, r.reason), []).append(r)
    for (file, field_name, reason), rows in list(groups.items())[:20]:
        where = (f"{file}:{rows[0].line}: row {rows[0].row}" if len(rows) == 1 else
                 f"{len(rows)} rows of {file} (rows {rows[0].row} to {rows[-1].row})")
        lines.append(f"rejected: {where}" + (f", field {field_name!r}" if field_name else "") + f": {_one_line(reason)}")
    if len(groups) > 20:
        lines.append(f"... and {sum(len(rows) for rows in list(groups.values())[20:])} more rejected rows")
    return "\n".join(lines)


def _one_line(text: str) -> str:
    """``text`` with its line breaks and other control characters escaped, so that a value in a
    message can never print a line of its own (a forged summary line)."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", lambda m: repr(m.group())[1:-1], text)


from clausewise.cli import analysis as analysis_commands  # noqa: E402,F401  (registers what-if, verify, diff)
from clausewise.cli import timeline as timeline_command  # noqa: E402,F401  (registers 'clausewise timeline')

if __name__ == "__main__":  # pragma: no cover
    main()
