"""Open a report page in headless Chromium (Debian's `chromium`, driven by Playwright), wait for its charts,
take a screenshot and say what is wrong: charts that did not render or drew nothing, console errors, and
any request that left the file (the page must work offline).

    python -m tasks.report.browser <lake>/reports/latest/index.html docs/report-sample.png
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")

# Per chart: did vegaEmbed finish, and how many drawn mark elements and how large is its SVG.
INSPECT = """() => [...document.querySelectorAll('[data-chart]')].map(el => {
  const svg = el.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  return {name: el.dataset.chart, rendered: el.dataset.rendered || null,
          marks: el.querySelectorAll(
            '[class*="role-mark"] > path, [class*="role-mark"] > line, [class*="role-mark"] > rect').length,
          width: box.width, height: box.height};
})"""


def find_chromium() -> str | None:
    """The Chromium executable on PATH, if any."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def check_page(page_path: Path, screenshot: Path | None = None, timeout_s: float = 60.0) -> dict[str, Any]:
    """Load the page, wait until every chart has rendered (or failed), screenshot it. Returns
    {"charts": [...per chart...], "problems": [...]}: no problems means every chart drew marks."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if executable is None:
        raise RuntimeError("no Chromium found on PATH (Debian: `apt-get install chromium`; `make browser`)")
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on(
                "console",
                lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None,
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

            def offline(route: Any) -> None:
                if route.request.url.startswith("file:"):
                    route.continue_()
                else:
                    problems.append(f"request left the page: {route.request.url}")
                    route.abort()

            page.route("**/*", offline)
            page.goto(page_path.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
            try:
                page.wait_for_function(
                    "() => [...document.querySelectorAll('[data-chart]')].every(el => el.dataset.rendered)",
                    timeout=timeout_s * 1000,
                )
            except Exception as exc:  # a timeout: the charts below say which
                problems.append(f"charts did not finish rendering within {timeout_s:.0f} s: {type(exc).__name__}")
            charts = page.evaluate(INSPECT)
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    if not charts:
        problems.append("the page has no charts")
    for chart in charts:
        if chart["rendered"] != "true":
            problems.append(f"chart {chart['name']}: not rendered ({chart['rendered']})")
        elif chart["marks"] == 0 or chart["width"] < 50 or chart["height"] < 30:
            problems.append(
                f"chart {chart['name']}: blank ({chart['marks']} marks, {chart['width']:.0f}x{chart['height']:.0f} px)"
            )
    return {"charts": charts, "problems": problems}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tasks.report.browser", description=__doc__.split("\n\n")[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("screenshot", type=Path, nargs="?")
    args = parser.parse_args(argv)
    result = check_page(args.page, args.screenshot)
    for chart in result["charts"]:
        size = f"{chart['width']:.0f}x{chart['height']:.0f} px"
        print(f"{chart['name']}: {chart['rendered']}, {chart['marks']} marks, {size}")
    for problem in result["problems"]:
        print(f"PROBLEM: {problem}")
    raise SystemExit(1 if result["problems"] else 0)


if __name__ == "__main__":
    main()
