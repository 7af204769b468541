"""Specification tests for pipeline.ingest.clean.

The PDF-like fixtures below (a Chinese academic article, a Russian and an English article) are
constructed text written for these tests, not quotations: they imitate what PDF extraction produces
(junk glyph runs, mojibake, folios, running heads, footnotes, lines broken mid-sentence). The last
tests run the cleaner over the real corpus (shared/corpora beside the work tree) when it exists.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipeline.ingest.clean import (
    NOTE_KINDS,
    TEXT_KINDS,
    CleanResult,
    Marker,
    Paragraph,
    clean_text,
    normalise_width,
    to_simplified,
)
from tests.support import ROOT

# the bundled corpus (a copy of the shared one, shipped with the project)
CORPORA = ROOT / "corpora"


def body(r: CleanResult) -> list[str]:
    return [p.text for p in r.paragraphs if p.kind == "body"]


def notes(r: CleanResult) -> list[str]:
    return [p.text for p in r.paragraphs if p.kind == "footnote"]


def squash(s: str) -> str:
    """Compare modulo re-flow: whitespace and (de)hyphenation at former line ends."""
    return re.sub(r"[\s\-¬\u00ad]+", "", s)


# --------------------------------------------------------------------------- Chinese PDF article

ZH_TITLE = "上海合作组织框架下的地区安全合作"
ZH_AUTHOR = "张明"
ZH_JOURNAL_HEAD = "俄罗斯研究 2021 年第 3 期"  # running head, top of every page
ZH_SHORT_TITLE = "上合组织地区安全合作研究"  # running foot, above every folio
ZH_ABSTRACT = [
    "内容提要：上海合作组织成立以来，安全合作始终是其最重要的合作领域。",
    "本文梳理了成员国在打击“三股势力”方面的合作进展，并分析了当前面临的主要问题。",
]
ZH_HEAD1 = "一、上海合作组织安全合作的进展"
ZH_P1 = [
    (
        "2001年6月，中国、俄罗斯、哈萨克斯坦、吉尔吉斯斯坦、塔吉克斯坦和乌兹别克斯坦六国元首在上海签署"
        "《打击恐怖主义、分裂主义和极端主义上海公约》。"
    ),
    "这一公约首次对恐怖主义、分裂主义和极端主义作出了明确界定，为成员国开展安全合作奠定了法律基础。",
    "此后，地区反恐怖机构于2004年在塔什干正式启动，成为上海合作组织常设机构之一。",
]
ZH_P2 = [
    "近年来，成员国定期举行“和平使命”联合反恐军事演习，执法安全合作不断深化。",
    "与此同时，各方在打击毒品走私、跨国有组织犯罪和网络犯罪等领域的合作也取得了积极进展。",
]
ZH_HEAD2 = "二、安全合作面临的主要问题"
ZH_P3 = [
    "首先，成员国之间的安全利益诉求存在一定差异，合作的深度和广度仍然有限。",
    "其次，上海合作组织扩员以后，协商一致原则下的决策效率面临新的考验。",
    "最后，阿富汗局势的变化给地区安全带来了新的不确定性。",
]
ZH_P4 = [
    "总的来看，上海合作组织在维护地区安全稳定方面发挥了不可替代的建设性作用。",
    "未来，成员国应当坚持“上海精神”，进一步完善安全合作机制，共同应对各种安全威胁和挑战。",
]
ZH_NOTE = "注：本文系国家社会科学基金项目“上海合作组织安全合作机制研究”的阶段性成果。"
ZH_FN1 = "①参见《打击恐怖主义、分裂主义和极端主义上海公约》，2001年6月15日，上海。"
ZH_FN2 = "②地区反恐怖机构执行委员会设在乌兹别克斯坦首都塔什干。"
ZH_FN3 = "③关于“和平使命”系列联合演习的详细情况，参见中华人民共和国国防部网站的相关报道和历年的国防白皮书。"
ZH_SENTENCES = [ZH_TITLE, *ZH_ABSTRACT, ZH_HEAD1, *ZH_P1, *ZH_P2, ZH_HEAD2, *ZH_P3, *ZH_P4]

# (clean fragment, dirty replacement): what extraction did to the text; each applies exactly once
MOJIBAKE_LOST = "上海合作组织".encode().decode("cp1252", errors="ignore")  # ä¸Šæµ·åˆä½œç»„ç»‡: 0x90 lost
ZH_DIRT = [
    ("内容提要：", "内容提要:"),  # half-width colon next to CJK
    ("2001年6月，中国", "２００１年6月,中国"),  # full-width digits, half-width comma
    ("上海公约》。", "上海公约》①。"),  # in-body footnote markers
    ("在塔什干正式", "在塔什干②正式"),
    ("军事演习，执法", "军事演习③，执法"),
    ("明确界定", "明确\ufffd\ufffd\ufffd界定"),  # replacement-character run
    ("毒品走私", "毒品\ue01a\ue01b走私"),  # private-use glyphs
    ("安全利益", "安全□□利益"),  # tofu boxes
    ("协商一致", "协商一致".encode().decode("latin-1")),  # repairable mojibake (with C1 bytes)
    ("不确定性", "不确\x07定性"),  # control character
    ("维护地区", f"维护{MOJIBAKE_LOST}地区"),  # unrepairable mojibake
    ("上海合作组织在维护", "上海 合作 组织在维护"),  # PDF spaces between CJK characters
    ("建设性作用", "建设\u200b性作用"),  # zero-width space
    ("近年来，", "近年来,"),
    ("首先，", "首先,"),
]


def _dirty(sentences: list[str]) -> str:
    text = "".join(sentences)
    for clean, dirty in ZH_DIRT:
        if text.count(clean) == 1:
            text = text.replace(clean, dirty)
    return text


def _wrap_zh(text: str, width: int = 50, indent: bool = True) -> list[str]:
    """Break like a PDF column of `width` display columns (about 25 Chinese characters). A mojibake run
    is one unit: the line was broken on the real characters before the text was mis-decoded."""
    lines, cur, used = [], "\u3000\u3000" if indent else "", 4 if indent else 0
    for unit in re.findall("[\u0080-\u00ff\u0152-\u02dc\u2013-\u2122]{2,}|.", text):
        if len(unit) > 1:
            raw = bytes(
                c.encode("cp1252")[0]
                if ord(c) > 255 or c not in "\x81\x8d\x8f\x90\x9d" and c.encode("cp1252", errors="ignore")
                else ord(c)
                for c in unit
            )
            w = 2 * len(raw.decode("utf-8", errors="ignore"))
        else:
            w = 2 if unicodedata.east_asian_width(unit) in "WF" else 1
        if used + w > width:
            lines.append(cur)
            cur, used = "", 0
        cur += unit
        used += w
    lines.append(cur)
    return lines


def build_zh_pdf() -> tuple[str, int]:
    stream = [ZH_TITLE, ZH_AUTHOR, ""]
    stream += _wrap_zh(_dirty(ZH_ABSTRACT))
    stream.append(ZH_HEAD1)
    stream += _wrap_zh(_dirty(ZH_P1)) + _wrap_zh(_dirty(ZH_P2))
    stream.append(ZH_HEAD2)
    stream += _wrap_zh(_dirty(ZH_P3)) + _wrap_zh(_dirty(ZH_P4))
    applied = sum("".join(stream).count(d) for _, d in ZH_DIRT)
    assert applied >= len(ZH_DIRT), "fixture: every dirt substitution must apply"
    per_page = 8
    pages = [stream[i : i + per_page] for i in range(0, len(stream), per_page)]
    assert 4 <= len(pages) <= 6
    page_notes = {0: [ZH_NOTE, ZH_FN1], 1: ["————————", ZH_FN2], 2: _wrap_zh(ZH_FN3, indent=False)}
    folios = ["- 1 -", "第 2 页", "— 3 —", "第4页 共5页", "5", "·6·"]
    out: list[str] = []
    for n, page in enumerate(pages):
        out.append(ZH_JOURNAL_HEAD)
        out += page
        out += page_notes.get(n, [])
        out += [ZH_SHORT_TITLE, folios[n]]
        out.append("\f" if n % 2 == 0 else "\n")
    return "\n".join(out), len(pages)


ZH_PDF, ZH_PAGES = build_zh_pdf()


@pytest.fixture(scope="module")
def zh_result() -> CleanResult:
    return clean_text(ZH_PDF, "zh")


def test_zh_fixture_really_is_dirty() -> None:
    lines = ZH_PDF.split("\n")
    assert sum(1 for line in lines if len(line) >= 20) > 15  # mid-sentence breaks every ~25 characters
    for s in ZH_P1 + ZH_P3:
        assert s not in ZH_PDF


@pytest.mark.parametrize("sentence", ZH_SENTENCES)
def test_zh_every_real_sentence_survives_intact(zh_result: CleanResult, sentence: str) -> None:
    assert sentence in "\n".join(body(zh_result))


@pytest.mark.parametrize("paragraph", [ZH_P1, ZH_P2, ZH_P3, ZH_P4, ZH_ABSTRACT])
def test_zh_paragraphs_are_reflowed_whole(zh_result: CleanResult, paragraph: list[str]) -> None:
    assert "".join(paragraph) in body(zh_result)


@pytest.mark.parametrize("heading", [ZH_TITLE, ZH_AUTHOR, ZH_HEAD1, ZH_HEAD2])
def test_zh_headings_stay_their_own_paragraph(zh_result: CleanResult, heading: str) -> None:
    assert heading in body(zh_result)


@pytest.mark.parametrize(
    "junk",
    [
        "\ufffd",
        "\ue01a",
        "□",
        "\x07",
        "\u200b",
        "ä¸Š",
        "æµ",
        "å",
        "\f",
        ZH_JOURNAL_HEAD,
        ZH_SHORT_TITLE,
        "- 1 -",
        "第 2 页",
        "— 3 —",
        "共5页",
        "·6·",
        "————",
        "①。",
        "②正式",
        "③，",
    ],
)
def test_zh_junk_is_gone(zh_result: CleanResult, junk: str) -> None:
    assert junk not in "\n".join(body(zh_result))


def test_zh_footnotes_kept_apart_in_order(zh_result: CleanResult) -> None:
    assert notes(zh_result) == [ZH_NOTE, ZH_FN1, ZH_FN2, ZH_FN3]
    kinds = [p.kind for p in zh_result.paragraphs]
    assert kinds == sorted(kinds)  # "body" < "footnote": all body paragraphs come first


def test_zh_counters(zh_result: CleanResult) -> None:
    r = zh_result.removed
    assert r["folios"] == ZH_PAGES and r["page_breaks"] == (ZH_PAGES + 1) // 2
    assert r["running_heads"] == 2 * ZH_PAGES  # journal head and short title on each page
    assert r["footnotes"] == 4 and r["footnote_markers"] == 3 and r["separators"] == 1
    assert r["mojibake_repaired"] == 1 and r["garbage_chars"] >= 3 + 2 + 2 + len(MOJIBAKE_LOST)
    assert r["control_chars"] >= 1 and r["zero_width_chars"] == 1
    assert r["joined_breaks"] > 15


def test_zh_text_property_joins_paragraphs(zh_result: CleanResult) -> None:
    assert zh_result.text == "\n\n".join(p.text for p in zh_result.paragraphs)
    assert all(isinstance(p, Paragraph) and p.text and "\n" not in p.text for p in zh_result.paragraphs)


# --------------------------------------------------------------------------- Russian PDF article

RU_MOJIBAKE = "Шанхаем".encode().decode("cp1252")  # Ð¨Ð°Ð½Ñ…Ð°ÐµÐ¼: repairable
RU_HEAD = "Вестник международных организаций. 2021. № 3"
RU_PDF = (
    f"{RU_HEAD}\n"
    "ШОС: ИТОГИ ДВАДЦАТИ ЛЕТ\n"
    "\n"
    "Шанхайская организация сотрудничества была создана в 2001 году. Её\n"
    "учредителями стали Россия, Китай, Казахстан, Киргизия, Таджикистан\n"
    "и Узбекистан¹. Главной задачей организации является укрепление регио-\n"
    "нальной безопасности. Со временем сотрудни-\n"
    "чество государств-членов распространилось на экономику и культуру.\n"
    "Организация не направлена против какой-\n"
    "либо третьей страны.\n"
    "____________\n"
    "¹ Узбекистан присоединился к «Шанхайской пятёрке» в июне 2001 года.\n"
    "Стр. 1\n"
    "\f\n"
    f"{RU_HEAD}\n"
    "Штаб-квартира секретариата находится в Пекине, а название организации\n"
    f"связано с {RU_MOJIBAKE}. В 2017 году в ШОС вступили Индия и Пакистан,\n"
    "а в 2023 году к ним присоединился Иран². Расширение организации постави-\n"
    "ло перед ней новые вопросы о механизме принятия решений.\n"
    "\n"
    "² Иран стал девятым государством — членом ШОС.\n"
    "— 2 —\n"
    "\f\n"
    f"{RU_HEAD}\n"
    "ЗАКЛЮЧЕНИЕ\n"
    "Тем не менее консенсус по-прежнему остаётся основой работы организации.\n"
    "\n"
    "3\n"
)
RU_SENTENCES = [
    "ШОС: ИТОГИ ДВАДЦАТИ ЛЕТ",
    "Шанхайская организация сотрудничества была создана в 2001 году.",
    "Её учредителями стали Россия, Китай, Казахстан, Киргизия, Таджикистан и Узбекистан.",
    "Главной задачей организации является укрепление региональной безопасности.",
    "Со временем сотрудничество государств-членов распространилось на экономику и культуру.",
    "Организация не направлена против какой-либо третьей страны.",
    "Штаб-квартира секретариата находится в Пекине, а название организации связано с Шанхаем.",
    "В 2017 году в ШОС вступили Индия и Пакистан, а в 2023 году к ним присоединился Иран.",
    "Расширение организации поставило перед ней новые вопросы о механизме принятия решений.",
    "ЗАКЛЮЧЕНИЕ",
    "Тем не менее консенсус по-прежнему остаётся основой работы организации.",
]
RU_NOTES = [
    "¹ Узбекистан присоединился к «Шанхайской пятёрке» в июне 2001 года.",
    "² Иран стал девятым государством — членом ШОС.",
]


@pytest.fixture(scope="module")
def ru_result() -> CleanResult:
    return clean_text(RU_PDF)  # language inferred


@pytest.mark.parametrize("sentence", RU_SENTENCES)
def test_ru_every_real_sentence_survives_intact(ru_result: CleanResult, sentence: str) -> None:
    assert sentence in "\n".join(body(ru_result))


def test_ru_structure(ru_result: CleanResult) -> None:
    text = "\n".join(body(ru_result))
    assert RU_HEAD not in text and "Стр." not in text and "— 2 —" not in text and "____" not in text
    assert "¹" not in text and "²" not in text and "Ð" not in text
    assert "ЗАКЛЮЧЕНИЕ" in body(ru_result)
    assert notes(ru_result) == RU_NOTES
    assert ru_result.removed["dehyphenated"] == 3  # регио-нальной, сотрудни-чество, постави-ло
    assert ru_result.removed["running_heads"] == 3 and ru_result.removed["folios"] == 3


# --------------------------------------------------------------------------- English PDF article

EN_HEAD = "Journal of Eurasian Studies 12 (2021)"
EN_PDF = (
    f"{EN_HEAD}\n"
    "THE SCO AT TWENTY\n"
    "\n"
    "The Shanghai Cooperation Organisation was founded in Shanghai in June\n"
    "2001 by six states.[1] Its founders described it as a new kind of organi-\n"
    "zation that is not directed against third countries. From the start\n"
    "the members gave priority to a long-\n"
    "term agenda of security cooperation against terrorism, separatism and\n"
    "extremism. The Regional Anti-Terrorist Structure has operated in\n"
    "Tashkent since 2004.[2]\n"
    "[1] Declaration on the Establishment of the Shanghai Cooperation\n"
    "Organisation, 15 June 2001.\n"
    "[2] The structure is known by its Russian acronym RATS.\n"
    "Page 1\n"
    "\f"
    f"{EN_HEAD}\n"
    "Economic cooperation has developed more slowly than security\n"
    "cooperation. China has proposed a development bank, but Russia has\n"
    "preferred to work through the Eurasian Economic Union.\n"
    "\n"
    "2 / 3\n"
    "\f"
    f"{EN_HEAD}\n"
    "Conclusion\n"
    "Since 2017 India and Pakistan have been full members, and Iran joined\n"
    "in 2023. Enlargement has made consensus harder to reach.\n"
    "\n"
    "— 3 —\n"
)
EN_SENTENCES = [
    "THE SCO AT TWENTY",
    "The Shanghai Cooperation Organisation was founded in Shanghai in June 2001 by six states.",
    "Its founders described it as a new kind of organization that is not directed against third countries.",
    (
        "From the start the members gave priority to a long-term agenda of security cooperation against "
        "terrorism, separatism and extremism."
    ),
    "The Regional Anti-Terrorist Structure has operated in Tashkent since 2004.",
    "Economic cooperation has developed more slowly than security cooperation.",
    "China has proposed a development bank, but Russia has preferred to work through the Eurasian Economic Union.",
    "Conclusion",
    "Since 2017 India and Pakistan have been full members, and Iran joined in 2023.",
    "Enlargement has made consensus harder to reach.",
]
EN_NOTES = [
    "[1] Declaration on the Establishment of the Shanghai Cooperation Organisation, 15 June 2001.",
    "[2] The structure is known by its Russian acronym RATS.",
]


@pytest.fixture(scope="module")
def en_result() -> CleanResult:
    return clean_text(EN_PDF, "en")


@pytest.mark.parametrize("sentence", EN_SENTENCES)
def test_en_every_real_sentence_survives_intact(en_result: CleanResult, sentence: str) -> None:
    assert sentence in "\n".join(body(en_result))


def test_en_structure(en_result: CleanResult) -> None:
    text = "\n".join(body(en_result))
    assert EN_HEAD not in text and "Page 1" not in text and "2 / 3" not in text and "[1]" not in text
    assert "Conclusion" in body(en_result) and "THE SCO AT TWENTY" in body(en_result)
    assert notes(en_result) == EN_NOTES
    assert en_result.removed["dehyphenated"] == 1  # organi-zation; long-term keeps its hyphen


@pytest.mark.parametrize("raw", [ZH_PDF, RU_PDF, EN_PDF], ids=["zh", "ru", "en"])
def test_fixtures_idempotent(raw: str) -> None:
    once = clean_text(raw).text
    assert clean_text(once).text == once


# --------------------------------------------------------------------------- garbage removal


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("上海\ufffd\ufffd合作", "上海合作"),
        ("��合作", "合作"),
        ("abc\ue000\uf8ffdef", "abcdef"),
        ("合作□□□组织", "合作组织"),
        ("合作■■组织", "合作组织"),
        ("上海□合作", "上海合作"),  # a lone tofu box
        ("a\x00b\x07c\x1bd\x7fe", "abcde"),
        ("zero\u200bwidth\ufeff join\u2060er", "zerowidth joiner"),
        ("soft\u00adhyphen", "softhyphen"),
        ("con¬gratulate", "congratulate"),  # OCR not-sign used as a discretionary hyphen
        ("Шанхай".encode().decode("cp1252"), "Шанхай"),
        ("上海合作组织".encode().decode("latin-1"), "上海合作组织"),
        ("The word â€œhistoryâ€\x9d predates", "The word “history” predates"),
        ("été à Paris".encode().decode("cp1252"), "été à Paris"),
        (f"前{MOJIBAKE_LOST}后", "前后"),  # bytes lost: cannot be repaired, dropped
        # ftfy knows more than cp1252: UTF-8 read as cp1251, MacRoman, or decoded twice
        ("Встреча: " + "Шанхайская организация".encode().decode("cp1251") + ".", "Встреча: Шанхайская организация."),
        ("Le café".encode().decode("mac_roman"), "Le café"),
        ("Шанхай".encode().decode("cp1252").encode().decode("latin-1"), "Шанхай"),
        ("Text\nâ”‚\n", "Text"),  # mojibake of a box-drawing glyph: repaired, then dropped as junk
        ("Text.\n│\n\nMore text.", "Text.\n\nMore text."),  # a line made only of box-drawing junk
    ],
)
def test_garbage_removed_or_repaired(raw: str, expected: str) -> None:
    assert clean_text(raw).text == expected


@pytest.mark.parametrize(
    "legit",
    [
        "Äpfel und Öl aus Österreich.",
        "It was 25 °C in Astana.",
        "The budget is €100 million, or £85 million.",
        "Moscow — Beijing – Delhi.",
        "«Шанхайская пятёрка» № 3.",
        "He said “yes” and ‘no’.",
        "Recep Tayyip Erdoğan, Ångström, naïve, café”.",
        "Section § 3, 10¹² joules, 5 km² of land.",
        "Prices: ¥12, ¢5, ±3%, 1½ cups.",
    ],
)
def test_legitimate_text_is_never_dropped(legit: str) -> None:
    assert clean_text(legit).text == legit


def test_crlf_and_control_characters() -> None:
    r = clean_text("First line.\r\nSecond line.\rThird\x0b line.\x00", "en")
    assert body(r) == ["First line.", "Second line.", "Third line."]  # \v is a manual line break
    assert r.removed["control_chars"] == 1


# --------------------------------------------------------------------------- folios and running heads

FOLIOS = [
    "12",
    "- 12 -",
    "— 12 —",
    "·12·",
    "第 3 页",
    "第3页 共12页",
    "Page 3",
    "3 / 12",
    "Стр. 3",
    "стр. 12",
    "08-51749 30",
    "14/26 15-29876",
    "P. 7",
]


@pytest.mark.parametrize("folio", FOLIOS)
def test_folio_lines_dropped(folio: str) -> None:
    r = clean_text(f"The first sentence ends here.\n{folio}\nThe second sentence starts here.", "en")
    assert body(r) == ["The first sentence ends here.", "The second sentence starts here."]
    assert r.removed["folios"] == 1


@pytest.mark.parametrize("line", ["1996", "2001 год", "Article 12", "12 June 2001", "12.", "3 of them"])
def test_number_lines_that_are_not_folios_kept(line: str) -> None:
    assert line in body(clean_text(f"First sentence.\n\n{line}\n\nSecond sentence.", "en"))


def test_folio_between_halves_of_a_sentence_rejoins_them() -> None:
    raw = "The heads of state met in Shanghai and agreed to\n- 4 -\n\ncreate a new regional organisation."
    assert body(clean_text(raw)) == [
        "The heads of state met in Shanghai and agreed to create a new regional organisation."
    ]


def _wrapped_article(head: str, pages: int = 4) -> str:
    """Hard-wrapped prose with `head` inside the text flow every six lines, as if at each page top."""
    lines = [f"the delegates of the member states discussed item {n} of the agenda and" for n in range(pages * 6)]
    out: list[str] = []
    for n in range(pages):
        out += lines[n * 6 : n * 6 + 3] + [head] + lines[n * 6 + 3 : n * 6 + 6]
    return "The meeting opened.\n" + "\n".join(out) + " then closed."


def test_running_head_inside_running_text_without_folios() -> None:
    r = clean_text(_wrapped_article("Central Asian Survey"), "en")
    assert "Central Asian Survey" not in r.text
    assert r.removed["running_heads"] == 4


@pytest.mark.parametrize(
    "raw",
    [
        "Mr. President,\nI thank you.\n\nMr. President,\nWe agree.\n\nMr. President,\nWe thank you.",
        "India\nPakistan\nIran\n\nText one.\n\n"
        + "Filler sentence here.\n" * 12
        + "India\nPakistan\n\nMore.\n\nPakistan\n",
        "ЗАКЛЮЧЕНИЕ\nТекст.\n\nЗАКЛЮЧЕНИЕ\nТекст.\n\nЗАКЛЮЧЕНИЕ\nТекст.",
    ],
    ids=["salutations", "list-items", "blank-separated"],
)
def test_legitimate_repeated_short_lines_kept(raw: str) -> None:
    r = clean_text(raw)
    assert r.removed["running_heads"] == 0
    assert squash(r.text) == squash(raw)


# --------------------------------------------------------------------------- footnotes


@pytest.mark.parametrize(
    "raw, expected_body, expected_notes",
    [
        ("正文第一句①。\n①注释内容。", ["正文第一句。"], ["①注释内容。"]),
        ("主要包括：①政治合作；②经济合作。", ["主要包括：①政治合作；②经济合作。"], []),  # list, not markers
        ("这是正文。\n注：本文为初稿。", ["这是正文。"], ["注：本文为初稿。"]),
        ("这是正文。\n注释：资料来自外交部网站。", ["这是正文。"], ["注释：资料来自外交部网站。"]),
        ("Body text[1] here.\n\n[1] A reference.", ["Body text here."], ["[1] A reference."]),
        ("Body text.\n____\n1 See the Charter.", ["Body text."], ["1 See the Charter."]),
        ("Body text.\n———\n* Corresponding author.", ["Body text."], ["* Corresponding author."]),
        ("Сотрудничество¹ растёт.\n¹ См. Устав ШОС.", ["Сотрудничество растёт."], ["¹ См. Устав ШОС."]),
        (
            "Text before\n①A note in the middle of a page.\nand text after.",
            ["Text before and text after."],
            ["①A note in the middle of a page."],
        ),
        (
            "The plan:\n1) first item;\n2) second item.",
            ["The plan:", "1) first item;", "2) second item."],
            [],
        ),
        ("A section.\n\n---\n\nAnother section.", ["A section.", "---", "Another section."], []),
        ("Area of 5 km² and 10¹² units.", ["Area of 5 km² and 10¹² units."], []),
    ],
)
def test_footnotes(raw: str, expected_body: list[str], expected_notes: list[str]) -> None:
    r = clean_text(raw)
    assert body(r) == expected_body
    assert notes(r) == expected_notes


# --------------------------------------------------------------------------- re-flow


@pytest.mark.parametrize(
    "raw, lang, expected",
    [
        (
            "上海合作组织成立于二〇〇一年，总部设在北\n京。",
            "zh",
            ["上海合作组织成立于二〇〇一年，总部设在北京。"],
        ),
        ("The organi-\nzation was founded in 2001.", "en", ["The organization was founded in 2001."]),
        (
            "Организация сотрудни-\nчества создана в 2001 году.",
            "ru",
            ["Организация сотрудничества создана в 2001 году."],
        ),
        ("A long-\nterm plan.", "en", ["A long-term plan."]),
        ("Secretary-\nGeneral Guterres spoke.", "en", ["Secretary-General Guterres spoke."]),
        ("A COVID-\n19 outbreak.", "en", ["A COVID-19 outbreak."]),
        ("From 1991-\n1995 it grew.", "en", ["From 1991-1995 it grew."]),
        ("Против какой-\nлибо страны.", "ru", ["Против какой-либо страны."]),
        ("First paragraph.\n\nSecond paragraph.", "en", ["First paragraph.", "Second paragraph."]),
        (
            "We met in Shanghai.\nWe agreed on a plan.\nWe will meet again.",
            "en",
            ["We met in Shanghai.", "We agreed on a plan.", "We will meet again."],
        ),
        (
            "Introduction\nThe Shanghai Cooperation Organisation is a regional organisation founded in 2001.",
            "en",
            [
                "Introduction",
                "The Shanghai Cooperation Organisation is a regional organisation founded in 2001.",
            ],
        ),
        (
            "中国和俄罗斯是上海合作组织的创始成员国，两国在\n\u3000\u3000新的段落开始了。",
            "zh",
            ["中国和俄罗斯是上海合作组织的创始成员国，两国在", "新的段落开始了。"],
        ),
        (
            "主要包括以下几个方面\n1.加强政治互信\n2.深化经济合作",
            "zh",
            ["主要包括以下几个方面", "1.加强政治互信", "2.深化经济合作"],
        ),
        ("一、总体情况\n二、主要问题", "zh", ["一、总体情况", "二、主要问题"]),
        (
            "They discussed security,\nwhich remains the priority.",
            "en",
            ["They discussed security, which remains the priority."],
        ),
        (
            "The plan was adopted by the\n\nmember states in 2002.",
            "en",
            ["The plan was adopted by the member states in 2002."],
        ),
        ("会议强调，各方应加强\n，团结协作。", "zh", ["会议强调，各方应加强，团结协作。"]),
        (
            "Mr. President, allow me to congratulate you on\nyour election.",
            "en",
            ["Mr. President, allow me to congratulate you on your election."],
        ),
    ],
)
def test_reflow(raw: str, lang: str, expected: list[str]) -> None:
    assert body(clean_text(raw, lang)) == expected


def test_reflow_wikipedia_hard_wrapped_sentences_unbroken() -> None:
    path = CORPORA / "wikipedia-en-sco" / "enwiki_shanghai_cooperation_organisation_20250812.txt"
    if not path.exists():
        pytest.skip("corpus not available")
    raw = path.read_text(encoding="utf-8")
    r = clean_text(raw)
    paras = body(r)
    assert "Developing institutional forms" in paras  # a heading stays alone
    for sentence in [
        (
            "The Shanghai Five group was created on 26 April 1996 when the heads of states of China, Kazakhstan, "
            "Kyrgyzstan, Russia and Tajikistan signed the Treaty on Deepening Military Trust in Border Regions "
            "in Shanghai."
        ),
        "The SCO Secretary-General is elected to a three-year term.",
        "Nurlan Yermekbayev of Kazakhstan became the current Secretary-General on 1 January 2025.",
    ]:
        assert any(sentence in p for p in paras), sentence
    # every wrapped prose paragraph ends like a sentence: no paragraph is a fragment of a broken one
    lowercase_starts = [p for p in paras if p[0].islower()]
    assert lowercase_starts == []
    assert r.removed["junk_lines"] == 16  # the "│" lines of the timeline diagram


# A speech set in proportional type, as a PDF's text layer gives it (constructed): how many characters fit on
# a line varies, so a line can end with room for the next word ("Independent" / "States").
PROPORTIONAL_SPEECH = """Mr. President, allow me to congratulate you on your
election. My delegation is confident that under your
guidance this session will succeed. We
thank the Secretary-General for his report on the work
of the Organization, which deserves careful study by
all delegations. The countries of Central Asia look
to the United Nations for support in the fight against
terrorism, drug trafficking and poverty. Regional bodies
such as the Commonwealth of Independent
States can help it in this work. In this spirit we
propose to hold a conference on regional security
next year in our capital, and we invite all Member
States to take part in it and to share their experience.
The Government of my country will spare no effort to
make it a success."""


def test_reflow_proportional_type_learns_its_slack_from_the_document() -> None:
    paras = body(clean_text(PROPORTIONAL_SPEECH, "en"))
    assert len(paras) == 2
    assert "the Commonwealth of Independent States can help it in this work." in paras[0]
    assert paras[1] == "The Government of my country will spare no effort to make it a success."


@pytest.mark.parametrize(
    "raw, expected",
    [
        (  # a line never ends on "of": it runs on, however short
            "We are pained by the continuing tragedy of\nPalestine. Peace cannot wait.",
            ["We are pained by the continuing tragedy of Palestine. Peace cannot wait."],
        ),
        (  # a quotation that goes on with the sentence, in lower case after the quotation mark
            "The Assembly also stressed\n“the importance of non-intervention.”",
            ["The Assembly also stressed “the importance of non-intervention.”"],
        ),
        (
            "Introduction\nThe Organisation was founded in 2001.",
            ["Introduction", "The Organisation was founded in 2001."],
        ),
    ],
    ids=["runs-on-word", "quotation", "heading-stays"],
)
def test_reflow_line_ends_that_run_on(raw: str, expected: list[str]) -> None:
    assert body(clean_text(raw, "en")) == expected


SPACED_SOURCE = (  # constructed
    "The member states of the Shanghai Cooperation Organisation met in Astana to review the work of the "
    "Regional Anti-Terrorist Structure and to agree on a programme of joint exercises for the coming years. "
    "They also discussed economic cooperation, including a proposal for a development bank that several "
    "members have supported while others preferred to work through existing institutions of their own region. "
    "The next meeting will be held in Tashkent, where the heads of state are expected to sign a declaration "
    "on connectivity, energy and food security, and to welcome the observers and dialogue partners. "
    "Until then the secretariat will prepare the documents, consult the national coordinators and report on "
    "the progress of every project that the members have agreed to carry out together."
)


def _wrap(text: str, width: int) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    return [*lines, cur]


def test_empty_lines_that_are_only_line_spacing_are_no_breaks() -> None:
    lines = _wrap(SPACED_SOURCE, 36)
    assert len(lines) >= 22
    r = clean_text("\n\n".join(lines), "en")  # double-spaced: every line followed by an empty one
    # re-flowed: a paragraph may end where a line ends a sentence (nothing else tells), never elsewhere
    assert " ".join(body(r)) == SPACED_SOURCE and all(p.endswith(".") for p in body(r))
    assert r.removed["line_spacing"] == len(lines) - 1
    r = clean_text("\n\n".join(lines[:2]) + "\n\n\n" + "\n\n".join(lines[2:]), "en")
    assert body(r)[0] == " ".join(lines[:2])  # two empty lines still break (before a capital)


def test_empty_lines_between_paragraphs_stay_breaks() -> None:
    paras = [f"Paragraph {n} of the text ends here with a full stop." for n in range(25)]
    r = clean_text("\n\n".join(paras), "en")
    assert body(r) == paras and r.removed["line_spacing"] == 0
    headlines = [f"Headline number {n} about the summit in Astana" for n in range(25)]  # lines of their own
    assert body(clean_text("\n\n".join(headlines), "en")) == headlines


@pytest.mark.parametrize(
    "raw, expected",
    [
        (
            "Text before.\n\nCountry | Member since\n---|---\nChina | 2001\nIndia | 2017\nPakistan\n\nText after.",
            [
                ("body", "Text before."),
                ("table", "Country | Member since"),
                ("table", "China | 2001"),
                ("table", "India | 2017"),
                ("table", "Pakistan"),
                ("body", "Text after."),
            ],
        ),
        (  # cells without a rule; a row continued by a line of one cell
            "Former observers\nIndia | 5 July 2005\nPakistan\nBelarus | 2015\n\nText after.",
            [
                ("body", "Former observers"),
                ("table", "India | 5 July 2005"),
                ("table", "Pakistan"),
                ("table", "Belarus | 2015"),
                ("body", "Text after."),
            ],
        ),
        (  # an image gallery: captions ending in a Markdown line break
            "Gallery of heads of state\n"
            + "".join(f"Republic {n}  \nPresident {n}  \n" for n in range(4))
            + "\nText after.",
            [("body", "Gallery of heads of state")]
            + [("table", f"{w} {n}") for n in range(4) for w in ("Republic", "President")]
            + [("body", "Text after.")],
        ),
        ("The ratio was 3 | 4 in the vote.", [("body", "The ratio was 3 | 4 in the vote.")]),
    ],
    ids=["rule", "cells", "gallery", "one-pipe"],
)
def test_tables_are_rows(raw: str, expected: list[tuple[str, str]]) -> None:
    r = clean_text(raw, "en")
    assert [(p.kind, p.text) for p in r.paragraphs] == expected


def test_reference_list_is_kept_apart_entry_by_entry() -> None:
    text = " ".join(f"Sentence {n} of the argument ends here." for n in range(6))
    raw = (
        "\n".join(_wrap(text, 60))
        + "\nReferences\n"
        + "Smith, J. (2010). A book about the Shanghai Cooperation\nOrganisation. London: Example Press.\n"
        + "Doe, A. (2012). Another book. Paris: Example Press.\n"
    )
    r = clean_text(raw, "en")
    assert body(r)[-1] == "References"
    assert [p.text for p in r.paragraphs if p.kind == "reference"] == [
        "Smith, J. (2010). A book about the Shanghai Cooperation Organisation. London: Example Press.",
        "Doe, A. (2012). Another book. Paris: Example Press.",
    ]
    assert r.removed["references"] == 2


ZH_LETTERED = (  # constructed: a page with lettered markers and notes, then a folio
    "上海合作组织是地区合作的重要平台，成员国在安全领域的合作最为深入。a这也是理解组织\n"
    "发展状态的关键。b\n"
    "a 王某：《示例论文》，《示例学刊》，2006年第11期，第12-\n"
    "17页；\n"
    "b Jane Example, “A Study”, Journal of Examples, Vol. 1, 2010, pp. 1-9.\n"
    "12"
)


def test_glued_letter_markers_and_lettered_notes() -> None:
    r = clean_text(ZH_LETTERED, "zh")
    assert body(r) == [
        "上海合作组织是地区合作的重要平台，成员国在安全领域的合作最为深入。这也是理解组织发展状态的关键。"
    ]
    assert notes(r) == [
        "a 王某：《示例论文》，《示例学刊》，2006年第11期，第12-17页；",
        "b Jane Example, “A Study”, Journal of Examples, Vol. 1, 2010, pp. 1-9.",
    ]
    assert r.markers == [Marker("a", "成员国在安全领域的合作最为深入。"[-12:]), Marker("b", "发展状态的关键。")]
    assert r.removed["footnote_markers"] == 2


def test_glued_letter_marker_that_the_line_broke_after() -> None:
    raw = ZH_LETTERED.replace(
        "合作最为深入。a这也是理解组织\n发展状态的关键。b", "合作最为深入。\na这也是理解组织发展状态的关键。b"
    )
    r = clean_text(raw, "zh")
    assert body(r) == [
        "上海合作组织是地区合作的重要平台，成员国在安全领域的合作最为深入。",
        "这也是理解组织发展状态的关键。",
    ]
    assert sorted(m.label for m in r.markers) == ["a", "b"] and len(notes(r)) == 2


@pytest.mark.parametrize(
    "raw",
    [
        "成员国在安全领域的合作最为深入。b这是关键。",  # no note keyed by "b": a letter in the text
        "We met in Astana, e.g. to talk.\na Russian proposal was discussed.",
        "It was adopted in 1998.3 The vote was close.",  # no note "3"
    ],
)
def test_glued_letters_and_digits_without_a_note_are_text(raw: str) -> None:
    r = clean_text(raw)
    assert squash(r.text) == squash(raw) and r.markers == []


def test_glued_digit_marker_with_its_note() -> None:
    raw = (
        'The Assembly called it "a new era of justice and peace."4 The delegation agreed with that.\n'
        "4 See Official Records of the General Assembly, p. 12.\n"
        "- 3 -\n"
    )
    r = clean_text(raw, "en")
    assert body(r) == ['The Assembly called it "a new era of justice and peace." The delegation agreed with that.']
    assert notes(r) == ["4 See Official Records of the General Assembly, p. 12."]
    assert [m.label for m in r.markers] == ["4"]


# --------------------------------------------------------------------------- width and punctuation


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("ＳＣＯ２０２１ａｂ", None, "SCO2021ab"),
        ("Ａ\u3000Ｂ", "en", "A B"),
        ("SCO\u3000summit", "en", "SCO summit"),
        ("上海 合作 组织", "zh", "上海合作组织"),
        ("“上海精神” 深化合作", "zh", "“上海精神”深化合作"),
        ("上海合作组织(SCO)成立于2001年,总部在北京.", "zh", "上海合作组织（SCO）成立于2001年，总部在北京."),
        ("会议(2020年)举行", "zh", "会议（2020年）举行"),
        ("时间:2021年;地点:北京", "zh", "时间：2021年；地点：北京"),
        ("什么?!", "zh", "什么？！"),
        ("12:30, 1,000 (approx.)", "zh", "12:30, 1,000 (approx.)"),
        ("上海,合作", "en", "上海,合作"),  # not Chinese text: punctuation untouched
        ("\u3000\u3000上海合作组织", "zh", "上海合作组织"),
        ("country 's  policy", "en", "country 's policy"),  # tokenised English keeps its single spaces
        ("China , Russia and India .", "en", "China , Russia and India ."),
        ("a\u00a0b\u2003c\td", "en", "a b c d"),
        ("e\u0301te\u0301", "en", "été"),
        ("line1\r\nline2\rline3", "en", "line1\nline2\nline3"),
        ("  padded  \n  lines  ", "en", "padded\nlines"),
        ("2021 年第 3 期", "zh", "2021 年第 3 期"),  # spaces between CJK and digits are left alone
    ],
)
def test_normalise_width(text: str, lang: str | None, expected: str) -> None:
    assert normalise_width(text, lang) == expected


def test_normalise_width_used_by_clean_text() -> None:
    assert (
        clean_text("上海合作组织(SCO)成立于２００１年,总部在北京。", "zh").text
        == "上海合作组织（SCO）成立于2001年，总部在北京。"
    )


# --------------------------------------------------------------------------- Traditional -> Simplified


@pytest.mark.parametrize(
    "text, expected",
    [
        ("上海合作組織成員國", "上海合作组织成员国"),
        ("中華人民共和國主席習近平", "中华人民共和国主席习近平"),
        ("Putin訪問北京。", "Putin访问北京。"),
        ("記憶體", "记忆体"),  # zhconv would give 内存 (shorter): converted character by character
        ("公升與公尺", "公升与公尺"),  # phrase rules that change length are not applied
        ("", ""),
    ],
)
def test_to_simplified(text: str, expected: str) -> None:
    out = to_simplified(text)
    assert out == expected and len(out) == len(text)


@pytest.mark.parametrize("text", ["上海合作组织成员国", "English only.", "Шанхай", "公升"])
def test_to_simplified_fast_path_returns_input_unchanged(text: str) -> None:
    assert to_simplified(text) is text


TRAD = "上海合作組織成員國中華人民共和國會議記憶體與發展經濟關係問題計程車電腦軟體網路乾燥乾隆著名"


@given(st.text(alphabet=TRAD + "，。 abc\n", max_size=60))
@settings(max_examples=200, deadline=None)
def test_to_simplified_is_length_preserving(text: str) -> None:
    out = to_simplified(text)
    assert len(out) == len(text)
    assert all(a == b for a, b in zip(text, out, strict=True) if a in "，。 abc\n")  # the rest keeps its place
    assert not set(out) & set("組織員國華會議記憶與發經濟關係問題計電腦軟網")
    assert to_simplified(out) == out


# --------------------------------------------------------------------------- properties

ALPHABET = (
    "上海合作组织成员國的，。：；！？、“”（）《》"  # Chinese
    "Шанхайсотрудничество«»—"  # Russian
    "The organisation of states,.;:!?()'\"-"  # Latin
    "0123456789ＡＢｃ１２"  # digits, full-width
    " \u3000\u00a0\t\n\n\n\r\f"  # spaces, breaks
    "\ufffd\ue000□■─│\x00\x07\x85\x9d\u200b\u00ad¬"  # junk
    "ÃÂâ€œ©¨Ð°Ñ…"  # mojibake pieces
    "①²[]*_\u0301"  # markers, combining mark
)
TEMPLATES = [
    "- 3 -",
    "第 4 页",
    "12",
    "Page 2",
    "____",
    "①注释内容。",
    "[1] A note.",
    "注：说明。",
    "* Corresponding author.",
    "Running Head",
    "Running Head",
    "Running Head",
    "1) item",
    "\f",
    "",
]
PROSE = [  # realistic wrapped lines, so that re-flow, headings and hyphenation are exercised too
    "The member states agreed to deepen their cooperation on security and",
    "trade, and they will meet again next year in a different capital city.",
    "Economic cooperation has developed more slowly than security",
    "organi-",
    "zation of the summit was praised by all delegations present.",
    "a long-",
    "term plan",
    "Introduction",
    "Mr. President,",
    "上海合作组织成立以来，安全合作始终是其最重要的合作领",
    "域。本文梳理了成员国在打击“三股势力”方面的合作进展",
    "　　新的段落从这里开始，成员国之间的安全利益诉求存在",
    "一、总体情况",
    "1.加强政治互信",
    "Шанхайская организация сотрудничества была создана в",
    "2001 году. Её учредителями стали Россия, Китай, Казах-",
    "стан.",
    "  indented line of text here",
    "text¹ continues",
    "word[2] here",
]
dirty_text = st.lists(
    st.one_of(st.text(ALPHABET, max_size=40), st.sampled_from(TEMPLATES), st.sampled_from(PROSE)), max_size=16
).map("\n".join)
langs = st.sampled_from([None, "zh", "en", "ru"])


def _allowed_chars(raw: str) -> set[str]:
    """Characters clean_text may emit for this input: its own, their width/punctuation equivalents,
    repaired mojibake, NFC compositions of any of those with the input's combining marks, and the
    separators it writes."""
    half_to_full = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
    images = set(raw) | {" ", "\n"}
    for c in set(raw):
        images |= set(normalise_width(c, "zh")) | set(normalise_width(c, "en"))
        if c in half_to_full:
            images.add(half_to_full[c])
    once = _mojibake_images(raw)
    images |= once | _mojibake_images(raw + "".join(once))  # double-encoded text is repaired twice
    images |= _ftfy_images(raw)
    marks = {c for c in raw if unicodedata.combining(c)}
    composed = {ch for w in images for m in marks for ch in unicodedata.normalize("NFC", w + m)}
    return images | composed | set(unicodedata.normalize("NFC", raw))


def _ftfy_images(raw: str) -> set[str]:
    """What ftfy's encoding repair makes of a line, or of two lines the re-flow may join: it also knows
    MacRoman and cp1251, whose images the cp1252 model below does not cover."""
    import ftfy

    lines = [line.strip() for line in re.split(r"[\r\n\f\v]+", raw) if line.strip()][:16]
    pieces = lines + [f"{a}{sep}{b}" for a in lines for b in lines for sep in ("", " ")]
    return {c for piece in pieces for c in ftfy.fix_encoding(piece)}


def _mojibake_images(raw: str) -> set[str]:
    """Every character that UTF-8 bytes spelled by the input's cp1252/latin-1 characters could decode to."""

    def byte(c: str) -> int | None:
        try:
            return c.encode("cp1252")[0]
        except UnicodeEncodeError:
            return ord(c) if ord(c) < 256 else None

    table = {c: b for c in set(raw) if (b := byte(c)) is not None and b >= 0x80}
    conts = [b for b in table.values() if b < 0xC0]
    out: set[str] = set()
    for lead in (b for b in table.values() if 0xC2 <= b <= 0xF4):
        need = 1 if lead < 0xE0 else 2 if lead < 0xF0 else 3
        for tail in itertools.product(conts, repeat=need):
            with contextlib.suppress(UnicodeDecodeError):
                out |= set(bytes([lead, *tail]).decode("utf-8"))
    # a lead byte before a space: the space was a no-break space, byte 0xA0 ("Ã " is "à"; ftfy knows it)
    out |= {bytes([lead, 0xA0]).decode("utf-8") for lead in table.values() if 0xC2 <= lead <= 0xDF}
    # a C1 control (in the input, or decoded that way) stood for a cp1252 character ("Â\x85" is "…")
    c1 = {c for c in out | set(raw) if "\x80" <= c <= "\x9f"}
    return out | {bytes([ord(c)]).decode("cp1252", errors="ignore") for c in c1} - {""}


@given(dirty_text, langs)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_clean_text_never_raises_and_is_well_formed(raw: str, lang: str | None) -> None:
    r = clean_text(raw, lang)
    assert all(
        p.kind in TEXT_KINDS + NOTE_KINDS and p.text and p.text == p.text.strip() and "\n" not in p.text
        for p in r.paragraphs
    )
    kinds = [p.kind in NOTE_KINDS for p in r.paragraphs]
    assert kinds == sorted(kinds)  # the text first, then the notes
    assert all(isinstance(v, int) and v >= 0 for v in r.removed.values())
    assert r.removed["footnote_markers"] == len(r.markers)


# A note recognised only by where it stood ("1) ..." or "1 ..." at a page foot or under a "____" rule)
# cannot be recognised again in the output, which has no pages and no rules: that is the one rule that
# is not idempotent, so such inputs are left out of the property (the fixtures test them).
POSITION_ONLY_NOTE = re.compile(r"\(?\d{1,3}[)）.\s]")


@given(dirty_text, langs)
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_clean_text_is_idempotent(raw: str, lang: str | None) -> None:
    first = clean_text(raw, lang)
    assume(not any(p.kind == "footnote" and POSITION_ONLY_NOTE.match(p.text) for p in first.paragraphs))
    once = first.text
    assert clean_text(once, lang).text == once


@given(dirty_text, langs)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_clean_text_introduces_no_new_characters(raw: str, lang: str | None) -> None:
    extra = set(clean_text(raw, lang).text) - _allowed_chars(raw)
    assert not extra


@given(st.text(ALPHABET, max_size=80), langs)
@settings(max_examples=300, deadline=None)
def test_normalise_width_is_idempotent_and_keeps_lines(text: str, lang: str | None) -> None:
    once = normalise_width(text, lang)
    assert normalise_width(once, lang) == once
    assert once.count("\n") == text.replace("\r\n", "\n").count("\n") + text.replace("\r\n", "").count("\r")


# --------------------------------------------------------------------------- the real corpus

FOLDER_LANG = {"xwlb-sco": "zh", "xwlb-sco-2012-2022": "zh", "xi-speeches-2020": "zh", "1tv-news-sco-ru": "ru"}
MOJIBAKE_SIGNATURE = re.compile("[ÂÃÐÑâ][\u0080-\u00bf\u0152-\u02dc\u2013-\u2122]")


def corpus_files() -> list[Path]:
    return sorted(CORPORA.glob("*/*.txt")) if CORPORA.is_dir() else []


@pytest.mark.slow
@pytest.mark.skipif(not corpus_files(), reason="corpus folder missing")
def test_real_corpus_loses_no_real_line() -> None:
    """Every line of >= 20 characters that is not page furniture or mojibake appears in the output,
    modulo re-flow whitespace, hyphenation at line ends and width normalisation."""
    lost: list[str] = []
    for path in corpus_files():
        raw = path.read_text(encoding="utf-8")
        lang = FOLDER_LANG.get(path.parent.name, "en")
        result = clean_text(raw)
        assert result.text == clean_text(raw, lang).text, f"{path.name}: language inference differs"
        out = squash(result.text)
        lines = [line.strip() for line in raw.split("\n")]
        repeats = Counter(re.sub(r"\d+", "#", " ".join(sorted(line.split()))) for line in lines if len(line) < 60)
        for line in lines:
            if len(line) < 20 or MOJIBAKE_SIGNATURE.search(line):
                continue
            if len(line) < 60 and repeats[re.sub(r"\d+", "#", " ".join(sorted(line.split())))] >= 3:
                continue  # running head by the spec's definition
            if squash(normalise_width(line, lang)) not in out:
                lost.append(f"{path.name}: {line[:80]}")
    assert not lost, lost[:20]


@pytest.mark.skipif(not corpus_files(), reason="corpus folder missing")
def test_real_corpus_page_furniture_and_mojibake() -> None:
    kgz = CORPORA / "ungdc-sco-states" / "ungdc_KGZ_70_2015.txt"
    irn = CORPORA / "ungdc-sco-states" / "ungdc_IRN_53_1998.txt"
    if not (kgz.exists() and irn.exists()):
        pytest.skip("files not available")
    r = clean_text(kgz.read_text(encoding="utf-8"))
    assert r.removed["running_heads"] == 5 and r.removed["folios"] == 5 and r.removed["page_breaks"] == 5
    assert "A/70/PV.24" not in r.text and "13/26" not in r.text
    assert any(
        p.endswith(
            "almost all the countries on the planet and to which any State can turn if it feels that "
            "its rights have been violated or its security challenged."
        )
        for p in body(r)
    )
    r = clean_text(irn.read_text(encoding="utf-8"))
    assert "The word “history” predates “philosophy”" in r.text and "â€" not in r.text
