"""The self-contained HTML report of the trend tables.

One page (templates/report.html): the figures embedded as base64 data URIs, the tables, and for every state
score the passages behind it. Every value the template prints is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
from functools import cache
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from pipeline.codebook import DIMENSIONS, MEMBERS


def _escape(value) -> Markup:
    """Escape with the standard library (`&#x27;`, `&quot;`) rather than markupsafe (`&#39;`, `&#34;`), so that
    the page stays byte for byte the one the string-built report wrote; both escape the same characters."""
    return value if hasattr(value, "__html__") else Markup(html.escape(str(value)))


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("pipeline.analysis", "templates"), autoescape=select_autoescape(["html"]),
                       finalize=_escape, trim_blocks=True, lstrip_blocks=True)


def _table(df: pd.DataFrame) -> Markup:
    # pandas escapes the cells itself
    return Markup(df.to_html(index=False, na_rep="", float_format=lambda x: f"{x:.3f}", escape=True))


def html_report(reports: dict[str, dict], frames: dict[str, pd.DataFrame], figures: list[Path], title: str) -> str:
    """One self-contained HTML page: figures (embedded), tables, and the evidence behind every state score."""
    return _environment().get_template("report.html").render(
        title=title,
        figures=[{"name": fig.stem, "data": base64.b64encode(fig.read_bytes()).decode()} for fig in figures],
        tables={name: _table(df) for name, df in frames.items()},
        reports=reports,
        dimensions=DIMENSIONS,
        state_names={code: member.name_en for code, member in MEMBERS.items()},
        overall=next((p for p in ("all years", "all") if p in reports), None),
        colour=_colour,
    )


def _colour(score: float) -> str:
    """A stance score's cell colour: red (−2) through white (0) to green (+2)."""
    x = max(-1.0, min(1.0, score / 2))
    r, g, b = (255, int(255 * (1 + x)), int(255 * (1 + x))) if x < 0 else (int(255 * (1 - x)), 255, int(255 * (1 - x)))
    return f"rgb({r},{max(g, 120)},{b})" if x >= 0 else f"rgb({r},{g},{b})"
