"""The HTML trend report in a real browser (Playwright driving Debian's chromium): the timeline and the
heatmaps render, every in-page link resolves, nothing overflows at 1280 px; the README screenshot is taken
here. The tags are simulated (tests/analysis/test_pooling.py: known trajectories, dense and thin years),
not corpus."""

from __future__ import annotations

import pytest

from pipeline.analysis.aggregate import by_period
from pipeline.analysis.trends import write_all
from pipeline.config import AggregateConfig
from tests.analysis.test_pooling import simulate
from tests.review.test_browser import page  # noqa: F401  (the Playwright page fixture)
from tests.support import ROOT

SCREENSHOT = ROOT / "docs" / "report-screen.png"


def simulated_rows() -> list[dict]:
    _, rows = simulate(5, dense_every=3, dense_docs=6)
    for r in rows:
        r.update(relevant=True, mention_states=[r["state"]], lang="zh", source="simulated", title="simulated",
                 text=f"simulated passage {r['passage_id']}", date=f"{r['year']}-06-01")
    return rows


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_renders_links_resolve_and_nothing_overflows(tmp_path, page, lang):  # noqa: F811
    rows = simulated_rows()
    config = AggregateConfig(bootstrap=100)
    reports = {**by_period(rows, config), "all years": by_period(rows, config, by="all")["all"]}
    report = write_all(reports, tmp_path, "csv", lang=lang)["report"][0]
    page.goto(report.as_uri())
    page.wait_for_selector("#timeline")
    years = [p for p in reports if p.isdigit()]
    assert len(page.query_selector_all("#timeline a.year")) == len(years) == 20
    assert len(page.query_selector_all("table.heat")) >= 3
    assert page.evaluate("document.querySelectorAll('table.heat td[style]').length") > 100
    missing = page.evaluate("""() => [...document.querySelectorAll("a[href^='#']")]
        .map(a => a.getAttribute('href').slice(1)).filter(id => !document.getElementById(id))""")
    assert missing == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # a heatmap cell opens the evidence of its state, year and dimension
    cell = page.query_selector("table.heat td a")
    target = cell.get_attribute("href")[1:]
    cell.click()
    assert page.evaluate(f"document.getElementById('{target}').open") is True
    # the tables sort by a click on their header
    page.click("#periods th:nth-child(3)")
    if lang == "en":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.goto(report.as_uri())
        page.wait_for_selector("#timeline")
        page.screenshot(path=str(SCREENSHOT), full_page=False)
    else:
        assert "同轨" in page.content() or "多轨" in page.content()
        assert "中国" in page.content()
