"""The HTML report of a range audit (``audit --from --to --report FILE.html``).

One self-contained page, with no script and no network: the range and its decision record (the
policy, data files and their hashes, parameters, the row accounting), per outcome (and
``compliant``) each value with its entity-days and the number of entities that had it on some
day, and per entity the days each value held, as spans. The counts are gathered one entity record
(:func:`clausewise.report.timeline.range_record`) at a time, so the page of 100,000 entities is
made without holding their records: the entity table lists the first :data:`ENTITIES_LISTED`
(the records file has them all, and the page says so). The page embeds its data as JSON, which
:func:`clausewise.report.html.read_embedded` reads back; the same records and decision record give
the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clausewise.report.html import embed_json, escape

#: entities whose days the page lists (in entity order); the counts count every entity
ENTITIES_LISTED = 2000

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Range audit", "policy": "policy", "version": "version", "range": "range", "days": "days",
        "entities": "entities", "entity_days": "entity-days", "rows": "rows",
        "rows_line": "{read} read = {used} used + {rejected} rejected", "parameters": "parameters (as of {day})",
        "data": "data files", "records": "records file", "generated_at": "audited at", "record": "Decision record",
        "per_outcome": "Days per outcome", "value": "value", "share": "share of entity-days",
        "entities_with": "entities (on some day)", "per_entity": "Days per entity", "entity": "entity",
        "listed": "The first {shown} of {total} entities are listed; the records file has them all.",
        "compliant": "compliant", "day": "day", "days_n": "days",
    },
    "zh": {
        "title": "区间审计报告", "policy": "策略", "version": "版本", "range": "区间", "days": "天数",
        "entities": "实体数", "entity_days": "实体·天", "rows": "数据行",
        "rows_line": "读入 {read} = 使用 {used} + 拒绝 {rejected}", "parameters": "参数({day} 时)",
        "data": "数据文件", "records": "记录文件", "generated_at": "审计时间", "record": "判定记录",
        "per_outcome": "各结果的天数", "value": "取值", "share": "占实体·天",
        "entities_with": "实体数(至少一天)", "per_entity": "各实体的天数", "entity": "实体",
        "listed": "列出前 {shown} 个实体(共 {total} 个);记录文件中有全部实体。",
        "compliant": "合规", "day": "天", "days_n": "天",
    },
}

STYLE = """body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;
margin:24px;color:#1f2328}h1{font-size:20px}h2{font-size:17px;margin-top:28px}h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:4px 0}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;
vertical-align:top}th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;height:10px;background:#4c78a8;vertical-align:middle}.spans{color:#57606a;font-size:12px}
.muted{color:#57606a}"""


class RangeTotals:
    """Per outcome field (and ``compliant``), per value: the entity-days and the entities that had it
    on some day, counted from the entity records of a range audit as they are written; and the first
    :data:`ENTITIES_LISTED` records, for the report's entity table."""

    def __init__(self, listed: int = ENTITIES_LISTED):
        #: field -> value -> [entity-days, entities]
        self.values: dict[str, dict[str, list[int]]] = {}
        self.entities = 0
        self.listed = listed
        self.records: list[dict[str, Any]] = []

    def add(self, record: dict[str, Any]) -> None:
        """Count one entity's record (:func:`clausewise.report.timeline.range_record`)."""
        self.entities += 1
        if len(self.records) < self.listed:
            self.records.append(record)
        for field_name, entries in record["outcomes"].items():
            for entry in entries:
                count = self.values.setdefault(field_name, {}).setdefault(entry["value"], [0, 0])
                count[0] += entry["days"]
                count[1] += 1

    def ranked(self, field_name: str) -> list[tuple[str, int, int]]:
        """A field's values with their entity-days and entities, most entity-days first (then by
        value): the order the CLI's summary and the page show them in."""
        values = self.values.get(field_name, {})
        return [(v, n, e) for v, (n, e) in sorted(values.items(), key=lambda item: (-item[1][0], item[0]))]


def range_report_data(totals: RangeTotals, record: dict[str, Any], labels: dict[str, tuple[str, str]],
                      lang: str) -> dict[str, Any]:
    """What the page shows, as plain data (embedded in the page): the decision record, each field's
    label (zh, en), the counts per value (most entity-days first) and the entities listed."""
    return {"lang": lang, "record": record, "entities": totals.entities,
            "fields": [{"field": f, "label": labels.get(f, (f, f))[0 if lang == "zh" else 1],
                        "values": [{"value": v, "entity_days": n, "entities": e} for v, n, e in totals.ranked(f)]}
                       for f in totals.values],
            "listed": totals.records}


def render_range_html(data: dict[str, Any]) -> str:
    """The report page for :func:`range_report_data`'s data."""
    t = TEXTS[data["lang"]]
    record = data["record"]
    policy = record.get("policy", {})
    days, entities = record.get("days", 0), data["entities"]
    title = f"{t['title']} · {policy.get('id', '')} {policy.get('version', '')} · {record.get('from')}..{record.get('to')}"
    out = [f'<!DOCTYPE html>\n<html lang="{"zh-CN" if data["lang"] == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n',
           '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
           f"<title>{escape(title)}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n<h1>{escape(title)}</h1>\n"]
    accounting = record.get("accounting", {})
    head = [(t["policy"], f"{policy.get('id', '')} ({policy.get('file', '')}, sha256 {policy.get('sha256', '')})"),
            (t["version"], str(policy.get("version", ""))),
            (t["range"], f"{record.get('from')}..{record.get('to')} ({days} {t['days_n']})"),
            (t["entities"], f"{entities:,}"), (t["entity_days"], f"{entities * days:,}"),
            (t["rows"], t["rows_line"].format(read=f"{accounting.get('rows_read', 0):,}",
                                               used=f"{accounting.get('rows_used', 0):,}",
                                               rejected=f"{accounting.get('rows_rejected', 0):,}")),
            (t["parameters"].format(day=record.get("parameters_as_of", "")),
             ", ".join(f"{k} = {v}" for k, v in record.get("parameters", {}).items())),
            (t["data"], "; ".join(f"{d.get('table')}: {d.get('path')} (sha256 {d.get('sha256')})" for d in record.get("data", []))),
            (t["records"], f"{record.get('verdicts', {}).get('path', '')} (sha256 {record.get('verdicts', {}).get('sha256', '')})"),
            (t["generated_at"], str(record.get("generated_at", "")))]
    out.append(f"<h2>{t['record']}</h2>\n<table>\n")
    out += [f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>\n" for k, v in head]
    out.append(f"</table>\n<h2>{t['per_outcome']}</h2>\n")
    total_days = max(1, entities * days)
    for f in data["fields"]:
        name = t["compliant"] if f["field"] == "compliant" else f["label"]
        out.append(f"<h3>{escape(name)} <span class=\"muted\">({escape(f['field'])})</span></h3>\n<table>\n"
                   f"<tr><th>{t['value']}</th><th>{t['entity_days']}</th><th>{t['share']}</th><th>{t['entities_with']}</th></tr>\n")
        for v in f["values"]:
            tenths = (v["entity_days"] * 1000 + total_days // 2) // total_days  # per mille, rounded half up
            out.append(f"<tr><td>{escape(v['value'])}</td><td class=\"n\">{v['entity_days']:,}</td>"
                       f"<td><span class=\"bar\" style=\"width:{v['entity_days'] * 200 // total_days}px\"></span> "
                       f"{tenths // 10}.{tenths % 10}%</td>"
                       f"<td class=\"n\">{v['entities']:,}</td></tr>\n")
        out.append("</table>\n")
    out.append(f"<h2>{t['per_entity']}</h2>\n")
    if len(data["listed"]) < entities:
        listed = t["listed"].format(shown=f"{len(data['listed']):,}", total=f"{entities:,}")
        out.append(f"<p class=\"muted\">{escape(listed)}</p>\n")
    fields = [f["field"] for f in data["fields"]]
    out.append("<table>\n<tr><th>" + t["entity"] + "</th>" + "".join(
        f"<th>{escape(t['compliant'] if f == 'compliant' else f)}</th>" for f in fields) + "</tr>\n")
    for r in data["listed"]:
        cells = []
        for f in fields:
            entries = r["outcomes"].get(f, [])
            cells.append("<td>" + "<br>".join(
                f"{escape(e['value'])}: {e['days']} {t['day'] if e['days'] == 1 else t['days_n']}"
                f"<br><span class=\"spans\">{escape(', '.join(e['spans']))}</span>" for e in entries) + "</td>")
        out.append(f"<tr><td>{escape(r['entity'])}</td>{''.join(cells)}</tr>\n")
    out.append("</table>\n")
    out.append(f'<script type="application/octet-stream" id="report-data">{embed_json(data)}</script>\n</body>\n</html>\n')
    return "".join(out)


def write_range_report(totals: RangeTotals, record: dict[str, Any], labels: dict[str, tuple[str, str]], out: Path,
                       lang: str = "en") -> None:
    """Write the page to ``out`` (through ``out.partial``, so a failure leaves an earlier file as it was)."""
    page = render_range_html(range_report_data(totals, record, labels, lang))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(page, "utf-8")
    partial.replace(out)
