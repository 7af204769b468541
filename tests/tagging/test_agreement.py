"""Inter-annotator agreement on constructed readings (not corpus labels)."""

import pytest

from pipeline.tagging.agreement import agreement
from pipeline.tagging.annotations import Label, Span


def span(start, labels, origin="gold"):
    return Span(doc_id="d", source="s", start=start, end=start + 5, text="x", lang="en", doc_type="", speaker_state="",
                date="", labels=[Label(*lab) for lab in labels], origin=origin)


def test_identical_readings_agree_fully_and_disagreements_count():
    a = [span(0, [("CHN", "identity", "norms", "positive"), ("RUS", "interest", "political", "limited")]),
         span(10, [("IND", "policy", "security", "negative")], origin="assistant"), span(20, [])]
    same = agreement(a, a)["all"]
    assert same["state_f1"] == 1.0 and same["dimension_f1"] == 1.0 and same["stance_agreement"] == 1.0
    b = [span(0, [("CHN", "identity", "norms", "positive"), ("RUS", "interest", "political", "positive")]),
         span(10, [("IND", "interest", "security", "negative")]), span(30, [("PAK", "policy", "security", "none")])]
    r = agreement(a, b)
    # span 30 is not in the first reading: ignored; spans 0 and 10 compared
    assert r["all"]["spans"] == 2
    assert r["all"]["state_f1"] == 1.0
    assert r["all"]["dimension_f1"] == pytest.approx(2 * 2 / (3 + 3), abs=1e-4)
    assert r["all"]["stance_pairs"] == 2 and r["all"]["stance_agreement"] == 0.5
    assert set(r) == {"all", "first reading: gold", "first reading: assistant"}
