"""A self-contained HTML audit report: one file, scripts, styles and data inlined, no network.

The data (:mod:`clausewise.report.htmldata`) are embedded as JSON; ``assets/report.js`` draws
the page from them (charts through the vendored Apache ECharts, the entity table with virtual
scrolling). The same verdict file and options give the same bytes.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from clausewise.report.htmldata import TABLE_LIMIT, ReportData, read_record

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Audit report", "entities": "entities", "record": "Decision record", "no_record":
        "No decision record was found beside the verdict file.", "policy": "policy", "version": "version",
        "file": "file", "sha256": "sha256", "as_of": "as of", "parameters": "parameters", "data": "data files",
        "engine": "engine", "verdicts": "verdict file", "generated_at": "audited at", "accounting": "rows",
        "rows_line": "{read} read = {used} used + {rejected} rejected", "outcomes": "Outcomes",
        "compliance": "compliance", "compliant": "compliant", "not compliant": "not compliant",
        "undetermined": "undetermined", "conditions": "Conditions", "condition": "condition",
        "pass": "pass", "fail": "fail", "unknown": "unknown", "na": "n/a", "figures": "Figures against their bounds",
        "no_figures": "No condition compares a figure with a bound.", "bound": "bound",
        "relative": "observed as % of each entity's bound", "near": "near the line (within {near} of the bound)",
        "near_more": "the {n} nearest of {total} are listed", "observed": "observed", "gap": "gap",
        "status": "status", "entity": "entity", "failing": "failing conditions", "search": "search entities, outcomes, conditions…",
        "table": "Entities",
        "sample": "The table shows an even sample of {sample} of {total} entities, and the entities listed by name above; "
        "counts and charts count all {total}.",
        "matching": "{n} of {total} shown", "explanation": "Explanation", "pick": "Click an entity to see its explanation.",
        "not_in_table": "not in the sampled table", "compare": "Changes since the earlier audit",
        "changed": "entities whose outcome changed", "added": "new entities", "removed": "entities no longer audited",
        "change": "change", "count": "entities", "conditions_changed": "conditions that changed",
        "changes_more": "the first {n} changed entities are listed",
        "beyond": "values beyond the chart's edges are counted in its first and last bars",
        "fold": "click a line to fold its branch", "all_values": "all {n} values…",
        "errors": "not evaluated (the explanation says why)", "error": "not evaluated",
        "effective": "in force", "effective_not_stated": "effective date not stated",
    },
    "zh": {
        "title": "审计报告", "entities": "个实体", "record": "判定记录", "no_record": "裁决文件旁没有判定记录。",
        "policy": "策略", "version": "版本", "file": "文件", "sha256": "sha256", "as_of": "评估日", "parameters": "参数",
        "data": "数据文件", "engine": "引擎", "verdicts": "裁决文件", "generated_at": "审计时间", "accounting": "数据行",
        "rows_line": "读入 {read} = 使用 {used} + 拒绝 {rejected}", "outcomes": "结果", "compliance": "合规",
        "compliant": "合规", "not compliant": "不合规", "undetermined": "未定", "conditions": "条件",
        "condition": "条件", "pass": "通过", "fail": "未通过", "unknown": "数据缺失", "na": "不适用",
        "figures": "指标与阈值", "no_figures": "没有条件将指标与阈值比较。", "bound": "阈值",
        "relative": "观测值占各实体阈值的百分比", "near": "临界(距阈值 {near} 以内)", "near_more": "列出最接近的 {n} 个(共 {total} 个)",
        "observed": "观测值", "gap": "差距", "status": "状态", "entity": "实体", "failing": "未通过的条件",
        "search": "搜索实体、结果、条件…", "table": "实体",
        "sample": "表中为 {total} 个实体的均匀抽样 {sample} 个,另加上文列出名字的实体;计数和图表统计全部 {total} 个。",
        "matching": "显示 {n} / {total}", "explanation": "解释", "pick": "点击实体查看解释。", "not_in_table": "不在抽样表中",
        "compare": "与上次审计相比的变化", "changed": "结果变化的实体", "added": "新增实体", "removed": "不再审计的实体",
        "change": "变化", "count": "实体数", "conditions_changed": "状态变化的条件", "changes_more": "列出前 {n} 个变化的实体",
        "beyond": "超出图表范围的值计入首尾两栏", "fold": "点击一行可折叠其分支", "all_values": "全部 {n} 个值…",
        "errors": "无法评估(解释中说明原因)", "error": "无法评估",
        "effective": "生效", "effective_not_stated": "生效日期未载明",
    },
}


def asset(name: str) -> str:
    return resources.files("clausewise.report").joinpath("assets", name).read_text("utf-8")


def embed_json(value: Any) -> str:
    """The report's data as gzip-compressed JSON in base64: a browser scans a script element's text
    before running anything, and 100,000 entities' data shrink from about 14 MiB to 3."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)).decode("ascii")


def read_embedded(page: str) -> dict[str, Any]:
    """The data embedded in a report page (for tests and tools)."""
    match = re.search(r'<script type="application/octet-stream" id="report-data">(.*?)</script>', page, re.DOTALL)
    if match is None:
        raise ValueError("not a clausewise report: no embedded data")
    return json.loads(gzip.decompress(base64.b64decode(match.group(1))))


def render_html(data: dict[str, Any]) -> str:
    """The report page for the data of :meth:`ReportData.to_json`."""
    lang = data["lang"]
    head = data["head"]
    title = f"{TEXTS[lang]['title']} · {head.get('policy', '')} {head.get('version', '')} · {head.get('as_of', '')}"
    payload = {**data, "texts": TEXTS[lang]}
    return "".join([
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{escape(title)}</title>\n<style>\n{asset('report.css')}</style>\n</head>\n<body>\n",
        '<div id="app"></div>\n',
        f'<script type="application/octet-stream" id="report-data">{embed_json(payload)}</script>\n',
        ("<script>\n/* Apache ECharts 6.1.0 (dist/echarts.common.min.js), Apache License 2.0; "
         "its licence and NOTICE are in clausewise/report/assets/echarts-LICENSE.txt */\n"),
        asset("echarts.common.min.js").replace("</script", "<\\/script"), "\n</script>\n",
        f"<script>\n{asset('report.js')}</script>\n</body>\n</html>\n",
    ])


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def write_report(verdicts: Path, out: Path, lang: str = "en", near: Decimal = Decimal("0.05"),
                 compare: Path | None = None, limit: int = TABLE_LIMIT,
                 record: dict[str, Any] | None = None) -> ReportData:
    """Read a verdict file and write the HTML report to ``out``; the decision record is ``record``,
    else the one beside the verdict file."""
    data = ReportData(lang, near, limit).read(verdicts, compare)
    page = render_html(data.to_json(record if record is not None else read_record(verdicts)))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(page, "utf-8")
    partial.replace(out)
    return data
