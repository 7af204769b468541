"""Ingest specification: formats, encodings, bad input, duplicates, idempotence, atomicity.

Every text here is constructed for the tests (not corpus).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from pipeline.ingest.batch import ingest, ingest_items
from pipeline.ingest.discover import discover
from pipeline.records import SourceMeta
from pipeline.store import Store

ZH = ("上海合作组织成员国元首理事会会议在撒马尔罕举行。中方愿同各方深化政治互信、互利合作和友好交流，"
      "大力弘扬“上海精神”。\n\n俄方表示支持上合组织扩员进程。")
ZH_TRAD = ("上海合作組織成員國元首理事會會議在撒馬爾罕舉行。中方願同各方深化政治互信、互利合作和友好交流，"
           "大力弘揚“上海精神”。\n\n俄方表示支持上合組織擴員進程。")
RU = ("Саммит Шанхайской организации сотрудничества прошёл в Астане. Российская сторона поддержала "
      "расширение организации.\n\nКазахстан предложил новую программу.")
EN = ("The Shanghai Cooperation Organisation summit opened in Astana on Wednesday. India and Pakistan "
      "attended as full members.\n\nKazakhstan proposed a new programme on water security.")


def _pdf(text_lines: list[str], cjk: bool = False, password: str | None = None) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    if cjk:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        c.setFont("STSong-Light", 11)
    y = 760
    for line in text_lines:
        c.drawString(60, y, line)
        y -= 16
    c.showPage()
    c.save()
    if password is None:
        return buf.getvalue()
    w = PdfWriter()
    w.append(PdfReader(io.BytesIO(buf.getvalue())))
    w.encrypt(password)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _docx(paragraphs: list[str]) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _docs(store: Store) -> dict[str, dict]:
    return {Path(d["source"]).name: d for d in store.documents()}


# -- good input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, content, lang", [
    ("zh.txt", ZH.encode("utf-8"), "zh"),
    ("zh-gbk.txt", ZH.encode("gbk"), "zh"),
    ("zh-big5.txt", ZH_TRAD.encode("big5"), "zh"),
    ("zh-utf16.txt", ZH.encode("utf-16"), "zh"),
    ("ru-cp1251.txt", RU.encode("cp1251"), "ru"),
    ("ru-koi8.txt", RU.encode("koi8_r"), "ru"),
    ("ru-utf8bom.txt", RU.encode("utf-8-sig"), "ru"),
    ("en.md", EN.encode("utf-8"), "en"),
    ("en.html", (f"<html><head><title>SCO summit</title><script>var junk = 1;</script>"
                 f"<style>body{{color:red}}</style></head><body><nav class='menu'>Home | News | Contact</nav>"
                 f"<article><p>{EN.split(chr(10))[0]}</p><p>{EN.split(chr(10))[-1]}</p></article>"
                 f"<footer>Copyright 2024 Example Media. All rights reserved.</footer></body></html>").encode(), "en"),
    ("en.pdf", _pdf(EN.replace("\n\n", " ").split(". ")), "en"),
    ("zh.pdf", _pdf([ZH[:40], ZH[40:70]], cjk=True), "zh"),
    ("en.docx", _docx(EN.split("\n\n")), "en"),
])
def test_formats_and_encodings_are_read(store, settings, write, name, content, lang):
    path = write(name, content)
    report = ingest([path], store, settings)
    assert report.line() == "ingested 1, duplicates 0, rejected 0"
    (doc,) = store.documents()
    assert doc["lang"] == lang and doc["status"] == "ingested" and doc["passages"] >= 1
    assert store.original_bytes(doc["sha256"]) == content
    text = " ".join(p["text"] for p in store.passages(doc_id=doc["doc_id"]))
    if lang == "zh":
        assert "上海合作组织" in text or "上合组织" in text  # Simplified for analysis
    if name.endswith(".html"):
        assert "junk" not in text and "Home | News" not in text and "Copyright" not in text
        assert "Astana" in text


def test_mentions_and_relevance_reach_the_store(store, settings, write):
    ingest([write("zh.txt", ZH)], store, settings)
    ps = list(store.passages())
    assert any("CHN" in p["states"] for p in ps) and any("RUS" in p["states"] for p in ps)
    assert all(p["relevant"] for p in ps)  # the document is about the SCO
    assert all(p["tokens"] for p in ps)


def test_mixed_language_document_gets_a_language_per_passage(store, settings, write):
    ingest([write("mixed.txt", EN + "\n\n" + ZH + "\n\n" + RU)], store, settings)
    langs = {p["lang"] for p in store.passages()}
    assert langs == {"en", "zh", "ru"}


def test_offsets_point_into_the_cleaned_text(store, settings, write):
    ingest([write("ru.txt", RU), write("trad.txt", ZH_TRAD)], store, settings)
    for d in store.documents():
        full = store.document(d["doc_id"])["text"]
        for p in store.passages(doc_id=d["doc_id"]):
            span = full[p["start"]:p["end"]]
            assert len(span) == len(p["text"])
            if p["lang"] != "zh":
                assert span == p["text"]


# -- bad input ----------------------------------------------------------------------------------

BAD = [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"   \n\t \n", "no text"),
    ("binary.txt", bytes(range(256)) * 40, "binary"),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "PNG image"),
    ("photo.html", b"\xff\xd8\xff\xe0" + os.urandom(2000), "JPEG image"),
    ("undecodable.txt", bytes([0x81, 0x30, 0xfe, 0xff, 0x8f, 0xa0, 0xc1]) * 300, "undecodable"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj <<\n/Type /Catalog >>\ngarbage\n%%EOF", "PDF"),
    ("encrypted.pdf", _pdf(["The SCO summit opened in Astana on Wednesday."], password="secret"), "encrypted PDF"),
    ("fake.pdf", b"This is not a PDF at all, just text with a pdf name.", "not a valid PDF"),
    ("broken.docx", b"PK\x03\x04" + b"word/" + os.urandom(300), "DOCX"),
    ("french.txt", ("L'Organisation de coopération de Shanghai s'est réunie à Astana cette semaine pour discuter "
                    "de la sécurité régionale et de la coopération économique entre ses membres.").encode(),
     "unsupported language"),
]


@pytest.mark.parametrize("name, content, reason", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_rejected_with_a_reason_and_kept(store, settings, write, name, content, reason):
    bad = write(name, content)
    good = write("good.txt", EN)
    report = ingest([bad, good], store, settings)
    assert report.line() == "ingested 1, duplicates 0, rejected 1"
    docs = _docs(store)
    assert docs["good.txt"]["status"] == "ingested"
    rejected = docs[name]
    assert rejected["status"] == "rejected"
    assert reason.lower() in rejected["reason"].lower()
    assert "\n" not in rejected["reason"] and len(rejected["reason"]) < 200
    assert store.original_bytes(rejected["sha256"]) == content
    assert rejected["passages"] == 0


def test_oversized_file_is_rejected(store, settings, write):
    big = write("big.txt", EN * 50)
    report = ingest([big], store, settings.with_(max_file_bytes=1000))
    assert report.rejected == 1
    (doc,) = store.documents()
    assert "too large" in doc["reason"]
    assert store.original_bytes(doc["sha256"]) == big.read_bytes()


MANIFEST_HEAD = "doc_id,title,date,doc_type,language,speaker_state,source_repo,source_path,source_commit,license\n"


def test_manifest_rows_supply_metadata_and_bad_rows_are_rejected(store, settings, tmp_path, count_rows):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "speech_kaz.txt").write_text(EN)
    (folder / "bad_date.txt").write_text(RU)
    (folder / "bad_state.txt").write_text(ZH)
    (folder / "unlisted.txt").write_text(EN.replace("Astana", "Bishkek"))
    (folder / "README.md").write_text("# not a document")
    (folder / "MANIFEST.csv").write_text(
        MANIFEST_HEAD
        + "speech_kaz,Statement of Kazakhstan,2019-09-24,speech,en,KAZ,org/repo,a/b.txt,abc123,CC0-1.0\n"
        + "bad_date,Bad date,2019-13-45,article,ru,,org/repo,c.txt,abc123,CC0-1.0\n"
        + "bad_state,Bad state,2020,article,zh,XYZ,org/repo,d.txt,abc123,CC0-1.0\n"
        + "missing_file,Nothing here,2020,article,en,,org/repo,e.txt,abc123,CC0-1.0\n")
    report = ingest([folder], store, settings)
    assert report.line() == "ingested 2, duplicates 0, rejected 3"
    docs = {d["doc_id"]: d for d in store.documents()}
    assert set(docs) == {"speech_kaz", "bad_date", "bad_state", "missing_file", "unlisted"}
    kaz = store.document("speech_kaz")
    assert (kaz["title"], kaz["date"], kaz["year"], kaz["doc_type"], kaz["speaker_state"], kaz["licence"]) == (
        "Statement of Kazakhstan", "2019-09-24", 2019, "speech", "KAZ", "CC0-1.0")
    assert kaz["provenance"] == "org/repo:a/b.txt@abc123"
    assert "invalid date" in docs["bad_date"]["reason"]
    assert "invalid speaker state" in docs["bad_state"]["reason"]
    assert "points at no file" in docs["missing_file"]["reason"]
    assert store.original_bytes(docs["bad_date"]["sha256"]) == RU.encode()
    # the speaker rule applies through the manifest's speaker_state
    ingest([folder], store, settings)
    assert count_rows(store, "documents") == 5


# -- duplicates and idempotence -------------------------------------------------------------------

def test_reingesting_the_same_content_adds_nothing(store, settings, write, count_rows):
    paths = [write("a.txt", EN), write("b.txt", ZH)]
    first = ingest(paths, store, settings)
    tables = ("documents", "passages", "mentions", "blobs")
    counts = [count_rows(store, t) for t in tables]
    second = ingest(paths, store, settings)
    assert first.ingested == 2 and (second.ingested, second.duplicates, second.unchanged) == (0, 0, 2)
    assert counts == [count_rows(store, t) for t in tables]


def test_documents_stored_by_an_older_pipeline_are_processed_again(store, settings, write, monkeypatch,
                                                                   count_rows):
    import pipeline.ingest.batch as ingest_module

    paths = [write("a.txt", EN), write("b.txt", ZH)]
    ingest(paths, store, settings)
    tables = ("documents", "passages", "mentions")
    counts = [count_rows(store, t) for t in tables]
    monkeypatch.setattr(ingest_module, "PIPELINE_VERSION", "ingest-next")
    again = ingest(paths, store, settings)
    assert (again.ingested, again.unchanged, again.duplicates) == (2, 0, 0)
    assert counts == [count_rows(store, t) for t in tables]
    assert {store.document(d["doc_id"])["pipeline_version"] for d in store.documents()} == {"ingest-next"}
    assert ingest(paths, store, settings).unchanged == 2


def test_same_text_in_other_encodings_and_formats_is_a_duplicate(store, settings, write):
    paths = [write("zh-utf8.txt", ZH.encode("utf-8")), write("zh-gb.txt", ZH.encode("gb18030")),
             write("zh-utf16.txt", ZH.encode("utf-16")), write("zh-big5-trad.txt", ZH_TRAD.encode("big5")),
             write("zh.html", f"<html><body><article><p>{ZH.split(chr(10))[0]}</p><p>{ZH.split(chr(10))[-1]}</p>"
                              f"</article></body></html>".encode()),
             write("zh-wrapped.txt", ZH[:30] + "\n" + ZH[30:])]
    report = ingest(paths, store, settings)
    assert (report.ingested, report.duplicates, report.rejected) == (1, 5, 0)
    docs = _docs(store)
    assert {d["duplicate_of"] for n, d in docs.items() if n != "zh-utf8.txt"} == {docs["zh-utf8.txt"]["doc_id"]}
    assert all(d["reason"].startswith("same text as") for n, d in docs.items() if n != "zh-utf8.txt")


def test_changed_content_at_the_same_source_replaces_the_document(store, settings, write, count_rows,
                                                                  integrity_problems):
    path = write("news.txt", EN)
    ingest([path], store, settings)
    path.write_text(EN + "\n\nUzbekistan hosted the next meeting in Tashkent.")
    report = ingest([path], store, settings)
    assert report.ingested == 1 and count_rows(store, "documents") == 1
    assert any("UZB" in p["states"] for p in store.passages())
    assert integrity_problems(store) == []


def test_same_file_name_in_two_folders_gets_two_ids(store, settings, write):
    ingest([write("x/report.txt", EN), write("y/report.txt", RU)], store, settings)
    assert len({d["doc_id"] for d in store.documents()}) == 2


def test_missing_path_is_rejected_not_fatal(store, settings, write, tmp_path):
    report = ingest([tmp_path / "nope.txt", write("ok.txt", EN)], store, settings)
    assert (report.ingested, report.rejected) == (1, 1)
    assert "no such file" in report.rejected_items[0][1]


def test_parallel_workers_give_the_same_store(settings, write, tmp_path):
    paths = [write(f"d{i}.txt", (EN if i % 2 else RU) + f"\n\nItem {i}.") for i in range(10)]
    serial = Store(f"sqlite:///{tmp_path / 'serial.db'}")
    parallel = Store(f"sqlite:///{tmp_path / 'parallel.db'}")
    ingest(paths, serial, settings)
    ingest(paths, parallel, settings.with_(workers=2))
    strip = lambda rows: [{k: v for k, v in r.items() if k != "ingested_at"} for r in rows]  # noqa: E731
    assert strip(serial.documents()) == strip(parallel.documents())
    assert list(serial.passages()) == list(parallel.passages())


def test_discover_walks_folders_and_skips_readmes(write, tmp_path):
    write("a/one.txt", EN)
    write("a/b/two.html", "<html><body><p>x</p></body></html>")
    write("a/README.md", "readme")
    write("a/picture.png", b"\x89PNG")
    items = list(discover([tmp_path / "in" / "a"]))
    assert sorted(i.path.name for i in items) == ["one.txt", "two.html"]


def test_defaults_from_flags_apply_to_plain_files(store, settings, write):
    path = write("speech.txt", "We support the Shanghai Cooperation Organisation and its security work.")
    ingest_items(list(discover([path], SourceMeta(source="", doc_type="speech", speaker_state="KAZ",
                                                  date="2019-09-24", title="A speech"))), store, settings)
    (p,) = store.passages()
    assert p["states"] == ["KAZ"] and p["mentions"][0]["how"] == "speaker"


def test_an_unchanged_rejected_input_is_not_processed_again_but_a_corrected_one_is(store, settings, tmp_path,
                                                                                  monkeypatch):
    import pipeline.ingest.batch as ingest_module

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "bad_date.txt").write_text(RU)
    (folder / "MANIFEST.csv").write_text(
        MANIFEST_HEAD + "bad_date,Bad date,2019-13-45,article,ru,,org/repo,c.txt,abc123,CC0-1.0\n")
    settings = settings.with_(workers=1)
    first = ingest([folder], store, settings)
    assert first.line() == "ingested 0, duplicates 0, rejected 1"
    calls = []
    real = ingest_module.process
    monkeypatch.setattr(ingest_module, "process", lambda *a: calls.append(a) or real(*a))
    again = ingest([folder], store, settings)
    # still reported, with its reason, but not processed again
    assert again.line() == "ingested 0, duplicates 0, rejected 1" and calls == []
    assert "date" in again.rejected_items[0][1]
    # the manifest row corrected: same bytes, new input -> processed and ingested
    (folder / "MANIFEST.csv").write_text(
        MANIFEST_HEAD + "bad_date,Bad date,2019-12-01,article,ru,,org/repo,c.txt,abc123,CC0-1.0\n")
    fixed = ingest([folder], store, settings)
    assert fixed.line() == "ingested 1, duplicates 0, rejected 0" and len(calls) == 1
