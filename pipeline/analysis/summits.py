"""Periods between the SCO's heads-of-state summits (`trends --by summit`).

The Council of Heads of State meetings, by their last day (the day of the declaration): a period runs from
one summit to the day before the next, and is named by the summit that opens it. The dates are the SCO's
public record; the bundled CCTV items of those days report each summit from 2013 on (2012–2025 checked
against `corpora/xwlb-sco*/`, e.g. xwlb_20180610_01, xwlb_20220915_03, xwlb_20250901_03).

A document dated only by its year (a UN General Debate speech, "2015") is placed at 1 July of that year,
which falls after that year's summit in most years: say so when you read its period.
"""

from __future__ import annotations

from bisect import bisect_right

SUMMITS: tuple[tuple[str, str], ...] = (
    ("2001-06-15", "Shanghai"), ("2002-06-07", "Saint Petersburg"), ("2003-05-29", "Moscow"),
    ("2004-06-17", "Tashkent"), ("2005-07-05", "Astana"), ("2006-06-15", "Shanghai"), ("2007-08-16", "Bishkek"),
    ("2008-08-28", "Dushanbe"), ("2009-06-16", "Yekaterinburg"), ("2010-06-11", "Tashkent"),
    ("2011-06-15", "Astana"), ("2012-06-07", "Beijing"), ("2013-09-13", "Bishkek"), ("2014-09-12", "Dushanbe"),
    ("2015-07-10", "Ufa"), ("2016-06-24", "Tashkent"), ("2017-06-09", "Astana"), ("2018-06-10", "Qingdao"),
    ("2019-06-14", "Bishkek"), ("2020-11-10", "Moscow (video)"), ("2021-09-17", "Dushanbe"),
    ("2022-09-16", "Samarkand"), ("2023-07-04", "New Delhi (video)"), ("2024-07-04", "Astana"),
    ("2025-09-01", "Tianjin"),
)
DATES = [d for d, _ in SUMMITS]


def label(i: int) -> str:
    return f"{SUMMITS[i][0]} {SUMMITS[i][1]}"


def summit_period(date: str | None, year: int | None) -> str | None:
    """The summit period of a document: by its date (YYYY-MM-DD or YYYY-MM), else 1 July of its year; None
    before the first summit or without any date."""
    if date and len(date) >= 7 and date[:4].isdigit():
        key = date[:10] if len(date) >= 10 else date[:7] + "-15"
    elif year is not None:
        key = f"{year:04d}-07-01"
    else:
        return None
    i = bisect_right(DATES, key) - 1
    return label(i) if i >= 0 else None
