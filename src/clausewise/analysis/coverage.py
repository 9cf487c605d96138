"""Clause coverage: which policy element encodes each clause of a clause index.

A *clause index* lists the clauses of the rule documents a set of policies encodes
(``policies/clauses.toml``; the format is in docs/language.md, "Clause index"): for each
document its key and source, for each clause its id, title, the source's own words (``quote``),
what it means, and its status (``rule``: to be encoded or declared not encoded; ``reading``: an
interpretation or convention policies may cite, not required). Ids are whatever the index
declares. A markdown catalog (``#### ID — title`` headings and ``- **ID**`` bullets) is read too.

A clause is *encoded* when some element of a policy cites it (the policy header, a relation,
parameter, named value, rule, condition or decide block), *partial* when it is cited and also
declared left out in part (``not encoded [ID] "缺的部分" / "the part left out"``), *not encoded*
when it is only declared left out, and *missing* otherwise. Citations of ids the index does not
know are reported too, so a typo in a citation cannot hide.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from pathlib import Path
from typing import Iterable, Iterator, Literal

from pydantic import BaseModel, ConfigDict

from clausewise.language import syntax
from clausewise.language.diagnostics import ClausewiseError

#: the file name looked for beside the policies (and in the directories above them)
INDEX_NAME = "clauses.toml"
_ID = r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)+"
_HEADING = re.compile(rf"^#{{2,4}}\s+({_ID})\s*(?:—|-)\s*(.*)$")
_BULLET = re.compile(rf"^\s*-\s+\*\*({_ID}):?\*\*:?\s*(.*)$")
_READING = re.compile(rf"^\s*-\s+\*\*({_ID})\s+(?:—\s*)?([^*]+)\*\*")
_STATUSES = ("rule", "reading")
#: an id a policy can cite (the grammar's CITE token)
_CITABLE = re.compile(r"[A-Z][A-Z0-9]*(-[A-Za-z0-9]+(\.[A-Za-z0-9]+)*)+")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class ClauseCoverage(_Model):
    id: str
    title: str
    status: Literal["encoded", "partial", "not_encoded", "missing"]
    encoded_by: list[str] = []
    #: why the clause (or, for a partial one, the part missing) is not encoded
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
        out = {"encoded": 0, "partial": 0, "not_encoded": 0, "missing": 0}
        for c in self.clauses:
            out[c.status] += 1
        return out


@dataclasses.dataclass(frozen=True)
class Clause:
    """One clause of an index: its id, document, title, the source's words and meaning."""

    id: str
    document: str
    title: str
    quote: str = ""
    meaning: str = ""
    status: str = "rule"


@dataclasses.dataclass(frozen=True)
class Catalog:
    """The clauses of an index in their order (rules and readings)."""

    entries: dict[str, Clause]

    @property
    def clauses(self) -> dict[str, str]:
        """The rule clauses (those coverage lists), id -> title."""
        return {c.id: c.title for c in self.entries.values() if c.status == "rule"}

    @property
    def readings(self) -> frozenset[str]:
        return frozenset(c.id for c in self.entries.values() if c.status == "reading")

    def knows(self, cite: str) -> bool:
        return cite in self.entries

    def document(self, cite: str) -> str | None:
        entry = self.entries.get(cite)
        return entry.document if entry else None


def _short(title: str) -> str:
    title = re.sub(r"[*`]", "", title).strip()
    return title if len(title) <= 72 else title[:71] + "…"


def read_catalog(path: str | Path) -> Catalog:
    """The clauses of a clause index (``.toml``) or of a markdown catalog (any other name)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ClausewiseError.simple(str(path), f"cannot read the clause index: {reason}",
                                     f"give it with --catalog PATH (a {INDEX_NAME} beside the policies is found "
                                     "without it)") from None
    return _read_toml(str(path), text) if str(path).endswith(".toml") else _read_markdown(str(path), text)


def _read_toml(path: str, text: str) -> Catalog:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ClausewiseError.simple(path, f"not a valid clause index: {exc}",
                                     "the format is in docs/language.md, 'Clause index'") from None
    entries: dict[str, Clause] = {}
    documents = data.get("document")
    if not isinstance(documents, list) or not documents:
        raise ClausewiseError.simple(path, "no [[document]] tables in this clause index",
                                     "each document is '[[document]]' with 'key', then '[[document.clause]]' "
                                     "tables with 'id', 'title', 'quote', 'meaning' (docs/language.md)")
    for n, doc in enumerate(documents, 1):
        key = doc.get("key")
        if not isinstance(key, str) or not key:
            raise ClausewiseError.simple(path, f"document {n} has no key", "add key = \"RULES\" to its [[document]]")
        for m, item in enumerate(doc.get("clause", []), 1):
            where = f"clause {m} of document {key}"
            cid = item.get("id")
            if not isinstance(cid, str) or not _CITABLE.fullmatch(cid):
                raise ClausewiseError.simple(path, f"{where} has no valid id ({cid!r})",
                                             "an id is what a policy can cite: a capital letter, capitals or "
                                             "digits, then '-' and parts joined by '-' or '.', e.g. TOP-2.1a")
            if cid in entries:
                raise ClausewiseError.simple(path, f"clause {cid} is listed twice ({where})",
                                             "give each clause one entry")
            status = item.get("status", "rule")
            if status not in _STATUSES:
                raise ClausewiseError.simple(path, f"clause {cid} has status {status!r}",
                                             "a status is 'rule' (encode it or declare it not encoded) or "
                                             "'reading' (an interpretation policies may cite)")
            unknown = sorted(set(item) - {"id", "title", "quote", "meaning", "status"})
            if unknown:
                raise ClausewiseError.simple(path, f"clause {cid} has unknown field(s) {', '.join(unknown)}",
                                             "the fields are id, title, quote, meaning and status")
            title = str(item.get("title") or item.get("meaning") or "")
            entries[cid] = Clause(cid, key, _short(title), str(item.get("quote", "")),
                                  str(item.get("meaning", "")), status)
    if not entries:
        raise ClausewiseError.simple(path, "no clauses in this clause index",
                                     "list each clause as a [[document.clause]] table with an id")
    return Catalog(entries)


def _read_markdown(path: str, text: str) -> Catalog:
    """Headings ``#### ID — title`` and bullets ``- **ID** ...`` are rules; a bullet whose bold
    text holds an id and a title (``- **AMB-R1 — Order line missing.**``) is a reading. A clause's
    document is its id up to the first '-'."""
    entries: dict[str, Clause] = {}
    for line in text.splitlines():
        reading = _READING.match(line)
        match = _HEADING.match(line) or _BULLET.match(line)
        if match and match.group(1) not in entries:
            cid = match.group(1)
            entries[cid] = Clause(cid, cid.split("-", 1)[0], _short(match.group(2)))
        elif reading and reading.group(1) not in entries:
            cid = reading.group(1)
            entries[cid] = Clause(cid, cid.split("-", 1)[0], _short(reading.group(2)), status="reading")
    if not entries:
        raise ClausewiseError.simple(path, "no clause ids found in this file",
                                     f"write a clause index ({INDEX_NAME}, docs/language.md) or name clauses as "
                                     "'#### RULE-1 — Scope' or '- **RULE-1.3** ...'")
    return Catalog(entries)


def default_catalog(policies: Iterable[str | Path] = ()) -> Path | None:
    """``$CLAUSEWISE_CATALOG``, else the nearest ``clauses.toml`` in a policy's directory or above."""
    env = os.environ.get("CLAUSEWISE_CATALOG")
    if env:
        return Path(env)
    for policy in policies:
        start = Path(policy).resolve()
        for folder in ([start] if start.is_dir() else []) + list(start.parents):
            if (folder / INDEX_NAME).is_file():
                return folder / INDEX_NAME
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
        for item in syntax.children(node):
            yield from _entry_cites(item, path)


def _reason(decl: syntax.NotEncoded) -> str:
    """A declaration's reason, in both languages when it has both."""
    zh, en = decl.reason.zh, decl.reason.en
    if zh and en and zh != en:
        return f"{en} ({zh})"
    return en or zh


def coverage(policies: Iterable[tuple[str, syntax.PolicyFile]], catalog_path: str | Path,
             all_documents: bool = False) -> CoverageReport:
    """Map every rule clause of the policies' documents to what encodes or omits it.

    ``policies`` are (file name, syntax tree) pairs. Only clauses of the documents the policies
    cite are listed (a document is the index's ``[[document]]`` holding a cited id), unless
    ``all_documents``.
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
                    omitted.setdefault(cite, []).append(f"{short}: {_reason(decl)}")
        for cite, where in cited:
            document = catalog.document(cite)
            if document is None:
                unknown.append(UnknownCitation(cite=cite, where=f"{short}: {where}"))
                continue
            documents.add(document)
            if where != "not encoded":
                uses = encoded.setdefault(cite, [])
                if f"{short}: {where}" not in uses:
                    uses.append(f"{short}: {where}")
    rows = []
    for entry in catalog.entries.values():
        if entry.status != "rule" or (not all_documents and entry.document not in documents):
            continue
        cid = entry.id
        status: Literal["encoded", "partial", "not_encoded", "missing"] = (
            "partial" if cid in encoded and cid in omitted else "encoded" if cid in encoded
            else "not_encoded" if cid in omitted else "missing")
        rows.append(ClauseCoverage(id=cid, title=entry.title, status=status, encoded_by=encoded.get(cid, []),
                                   reasons=omitted.get(cid, [])))
    unique = {(u.cite, u.where): u for u in unknown}
    return CoverageReport(catalog=str(catalog_path), policies=names, clauses=rows,
                          unknown_citations=[unique[k] for k in sorted(unique)])


def render_coverage(report: CoverageReport, uses_shown: int = 3) -> str:
    """The listing the CLI prints: one line per clause, then the unknown citations and a summary."""
    width = max((len(c.id) for c in report.clauses), default=8) + 2
    lines = []
    for c in report.clauses:
        more = f" (+{len(c.encoded_by) - uses_shown} more)" if len(c.encoded_by) > uses_shown else ""
        uses = "; ".join(c.encoded_by[:uses_shown]) + more
        if c.status == "encoded":
            lines.append(f"{c.id:<{width}}encoded      {uses}")
        elif c.status == "partial":
            lines.append(f"{c.id:<{width}}partial      {uses} — not encoded: {'; '.join(c.reasons)}")
        elif c.status == "not_encoded":
            lines.append(f"{c.id:<{width}}not encoded  {'; '.join(c.reasons)}")
        else:
            lines.append(f"{c.id:<{width}}MISSING      {c.title}")
    for u in report.unknown_citations:
        lines.append(f"unknown clause cited: {u.cite} in {u.where}")
    n = report.counts()
    lines.append(f"{len(report.clauses)} clauses: {n['encoded'] + n['partial']} encoded, {n['not_encoded']} not encoded "
                 f"(with reasons), {n['missing']} missing; {len(report.unknown_citations)} unknown citations"
                 + (f"; {n['partial']} encoded in part" if n["partial"] else ""))
    return "\n".join(lines)
