"""A document's date and where it came from: given with it (manifest row, `--date`), the file's own metadata, a
dateline at the start of its text, or its file name — tried in that order, strictly.

A wrong date is worse than none: an undated document still counts in the all-years figures, a misdated one
silently moves to another year. So each source takes only what is plainly a date of the document:

- **metadata**: publication dates only — HTML `<meta>` (article:published_time, DC.date, pubdate, …), JSON-LD
  `datePublished`, `<time pubdate>` or the article's first `<time datetime>`; a PDF's XMP
  `prism:publicationDate`/`prism:coverDate`. Not a PDF's /CreationDate or /ModDate: they say when the file was
  made — a publisher's database that renders PDFs on demand stamps the download, a print-to-PDF the printing,
  a scan the scanning — not when the text appeared. A DOCX's core `created` is when its author began the file
  (or copied an older one): weaker than a dateline or a file name, so it is taken only after both
  (`date_source` still `metadata`), and never the fixed stamp of python-docx's template.
- **text**: a dateline — a full date (day, month, year) in the first lines of the text (`HEAD_LINES` lines,
  `HEAD_CHARS` characters) that stands as a dateline: alone on its line or nearly (a weekday, a time, a
  source), in brackets (`（2020年11月10日，北京）`), after a label (发布时间：, Published, Опубликовано) or
  before a dash, a slash or a wire credit (`QINGDAO, June 10, 2018 (Reuters) —`). Forms: 2018年6月10日,
  二〇一八年六月十日, 10 June 2018, June 10, 2018, 10 июня 2018 г., 2018-06-10, 10.06.2018. A date that opens a
  sentence (`2022年4月21日，习近平主席…提出…`, "On 10 June 2018, the leaders …") is the date of what the
  sentence reports — a news item recalls an event of years before — and a date further in is about
  something else; a month and year alone are no dateline.
- **filename**: YYYYMMDD or YYYY-MM-DD (also `_` or `.`) as a run of its own (not inside a longer number),
  else YYYY-MM, else a lone year.

dateparser reads the month names (English and Russian, every inflection and abbreviation: "Sept.",
"июня", "дек."), restricted to en and ru and to full dates (`STRICT_PARSING`); it is never asked to find dates
in free text (its `search_dates` takes ordinary words for dates). Numeric forms are read here instead: their
order is fixed by the pattern (year first, or day first with dots), which dateparser would guess from a
locale; Chinese-numeral dates (二〇一八年) dateparser does not read at all.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date as _date
from datetime import datetime, timedelta
from pathlib import Path

DATE_SOURCES = ("manifest", "cli", "metadata", "text", "filename")
MIN_YEAR = 1900  # the bundled UN speeches start in 1946; nothing scotrack reads is older
HEAD_LINES = 5  # a dateline is in the first non-empty lines …
HEAD_CHARS = 300  # … and the first characters of the text

# -- one date value -----------------------------------------------------------------------------------------


def _checked(year: int, month: int | None = None, day: int | None = None, today: _date | None = None) -> str | None:
    """YYYY[-MM[-DD]] when this is a real date not before MIN_YEAR and not after today (a day's grace for
    time zones); else None."""
    try:
        first = _date(year, month or 1, day or 1)
    except ValueError:
        return None
    if year < MIN_YEAR or first > (today or _date.today()) + timedelta(days=1):
        return None
    if day is not None:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return f"{year:04d}-{month:02d}" if month is not None else f"{year:04d}"


_VALUE_FULL = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_VALUE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?!\d)")
_VALUE_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})$")
_VALUE_YEAR = re.compile(r"(\d{4})$")
_PARSE_SETTINGS = {"STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DATES_FROM": "past"}


def metadata_value(value: str | None, today: _date | None = None) -> str | None:
    """A date as metadata writes it — ISO 8601 with or without time and zone (the date as written: the
    publisher's local day), 20180610, 2018/06/10, 2018-06, 2018, or an RFC 822 date — as YYYY[-MM[-DD]]."""
    if not value:
        return None
    value = unicodedata.normalize("NFKC", str(value)).strip()
    for pattern in (_VALUE_FULL, _VALUE_COMPACT):
        m = pattern.match(value)
        if m:
            return _checked(int(m[1]), int(m[2]), int(m[3]), today)
    m = _VALUE_MONTH.match(value)
    if m:
        return _checked(int(m[1]), int(m[2]), None, today)
    m = _VALUE_YEAR.match(value)
    if m:
        return _checked(int(m[1]), None, None, today)
    parsed = _parse_words(value[:60])
    return _checked(parsed.year, parsed.month, parsed.day, today) if parsed else None


def _parse_words(text: str) -> datetime | None:
    """A date with a month name (en, ru), e.g. "Sun, 10 Jun 2018 08:00:00 GMT", "10 июня 2018 г."."""
    import dateparser

    try:
        return dateparser.parse(text, languages=["en", "ru"], settings=_PARSE_SETTINGS)
    except (ValueError, OverflowError, TypeError):
        return None


# -- the file's own metadata --------------------------------------------------------------------------------

# <meta> names and properties that hold the publication date, most specific first (lowercase).
HTML_META = ("article:published_time", "og:published_time", "datepublished", "citation_publication_date",
             "citation_date", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "dc.date.created",
             "pubdate", "publishdate", "publish_date", "publish-date", "publication_date", "firstpublishedtime",
             "originalpublicationdate", "article.published", "parsely-pub-date", "sailthru.date", "date")


def html_date(soup, today: _date | None = None) -> str | None:
    """The publication date a page declares: <meta>, JSON-LD datePublished, <time pubdate> or the article's
    first <time datetime> (`soup`: the page parsed by BeautifulSoup)."""
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        content = tag.get("content")
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (tag.get(attr) or "").strip().lower()
            if key in HTML_META and content and key not in found:
                found[key] = content
    for key in HTML_META:
        if key in found and (value := metadata_value(found[key], today)):
            return value
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        value = metadata_value(_json_ld_published(script.string or ""), today)
        if value:
            return value
    marked = soup.find("time", attrs={"pubdate": True}) or soup.find("time", attrs={"itemprop": "datePublished"})
    if marked is None:
        # the article's own first <time>, not a sidebar's list of other stories; a page without an
        # <article> or <main> only when it has a single <time>
        root = soup.find("article") or soup.find("main")
        times = (root or soup).find_all("time", attrs={"datetime": True})
        marked = times[0] if times and (root is not None or len(times) == 1) else None
    if marked is not None:
        return metadata_value(marked.get("datetime") or marked.get_text(" ", strip=True), today)
    return None


def _json_ld_published(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    todo = [data]
    while todo:
        node = todo.pop(0)
        if isinstance(node, dict):
            if isinstance(node.get("datePublished"), str):
                return node["datePublished"]
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return None


_PRISM = re.compile(r"prism:(publicationDate|coverDate)\s*(?:=\s*[\"']([^\"']+)[\"']|>\s*([^<]+?)\s*<)")


def pdf_date(reader, today: _date | None = None) -> str | None:
    """A PDF's publication date from its XMP metadata (prism:publicationDate, else prism:coverDate) —
    never /CreationDate or /ModDate (see the module's docstring). `reader`: a pypdf PdfReader."""
    try:
        xmp = reader.xmp_metadata
        data = xmp.stream.get_data().decode("utf-8", "replace") if xmp is not None else ""
    except Exception:  # damaged metadata never rejects a readable PDF
        return None
    values = {m[1]: m[2] or m[3] for m in _PRISM.finditer(data)}
    for key in ("publicationDate", "coverDate"):
        if key in values and (value := metadata_value(values[key], today)):
            return value
    return None


# python-docx's default template carries this creation stamp: a DOCX written by a script from that template
# says nothing about when its text was written.
_DOCX_TEMPLATE_CREATED = datetime(2013, 12, 23, 23, 15)


def docx_created(core_properties, today: _date | None = None) -> str | None:
    """A DOCX's core `created` date (the file's, taken last: see the module's docstring)."""
    created = getattr(core_properties, "created", None)
    if not isinstance(created, datetime) or created.replace(tzinfo=None) == _DOCX_TEMPLATE_CREATED:
        return None
    return _checked(created.year, created.month, created.day, today)


# -- a dateline at the start of the text ----------------------------------------------------------------------

_ZH_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_NUM = "〇零○一二三四五六七八九十"
_MONTH_WORD = r"[^\W\d_]{3,10}\.?"
_DATELINES = (
    ("zh", re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")),
    ("zh_num", re.compile(rf"([{_ZH_NUM}]{{4}})\s*年\s*([{_ZH_NUM}]{{1,2}})\s*月\s*([{_ZH_NUM}]{{1,3}})\s*[日号]")),
    ("ymd", re.compile(r"(?<![\d.])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d.]\d|\d)")),
    ("dmy", re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.]\d|\d)")),
    ("words", re.compile(rf"(?<![\w.])\d{{1,2}}\s+{_MONTH_WORD}\s*,?\s+\d{{4}}(?!\d)")),
    ("words", re.compile(rf"(?<!\w){_MONTH_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}(?!\d)")),
)


def head(text: str) -> str:
    """The start of a text where a dateline can be: the first HEAD_LINES non-empty lines, at most HEAD_CHARS
    characters, width-normalised (full-width digits become ASCII)."""
    lines: list[str] = []
    for line in text[:HEAD_CHARS * 4].splitlines():
        if line.strip():
            lines.append(line.strip())
            if len(lines) == HEAD_LINES:
                break
    return unicodedata.normalize("NFKC", "\n".join(lines)[:HEAD_CHARS])


_LABEL = re.compile(r"(?:发布时间|发布日期|发稿时间|日期|时间"
                    r"|(?<![^\W\d_])(?:published|posted|date|dated|опубликовано|дата))\s*:?\s*$", re.I)
# what may follow a dateline's date on its line: "г."/"года", an ISO time, a weekday, a time of day
_AFTER = re.compile(r"\s*(?:г\.|года|г(?!\w))?(?:T[\d:.+\-Z]+)?\s*(?:\(?(?:星期|周|礼拜)[一二三四五六日天]\)?)?"
                    r"\s*(?:,?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?)?\s*")
_SENTENCE = re.compile(r"[.,;!?。！？、]")


def dateline(text: str, today: _date | None = None) -> str | None:
    """The first full date in the head of `text` (see `head`) that stands as a dateline (see `_stands`),
    as YYYY-MM-DD; None when there is none."""
    start = head(text)
    found = sorted(((m.start(), kind, m) for kind, pattern in _DATELINES for m in pattern.finditer(start)),
                   key=lambda f: f[0])
    for _, kind, m in found:
        line_start = start.rfind("\n", 0, m.start()) + 1
        line_end = start.find("\n", m.end())
        before, after = start[line_start:m.start()], start[m.end():line_end if line_end >= 0 else len(start)]
        if _stands(before, after) and (value := _dateline_value(kind, m, today)):
            return value
    return None


def _stands(before: str, after: str) -> bool:
    """Whether a date with `before` and `after` it on its line is a dateline, not a date in a sentence: in
    brackets or after a label; else it starts its line or follows a separator ("QINGDAO, ", "By X | ") — not
    a word, as in "that took place on 11 September 2001 in the" (a hard-wrapped sentence) — and ends its
    line, or comes before a separator or a wire credit, or before a few words without punctuation
    ("2018年6月10日 星期日 来源：人民网")."""
    before = before.rstrip()
    if before.endswith(("(", "[", "【")) or _LABEL.search(before):
        return True
    if before and before[-1] not in ",|—–-:·/":
        return False
    rest = after[_AFTER.match(after).end():]
    if not rest or rest[0] in ")]】—–-/|:(":
        return True
    return len(before) + len(rest) <= 24 and not _SENTENCE.search(rest)


def _dateline_value(kind: str, m: re.Match, today: _date | None) -> str | None:
    if kind == "zh":
        return _checked(int(m[1]), int(m[2]), int(m[3]), today)
    if kind == "ymd":
        return _checked(int(m[1]), int(m[3]), int(m[4]), today)
    if kind == "dmy":
        return _checked(int(m[3]), int(m[2]), int(m[1]), today)
    if kind == "zh_num":
        if not all(c in _ZH_DIGITS for c in m[1]):
            return None  # 十 in a year
        year = int("".join(str(_ZH_DIGITS[c]) for c in m[1]))
        month, day = _zh_small(m[2]), _zh_small(m[3])
        return _checked(year, month, day, today) if month and day else None
    parsed = _parse_words(m[0])
    return _checked(parsed.year, parsed.month, parsed.day, today) if parsed else None


def _zh_small(s: str) -> int | None:
    """1–31 written in Chinese numerals (六, 十, 十二, 二十三, 三十一); None otherwise."""
    if "十" not in s:
        return _ZH_DIGITS.get(s) if len(s) == 1 else None
    tens, _, units = s.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return None
    t = _ZH_DIGITS.get(tens, -1) if tens else 1
    u = _ZH_DIGITS.get(units, -1) if units else 0
    return t * 10 + u if t > 0 and u >= 0 else None


# -- the file name -----------------------------------------------------------------------------------------

_NAME_FULL = (re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"),
              re.compile(r"(?<!\d)(\d{4})[-_.](\d{1,2})[-_.](\d{1,2})(?!\d)"))
_NAME_MONTH = re.compile(r"(?<!\d)(\d{4})[-_.](\d{2})(?![\d])")
_NAME_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def filename_date(name: str, today: _date | None = None) -> str | None:
    """A date in a file name (`xwlb_20250901_03.txt`, `summit-2018-06-10.html`): YYYYMMDD or YYYY-MM-DD as a run
    of digits of its own, else YYYY-MM, else a lone year; None when there is none or the digits are no date
    (`20250901123` is not one)."""
    stem = Path(name).stem
    for pattern in _NAME_FULL:
        for m in pattern.finditer(stem):
            if value := _checked(int(m[1]), int(m[2]), int(m[3]), today):
                return value
    for m in _NAME_MONTH.finditer(stem):
        if value := _checked(int(m[1]), int(m[2]), None, today):
            return value
    years = {v for m in _NAME_YEAR.finditer(stem) if (v := _checked(int(m[1]), None, None, today))}
    return years.pop() if len(years) == 1 else None


# -- all together ------------------------------------------------------------------------------------------

def resolve(given: str | None, given_source: str | None, published: str | None, text: str, name: str,
            created: str | None = None, today: _date | None = None) -> tuple[str | None, str | None]:
    """(date, date_source): the date given with the document (its source as recorded, else `cli`), else the
    file's publication metadata, else a dateline, else the file name, else the file's creation date
    (DOCX); (None, None) when none gives one."""
    if given:
        return given, given_source or "cli"
    for value, source in ((published, "metadata"), (lambda: dateline(text, today), "text"),
                          (lambda: filename_date(name, today), "filename"), (created, "metadata")):
        value = value() if callable(value) else value
        if value:
            return value, source
    return None, None
