"""Audit outputs: verdict files (JSON Lines, CSV, Parquet) and the decision record of a run.

The decision record names everything a later reader needs to reproduce and check an audit:
the policy's id, version and content hash, the hash of every data file, the parameters,
the as-of date and the engine versions.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from . import __version__
from .api import Policy
from .data import file_sha256
from .models import Evaluation, ExplanationNode, Verdict
from .solve import engine_version


def _failing(node: ExplanationNode, out: list[str]) -> list[str]:
    if node.status == "na":
        return out
    if node.kind == "condition" and node.status == "fail":
        out.append(node.id)
    for child in node.children:
        _failing(child, out)
    return out


def flat_row(verdict: Verdict, fields: list[str]) -> dict[str, Any]:
    """One verdict as a flat record for CSV and Parquet."""
    row: dict[str, Any] = {"entity": verdict.entity, "as_of": str(verdict.as_of),
                           "compliant": "" if verdict.compliant is None else str(verdict.compliant).lower()}
    details = {o.field: o for o in verdict.outcome_details}
    for f in fields:
        o = details.get(f)
        row[f] = "undecided" if o is None or not o.decided else ("" if o.value is None else str(o.value).lower()
                                                                  if isinstance(o.value, bool) else ";".join(o.value)
                                                                  if isinstance(o.value, list) else str(o.value))
    failing: list[str] = []
    for rule in verdict.rules:
        _failing(rule, failing)
    row["failing_conditions"] = ";".join(failing)
    row["missing_data"] = ";".join(verdict.missing_data)
    return row


def write_verdicts(result: Evaluation, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as out:
            for verdict in result.verdicts:
                out.write(verdict.model_dump_json() + "\n")
        return
    fields = [o.field for o in result.verdicts[0].outcome_details] if result.verdicts else []
    rows = [flat_row(v, fields) for v in result.verdicts]
    columns = ["entity", "as_of", "compliant", *fields, "failing_conditions", "missing_data"]
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({c: [r[c] for r in rows] for c in columns}, schema=pa.schema([(c, pa.string()) for c in columns]))
    pq.write_table(table, path)


def decision_record(policy: Policy, result: Evaluation, data_paths: list[Path], out: Path) -> dict[str, Any]:
    files = []
    for p in data_paths:
        for f in sorted(p.iterdir()) if p.is_dir() else [p]:
            if f.is_file() and f.suffix in (".csv", ".jsonl", ".ndjson", ".parquet") and f.stem in policy.checked.tables:
                files.append({"table": f.stem, "path": str(f), "sha256": file_sha256(f)})
    return {
        "policy": {"id": policy.name, "version": policy.version, "file": policy.checked.source.name,
                   "sha256": policy.content_hash},
        "as_of": str(result.as_of),
        "parameters": result.params,
        "data": files,
        "engine": {"clausewise": __version__, "clingo": engine_version()},
        "accounting": result.accounting.model_dump(),
        "verdicts": {"path": str(out), "sha256": file_sha256(out)},
        "generated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
    }
