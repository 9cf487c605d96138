"""Each bundled example's HTML report opened in a headless Chromium (Debian's), checked as a person
sees it: the counts, a chart with its bound line, an entity's explanation after a search and a
click, no console errors and no network request.

Needs /usr/bin/chromium (``./dev test`` installs it as root or in CI) and the ``playwright``
package (the ``test`` extra). Elsewhere these tests are skipped; with CI=true they fail.
``CLAUSEWISE_UPDATE_SCREENSHOTS=1`` writes each report's screenshots to docs/ (a developer's
refresh of the README's pictures); ``CLAUSEWISE_SCREENSHOTS=DIR`` writes them to DIR (``./dev demo``
writes them to out/, so a demo leaves the clone's files as they were).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.report.report_examples import BUNDLED, ROOT, audit, verdicts, walk

from clausewise.report.explain import figure_text, render_text
from clausewise.report.html import TEXTS
from clausewise.report.models import ExplanationNode, Verdict

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
LANGS = {"tier": "en", "novice": "zh", "renew": "en", "life": "en"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not CHROMIUM.exists():
        why = ("the playwright package is not installed (pip install -e '.[test]')" if sync_playwright is None
               else f"{CHROMIUM} is missing (apt-get install chromium, or run ./dev test as root)")
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests are required in CI: {why}")
        pytest.skip(f"browser tests skipped: {why}")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def open_report(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.goto(path.as_uri())
    page.wait_for_selector("#entity-table .vt-row")
    return page, errors, requests


def most_failing(vs: list[dict[str, Any]]) -> dict[str, Any]:
    def failed(v: dict[str, Any]) -> int:
        return sum(n["status"] == "fail" for n in walk(v["rules"]))
    return max(vs, key=lambda v: (failed(v), v["entity"]))


@pytest.mark.parametrize("name", list(BUNDLED))
def test_a_person_sees_counts_a_bound_line_and_an_explanation(browser, tmp_path, name) -> None:
    lang = LANGS[name]
    jsonl, html = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.html"
    audit(name, jsonl, "--report", str(html), "--lang", lang)
    vs = verdicts(jsonl)
    words = TEXTS[lang]
    page, errors, requests = open_report(browser, html)

    # the counts
    total = page.locator("#counts .card").first.inner_text()
    assert f"{len(vs):,}" in total
    if any(v["compliant"] is not None for v in vs):
        for key, value in (("compliant", True), ("not compliant", False)):
            shown = page.locator(f'#counts .card[data-count="{key}"] .n').inner_text()
            assert shown == f"{sum(v['compliant'] is value for v in vs):,}"

    # a chart with its bound line: the first figure whose entities share one bound
    charts = page.locator(".chart")
    assert charts.count() > 0
    page.wait_for_function(f"document.querySelectorAll('.chart svg').length === {charts.count()}")
    for k in range(charts.count()):
        node_id = charts.nth(k).get_attribute("data-node")
        nodes = [n for v in vs for n in walk(v["rules"]) if n["id"] == node_id and n["status"] in ("pass", "fail")]
        if len({n["bound"] for n in nodes}) == 1:
            model = ExplanationNode.model_validate(nodes[0])
            label = charts.nth(k).locator("svg text", has_text=f"{words['bound']} {figure_text(model, model.bound, lang)}")
            assert label.count() == 1 and label.is_visible(), node_id
            break
    else:
        pytest.fail("no chart with one bound")

    # an outcome's value filters the table to its entities
    field = vs[0]["outcome_details"][0]["field"]
    values = [next(d for d in v["outcome_details"] if d["field"] == field) for v in vs]
    link = page.locator(f'table[data-field="{field}"] td.link').first
    value = link.inner_text()
    link.click()
    expected = sum(1 for d in values if (str(d["value"]).lower() if isinstance(d["value"], bool) else
                                         "none" if d["value"] is None else str(d["value"])) == value and d["decided"]
                   or value == "undecided" and not d["decided"])
    assert page.locator("#matching").inner_text() == words["matching"].format(n=f"{expected:,}", total=f"{len(vs):,}")

    # search for an entity, click it, read its explanation: explain's tree
    verdict = most_failing(vs)
    page.fill("#search", verdict["entity"])
    row = page.locator(f'#entity-table .vt-row[data-entity="{verdict["entity"]}"]')
    row.click()
    lines = page.locator("#explanation .ln").all_inner_texts()
    assert "\n".join(lines) == render_text(Verdict.model_validate(verdict), lang)
    failed = next(n for n in walk(verdict["rules"]) if n["status"] == "fail")
    assert page.locator("#explanation .ln.s-fail", has_text=failed["label_zh" if lang == "zh" else "label_en"]).first.is_visible()

    assert errors == [] and requests == []
    screenshots(page, name, tmp_path)
    page.close()


def screenshots(page: Any, name: str, tmp_path: Path) -> None:
    """The top of the report and the entity table with the explanation open, to docs/ or another
    folder when asked (see the module's docstring)."""
    folder = os.environ.get("CLAUSEWISE_SCREENSHOTS")
    where = ROOT / "docs" if os.environ.get("CLAUSEWISE_UPDATE_SCREENSHOTS") == "1" else Path(folder) if folder else tmp_path
    where.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(where / f"report-{name}.png"))
    page.locator("#entities").screenshot(path=str(where / f"report-{name}-entity.png"))
    assert (where / f"report-{name}.png").stat().st_size > 10_000


def test_the_table_stays_light_for_many_entities(browser, tmp_path) -> None:
    """Virtual scrolling: the page holds a screenful of rows, however many entities; a sort reorders them."""
    jsonl = tmp_path / "tier.jsonl"
    audit("tier", jsonl)
    many = tmp_path / "many.jsonl"
    vs = verdicts(jsonl)
    import json

    with many.open("w", encoding="utf-8") as f:
        for k in range(3000):
            v = dict(vs[k % len(vs)], entity=f"E{k:05d}")
            f.write(json.dumps(v, ensure_ascii=False) + "\n")
    from clausewise.report.html import write_report

    write_report(many, tmp_path / "many.html")
    page, errors, _ = open_report(browser, tmp_path / "many.html")
    assert page.locator("#matching").inner_text() == "3,000 of 3,000 shown"
    assert page.locator("#entity-table .vt-row").count() < 60
    page.locator('.vt-head [data-col="entity"]').click()
    page.locator('.vt-head [data-col="entity"]').click()
    assert page.locator("#entity-table .vt-row").first.get_attribute("data-entity") == "E02999"
    page.locator("#entity-table").evaluate("t => t.scrollTop = t.scrollHeight")
    page.wait_for_selector('#entity-table .vt-row[data-entity="E00000"]')
    assert errors == []
    page.close()


def test_compare_shows_the_changed_entities_and_opens_one(browser, tmp_path) -> None:
    import json

    from clausewise.report.html import write_report

    jsonl = tmp_path / "novice.jsonl"
    audit("novice", jsonl)
    vs = verdicts(jsonl)
    changed = vs[2]
    before = json.loads(json.dumps(changed))
    before["compliant"] = not changed["compliant"] if changed["compliant"] is not None else True
    old = tmp_path / "old.jsonl"
    old.write_text("".join(json.dumps(v) + "\n" for v in [*vs[:2], before, *vs[3:]]), "utf-8")
    write_report(jsonl, tmp_path / "r.html", compare=old)
    page, errors, _ = open_report(browser, tmp_path / "r.html")
    assert page.locator('#compare .card[data-count="changed"] .n').inner_text() == "1"
    page.locator("#changes td.link", has_text=changed["entity"]).click()
    assert page.locator("#explanation h3").inner_text().endswith(changed["entity"])
    assert errors == []
    page.close()
