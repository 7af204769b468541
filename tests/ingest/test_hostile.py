"""Hostile and pathological inputs (issue 15, first part): a text longer than one spaCy call takes is read in
pieces, and a reader's failure costs that document only. Every text here is constructed for the tests (not
corpus)."""

from __future__ import annotations

from pathlib import Path

from pipeline.ingest import read
from pipeline.ingest.batch import ingest
from pipeline.ingest.discover import Item
from pipeline.ingest.segment import PIECE_CHARS, pieces, segment_paragraph
from pipeline.records import SourceMeta

SENTENCE = "上海合作组织成员国外长理事会会议在阿斯塔纳举行，各方就地区安全合作交换意见。"
GOOD = ("央视网消息（新闻联播）：上海合作组织成员国元首理事会第二十五次会议在天津举行。\n\n"
        "习近平主持会议并发表重要讲话，各成员国领导人出席。")


def test_a_paragraph_longer_than_one_spacy_call_is_segmented_in_pieces():
    text = SENTENCE * (3 * PIECE_CHARS // len(SENTENCE) + 7) + "没有句号的结尾"
    cuts = pieces(text)
    assert len(cuts) >= 3 and cuts[0][0] == 0 and cuts[-1][1] == len(text)
    assert all(b - a <= PIECE_CHARS for a, b in cuts)
    assert all(x[1] == y[0] for x, y in zip(cuts, cuts[1:], strict=False))
    assert all(text[b - 1] == "。" for _, b in cuts[:-1])  # cut at sentence ends
    windows = segment_paragraph(text, "zh", 300)
    assert all(0 <= w.start < w.end <= len(text) and w.end - w.start <= 300 for w in windows)
    assert all(x.end <= y.start for x, y in zip(windows, windows[1:], strict=False))
    assert "".join(text[w.start:w.end] for w in windows) == text  # nothing lost, nothing doubled
    assert "".join(windows[5].tokens) == text[windows[5].start:windows[5].end]


def test_a_one_line_text_over_spacys_limit_is_ingested_beside_good_files(store, settings, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "huge.txt").write_text(SENTENCE * (1_050_000 // len(SENTENCE)), encoding="utf-8")  # > 1,000,000
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    report = ingest([folder], store, settings)
    assert report.ingested == 2 and not report.rejected_items
    huge = next(d for d in store.documents() if d["source"].endswith("huge.txt"))
    assert huge["status"] == "ingested" and huge["passages"] > 1000


def test_a_readers_crash_rejects_that_document_with_a_reason(settings, tmp_path, monkeypatch):
    path = tmp_path / "odd.txt"
    path.write_text(GOOD, encoding="utf-8")

    def broken(doc, settings):
        raise ValueError("something inside a parser went wrong\nsecond line")

    monkeypatch.setattr(read, "_analyse", broken)
    doc = read.process(Item(Path(path), SourceMeta(source=str(path))), path.read_bytes(), settings)
    assert doc.status == "rejected"
    assert doc.reason == "could not be read (ValueError: something inside a parser went wrong)"
    assert doc.raw == path.read_bytes()  # the original bytes are kept


def test_folder_walks_stay_inside_the_folder_and_never_loop(store, settings, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(GOOD, encoding="utf-8")
    folder = tmp_path / "drop"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "sub" / "up").symlink_to(folder)  # a loop
    (folder / "sub" / "same").symlink_to(folder / "sub")  # another
    (folder / "away").symlink_to(outside)  # out of the folder given
    (folder / "away.txt").symlink_to(outside / "secret.txt")
    (folder / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    report = ingest([folder], store, settings)
    assert report.ingested == 1  # good.txt once, however many ways lead to it
    reasons = dict(report.rejected_items)
    assert any("outside the folder given: not followed" in r for r in reasons.values())
    assert not any(d["source"].endswith("secret.txt") and d["status"] == "ingested" for d in store.documents())


def test_a_file_name_that_is_not_utf8_is_read_and_shown_with_replacement_characters(store, settings, tmp_path):
    import os

    folder = tmp_path / "drop"
    folder.mkdir()
    name = os.fsdecode(b"bad\xff\xfename.txt")
    (folder / name).write_bytes(GOOD.encode("utf-8"))
    report = ingest([folder], store, settings)
    assert report.ingested == 1
    (doc,) = store.documents()
    assert doc["source"].endswith("bad\ufffd\ufffdname.txt") and doc["status"] == "ingested"


def test_rejections_are_listed_grouped_by_reason(tmp_path):
    from pipeline.jobs import reason_kind
    from tests.support import scotrack

    assert reason_kind("too large (61.2 MB > limit 50 MB)") == reason_kind("too large (75.0 MB > limit 50 MB)")
    folder = tmp_path / "drop"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text("", encoding="utf-8")
    (folder / "d.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    rc, _, err = scotrack(["ingest", folder], tmp_path / "h")
    assert rc == 0, err
    rc, out, _ = scotrack(["docs", "--status", "rejected"], tmp_path / "h")
    lines = out.splitlines()
    assert lines[0] == "rejected: 4 documents, 2 kinds of reason"
    assert lines[1].split()[0] == "3" and lines[1].rstrip().endswith("a, b, c")
    assert lines[2].split()[0] == "1" and lines[2].rstrip().endswith("d")


def test_a_docx_that_inflates_beyond_the_limit_is_rejected_unread(monkeypatch):
    import io
    import zipfile

    import pytest

    from pipeline.errors import RejectedInput
    from pipeline.ingest import extract
    from tests.ingest.test_ingest import _docx

    good = _docx(["上海合作组织峰会在天津举行。"])
    assert "天津" in extract.extract_text(good, "docx").text  # a real DOCX passes the check
    monkeypatch.setattr(extract, "MAX_INFLATED_BYTES", 2 * 1024 * 1024)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:  # a DOCX whose document.xml inflates to 8 MB
        with zipfile.ZipFile(io.BytesIO(good)) as src:
            for info in src.infolist():
                z.writestr(info, src.read(info) if info.filename != "word/document.xml" else b" " * 8 * 2**20)
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(RejectedInput, match="expands to more than 2 MB"):
        extract.extract_text(bomb.getvalue(), "docx")
    with pytest.raises(RejectedInput, match="not a readable zip archive"):
        extract.extract_text(b"PK\x03\x04 not really a zip", "docx")


def test_fuzzing_finding_a_line_that_opens_and_ends_with_one_letter_is_no_note_and_its_marker():
    """Found by the hypothesis test of clean_text's idempotency: the lines "a", a Chinese sentence, "a" re-flow
    into "a上海…领a", which a second cleaning read as note "a" with its glued marker "a" and cut the last
    letter."""
    from pipeline.ingest.clean import clean_text

    once = clean_text("a\n上海合作组织成立以来，安全合作始终是其最重要的合作领\na").text
    assert clean_text(once).text == once
