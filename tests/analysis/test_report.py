"""`scotrack analyze` and `scotrack trends`: contracts, figures and the HTML report.

Texts are constructed for the tests (not corpus).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.analysis.aggregate import AggregateConfig, by_period
from pipeline.analysis.trends import tables, write_all
from tests.analysis.test_aggregate import case, tags
from tests.support import scotrack

ZH = ("中方表示，愿同各成员国一道弘扬“上海精神”，推动上海合作组织安全合作走深走实。\n\n"
      "印度表示不参加上合组织框架下的联合军演，并对扩员持保留态度。\n")
EN = ("Kazakhstan supports the Shanghai Cooperation Organisation as a platform for security cooperation, "
      "but pursues economic integration mainly through the Eurasian Economic Union.\n")
NO_SCO = "The weather in the mountains was cold and the harvest came late this year.\n"
LEVELS = {"positive", "limited", "negative", "opposed"}


run = scotrack  # the command line, in-process


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def check_shape(a: dict) -> None:
    assert a["verdict"] in ("same-track", "multi-track", "derailed", None)
    assert isinstance(a["verdict_probability"], float)
    assert set(a["dimensions"]) == {"interest", "identity", "policy"}
    assert set(a["relations"]) == {"interest", "identity", "policy"}  # codebook §3a: members towards members
    for rel in a["relations"].values():
        for c in rel["cells"]:
            assert c["holder"] != c["object"] and c["object"] != "SCO" and c["n"] >= 1 and c["evidence"]
    for d in a["dimensions"].values():
        assert d["tendency"] in ("consistent", "diverse", "polarised", None)
        assert isinstance(d["dispersion"], dict) and isinstance(d["polarisation"], dict)
        for code, s in d["states"].items():
            assert code in {"CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB", "IND", "PAK", "IRN", "BLR"}
            assert s["level"] in LEVELS and isinstance(s["n"], int) and len(s["interval"]) == 2
            assert isinstance(s["score"], float)
            for e in s["evidence"]:
                assert {"passage_id", "doc_id", "text", "stance", "confidence"} <= set(e)


def test_analyze_json_contract_and_thin_evidence(tmp_path):
    zh, en = write(tmp_path, "zh.txt", ZH), write(tmp_path, "en.txt", EN)
    rc, out, err = run(["analyze", zh, en, "--json", "--min-passages", "1", "--bootstrap", "50"], tmp_path / "h")
    assert rc == 0 and "Traceback" not in err, err
    a = json.loads(out)
    check_shape(a)
    # two short texts cannot score three states on every dimension: no verdict, and it says why
    assert a["verdict"] is None and "not enough evidence" in a["evidence_note"]
    assert a["input"]["ingested"] == 2
    # the temporary store is gone; the user's store was never touched
    assert not (tmp_path / "h" / "scotrack.db").exists()


@pytest.mark.parametrize("text, note", [("", "not enough evidence"), (NO_SCO, "not enough evidence")])
def test_analyze_empty_or_off_topic_input_reports_no_verdict(tmp_path, text, note):
    path = write(tmp_path, "x.txt", text)
    rc, out, err = run(["analyze", path, "--json", "--bootstrap", "20"], tmp_path / "h")
    assert rc == 0, err
    a = json.loads(out)
    check_shape(a)
    assert a["verdict"] is None and a["verdict_probability"] == 0.0 and note in a["evidence_note"]
    assert all(d["states"] == {} for d in a["dimensions"].values())
    if not text:
        assert "empty file" in next(iter(a["input"]["rejected"].values()))


def test_analyze_text_output_and_usage_error(tmp_path):
    rc, out, err = run(["analyze", write(tmp_path, "zh.txt", ZH), "--bootstrap", "20"], tmp_path / "h")
    assert rc == 0 and out.startswith("verdict: no verdict") and "identity:" in out
    rc, out, err = run(["analyze"], tmp_path / "h")
    assert rc == 2 and "give at least one file" in err and "Traceback" not in err


def test_trends_cli_writes_tables_figures_and_report(tmp_path):
    home = tmp_path / "h"
    rc, _, err = run(["ingest", write(tmp_path, "zh.txt", ZH), "--date", "2019-06-14"], home)
    assert rc == 0, err
    rc, out, err = run(["trends", "--by", "year", "--format", "md", "--out", str(tmp_path / "t"),
                        "--bootstrap", "20"], home)
    assert rc == 0 and "Traceback" not in err, err
    for name in ("states.md", "dimensions.md", "periods.md", "state_scores.png", "dispersion_verdict.png",
                 "report.html"):
        assert (tmp_path / "t" / name).stat().st_size > 0
    assert "all years: no verdict" in out


# -- the writers, on constructed reports -----------------------------------------------------------

def reports():
    rows = (case({"CHN": 2, "RUS": 1, "KAZ": 1, "IND": -1, "PAK": 2}, year=2019)
            + case({"CHN": 2, "RUS": 2, "KAZ": 2, "IND": 2}, year=2020)
            + tags("CHN", "identity", 2, year=2021))
    rows[0]["text"] = "<script>alert('x')</script> passage"  # must arrive escaped in the report
    return by_period(rows, AggregateConfig(bootstrap=30)), rows


def test_tables_hold_every_period_state_and_dimension():
    reps, _ = reports()
    states, dims, periods = tables(reps)
    assert list(periods["period"]) == ["2019", "2020", "2021"]
    assert list(periods["verdict"].fillna("none")) == ["multi-track", "same-track", "none"]
    assert len(dims) == 9 and set(dims["dimension"]) == {"interest", "identity", "policy"}
    y19 = states[(states["period"] == "2019") & (states["dimension"] == "identity")]
    assert set(y19["state"]) == {"CHN", "RUS", "KAZ", "IND", "PAK"} and y19["scored"].all()
    assert (y19["interval_lo"] <= y19["score"]).all() and (y19["score"] <= y19["interval_hi"]).all()
    assert "not enough evidence" in periods.loc[periods["period"] == "2021", "note"].item()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx", "md"])
def test_every_table_format_round_trips(tmp_path, fmt):
    reps, _ = reports()
    written = write_all(reps, tmp_path, fmt)
    if fmt == "csv":
        assert pd.read_csv(tmp_path / "periods.csv")["verdict"].tolist()[:2] == ["multi-track", "same-track"]
    elif fmt == "parquet":
        assert len(pd.read_parquet(tmp_path / "states.parquet")) == len(tables(reps)[0])
    elif fmt == "xlsx":
        assert set(pd.read_excel(tmp_path / "trends.xlsx", sheet_name=None)) == {"states", "dimensions", "periods",
                                                                                       "relations"}
    else:
        assert (tmp_path / "periods.md").read_text().startswith("| period | verdict")
    assert [p.name for p in written["figures"]] == ["state_scores.png", "dispersion_verdict.png", "state_scores.svg",
                                                    "dispersion_verdict.svg"]


def test_report_is_self_contained_escaped_and_links_evidence(tmp_path):
    reps, rows = reports()
    html = write_all(reps, tmp_path, "csv")["report"][0].read_text()
    assert "data:image/png;base64," in html and "<img src='http" not in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert rows[0]["passage_id"] in html
    # the timeline links each year to its evidence, each heatmap cell to its passages, each passage to review
    for year in ("2019", "2020", "2021"):
        assert f"href='#y{year}'" in html and f"id='y{year}'" in html
    assert "href='#e-2019-identity-CHN'" in html and "id='e-2019-identity-CHN'" in html
    assert "http://127.0.0.1:8765/review?passage=" + rows[0]["passage_id"] in html


def test_analyze_single_state_corpus_says_not_enough_evidence(tmp_path):
    # constructed: many passages about one state only
    text = "\n\n".join(["中方表示，愿同各成员国一道弘扬“上海精神”，推动上海合作组织安全合作。"] * 3
                       + ["中国支持上海合作组织开发银行建设。"] * 3)
    one = write(tmp_path, "one.txt", text.replace("各成员国", "各方"))
    rc, out, err = run(["analyze", one, "--json", "--bootstrap", "20"], tmp_path / "h")
    assert rc == 0, err
    a = json.loads(out)
    check_shape(a)
    assert a["verdict"] is None and "not enough evidence" in a["evidence_note"]
    assert {s for d in a["dimensions"].values() for s in d["states"]} <= {"CHN"}


def test_pooled_and_unpooled_estimates_side_by_side_and_pooling_none():
    rows = reports()[1]
    pooled = by_period(rows, AggregateConfig(bootstrap=30))
    states, dims, periods = tables(pooled)
    assert set(periods["estimate"]) == {"pooled"}
    assert (periods[["p_same_track", "p_multi_track", "p_derailed", "p_no_verdict"]].sum(axis=1).round(6) == 1).all()
    y19 = states[(states["period"] == "2019") & (states["dimension"] == "identity")].set_index("state")
    assert (y19["pooled_lo90"] <= y19["pooled_mean"]).all() and (y19["pooled_mean"] <= y19["pooled_hi90"]).all()
    assert y19.loc["CHN", "score"] == 2 and abs(y19.loc["CHN", "pooled_mean"] - 2) < 0.5
    assert set(dims["pooled_tendency"].dropna()) <= {"consistent", "diverse", "polarised"}
    own = by_period(rows, AggregateConfig(bootstrap=30, pooling="none"))
    _, _, unpooled = tables(own)
    assert set(unpooled["estimate"]) == {"unpooled"}
    assert list(unpooled["verdict"].fillna("none")) == list(unpooled["unpooled_verdict"].fillna("none"))
    assert list(unpooled["verdict"].fillna("none")) == ["multi-track", "same-track", "none"]
