"""Yearly trend tables, plots and a self-contained HTML report from the aggregated reports.

Three tables: state × dimension × period (score, level, n, interval); dimension × period (dispersion,
polarisation, tendency); period (verdict, probability, documents, tags). Undated documents have a row of
their own in the periods table (period `undated`: documents and tags, no verdict) and none in the other two:
they are no period, and count in the all-years rows. A fourth table, `relations`: the relations matrix of
each period (holder → object member, dimension: mean stance, n, documents, interval, negative mass; codebook
§3a). Figures: state scores over time per dimension, dispersion over time with the verdict of each year, and
a relations heatmap per dimension (members × members over all the periods given, PNG and SVG). The HTML
report (report.py) embeds the figures and tables and, for every state score, the passages behind it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.analysis.aggregate import UNDATED
from pipeline.analysis.report import html_report
from pipeline.codebook import DIMENSIONS, MEMBERS

FORMATS = ("csv", "parquet", "xlsx", "md")
LEVEL_TICKS = {-2: "opposed (−2)", -1: "negative (−1)", 0: "0", 1: "limited (+1)", 2: "positive (+2)"}
VERDICT_COLOURS = {"same-track": "#2e7d32", "multi-track": "#f9a825", "derailed": "#c62828", None: "#9e9e9e"}


STATE_COLUMNS = ["period", "state", "state_name", "dimension", "score", "level", "n", "documents", "interval_lo",
                 "interval_hi", "scored", "pooled_mean", "pooled_level", "pooled_sd", "pooled_lo90", "pooled_hi90",
                 "pooled_lo95", "pooled_hi95", "pooled_estimated"]
DIMENSION_COLUMNS = ["period", "dimension", "tendency", "tendency_probability", "scored_states", "sd", "leik",
                     "agreement_a", "tastle_wierman", "esteban_ray", "camp_rule", "bimodality", "note",
                     "pooled_tendency", "pooled_tendency_probability", "pooled_states", "pooled_q", "pooled_sd",
                     "pooled_sd_lo90", "pooled_sd_hi90"]
PERIOD_COLUMNS = ["period", "verdict", "verdict_probability", "documents", "tags", "estimate", "p_same_track",
                  "p_multi_track", "p_derailed", "p_no_verdict", "unpooled_verdict", "unpooled_verdict_probability",
                  "documents_zh", "documents_en", "documents_ru", "tags_zh", "tags_en", "tags_ru", "reported_apart",
                  "note"]


def tables(reports: dict[str, dict]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(states, dimensions, periods) tables from {period: report}. With pooling, each row carries the pooled
    estimate beside the year's own (unpooled) one, and `verdict`/`verdict_probability` are those of the
    estimate chosen (`estimate`: pooled or unpooled)."""
    from pipeline.analysis.aggregate import level

    srows, drows, prows = [], [], []
    for period, rep in reports.items():
        apart = rep.get("reported_apart") or {}
        pooled = rep.get("pooled")
        own = rep.get("unpooled") or rep
        dist = rep.get("verdict_distribution") or {}
        langs = rep.get("languages") or {}
        prows.append({"period": period, "verdict": rep["verdict"], "verdict_probability": rep["verdict_probability"],
                      "documents": rep["documents"], "tags": rep["tags"],
                      "estimate": "pooled" if pooled else "unpooled",
                      "p_same_track": dist.get("same-track", 0.0), "p_multi_track": dist.get("multi-track", 0.0),
                      "p_derailed": dist.get("derailed", 0.0), "p_no_verdict": dist.get("None", 0.0),
                      "unpooled_verdict": own["verdict"], "unpooled_verdict_probability": own["verdict_probability"],
                      **{f"documents_{lang}": langs.get(lang, {}).get("documents", 0) for lang in ("zh", "en", "ru")},
                      **{f"tags_{lang}": langs.get(lang, {}).get("tags", 0) for lang in ("zh", "en", "ru")},
                      "reported_apart": "; ".join(f"{s} {v['n']} ({v['reason']})" for s, v in sorted(apart.items())),
                      "note": rep["evidence_note"] or ""})
        if period == UNDATED:
            continue  # no tendency, no scores of a period: the evidence is in the HTML report
        for d in DIMENSIONS:
            dim = rep["dimensions"][d]
            pdim = (pooled or {}).get("dimensions", {}).get(d, {})
            disp, pol = dim["dispersion"], dim["polarisation"]
            drows.append({"period": period, "dimension": d, "tendency": dim["tendency"],
                          "tendency_probability": dim["tendency_probability"],
                          "scored_states": len(dim["states"]), "sd": disp.get("sd"), "leik": disp.get("leik"),
                          "agreement_a": disp.get("agreement_a"), "tastle_wierman": disp.get("tastle_wierman"),
                          "esteban_ray": pol.get("esteban_ray"), "camp_rule": pol.get("holds"),
                          "bimodality": pol.get("bimodality"), "note": dim.get("reason", ""),
                          "pooled_tendency": pdim.get("tendency"),
                          "pooled_tendency_probability": pdim.get("tendency_probability"),
                          "pooled_states": len(pdim.get("states", {})) if pdim else None, "pooled_q": pdim.get("q"),
                          "pooled_sd": (pdim.get("sd") or {}).get("median"),
                          "pooled_sd_lo90": (pdim.get("sd") or {}).get("lo90"),
                          "pooled_sd_hi90": (pdim.get("sd") or {}).get("hi90")})
            estimates = {**pdim.get("not_estimated", {}), **pdim.get("states", {})}
            for s in sorted(set(dim["states"]) | set(dim["not_scored"]) | set(estimates)):
                v = dim["states"].get(s) or dim["not_scored"].get(s) or {}
                e = estimates.get(s) or {}
                scored = s in dim["states"]
                srows.append({"period": period, "state": s, "state_name": MEMBERS[s].name_en, "dimension": d,
                              "score": v.get("score") if scored else None, "level": v.get("level") if scored else None,
                              "n": v.get("n", 0), "documents": v.get("documents") if scored else None,
                              "interval_lo": v["interval"][0] if scored else None,
                              "interval_hi": v["interval"][1] if scored else None, "scored": scored,
                              "pooled_mean": e.get("mean"), "pooled_level": level(e["mean"]) if e else None,
                              "pooled_sd": e.get("sd"),
                              "pooled_lo90": e["interval90"][0] if e else None,
                              "pooled_hi90": e["interval90"][1] if e else None,
                              "pooled_lo95": e["interval95"][0] if e else None,
                              "pooled_hi95": e["interval95"][1] if e else None,
                              "pooled_estimated": s in pdim.get("states", {}) if pdim else None})
    states = pd.DataFrame(srows, columns=STATE_COLUMNS)
    states["documents"] = states["documents"].astype("Int64")
    dims = pd.DataFrame(drows, columns=DIMENSION_COLUMNS)
    periods = pd.DataFrame(prows, columns=PERIOD_COLUMNS)
    return states, dims, periods


RELATION_COLUMNS = ["period", "dimension", "holder", "object", "score", "level", "n", "documents", "scored",
                    "interval_lo", "interval_hi", "negative_mass", "heaviest_rank", "passages"]


def relations_table(reports: dict[str, dict]) -> pd.DataFrame:
    """One row per period, dimension and (holder, object) pair with evidence; `heaviest_rank` 1..5 for the
    dyads that weigh most on divergence, `passages` the ids of the passages behind the cell."""
    rows = []
    for period, rep in reports.items():
        for d, rel in (rep.get("relations") or {}).items():
            rank = {(h["holder"], h["object"]): k for k, h in enumerate(rel["heaviest"], 1)}
            for c in rel["cells"]:
                rows.append({"period": period, "dimension": d, "holder": c["holder"], "object": c["object"],
                             "score": c["score"], "level": c["level"], "n": c["n"], "documents": c["documents"],
                             "scored": c["scored"], "interval_lo": c["interval"][0], "interval_hi": c["interval"][1],
                             "negative_mass": c["negative_mass"], "heaviest_rank": rank.get((c["holder"], c["object"])),
                             "passages": " ".join(e["passage_id"] for e in c["evidence"])})
    frame = pd.DataFrame(rows, columns=RELATION_COLUMNS)
    frame["heaviest_rank"] = frame["heaviest_rank"].astype("Int64")
    return frame


def plot_relations(reports: dict[str, dict], period: str, out: Path) -> list[Path]:
    """One heatmap per dimension for `period`: rows the holder, columns the object, coloured by the mean
    stance (−2 red … +2 green) where the cell is scored, n in each cell (in brackets and uncoloured where
    too few tags to score), empty where there is no evidence; PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rel = (reports.get(period) or {}).get("relations") or {}
    if not any(rel.get(d, {}).get("cells") for d in DIMENSIONS):
        return []
    codes = list(MEMBERS)
    fig, axes = plt.subplots(1, len(DIMENSIONS), figsize=(15, 5.2), constrained_layout=True)
    for ax, d in zip(axes, DIMENSIONS, strict=True):
        grid = np.full((len(codes), len(codes)), np.nan)
        counts = {}
        for c in rel.get(d, {}).get("cells", []):
            i, j = codes.index(c["holder"]), codes.index(c["object"])
            if c.get("scored", True):
                grid[i, j] = c["score"]
            counts[(i, j)] = str(c["n"]) if c.get("scored", True) else f"({c['n']})"
        image = ax.imshow(np.ma.masked_invalid(grid), cmap="RdYlGn", vmin=-2, vmax=2)
        for (i, j), n in counts.items():
            dark = not np.isnan(grid[i, j]) and abs(grid[i, j]) > 1.3
            ax.text(j, i, n, ha="center", va="center", fontsize=7,
                    color="#999" if n[0] == "(" else "white" if dark else "#222")
        ax.set_xticks(range(len(codes)), codes, rotation=90, fontsize=8)
        ax.set_yticks(range(len(codes)), codes, fontsize=8)
        ax.set_xlabel("towards (object)")
        ax.set_ylabel("stance of (holder)")
        ax.set_title(f"{d} ({period}; n in cells)")
        ax.set_facecolor("#f4f4f4")
    fig.colorbar(image, ax=axes, shrink=0.7, label="mean stance (−2 opposed … +2 positive)")
    paths = [out / "relations.png", out / "relations.svg"]
    out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        fig.savefig(path, dpi=110)
    plt.close(fig)
    return paths


def write_tables(frames: dict[str, pd.DataFrame], out: Path, fmt: str) -> list[Path]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    if fmt == "xlsx":
        path = out / "trends.xlsx"
        with pd.ExcelWriter(path) as xl:
            for name, df in frames.items():
                df.to_excel(xl, sheet_name=name, index=False)
        return [path]
    for name, df in frames.items():
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            df.to_csv(path, index=False)
        elif fmt == "parquet":
            df.to_parquet(path, index=False)
        else:
            path.write_text(markdown_table(df))
        paths.append(path)
    return paths


def markdown_table(df: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (floats to three decimals, missing values empty)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join("" if pd.isna(v) else (f"{v:.3f}" if isinstance(v, float) else str(v))
                                       for v in row) + " |")
    return "\n".join(lines) + "\n"


def _years(periods) -> list[int]:
    return [int(p) for p in periods if str(p).isdigit()]


def _with_gaps(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows for missing years (all NaN), so that lines break across years without evidence."""
    years = range(int(frame["year"].min()), int(frame["year"].max()) + 1)
    return frame.set_index("year").reindex(years).rename_axis("year").reset_index()


def plot_scores(states: pd.DataFrame, path: Path) -> Path | None:
    """State scores over time, one panel per dimension, with bootstrap intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scored = states[states["scored"] & states["period"].astype(str).str.isdigit()].copy()
    fig, axes = plt.subplots(3, 1, figsize=(11, 11), sharex=True)
    colours = plt.get_cmap("tab10")
    for ax, d in zip(axes, DIMENSIONS, strict=True):
        sub = scored[scored["dimension"] == d]
        pooled = states[(states["dimension"] == d) & states["pooled_estimated"].fillna(False).astype(bool)
                        & states["period"].astype(str).str.isdigit()]
        for k, code in enumerate(MEMBERS):
            pl = pooled[pooled["state"] == code].sort_values("period")
            if not pl.empty:  # the pooled estimate: a line with its 90% band
                x = pl["period"].astype(int)
                ax.fill_between(x, pl["pooled_lo90"].astype(float), pl["pooled_hi90"].astype(float),
                                color=colours(k), alpha=0.12, lw=0)
                ax.plot(x, pl["pooled_mean"].astype(float), color=colours(k), lw=1.6,
                        label=f"{MEMBERS[code].name_en} ({code})")
            s = sub[sub["state"] == code].sort_values("period")
            if s.empty:
                continue
            s = _with_gaps(s.assign(year=s["period"].astype(int)))
            lo = (s["score"] - s["interval_lo"]).clip(lower=0)
            hi = (s["interval_hi"] - s["score"]).clip(lower=0)
            ax.errorbar(s["year"] + (k - 4.5) * 0.04, s["score"], yerr=[lo, hi], marker="o", ms=4,
                        lw=0 if not pooled.empty else 1.2, elinewidth=0.8, capsize=2, color=colours(k),
                        label=None if not pooled.empty else f"{MEMBERS[code].name_en} ({code})")
        ax.set_ylim(-2.3, 2.3)
        ax.set_yticks(list(LEVEL_TICKS), list(LEVEL_TICKS.values()))
        ax.axhline(0, color="#999", lw=0.6)
        ax.grid(axis="y", alpha=0.3)
        ax.set_title(f"{d.capitalize()}: state scores by year — " + (
            "lines: pooled across years, band 90%; points: the year on its own, 95% bootstrap interval"
            if not pooled.empty else "confidence-weighted mean stance, 95% bootstrap interval"), fontsize=10)
        ax.set_ylabel("score")
        if sub.empty:
            ax.text(0.5, 0.5, "no state has enough stance tags", transform=ax.transAxes, ha="center",
                    color="#777")
    axes[-1].set_xlabel("year")
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=9, frameon=False)
    fig.suptitle("SCO member states' stances by dimension", fontsize=13)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_dispersion(dims: pd.DataFrame, periods: pd.DataFrame, consistency_sd: float, path: Path) -> Path:
    """Standard deviation of state scores per dimension over time, with each year's verdict."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    yearly = dims[dims["period"].astype(str).str.isdigit()].copy()
    fig, ax = plt.subplots(figsize=(11, 5.5))
    markers = {"interest": "o", "identity": "s", "policy": "^"}
    pooled = "pooled_sd" in yearly and yearly["pooled_sd"].notna().any()
    for d in DIMENSIONS:
        if pooled:  # the pooled estimate: the sd of the states' drawn scores, median and 90% band
            p = yearly[(yearly["dimension"] == d) & yearly["pooled_sd"].notna()].sort_values("period")
            x = p["period"].astype(int)
            line, = ax.plot(x, p["pooled_sd"].astype(float), marker=markers[d], ms=3, lw=1.4,
                            label=f"{d} (sd of state scores, pooled; band 90%)")
            ax.fill_between(x, p["pooled_sd_lo90"].astype(float), p["pooled_sd_hi90"].astype(float),
                            color=line.get_color(), alpha=0.15, lw=0)
            continue
        # only years where the dimension has a tendency (enough scored states): the sd of one or two
        # states says nothing about dispersion
        s = yearly[(yearly["dimension"] == d) & yearly["tendency"].notna()].sort_values("period")
        if not s.empty:
            s = _with_gaps(s.assign(year=s["period"].astype(int)))
            ax.plot(s["year"], s["sd"], marker=markers[d], lw=1.4, label=f"{d} (sd of state scores)")
    ax.axhline(consistency_sd, color="#555", ls="--", lw=1, label=f"consistency threshold (sd ≤ {consistency_sd:g})")
    shown = yearly["pooled_sd_hi90"] if pooled else yearly.loc[yearly["tendency"].notna(), "sd"]
    top = max(2.0, float(shown.max()) + 0.3) if shown.notna().any() else 2.0
    for row in periods.itertuples(index=False):
        if not str(row.period).isdigit():
            continue
        ax.axvspan(int(row.period) - 0.5, int(row.period) + 0.5, color=VERDICT_COLOURS.get(row.verdict, "#9e9e9e"),
                   alpha=0.12, lw=0)
    ax.set_ylim(0, top)
    ax.set_xlabel("year")
    ax.set_ylabel("standard deviation of state scores (stance points)")
    ax.set_title("Dispersion of member states by dimension (years with enough scored states); "
                 "background: the year's track verdict", fontsize=11)
    verdict_patches = [Patch(color=c, alpha=0.3, label=v or "no verdict (too little evidence)")
                       for v, c in VERDICT_COLOURS.items()]
    lines, labels = ax.get_legend_handles_labels()
    ax.legend(lines + verdict_patches, labels + [p.get_label() for p in verdict_patches], fontsize=8, ncol=2,
              loc="upper left")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_all(reports: dict[str, dict], out: Path, fmt: str = "csv", consistency_sd: float = 0.5,
              title: str | None = None, lang: str = "en", model: str | None = None) -> dict[str, list[Path]]:
    """Tables in `fmt`, the figures (PNG and SVG) and report.html (labels in `lang`: en or zh) under `out`."""
    states, dims, periods = tables(reports)
    frames = {"states": states, "dimensions": dims, "periods": periods, "relations": relations_table(reports)}
    written = {"tables": write_tables(frames, out, fmt)}
    figures = [plot_scores(states, out / "state_scores.png"),
               plot_dispersion(dims, periods, consistency_sd, out / "dispersion_verdict.png")]
    overall = "all years" if "all years" in reports else "all" if "all" in reports else None
    written["figures"] = [f for f in figures if f is not None]
    written["relations"] = plot_relations(reports, overall, out) if overall else []
    report = out / "report.html"
    for fig in list(written["figures"]):  # each figure also as SVG, for papers
        svg = fig.with_suffix(".svg")
        if fig == out / "state_scores.png":
            plot_scores(states, svg)
        elif fig == out / "dispersion_verdict.png":
            plot_dispersion(dims, periods, consistency_sd, svg)
        written["figures"].append(svg)
    report.write_text(html_report(reports, frames, written["figures"], title, lang=lang, model=model),
                      encoding="utf-8")
    written["report"] = [report]
    return written
