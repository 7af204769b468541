"""Specification tests for reading a scholarly article: cleaning of hard-wrapped and double-spaced PDF
extractions (pipeline.ingest.clean) and the names of its parts (pipeline.ingest.structure).

The three articles in fixtures/ are constructed text written for these tests (see fixtures/README.md):
invented sentences, authors, journals and references laid out as PDF-to-text tools lay them out. The
targets are the issue's: at most 10% of body passages longer than 25 characters end mid-sentence, every
footnote line ends up in a note passage, no citation line is body text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.ingest.clean import NOTE_KINDS, Paragraph, clean_text
from pipeline.ingest.discover import Item
from pipeline.ingest.read import process
from pipeline.ingest.structure import STRUCTURE_KINDS, label_structure
from pipeline.records import TAGGED_KINDS, Document, SourceMeta

FIXTURES = Path(__file__).parent / "fixtures"
ZH = FIXTURES / "article_zh_double_spaced.txt"
EN = FIXTURES / "article_en_double_spaced.txt"
RU = FIXTURES / "article_ru_hard_wrapped.txt"

# the definitions of ../shared/tools/passage-quality
ENDS = re.compile(r"[。！？；…”」』）)\].!?:：]\s*$")
CITATION = re.compile(
    r"第\s*\d+(?:\s*[-–]\s*\d+)?\s*页|\d{4}\s*年第\s*\d+\s*期|\bpp?\.\s*\d|\bVol\.\s*\d|\bJournal of\b"
    r"|№\s*\d+.{0,20}С\.\s*\d"
)


def squash(s: str) -> str:
    return re.sub(r"[\s\-]+", "", s)


# --------------------------------------------------------------------------- what each article holds

ZH_FRONT = [
    ("title", "上海合作组织成员国的认同差异与合作路径"),
    ("author", "林晓东周雅宁"),
    ("author", "（示例大学国际关系学院，北京 100000）"),
    ("abstract", "摘要：上海合作组织成立二十余年来，成员国之间的合作不断扩大，"),
    ("keywords", "关键词：上海合作组织；认同；利益需求；政策选择；多轨"),
    ("keywords", "中图分类号：D814.1 文献标识码：A 文章编号：1000-0000（2024）01-0001-15"),
]
ZH_HEADINGS = ["一、问题的提出", "（一）利益需求", "（二）认同水平", "二、结论"]
ZH_NOTES = [
    "a 赵明远：《上海合作组织的成立与早期发展》，《示例国际研究》，2006年第11期，第12-17页；"
    "钱立新：《区域组织比较研究》，北京：示例出版社，2010年，第45页。",
    "b 孙晓梅：《成员国认同问题初探》，《示例政治学刊》，2015年第3期，第30-41页。",
    "c John Smith, “Identity and Cooperation in Central Asian Regionalism”, Journal of Example Studies, "
    "Vol. 12, No. 2, 2018, pp. 101-125.",
    "d 李文博：《欧亚经济联盟与上海合作组织的关系》，《示例欧亚研究》，2019年第5期，第66-80页。",
    "e Anna Brown, “Hedging in Regional Institutions: Evidence from Asia”, Example Security Review, "
    "Vol. 7, No. 1, 2021, pp. 5-29.",
    "f 吴志强：《多轨并行：一个分析框架》，《示例世界政治》，2022年第8期，第1-20页。",
]
ZH_SENTENCES = [  # each runs across lines, across empty lines, and the first two across a page break
    "本文尝试建立一个由利益需求、认同水平和政策选择构成的分析框架，以此观察成员国之间的差异及其对组织发展的影响。",
    "巴基斯坦则把上海合作组织视为拓展地区合作的重要平台，对组织的规范和机制表现出较高的认同，积极参与各项活动。",
    "然而，学界对成员国认同差异的讨论仍然不足，而这种差异恰恰是理解组织发展状态的关键。",  # its marker "b" gone
    "印度加入组织后，对部分合作倡议表现出明显的警惕，在多个场合拒绝参加联合军事演习，也没有支持组织框架内的互联互通倡议。",
]

EN_FRONT = [
    ("title", "The Shanghai Cooperation Organisation as a Multi-Track Institution"),
    ("author", "Jane Example and Ivan Sample"),
    ("author", "Department of Politics, University of Example"),
    ("abstract", "Abstract: This article compares how the member states"),
    ("keywords", "Keywords: Shanghai Cooperation Organisation; identity; interests; policy; multi-track"),
]
EN_HEADINGS = ["1. Introduction", "2. Interests and policies", "3. Conclusion", "References"]
EN_NOTES = [
    "a The founding members were China, Kazakhstan, Kyrgyzstan, Russia, Tajikistan and Uzbekistan; India and "
    "Pakistan joined in 2017, Iran in 2023 and Belarus in 2024.",
    "b For an early survey see Ann Author, “Regional Order in Central Asia”, Journal of Example Studies, Vol. 3, "
    "No. 2, 2009, pp. 45-60.",
    "c Ben Writer, “Financing Regional Projects”, Example Economic Review, Vol. 9, No. 4, 2016, pp. 210-233.",
    "d Carl Reader, The Eurasian Economic Union and Its Neighbours, London: Example Press, 2019, p. 88.",
    "e We thank the anonymous reviewers for their comments on an earlier draft.",
]
EN_REFERENCES = [
    "Author, A. (2009). Regional order in Central Asia. Journal of Example Studies, 3(2), 45-60.",
    "Brown, A. (2021). Hedging in regional institutions: Evidence from Asia. Example Security Review, 7(1), 5-29.",
    "Reader, C. (2019). The Eurasian Economic Union and its neighbours. London: Example Press.",  # cut by note e
    "Writer, B. (2016). Financing regional projects in a divided neighbourhood of states. Example Economic "
    "Review, 9(4), 210-233.",
]
EN_SENTENCES = [
    "Since its foundation in 2001 the Shanghai Cooperation Organisation has grown from a group of six neighbours "
    "into a body of ten member states that spans most of the Eurasian continent. Its enlargement has raised its "
    "profile",
    "China has repeatedly proposed a development bank and a free trade area for the organisation, and it has "
    "offered to finance a large share of the projects that would follow. Russia, by contrast,",
    "Cooperation will advance where interests meet, and it will stall where they do not.",
]

RU_FRONT = [
    ("title", "ШАНХАЙСКАЯ ОРГАНИЗАЦИЯ СОТРУДНИЧЕСТВА: МНОГОВЕКТОРНОЕ РАЗВИТИЕ"),
    ("author", "И. И. Примеров, А. А. Образцова"),
    ("abstract", "Аннотация. В статье рассматриваются различия"),
    ("abstract", "Авторы приходят к выводу, что Китай и Пакистан"),  # the abstract's second paragraph
    ("keywords", "Ключевые слова: Шанхайская организация сотрудничества;"),
]
RU_HEADINGS = ["Введение", "1. Интересы и политика государств-членов", "Заключение", "Список литературы"]
RU_NOTES = [
    "¹ Подробнее см.: Иванов И. И. Шанхайская организация сотрудничества: итоги двадцати лет // Вестник "
    "примеров. 2021. № 3. С. 10–25.",  # wrapped after a colon
    "² Сидорова М. П. Региональные организации в Евразии. М.: Издательство примеров, 2018. С. 77.",
    "³ Петров П. П. Финансирование проектов ШОС // Экономика примеров. 2019. № 5. С. 30–41.",  # after "2019."
    "⁴ Кузнецов К. К. Пакистан в ШОС // Азия и примеры. 2022. № 2. С. 5–19.",
]
RU_REFERENCES = [
    "1. Иванов И. И. Шанхайская организация сотрудничества: итоги двадцати лет // Вестник примеров. 2021. № 3. "
    "С. 10–25.",
    "2. Петров П. П. Финансирование проектов ШОС // Экономика примеров. 2019. № 5. С. 30–41.",
    "3. Сидорова М. П. Региональные организации в Евразии. М.: Издательство примеров, 2018. 240 с.",
]
RU_SENTENCES = [
    "За двадцать с лишним лет Шанхайская организация сотрудничества превратилась из объединения шести соседних "
    "государств в крупнейшую региональную организацию Евразии.",
    "Китай последовательно выступает за создание банка развития и зоны свободной торговли в рамках организации "
    "и готов финансировать значительную часть совместных проектов.",  # across a page with its footnotes
    "Пакистан, напротив, считает организацию важнейшей площадкой своей региональной дипломатии.",
]

ARTICLES = {
    "zh": (ZH, ZH_FRONT, ZH_HEADINGS, ZH_NOTES, [], ZH_SENTENCES, "政治·外交"),
    "en": (EN, EN_FRONT, EN_HEADINGS, EN_NOTES, EN_REFERENCES, EN_SENTENCES, "Journal of Example Studies 14"),
    "ru": (RU, RU_FRONT, RU_HEADINGS, RU_NOTES, RU_REFERENCES, RU_SENTENCES, "ВЕСТНИК ПРИМЕРОВ"),
}


@pytest.fixture(scope="module")
def read(tmp_path_factory: pytest.TempPathFactory):
    """The documents as `scotrack ingest` reads them: cleaned, named, split into passages."""
    settings = Settings(home=tmp_path_factory.mktemp("home"), workers=1)
    cache: dict[str, Document] = {}

    def _read(lang: str) -> Document:
        if lang not in cache:
            path = ARTICLES[lang][0]
            meta = SourceMeta(source=str(path), lang=lang, doc_type="article", date="2024-01-01")
            cache[lang] = process(Item(path, meta), path.read_bytes(), settings)
            assert cache[lang].status != "rejected", cache[lang].reason
        return cache[lang]

    return _read


def paragraphs(lang: str) -> list[Paragraph]:
    return label_structure(clean_text(ARTICLES[lang][0].read_text(encoding="utf-8")).paragraphs, None, "article")


LANGS = ["zh", "en", "ru"]


# --------------------------------------------------------------------------- the targets


@pytest.mark.parametrize("lang", LANGS)
def test_fixture_really_is_hard_wrapped(lang: str) -> None:
    path, *_, sentences, head = ARTICLES[lang]
    raw = path.read_text(encoding="utf-8")
    assert raw.count(head) >= 3
    for s in sentences:
        assert s not in raw  # every checked sentence is broken across lines in the fixture
    if lang != "ru":
        lines = raw.split("\n")
        assert sum(1 for a, b in zip(lines, lines[1:], strict=False) if a.strip() and not b.strip()) > 40


@pytest.mark.parametrize("lang", LANGS)
def test_at_most_a_tenth_of_body_passages_end_mid_sentence(read, lang: str) -> None:
    body = [p.text for p in read(lang).passages if p.kind == "body" and len(p.text.strip()) > 25]
    mid = [t for t in body if not ENDS.search(t)]
    assert len(body) >= 3
    assert len(mid) <= 0.1 * len(body), mid


@pytest.mark.parametrize("lang", LANGS)
def test_every_footnote_line_is_in_a_note_passage(read, lang: str) -> None:
    _, _, _, notes, refs, _, _ = ARTICLES[lang]
    doc = read(lang)
    note_text = squash("\n".join(p.text for p in doc.passages if p.kind in NOTE_KINDS))
    other_text = squash("\n".join(p.text for p in doc.passages if p.kind not in NOTE_KINDS))
    raw_lines = [line.strip() for line in ARTICLES[lang][0].read_text(encoding="utf-8").split("\n")]
    for note in notes + refs:
        lines = [line for line in raw_lines if len(line) > 3 and squash(line) in squash(note)]
        assert lines, note
        for line in lines:
            assert squash(line) in note_text and squash(line) not in other_text, line


@pytest.mark.parametrize("lang", LANGS)
def test_no_citation_line_is_body_text(read, lang: str) -> None:
    cited = [p.text for p in read(lang).passages if p.kind not in NOTE_KINDS and CITATION.search(p.text)]
    assert cited == []


@pytest.mark.parametrize("lang", LANGS)
def test_notes_are_whole_and_in_order(lang: str) -> None:
    _, _, _, notes, refs, _, _ = ARTICLES[lang]
    paras = paragraphs(lang)
    assert [p.text for p in paras if p.kind == "footnote"] == notes
    assert [p.text for p in paras if p.kind == "reference"] == refs
    kinds = [p.kind for p in paras]
    first_note = min(i for i, k in enumerate(kinds) if k in NOTE_KINDS)
    assert all(k in NOTE_KINDS for k in kinds[first_note:])  # the notes follow the text


@pytest.mark.parametrize("lang", LANGS)
def test_sentences_run_on_across_lines_empty_lines_and_pages(lang: str) -> None:
    body = [p.text for p in paragraphs(lang) if p.kind == "body"]
    for s in ARTICLES[lang][5]:
        assert any(s in p for p in body), s


@pytest.mark.parametrize("lang", LANGS)
def test_page_furniture_and_markers_are_gone(lang: str) -> None:
    path, *_, head = ARTICLES[lang]
    r = clean_text(path.read_text(encoding="utf-8"))
    text = "\n".join(p.text for p in r.paragraphs if p.kind not in NOTE_KINDS)
    assert head not in r.text
    assert r.removed["running_heads"] >= 3 and r.removed["folios"] >= 4
    assert not re.search(r"[。.]\s?[a-h](?=\s|$|[\u4e00-\u9fff])|[¹²³⁴]", text)
    labels = [m.label for m in r.markers]
    assert labels == (["¹", "²", "³", "⁴"] if lang == "ru" else list("abcdef"[: len(ARTICLES[lang][3])]))
    assert r.removed["footnote_markers"] == len(labels)
    assert all(m.before and squash(m.before) in squash(text) for m in r.markers)  # where each one was


ZH_LAYOUTS = {  # other ways a PDF-to-text tool may lay out the same pages
    "no-folios": lambda raw: re.sub(r"\n\n4\d\n", "\n", raw),
    "no-folios-no-running-head": lambda raw: re.sub(r"\n\n4\d\n", "\n", raw).replace("政治·外交\n\n", ""),
    "folio-in-the-running-head": lambda raw: re.sub(r"\n\n(4\d)\n\n政治·外交", r"\n\n\1 政治·外交", raw),
    "form-feeds": lambda raw: re.sub(r"\n\n(4\d)\n", "\n\n\\1\n\f", raw),
    "single-spaced": lambda raw: raw.replace("\n\n", "\n"),
}


@pytest.mark.parametrize("layout", ZH_LAYOUTS)
def test_zh_article_reads_the_same_in_other_layouts(layout: str) -> None:
    raw = ZH_LAYOUTS[layout](ZH.read_text(encoding="utf-8"))
    assert raw != ZH.read_text(encoding="utf-8")
    paras = label_structure(clean_text(raw).paragraphs, None, "article")
    assert [p.text for p in paras if p.kind == "footnote"] == ZH_NOTES
    assert [p.text for p in paras if p.kind == "heading"] == ZH_HEADINGS
    assert all(ENDS.search(p.text) for p in paras if p.kind == "body")
    assert "政治·外交" not in "".join(p.text for p in paras)


def test_empty_lines_are_line_spacing_only_in_the_double_spaced_articles() -> None:
    for path, spaced in ((ZH, True), (EN, True), (RU, False)):
        r = clean_text(path.read_text(encoding="utf-8"))
        assert (r.removed["line_spacing"] > 30) is spaced, path.name


@pytest.mark.parametrize("lang", LANGS)
def test_cleaning_again_changes_no_text(lang: str) -> None:
    """The text is stable under a second cleaning. The notes need not be: a lettered note ("a …") is known
    by its marker in the body, and the cleaned body has none."""
    first = clean_text(ARTICLES[lang][0].read_text(encoding="utf-8"))
    second = clean_text(first.text)
    text = [p.text for p in first.paragraphs if p.kind not in NOTE_KINDS]
    assert [p.text for p in second.paragraphs][: len(text)] == text
    if lang == "ru":  # superscript notes say what they are
        assert second.text == first.text


# --------------------------------------------------------------------------- the parts of the article


@pytest.mark.parametrize("lang", LANGS)
def test_front_matter_is_named(lang: str) -> None:
    front = ARTICLES[lang][1]
    paras = paragraphs(lang)
    assert [(p.kind, p.text[: len(t)]) for p, (_, t) in zip(paras, front, strict=False)] == front


@pytest.mark.parametrize("lang", LANGS)
def test_headings_are_named(lang: str) -> None:
    assert [p.text for p in paragraphs(lang) if p.kind == "heading"] == ARTICLES[lang][2]


@pytest.mark.parametrize("lang", LANGS)
def test_passages_carry_the_kinds(read, lang: str) -> None:
    kinds = {p.kind for p in read(lang).passages}
    assert {"title", "author", "abstract", "keywords", "heading", "body"} <= kinds
    assert kinds <= {*STRUCTURE_KINDS, "body", "table", *NOTE_KINDS}


def test_tagged_kinds() -> None:
    assert TAGGED_KINDS == {"body", "abstract"}  # headings, titles, notes are structure, not stance evidence


# --------------------------------------------------------------------------- small cases (constructed)


def P(*items: tuple[str, str]) -> list[Paragraph]:
    return [Paragraph(text, kind) for kind, text in items]


@pytest.mark.parametrize(
    "paras, title, doc_type, expected",
    [
        # a news item: its first line is the manifest's title
        (
            P(("body", "韩正会见外方代表团团长"), ("body", "央视网消息：韩正今天会见了代表团团长。")),
            "韩正会见外方代表团团长",
            "transcript",
            ["title", "body"],
        ),
        # a speech: a short first line is the start of its first sentence, not a title or a heading
        (
            P(("body", "Let me first welcome"), ("body", "Tuvalu as a new Member of the United Nations.")),
            "UN General Debate statement",
            "speech",
            ["body", "body"],
        ),
        # numbered headings: 一、 （一） 1. 2.3 I.; not a numbered sentence
        (
            P(
                ("body", "Text."),
                ("body", "一、总体情况"),
                ("body", "（一）安全合作"),
                ("body", "正文。"),
                ("body", "2.3 Economic ties"),
                ("body", "Text."),
                ("body", "II. Conclusions"),
                ("body", "Text."),
                ("body", "1. We support the Charter."),
                ("body", "Text."),
            ),
            None,
            "article",
            ["body", "heading", "heading", "body", "heading", "body", "heading", "body", "body", "body"],
        ),
        # a short line above text is a heading; items of a list after a colon are not; nor is a line that
        # the next one continues, a quotation, a reference or a salutation ending in a comma
        (
            P(
                ("body", "Intro text."),
                ("body", "Regional security"),
                ("body", "The members agreed."),
                ("body", "The council consists of:"),
                ("body", "Xi Jinping (China)"),
                ("body", "Narendra Modi (India)"),
                ("body", "Vladimir Putin (Russia)"),
                ("body", "The council meets yearly."),
                ("body", "We favour"),
                ("body", "“an immediate ceasefire.”"),
                ("body", "(A/48/1, para. 13)"),
                ("body", "Pakistan welcomes it."),
                ("body", "Mr. President,"),
                ("body", "We agree."),
            ),
            None,
            "article",
            [
                "body",
                "heading",
                "body",
                "body",
                "body",
                "body",
                "body",
                "body",
                "body",
                "body",
                "body",
                "body",
                "body",
                "body",
            ],
        ),
        # a caption above a table; the reference list's heading at the end of the text
        (
            P(
                ("body", "Text."),
                ("body", "Observer states"),
                ("table", "Mongolia | 2004"),
                ("body", "More text."),
                ("body", "References"),
                ("reference", "Smith, J. (2010). A book. London: Press."),
            ),
            None,
            "article",
            ["body", "heading", "table", "body", "heading", "reference"],
        ),
        # front matter is only read as such in front of an abstract or keywords
        (
            P(
                ("body", "A Study of the SCO"),
                ("body", "Jane Example"),
                ("body", "Abstract"),
                ("body", "This article studies the SCO."),
                ("body", "Keywords: SCO; identity"),
                ("body", "Text."),
            ),
            None,
            "article",
            ["title", "author", "abstract", "abstract", "keywords", "body"],
        ),
    ],
    ids=["news-title", "speech-first-line", "numbered", "unnumbered", "table-caption-and-references", "front"],
)
def test_label_structure(paras: list[Paragraph], title: str | None, doc_type: str, expected: list[str]) -> None:
    out = label_structure(paras, title, doc_type)
    assert [p.kind for p in out] == expected
    assert [p.text for p in out] == [p.text for p in paras]


def test_label_structure_keeps_notes_and_empty_input() -> None:
    assert label_structure([]) == []
    notes = P(("footnote", "① 注释。"), ("reference", "[1] A book."))
    assert label_structure(notes) == notes
