"""A document's date and where it came from: manifest or flag, the file's metadata, a dateline, the file name.

Every text, page and file here is constructed for the tests (not corpus).
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table, create_engine, insert, inspect, select

from pipeline.analysis.effective import effective_tags
from pipeline.ingest.batch import ingest
from pipeline.ingest.dates import dateline, docx_created, filename_date, html_date, metadata_value, pdf_date, resolve
from pipeline.ingest.extract import extract_text
from pipeline.records import SourceMeta
from pipeline.review.records import text_sha
from pipeline.store import Store
from tests.ingest.test_ingest import _docx, _pdf
from tests.support import scotrack

TODAY = date(2026, 11, 26)

# -- datelines: a full date in the first lines --------------------------------------------------------------

BODY_EN = ("The SCO foreign ministers met to prepare the summit and discussed regional security and trade. "
           "They agreed on a joint communiqué on counter-terrorism cooperation and on transport links.\n")


@pytest.mark.parametrize("text, expected", [
    ("上海合作组织成员国元首理事会会议\n2018年6月10日\n会议在青岛举行。", "2018-06-10"),
    ("新华社青岛6月10日电（2018年6月10日，青岛）上海合作组织成员国元首理事会会议举行。", "2018-06-10"),
    ("二〇一八年六月十日\n上海合作组织成员国元首理事会青岛宣言", "2018-06-10"),
    ("二〇一九年十二月二十三日 上合组织会议", "2019-12-23"),
    ("２０１８年６月１０日 星期日 来源：人民网", "2018-06-10"),  # full-width digits, a weekday, a source
    ("发布时间：2018-06-10 08:00 来源：新华网", "2018-06-10"),
    ("SCO summit in Qingdao\n\n10 June 2018\n\nThe leaders met.", "2018-06-10"),
    ("QINGDAO, June 10, 2018 (Reuters) — The leaders met.", "2018-06-10"),
    ("Sunday, Jun. 10, 2018\nThe leaders met.", "2018-06-10"),
    ("By the press office | Sept. 3, 2019 | 10:32 AM", "2019-09-03"),
    ("10 June 2018 — The leaders met in Qingdao.", "2018-06-10"),
    ("Саммит ШОС в Циндао\n10 июня 2018 г.\nЛидеры встретились.", "2018-06-10"),
    ("Опубликовано 3 сент. 2019 года", "2019-09-03"),
    ("Саммит ШОС\n10 июня 2018 г., 12:45\nЛидеры встретились.", "2018-06-10"),
    ("Новости | 10.06.2018 | Лидеры встретились.", "2018-06-10"),
    ("Posted 2018-06-10T08:00:00Z by the press office", "2018-06-10"),
])
def test_a_dateline_in_the_first_lines_is_the_date(text, expected):
    assert dateline(text, TODAY) == expected


@pytest.mark.parametrize("text", [
    "Title\n" + BODY_EN * 6 + "On 10 June 2018 the leaders met again.",  # a date in the body, far from the start
    "\n".join(["Line one.", "Line two.", "Line three.", "Line four.", "Line five.", "On 10 June 2018 they met."]),
    "Report number 20250901123 of the secretariat.",  # a long number is not a date
    # a date that opens a sentence is the date of what it reports (news recalls events of years before)
    "央视网消息（新闻联播）：2022年4月21日，国家主席在论坛开幕式上提出倡议。",
    "消息：2025年5月7日至10日，国家主席对俄罗斯进行国事访问。",
    "2022年4月21日（星期四），国家主席出席开幕式并发表讲话。",
    "On 10 June 2018, the leaders met in Qingdao.",
    "One year has passed since the events\nthat took place on 11 September 2001 in the\nworld.",  # hard-wrapped
    "上海合作组织成员国元首理事会会议于2018年6月10日在青岛举行。",
    "10 июня 2018 года лидеры встретились в Циндао и обсудили сотрудничество.",
    "Order 20180610 was given.",  # nor a bare 8-digit run in a text
    "The meeting of 31 June 2018 never was.",  # no such day
    "The summit of June 2018 opened.",  # a month and year are no dateline
    "2018年第3期 上海合作组织研究",  # a journal issue
    "Version 1.2.3 of the charter; 10 apples 2018.",  # not dates
    "The plan for 10 June 2099 was agreed.",  # the future is no publication date
    "Update 2019-01-01: the page was corrected.",  # an update is no publication
    "上合组织于1896年6月15日成立。",  # before MIN_YEAR
    "",
])
def test_no_dateline_is_invented(text):
    assert dateline(text, TODAY) is None


# -- file names ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("xwlb_20250901_03.txt", "2025-09-01"),
    ("2018-06-10.html", "2018-06-10"),
    ("summit_2018_06_10_final.pdf", "2018-06-10"),
    ("20180610.docx", "2018-06-10"),
    ("commentary_2014_12.txt", "2014-12"),
    ("un_speech_IND_1952.txt", "1952"),  # a lone year
    ("x_20250901123.txt", None),  # digits inside a longer number
    ("report_2018_2019.txt", None),  # two years: which one?
    ("scan_99999999.txt", None),  # no such day
    ("notes.txt", None),
    ("plan_20990101.txt", None),  # in the future
])
def test_dates_in_file_names(name, expected):
    assert filename_date(name, TODAY) == expected


@pytest.mark.parametrize("value, expected", [
    ("2018-06-10T23:30:00-05:00", "2018-06-10"),  # the publisher's local day, as written
    ("20180610", "2018-06-10"),
    ("2018/06/10 08:00", "2018-06-10"),
    ("2018-06-10-08:00:00", "2018-06-10"),
    ("Sun, 10 Jun 2018 08:00:00 GMT", "2018-06-10"),
    ("2018-06", "2018-06"),
    ("2018", "2018"),
    ("yesterday", None),
    ("2099-01-01", None),
    ("", None),
])
def test_metadata_values(value, expected):
    assert metadata_value(value, TODAY) == expected


# -- the file's own metadata ----------------------------------------------------------------------------------

def _page(head: str = "", body: str = "<p>The SCO leaders met in Qingdao and adopted a declaration.</p>") -> str:
    return f"<html><head><title>SCO</title>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize("page, expected", [
    (_page('<meta property="article:published_time" content="2018-06-10T08:00:00+08:00">'
           '<meta property="article:modified_time" content="2019-01-01T00:00:00Z">'), "2018-06-10"),
    (_page('<meta name="DC.date" content="2018-06-10">'), "2018-06-10"),
    (_page('<meta name="pubdate" content="20180610">'), "2018-06-10"),
    (_page('<meta name="date" content="2018-06-10">'), "2018-06-10"),
    (_page('<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", '
           '"datePublished": "2018-06-10T08:00:00Z"}]}</script>'), "2018-06-10"),
    (_page(body="<article><header><time datetime='2018-06-10'>10 June</time></header>"
                "<p>The leaders met.</p></article>"), "2018-06-10"),
    (_page(body="<aside><time datetime='2017-01-01'>other story</time></aside>"
                "<article><time pubdate datetime='2018-06-10'>10 June</time><p>x</p></article>"), "2018-06-10"),
    # a sidebar's dates are other stories', and a modified time is no publication date
    (_page('<meta property="article:modified_time" content="2019-01-01">',
           body="<aside><time datetime='2017-01-01'>a</time><time datetime='2017-02-01'>b</time></aside>"
                "<p>On 3 May 2011 the leaders met, 2015-02-03.</p>"), None),
])
def test_html_publication_dates(page, expected):
    from bs4 import BeautifulSoup

    assert html_date(BeautifulSoup(page, "lxml"), TODAY) == expected


XMP = ('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
       'xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">'
       '<prism:publicationDate>2018-06-10</prism:publicationDate><prism:coverDate>2018-07</prism:coverDate>'
       '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')


def _pdf_with_xmp(lines: list[str], xmp: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(_pdf(lines))))
    writer.xmp_metadata = xmp.encode()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_gives_its_xmp_publication_date_but_never_its_creation_date():
    from pypdf import PdfReader

    lines = ["The SCO leaders met in Qingdao and adopted a declaration."]
    published = extract_text(_pdf_with_xmp(lines, XMP), "pdf")
    assert published.published == "2018-06-10"
    assert pdf_date(PdfReader(io.BytesIO(_pdf_with_xmp(lines, XMP.replace(
        "<prism:publicationDate>2018-06-10</prism:publicationDate>", "")))), TODAY) == "2018-07"
    made = _pdf(lines)  # reportlab stamps /CreationDate with the time it ran
    assert PdfReader(io.BytesIO(made)).metadata.creation_date is not None
    assert extract_text(made, "pdf").published is None and extract_text(made, "pdf").created is None


def _docx_created(paragraphs: list[str], created: datetime | None) -> bytes:
    import docx

    d = docx.Document(io.BytesIO(_docx(paragraphs)))
    if created:
        d.core_properties.created = created
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_a_docx_gives_its_creation_date_unless_it_is_the_template_stamp():
    import docx

    lines = ["The SCO leaders met in Qingdao and adopted a declaration."]
    assert extract_text(_docx_created(lines, datetime(2018, 6, 10, 9, 0)), "docx").created == "2018-06-10"
    # python-docx's template says 2013-12-23 for every file made from it
    plain = _docx(lines)
    assert docx.Document(io.BytesIO(plain)).core_properties.created.year == 2013
    assert extract_text(plain, "docx").created is None
    assert docx_created(object()) is None


# -- the order of the sources ---------------------------------------------------------------------------------

def test_sources_are_tried_in_order():
    text, name = "QINGDAO, June 10, 2018 — The leaders met.", "summit_20170101.txt"
    assert resolve("2019", "manifest", "2018-01-01", text, name, today=TODAY) == ("2019", "manifest")
    assert resolve("2019", None, None, text, name, today=TODAY) == ("2019", "cli")  # given, source unrecorded
    assert resolve(None, None, "2018-01-01", text, name, today=TODAY) == ("2018-01-01", "metadata")
    assert resolve(None, None, None, text, name, "2016-05-05", TODAY) == ("2018-06-10", "text")
    assert resolve(None, None, None, "No date here.", name, "2016-05-05", TODAY) == ("2017-01-01", "filename")
    # a DOCX's creation date comes last: weaker than a dateline or a file name
    assert resolve(None, None, None, "No date here.", "notes.docx", "2016-05-05", TODAY) == ("2016-05-05", "metadata")
    assert resolve(None, None, None, "No date here.", "notes.txt", today=TODAY) == (None, None)


# -- through the ingest: stored, listed, shown ----------------------------------------------------------------

EN = "The Shanghai Cooperation Organisation summit opened in Qingdao. India and Pakistan attended as members.\n"


def _stored(store: Store) -> dict[str, tuple]:
    return {Path(d["source"]).name: (d["date"], d["date_source"], d["year"]) for d in store.documents()}


def test_each_source_is_stored_with_the_date(store, settings, write):
    files = [  # different texts: the same text in two files is a duplicate
        write("page.html", _page('<meta name="DC.date" content="2018-06-10">',
                                 f"<article><p>{EN}</p><p>Kazakhstan agreed.</p></article>")),
        write("paper.pdf", _pdf_with_xmp([EN.strip(), "Uzbekistan agreed."], XMP)),
        write("memo.docx", _docx_created([EN.strip(), "Tajikistan agreed."], datetime(2016, 5, 5))),
        write("zh.txt", "上海合作组织峰会\n2018年6月10日\n上海合作组织成员国元首理事会会议在青岛举行。"),
        write("ru.txt", "Саммит ШОС\n10 июня 2018 г.\nСаммит Шанхайской организации сотрудничества прошёл в Циндао."),
        write("en.txt", "QINGDAO, June 10, 2018 — " + EN),
        write("xwlb_20250901_03.txt", "上海合作组织成员国元首理事会会议在天津举行。"),
        write("undated.txt", EN),
    ]
    report = ingest(files, store, settings)
    assert report.line() == "ingested 8, duplicates 0, rejected 0"
    assert _stored(store) == {
        "page.html": ("2018-06-10", "metadata", 2018), "paper.pdf": ("2018-06-10", "metadata", 2018),
        "memo.docx": ("2016-05-05", "metadata", 2016), "zh.txt": ("2018-06-10", "text", 2018),
        "ru.txt": ("2018-06-10", "text", 2018), "en.txt": ("2018-06-10", "text", 2018),
        "xwlb_20250901_03.txt": ("2025-09-01", "filename", 2025), "undated.txt": (None, None, None)}


def test_the_manifest_and_the_flag_win(store, settings, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    text = "QINGDAO, June 10, 2018 — " + EN
    (folder / "listed_20170101.txt").write_text(text)
    (folder / "unlisted_20170101.txt").write_text(text + "Kazakhstan agreed.\n")
    (folder / "MANIFEST.csv").write_text("doc_id,date\nlisted_20170101,2019-09-24\n")
    ingest([folder], store, settings)
    ingest([folder / "unlisted_20170101.txt"], Store(settings.url), settings)  # unchanged: not read again
    assert _stored(store) == {"listed_20170101.txt": ("2019-09-24", "manifest", 2019),
                              "unlisted_20170101.txt": ("2018-06-10", "text", 2018)}
    flagged = tmp_path / "flagged_20170101.txt"
    flagged.write_text(text + "Uzbekistan agreed.\n")
    ingest([flagged], store, settings, defaults=SourceMeta(source="", date="2020"))
    assert _stored(store)["flagged_20170101.txt"] == ("2020", "cli", 2020)


def test_date_source_in_docs_json_and_show(tmp_path):
    home = tmp_path / "h"
    dated, undated = tmp_path / "xwlb_20250901_03.txt", tmp_path / "plain.txt"
    dated.write_text("上海合作组织成员国元首理事会会议在天津举行。", encoding="utf-8")
    undated.write_text("上海合作组织成员国外长会议举行。", encoding="utf-8")
    rc, _, err = scotrack(["ingest", dated, undated], home)
    assert rc == 0, err
    rc, out, _ = scotrack(["docs", "--json"], home)
    docs = {d["doc_id"]: d for d in json.loads(out)}
    assert (docs["xwlb_20250901_03"]["date"], docs["xwlb_20250901_03"]["date_source"]) == ("2025-09-01", "filename")
    assert (docs["plain"]["date"], docs["plain"]["date_source"]) == (None, None)
    rc, out, _ = scotrack(["show", "xwlb_20250901_03"], home)
    assert "date              2025-09-01" in out and "date_source       filename" in out
    rc, out, _ = scotrack(["show", "plain"], home)
    assert "date              undated" in out and "\ndate_source" not in out


# -- the store: schema 6 adds documents.date_source, 7 tags.object, to older stores ---------------------------

def _schema_5(metadata: MetaData) -> MetaData:
    """The tables as schema 5 had them: documents without date_source (added by 6), tags without object (7)."""
    old = MetaData()
    for table in metadata.sorted_tables:
        Table(table.name, old, *[c._copy() for c in table.columns
                                 if (table.name, c.name) not in (("documents", "date_source"), ("tags", "object"))])
    return old


def test_an_older_store_gets_the_columns_and_keeps_its_tags_and_reviews(settings, count_rows):
    from pipeline.store.schema import SCHEMA_VERSION, metadata

    assert SCHEMA_VERSION == 7
    engine = create_engine(settings.url)
    if settings.url.startswith("sqlite:///"):
        Path(settings.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    old = _schema_5(metadata)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(old.tables["meta"]).values(key="schema_version", value="5"))
        conn.execute(insert(old.tables["blobs"]).values(sha256="a" * 64, size=1, data=b"x"))
        conn.execute(insert(old.tables["documents"]).values(
            doc_id="old", source="old.txt", date="2019-06-14", year=2019, sha256="a" * 64, relevant=True,
            status="ingested", n_passages=1, ingested_at="2026-01-01T00:00:00+00:00", pipeline_version="ingest-2"))
        conn.execute(insert(old.tables["passages"]).values(
            passage_id="old#0", doc_id="old", position=0, start=0, end=12, text="印度不参加上合组织演习。", lang="zh",
            kind="body", relevant=True, tokens="[]"))
        conn.execute(insert(old.tables["tags"]).values(
            passage_id="old#0", model_version="m0", state="IND", dimension="policy", area="security",
            stance="negative", score=-1, confidence=0.8, uncertain=False))
        conn.execute(insert(old.tables["reviews"]).values(
            passage_id="old#0", thread="", revision=1, reviewer="ana", created_at="2026-01-02T00:00:00+00:00",
            irrelevant=False, prediction="[]", text_sha=text_sha("印度不参加上合组织演习。"), source="web",
            answer='[{"state": "IND", "dimension": "policy", "area": "security", "stance": "opposed"}]'))
    assert "date_source" not in {c["name"] for c in inspect(engine).get_columns("documents")}
    assert "object" not in {c["name"] for c in inspect(engine).get_columns("tags")}
    engine.dispose()

    store = Store(settings.url)  # migrates
    assert "date_source" in {c["name"] for c in inspect(store.engine).get_columns("documents")}
    with store.engine.connect() as conn:
        assert conn.execute(select(metadata.tables["meta"].c.value)).scalar() == "7"
    (doc,) = store.documents()
    assert (doc["doc_id"], doc["date"], doc["date_source"]) == ("old", "2019-06-14", None)
    assert count_rows(Store(settings.url), "documents") == 1  # opening again changes nothing
    # schema 7: the tag and the review are kept, and both read as stances towards the SCO (codebook §3a)
    (tag,) = store.tag_rows()
    assert (tag["state"], tag["object"], tag["stance"]) == ("IND", "SCO", "negative")
    (review,) = store.reviews_of("old#0")
    assert review["answer"][0]["stance"] == "opposed"
    (effective,) = effective_tags(store, "m0")
    assert (effective["object"], effective["stance"], effective["reviewed"]) == ("SCO", "opposed", True)


# -- the bundled corpus: without its manifests, the dates found are the manifests' -----------------------------

def test_dates_found_without_the_manifests_match_them():
    """Read-only over corpora/: every date the text or the file name gives equals the manifest's (a year
    where the manifest gives a year); the documents with neither stay undated."""
    import csv

    from tests.support import ROOT

    found, undated, wrong = 0, 0, []
    for manifest in sorted((ROOT / "corpora").glob("*/MANIFEST.csv")):
        with manifest.open(encoding="utf-8-sig", newline="") as fh:
            given = {row["doc_id"]: row.get("date") or "" for row in csv.DictReader(fh)}
        for path in sorted(manifest.parent.glob("*.txt")):
            if path.stem not in given:
                continue
            value, source = resolve(None, None, None, path.read_text(encoding="utf-8", errors="replace"), path.name)
            if value is None:
                undated += 1
            elif value == given[path.stem]:
                found += 1
            else:
                wrong.append((path.name, value, source, given[path.stem]))
    assert wrong == [] and found > 1000 and undated < 0.05 * found, (found, undated, wrong[:5])
