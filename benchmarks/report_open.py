"""How long a large HTML audit report takes to write and to open in headless Chromium.

    python -m benchmarks.report_open --sizes 100000 200000 --work /tmp/bench-report

For each size: provider figures (benchmarks.generate, seeded), an audit of
benchmarks/silver_figures.policy to JSON Lines, ``clausewise report`` (timed), then the page opened
in Debian's Chromium (/usr/bin/chromium, through playwright) three times: until the entity
table shows its first rows, until every chart is drawn, then a search for one entity and a click
on it until its explanation shows. Prints a Markdown table (docs/benchmarks.md records one).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import generate

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def clausewise(*args: str) -> float:
    start = time.perf_counter()
    run = subprocess.run([str(Path(sys.executable).with_name("clausewise")), *args], capture_output=True, text=True)
    if run.returncode not in (0, 1) or "Traceback" in run.stderr:
        raise SystemExit(run.stderr)
    return time.perf_counter() - start


def open_times(browser, page_path: Path, entity: str) -> tuple[float, float, float]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    start = time.perf_counter()
    page.goto(page_path.as_uri(), wait_until="commit")
    page.wait_for_selector("#entity-table .vt-row")
    table = time.perf_counter() - start
    page.wait_for_function("document.querySelectorAll('.chart svg').length === document.querySelectorAll('.chart').length")
    charts = time.perf_counter() - start
    start = time.perf_counter()
    page.fill("#search", entity)
    page.locator(f'#entity-table .vt-row[data-entity="{entity}"]').click()
    page.wait_for_selector("#explanation .ln")
    click = time.perf_counter() - start
    page.close()
    return table, charts, click


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/clausewise-report-bench"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for size in args.sizes:
            data = args.work / f"figures-{size}"
            if not (data / "provider_figures.csv").exists():
                generate.write_figures(data, size)
            verdicts = args.work / f"verdicts-{size}.jsonl"
            audit = clausewise("audit", str(ROOT / "benchmarks" / "silver_figures.policy"), "--data", str(data),
                               "--as-of", "2024-04-01", "--out", str(verdicts))
            html = args.work / f"report-{size}.html"
            write = clausewise("report", str(verdicts), "--out", str(html))
            entity = f"P{size // 2:07d}"
            runs = [open_times(browser, html, entity) for _ in range(3)]
            table, charts, click = (statistics.median(r[k] for r in runs) for k in range(3))
            rows.append(f"| {size:,} | {audit:.1f} s | {write:.1f} s | {html.stat().st_size / 2**20:.1f} MiB | "
                        f"{table:.2f} s | {charts:.2f} s | {click:.2f} s |")
            print(rows[-1], flush=True)
        browser.close()
    print("| entities | audit | report written | HTML size | table shown | charts drawn | search + click |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
