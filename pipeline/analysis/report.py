"""The self-contained HTML report of the trend tables (templates/report.html), in English or Chinese.

First the answer: a verdict timeline, one cell per year coloured by the most likely verdict and shaded by its
probability, with the documents and tags under it. Then per dimension a state × year heatmap of the scores
(pooled across years when pooling is on; the interval width in each cell's hover text and as a second line),
the dispersion over time with its band, the relations matrix beside the overall verdict, tables holding only
what was estimated (sortable; what was not estimated goes to a list with the reason), the evidence — every
cell links to its passages, each passage to its document and source and to the review app — and a methods
section written from the configuration actually used. Figures are embedded (base64); every value the
template prints is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import re
from functools import cache
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from pipeline.codebook import DIMENSIONS, MEMBERS

REVIEW_URL = "http://127.0.0.1:8765/review?passage="  # the review app at its default address (`scotrack review`)
VERDICT_COLOURS = {"same-track": "#2e7d32", "multi-track": "#f9a825", "derailed": "#c62828", None: "#9e9e9e"}

LABELS = {
    "en": {
        "lang": "en", "title": "scotrack: SCO track report", "answer": "The answer: track verdict by year",
        "timeline_note": "Each cell is a year: coloured by its most likely verdict, shaded by that verdict's "
                         "probability; under it the documents and stance tags the year rests on. Click a year "
                         "for its evidence.",
        "estimate_pooled": "Yearly estimates borrow strength across years (a local-level model; see Methods).",
        "estimate_unpooled": "Each year is estimated on its own (no pooling).",
        "overall": "All years", "no_verdict": "no verdict", "docs": "docs", "tags": "tags",
        "same-track": "same-track", "multi-track": "multi-track", "derailed": "derailed",
        "scores": "State scores by year", "scores_note": "Score −2 (opposed) … +2 (positive); the second line is "
                  "the width of the 90% interval (wider: less certain). Empty: not estimated. Click a cell for "
                  "its passages.",
        "dispersion": "Dispersion over time", "relations": "Relations between members",
        "relations_note": "Mean stance of each member (row) towards each other member (column), n in brackets; "
                          "grey: too few tags to score. Each cell links to its passages.",
        "heaviest": "Weighing most on divergence", "tables": "Tables", "not_estimated": "Not estimated, and why",
        "evidence": "Evidence", "methods": "Methods and limits", "figures": "Figures",
        "state": "state", "year": "year", "dimension": "dimension", "score": "score", "level": "level",
        "interval": "90% interval", "own": "year's own score", "n": "tags", "verdict": "verdict",
        "probability": "probability", "documents": "documents", "review": "review",
        "no_evidence": "no tags this year: estimated from the neighbouring years",
        "interest": "interest", "identity": "identity", "policy": "policy",
        "positive": "positive", "limited": "limited", "negative": "negative", "opposed": "opposed",
        "consistent": "consistent", "diverse": "diverse", "polarised": "polarised", "tendency": "tendency",
    },
    "zh": {
        "lang": "zh", "title": "scotrack：上合组织轨道报告", "answer": "结论：逐年轨道判定",
        "timeline_note": "每格一年：颜色为最可能的判定，深浅为其概率；"
                         "下方为该年所依据的文献数与立场标注数。点击年份查看证据。",
        "estimate_pooled": "逐年估计跨年份借力（局部水平模型，见“方法”）。",
        "estimate_unpooled": "每年单独估计（不跨年份合并）。",
        "overall": "全部年份", "no_verdict": "无判定", "docs": "篇", "tags": "条",
        "same-track": "同轨", "multi-track": "多轨", "derailed": "脱轨",
        "scores": "各国逐年得分",
        "scores_note": "得分 −2（不认同）… +2（积极）；第二行为 90% 区间宽度（越宽越不确定）。"
                       "空白：未估计。点击单元格查看段落。",
        "dispersion": "离散度随时间变化", "relations": "成员国之间的关系",
        "relations_note": "各成员国（行）对其他成员国（列）的平均立场，括号内为标注数；"
                          "灰色：标注过少，不计分。点击单元格查看段落。",
        "heaviest": "对分歧影响最大", "tables": "表格", "not_estimated": "未估计及原因",
        "evidence": "证据", "methods": "方法与局限", "figures": "图",
        "state": "国家", "year": "年份", "dimension": "维度", "score": "得分", "level": "水平",
        "interval": "90% 区间", "own": "当年单独得分", "n": "标注数", "verdict": "判定",
        "probability": "概率", "documents": "文献", "review": "审阅",
        "no_evidence": "当年无标注：由相邻年份估计",
        "interest": "利益需求", "identity": "认同水平", "policy": "政策选择",
        "positive": "积极", "limited": "有限", "negative": "消极", "opposed": "不认同",
        "consistent": "一致", "diverse": "多元", "polarised": "极化", "tendency": "趋势",
    },
}


def _escape(value) -> Markup:
    """Escape with the standard library (`&#x27;`, `&quot;`) rather than markupsafe (`&#39;`, `&#34;`)."""
    return value if hasattr(value, "__html__") else Markup(html.escape(str(value)))


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("pipeline.analysis", "templates"), autoescape=select_autoescape(["html"]),
                      finalize=_escape, trim_blocks=True, lstrip_blocks=True)
    env.filters["anchor"] = anchor
    return env


def _colour(score: float) -> str:
    """A stance score's cell colour: red (−2) through white (0) to green (+2)."""
    x = max(-1.0, min(1.0, score / 2))
    if x < 0:
        return f"rgb(255,{int(255 * (1 + x))},{int(255 * (1 + x))})"
    return f"rgb({int(255 * (1 - x))},{max(int(255 - 80 * x), 120)},{int(255 * (1 - x))})"


def _ink(score: float) -> str:
    return "#fff" if abs(score) > 1.3 else "#111"


def _state_names(lang: str) -> dict[str, str]:
    return {code: (m.name_zh if lang == "zh" else m.name_en) for code, m in MEMBERS.items()}


def _years(reports: dict[str, dict]) -> list[str]:
    """The periods of the timeline and heatmaps: years, summit periods or windows (not "all years", not
    "undated")."""
    return [p for p in reports if p not in ("all years", "all", "undated")]


def _cells(reports: dict[str, dict]) -> dict:
    """dimension -> state -> year -> cell (score, interval width, own score, tags, evidence anchor)."""
    out: dict = {d: {} for d in DIMENSIONS}
    for year in _years(reports):
        rep = reports[year]
        pooled = rep.get("pooled")
        for d in DIMENSIONS:
            own = rep["dimensions"][d]
            if pooled:
                for s, e in pooled["dimensions"][d]["states"].items():
                    lo, hi = e["interval90"]
                    out[d].setdefault(s, {})[year] = {"score": e["mean"], "width": hi - lo, "own": e["unpooled"],
                                                      "tags": e["tags"], "interval": [lo, hi]}
            else:
                for s, v in own["states"].items():
                    lo, hi = v["interval"]
                    width = (hi - lo) if lo is not None and hi is not None else None
                    out[d].setdefault(s, {})[year] = {"score": v["score"], "width": width, "own": v["score"],
                                                      "tags": v["n"], "interval": [lo, hi]}
    return out


def _evidence_periods(reports: dict[str, dict]) -> list[str]:
    """The years, then the undated documents (no year, counted in the all-years figures only), then all
    years together."""
    return _years(reports) + [p for p in reports if p == "undated"] + [p for p in reports if p in ("all years", "all")]


def anchor(text: str) -> str:
    """A period's name as part of an HTML id ("2018-06-10 Qingdao" -> "2018-06-10-Qingdao")."""
    return re.sub(r"[^\w-]+", "-", str(text)).strip("-")


def _evidence(reports: dict[str, dict]) -> dict:
    """period -> dimension -> state -> evidence passages (the period's own tags)."""
    out: dict = {}
    for year in _evidence_periods(reports):
        rep = reports[year]
        for d in DIMENSIONS:
            dim = rep["dimensions"][d]
            for s, v in {**dim.get("not_scored", {}), **dim["states"]}.items():
                if v.get("evidence"):
                    out.setdefault(year, {}).setdefault(d, {})[s] = v["evidence"]
    return out


def _not_estimated(reports: dict[str, dict]) -> list[dict]:
    """What has tags but no estimate in a year, and why (for the list beside the tables)."""
    out = []
    for year in _years(reports):
        rep = reports[year]
        pooled = rep.get("pooled")
        for d in DIMENSIONS:
            if pooled:
                for s, e in pooled["dimensions"][d]["not_estimated"].items():
                    out.append({"year": year, "dimension": d, "state": s, "reason": e["reason"]})
            else:
                for s, v in rep["dimensions"][d]["not_scored"].items():
                    out.append({"year": year, "dimension": d, "state": s, "reason": v["reason"]})
    return out


def _estimated_table(frames: dict[str, pd.DataFrame], pooled: bool) -> list[dict]:
    states = frames.get("states")
    if states is None or states.empty:
        return []
    keep = states["pooled_estimated"].fillna(False).astype(bool) if pooled else states["scored"]
    rows = []
    for r in states[keep & states["period"].astype(str).str.isdigit()].itertuples(index=False):
        rows.append({"year": r.period, "state": r.state, "dimension": r.dimension,
                     "score": r.pooled_mean if pooled else r.score,
                     "lo": r.pooled_lo90 if pooled else r.interval_lo, "hi": r.pooled_hi90 if pooled else r.interval_hi,
                     "own": None if pd.isna(r.score) else r.score, "n": int(r.n)})
    return rows


def html_report(reports: dict[str, dict], frames: dict[str, pd.DataFrame], figures: list[Path], title: str | None,
                lang: str = "en", config: dict | None = None, model: str | None = None) -> str:
    """One self-contained HTML page (see the module docstring)."""
    labels = LABELS.get(lang, LABELS["en"])
    years = _years(reports)
    pooled = any(reports[y].get("pooled") for y in years)
    overall = next((p for p in ("all years", "all") if p in reports), None)
    some = next(iter(reports.values()), {})
    config = config or some.get("config") or {}
    qs = {d: (reports[years[0]].get("pooled") or {}).get("dimensions", {}).get(d, {}).get("q") for d in DIMENSIONS} \
        if years else {}
    return _environment().get_template("report.html").render(
        t=labels, title=title or labels["title"], lang=lang,
        figures=[{"name": fig.stem, "data": base64.b64encode(fig.read_bytes()).decode()} for fig in figures
                 if fig.suffix == ".png"],
        reports=reports, years=years, periods=_evidence_periods(reports), pooled=pooled, overall=overall,
        dimensions=list(DIMENSIONS),
        state_names=_state_names(lang), cells=_cells(reports), evidence=_evidence(reports),
        not_estimated=_not_estimated(reports), table=_estimated_table(frames, pooled),
        verdict_colours={str(k): v for k, v in VERDICT_COLOURS.items()}, colour=_colour, ink=_ink,
        review_url=REVIEW_URL, config=config, q=qs, model=model,
    )
