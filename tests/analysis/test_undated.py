"""Undated documents count: in the all-years figures and in `analyze`, listed apart by year, with one warning.

Tag sets and texts are constructed for the tests (not corpus).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.analysis.aggregate import UNDATED, UNDATED_NOTE, by_period, reported_apart, select
from pipeline.analysis.trends import tables
from tests.analysis.test_aggregate import FAST, case, tags
from tests.support import scotrack


def undated(rows: list[dict]) -> list[dict]:
    """The same tags from documents without a date."""
    return [{**r, "year": None, "date": None, "doc_id": "undated-" + r["doc_id"]} for r in rows]


def test_undated_tags_count_for_todays_members_and_never_in_a_year():
    dated = case({"CHN": 2, "RUS": 2, "KAZ": 2}, year=2019)
    # Belarus joined in 2024: an undated tag cannot be checked against that, so it counts (a member today);
    # Turkey is no member and is reported apart, as a dated tag would be
    extra = undated(tags("IND", "identity", -2) + tags("BLR", "policy", 1, n=3) + tags("TUR", "interest", 2, n=2))
    rows = dated + extra
    chosen = select(rows, FAST)
    assert {r["state"] for r in chosen if r["year"] is None} == {"IND", "BLR"}
    assert reported_apart(rows, FAST) == {"TUR": {"n": 2, "reason": "not a member"}}

    overall = by_period(rows, FAST, by="all")["all"]
    assert overall["tags"] == len(dated) + 9 and overall["documents"] == len({r["doc_id"] for r in dated}) + 6
    assert "IND" in overall["dimensions"]["identity"]["states"]
    assert overall["undated"] == {"documents": 6, "tags": 9, "counted": True}

    yearly = by_period(rows, FAST)
    assert list(yearly) == ["2019", UNDATED]
    assert yearly["2019"]["tags"] == len(dated) and "IND" not in yearly["2019"]["dimensions"]["identity"]["states"]
    apart = yearly[UNDATED]
    assert (apart["verdict"], apart["verdict_probability"], apart["documents"], apart["tags"]) == (None, 0.0, 6, 9)
    assert apart["evidence_note"] == UNDATED_NOTE and apart["reported_apart"]["TUR"]["n"] == 2
    assert all(d["tendency"] is None for d in apart["dimensions"].values())
    assert apart["dimensions"]["identity"]["states"]["IND"]["evidence"]  # the passages behind it stay visible


def test_a_year_range_leaves_undated_tags_out_and_says_so():
    rows = case({"CHN": 2, "RUS": 2, "KAZ": 2}, year=2019) + undated(tags("IND", "identity", -2))
    overall = by_period(rows, FAST, by="all", years=(2019, 2019))["all"]
    assert overall["undated"] == {"documents": 3, "tags": 6, "counted": False}
    assert "IND" not in overall["dimensions"]["identity"]["states"]
    assert list(by_period(rows, FAST, years=(2019, 2019))) == ["2019"]


def test_an_undated_corpus_gets_an_all_years_verdict():
    rows = undated(case({"CHN": 2, "RUS": 2, "KAZ": 2, "IND": 2}, year=2019))
    assert by_period(rows, FAST, by="all")["all"]["verdict"] == "same-track"
    assert by_period(rows, FAST)[UNDATED]["verdict"] is None


def test_the_periods_table_lists_the_undated_row_without_a_verdict():
    rows = case({"CHN": 2, "RUS": 1, "KAZ": 1}, year=2019) + undated(tags("IND", "identity", -2))
    reports = {**by_period(rows, FAST), "all years": by_period(rows, FAST, by="all")["all"]}
    states, dims, periods = tables(reports)
    assert {"period", "verdict", "verdict_probability", "documents", "tags"} <= set(periods.columns)
    assert list(periods["period"]) == ["2019", UNDATED, "all years"]
    row = periods[periods["period"] == UNDATED].iloc[0]
    assert pd.isna(row["verdict"]) and (row["documents"], row["tags"]) == (3, 6) and "all-years" in row["note"]
    # no tendency or state scores of a period that is none
    assert UNDATED not in set(dims["period"]) and UNDATED not in set(states["period"])


# -- the command line ------------------------------------------------------------------------------------------

# Constructed: clear statements about many member states on the three dimensions, no date anywhere.
MANY = """中方表示，愿同各成员国一道弘扬“上海精神”，推动上海合作组织安全合作走深走实。

俄方表示，俄罗斯坚定支持上海合作组织扩员进程，愿深化同各成员国在安全和经济领域的合作。

哈萨克斯坦表示，哈方高度重视上海合作组织的作用，积极参与组织框架内的经贸合作。

印度表示不参加上合组织框架下的联合军演，并对扩员持保留态度。

巴基斯坦表示，巴方愿同上合组织成员国加强互联互通合作，支持共建“一带一路”。

吉尔吉斯斯坦总统表示，吉方支持上海合作组织开发银行建设，愿深化地区经济合作。

乌兹别克斯坦表示，乌方积极推动上海合作组织框架内的交通和能源合作。

塔吉克斯坦表示，塔方坚定支持上海合作组织打击恐怖主义、分裂主义和极端主义。

俄方认为，上海合作组织是俄罗斯外交的优先方向，俄方高度认同“上海精神”，视自己为上合大家庭的一员。

哈萨克斯坦认为，哈方作为创始成员国，高度认同上海合作组织的价值理念。

中方认为，中国是上海合作组织的创始成员国，始终认同“上海精神”，视上合组织为命运共同体。

印度对上合组织持消极认同态度，对上海合作组织保持警惕。

乌兹别克斯坦认为，乌方高度认同“上海精神”，视上合组织为可靠伙伴。
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_analyze_counts_an_undated_file(tmp_path):
    path = _write(tmp_path, "statements.txt", MANY)
    # news-transcript style statements (constructed), read as a transcript: enough evidence on every dimension
    args = ["analyze", path, "--type", "transcript", "--min-passages", "1", "--bootstrap", "50"]
    rc, out, err = scotrack([*args, "--json"], tmp_path / "h")
    assert rc == 0, err
    a = json.loads(out)
    assert a["tags"] > 0 and a["documents"] == 1 and a["undated"] == {"documents": 1, "tags": a["tags"]}
    assert a["verdict"] is not None
    # with a date the same passages give the same figures (every state named has been a member since 2017)
    rc, out, err = scotrack([*args, "--json", "--date", "2019-06-14"], tmp_path / "h")
    dated = json.loads(out)
    assert (dated["verdict"], dated["tags"], dated["undated"]["documents"]) == (a["verdict"], a["tags"], 0)
    rc, out, err = scotrack(args, tmp_path / "h")
    assert rc == 0 and out.startswith(f"verdict: {a['verdict']}")
    assert [line for line in out.splitlines() if "undated" in line] == [
        f"warning: 1 undated document ({a['tags']} stance tags) counted for the states that are members today "
        f"(--date checks membership by year)"]


def test_trends_lists_the_undated_row_and_warns_once(tmp_path):
    home = tmp_path / "h"
    rc, _, err = scotrack(["ingest", _write(tmp_path, "statements.txt", MANY),
                           _write(tmp_path, "xwlb_20190614_01.txt", MANY.split("\n\n")[3] + "\n")], home)
    assert rc == 0, err
    rc, out, err = scotrack(["trends", "--format", "csv", "--out", tmp_path / "t", "--bootstrap", "20"], home)
    assert rc == 0, err
    periods = pd.read_csv(tmp_path / "t" / "periods.csv")
    row = periods[periods["period"] == UNDATED].iloc[0]
    assert pd.isna(row["verdict"]) and row["documents"] == 1 and row["tags"] > 0
    assert list(periods["period"]) == ["2019", UNDATED, "all years"]
    assert sum("undated document" in line for line in out.splitlines()) == 1  # one line, the warning
    assert periods.loc[periods["period"] == "all years", "documents"].item() == 2
    assert [line for line in out.splitlines() if line.startswith("warning")] == [
        f"warning: 1 undated document ({row['tags']} stance tags) count in the all-years figures only, for the "
        f"states that are members today"]
    assert "undated" in (tmp_path / "t" / "report.html").read_text()
