"""Clause coverage: which policy element encodes each clause of the rules catalog.

The catalog (``rules-catalog.md``) names every clause with an id (``RENEW-2.2.1``,
``LIFE-CS-2a``) in a heading or a bold bullet. A clause is *encoded* when some element of a
policy cites it (the policy header, a relation, parameter, named value, rule, condition or
decide block), *not encoded* when a policy declares it left out on purpose
(``not encoded [RENEW-3.3] "理由" / "reason"``), and *missing* otherwise. Citations of ids the
catalog does not know are reported too, so a typo in a citation cannot hide.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Iterable, Iterator, Literal

from pydantic import BaseModel, ConfigDict

from clausewise.language import syntax
from clausewise.language.diagnostics import ClausewiseError

#: document keys of clause ids (the catalog's four rule sets)
_CLAUSE = r"(?:RENEW|TIER|NOVICE|LIFE)-[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*"
_HEADING = re.compile(rf"^#{{2,4}}\s+({_CLAUSE})\s*(?:—|-)?\s*(.*)$")
_BULLET = re.compile(rf"^\s*-\s+\*\*({_CLAUSE})(?::)?\*\*:?\s*(.*)$")
_READING = re.compile(r"\*\*((?:AMB-[A-Z]\d+)|(?:C-\d+))\b")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class ClauseCoverage(_Model):
    id: str
    title: str
    status: Literal["encoded", "not_encoded", "missing"]
    encoded_by: list[str] = []
    reasons: list[str] = []


class UnknownCitation(_Model):
    cite: str
    where: str


class CoverageReport(_Model):
    catalog: str
    policies: list[str]
    clauses: list[ClauseCoverage]
    unknown_citations: list[UnknownCitation]

    @property
    def complete(self) -> bool:
        return not self.unknown_citations and all(c.status != "missing" for c in self.clauses)

    def counts(self) -> dict[str, int]:
        out = {"encoded": 0, "not_encoded": 0, "missing": 0}
        for c in self.clauses:
            out[c.status] += 1
        return out


@dataclasses.dataclass(frozen=True)
class Catalog:
    """The clause ids of the catalog in their order, with a short title each."""

    clauses: dict[str, str]
    readings: frozenset[str]

    def knows(self, cite: str) -> bool:
        return cite in self.clauses or cite in self.readings


def read_catalog(path: str | Path) -> Catalog:
    """Clause ids (headings and bold bullets) and reading ids (AMB-*, C-*) of a catalog file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ClausewiseError.simple(str(path), f"cannot read the rules catalog: {exc.strerror}",
                                     "give it with --catalog PATH (the shared rules-catalog.md)") from None
    clauses: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADING.match(line) or _BULLET.match(line)
        if match and match.group(1) not in clauses:
            title = re.sub(r"[*`]", "", match.group(2)).strip()
            clauses[match.group(1)] = title if len(title) <= 72 else title[:71] + "…"
    if not clauses:
        raise ClausewiseError.simple(str(path), "no clause ids found in this file",
                                     "a catalog names clauses as '#### RENEW-1 — Scope' or '- **LIFE-COOP-1.3** ...'")
    return Catalog(clauses, frozenset(_READING.findall(text)))


def default_catalog() -> Path | None:
    """``$CLAUSEWISE_CATALOG``, else a ``rules-catalog.md`` in ``../shared`` or ``shared``."""
    env = os.environ.get("CLAUSEWISE_CATALOG")
    if env:
        return Path(env)
    for candidate in (Path("../shared/rules-catalog.md"), Path("shared/rules-catalog.md")):
        if candidate.is_file():
            return candidate
    return None


def citations(tree: syntax.PolicyFile) -> Iterator[tuple[str, str]]:
    """Every (clause id, element) pair a policy cites, e.g. ('TIER-3.1', 'condition silver.paid_orders')."""
    if tree.header is not None:
        for cite in tree.header.cites:
            yield cite, f"policy {tree.header.name}"
    for decl in tree.decls:
        match decl:
            case syntax.NotEncoded():
                continue
            case syntax.TableDecl():
                continue
            case syntax.RelationDecl() | syntax.ParamDecl() | syntax.LetDecl() | syntax.DecideDecl():
                kind = type(decl).__name__.removesuffix("Decl").lower()
                for cite in decl.meta.cites:
                    yield cite, f"{kind} {decl.name}"
                if isinstance(decl, syntax.DecideDecl):
                    for clause in decl.clauses:
                        yield from _entry_cites(clause.when, decl.name)
            case syntax.RuleDecl():
                for cite in decl.meta.cites:
                    yield cite, f"rule {decl.name}"
                yield from _entry_cites(decl.body, decl.name)


def _entry_cites(node: object, path: str) -> Iterator[tuple[str, str]]:
    """Citations of the named members of groups under ``node``."""
    if isinstance(node, syntax.Group):
        for i, entry in enumerate(node.entries, 1):
            child = f"{path}.{entry.name or i}"
            if entry.meta is not None:
                for cite in entry.meta.cites:
                    yield cite, f"condition {child}"
            yield from _entry_cites(entry.cond, child)
        return
    if isinstance(node, syntax.Node):
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            for item in value if isinstance(value, tuple) else (value,):
                if isinstance(item, syntax.Node):
                    yield from _entry_cites(item, path)


def coverage(policies: Iterable[tuple[str, syntax.PolicyFile]], catalog_path: str | Path,
             all_documents: bool = False) -> CoverageReport:
    """Map every catalog clause of the policies' documents to what encodes or omits it.

    ``policies`` are (file name, syntax tree) pairs. Only clauses of the documents the policies
    cite are listed (TIER-* for a policy citing TIER clauses), unless ``all_documents``.
    """
    catalog = read_catalog(catalog_path)
    encoded: dict[str, list[str]] = {}
    omitted: dict[str, list[str]] = {}
    unknown: list[UnknownCitation] = []
    names: list[str] = []
    documents: set[str] = set()
    for file, tree in policies:
        short = Path(file).name
        names.append(file)
        cited = list(citations(tree))
        for decl in tree.decls:
            if isinstance(decl, syntax.NotEncoded):
                for cite in decl.cites:
                    cited.append((cite, "not encoded"))
                    omitted.setdefault(cite, []).append(f"{short}: {decl.reason.en} ({decl.reason.zh})")
        for cite, where in cited:
            documents.add(cite.split("-", 1)[0])
            if not catalog.knows(cite):
                unknown.append(UnknownCitation(cite=cite, where=f"{short}: {where}"))
            elif where != "not encoded" and cite in catalog.clauses:
                uses = encoded.setdefault(cite, [])
                if f"{short}: {where}" not in uses:
                    uses.append(f"{short}: {where}")
    rows = []
    for cid, title in catalog.clauses.items():
        if not all_documents and cid.split("-", 1)[0] not in documents:
            continue
        status = "encoded" if cid in encoded else "not_encoded" if cid in omitted else "missing"
        rows.append(ClauseCoverage(id=cid, title=title, status=status, encoded_by=encoded.get(cid, []),
                                   reasons=omitted.get(cid, [])))
    unique = {(u.cite, u.where): u for u in unknown}
    return CoverageReport(catalog=str(catalog_path), policies=names, clauses=rows,
                          unknown_citations=[unique[k] for k in sorted(unique)])


def render_coverage(report: CoverageReport, uses_shown: int = 3) -> str:
    """The listing the CLI prints: one line per clause, then the unknown citations and a summary."""
    width = max((len(c.id) for c in report.clauses), default=8) + 2
    lines = []
    for c in report.clauses:
        if c.status == "encoded":
            more = f" (+{len(c.encoded_by) - uses_shown} more)" if len(c.encoded_by) > uses_shown else ""
            detail = "; ".join(c.encoded_by[:uses_shown]) + more
            if c.reasons:
                detail += " — partly not encoded: " + "; ".join(c.reasons)
            lines.append(f"{c.id:<{width}}encoded      {detail}")
        elif c.status == "not_encoded":
            lines.append(f"{c.id:<{width}}not encoded  {'; '.join(c.reasons)}")
        else:
            lines.append(f"{c.id:<{width}}MISSING      {c.title}")
    for u in report.unknown_citations:
        lines.append(f"unknown clause cited: {u.cite} in {u.where}")
    n = report.counts()
    lines.append(f"{len(report.clauses)} clauses: {n['encoded']} encoded, {n['not_encoded']} not encoded "
                 f"(with reasons), {n['missing']} missing; {len(report.unknown_citations)} unknown citations")
    return "\n".join(lines)
