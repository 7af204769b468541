"""Get the text out of a file's bytes — plain text, the article of an HTML page, a PDF, a DOCX — with the dates
the file itself declares."""

from __future__ import annotations

import io
import logging
import re
from typing import NamedTuple

from pipeline.errors import RejectedInput
from pipeline.ingest import dates
from pipeline.ingest.decode import decode_bytes, html_declared_charset

_BOILERPLATE_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form",
                     "iframe", "svg", "button", "select", "template")
_BOILERPLATE_HINT = re.compile(r"(^|[-_ ])(nav|menu|footer|header|sidebar|breadcrumb|cookie|share|social|"
                               r"related|comment|advert|ads|banner|copyright|subscribe)([-_ ]|$)", re.I)
_BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "div",
               "section", "article", "br", "tr", "dd", "dt", "figcaption")


class Extracted(NamedTuple):
    """What a file gives: its text, and what it says about itself (see `dates` for which dates count)."""

    text: str
    title: str | None = None
    encoding: str | None = None
    published: str | None = None  # publication date from the file's metadata (HTML, PDF XMP), YYYY[-MM[-DD]]
    created: str | None = None  # the file's creation date (DOCX core properties): weaker, taken last


def extract_text(data: bytes, fmt: str) -> Extracted:
    """The text, title, encoding and declared dates of `data`, already known to be `fmt`."""
    if fmt == "pdf":
        text, published = _pdf_text(data)
        return Extracted(text, published=published)
    if fmt == "docx":
        text, created = _docx_text(data)
        return Extracted(text, created=created)
    if fmt == "html":
        text, enc = decode_bytes(data, declared=html_declared_charset(data))
        body, title, published = html_article(text)
        return Extracted(body, title, enc, published)
    text, enc = decode_bytes(data)
    return Extracted(text, encoding=enc)


def html_article(html: str) -> tuple[str, str | None, str | None]:
    """The article text of a page (no scripts, styles, navigation, footers), its title and its publication
    date."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title = None
    og = soup.find("meta", attrs={"property": "og:title"})
    if og and og.get("content"):
        title = og["content"].strip()
    elif soup.title and soup.title.string:
        title = soup.title.string.strip()
    text = _trafilatura_text(html)
    if not text or len(text) < 0.3 * len(_soup_text(soup, prune=True)):
        # trafilatura is tuned for long news pages; short or unusual pages fall back to
        # our own pruning of the boilerplate elements.
        text = _soup_text(soup, prune=True)
    if not text.strip():
        raise RejectedInput("HTML page with no article text")
    return text, title, dates.html_date(soup)


def _trafilatura_text(html: str) -> str:
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    try:
        out = trafilatura.extract(html, include_comments=False, include_tables=True, favor_precision=True,
                                  deduplicate=False, with_metadata=False)
    except Exception:  # trafilatura raises assorted parser errors on odd pages
        return ""
    return out or ""


def _soup_text(soup, prune: bool) -> str:
    import copy

    soup = copy.copy(soup)
    for tag in soup.find_all(_BOILERPLATE_TAGS):
        tag.decompose()
    if prune:
        for tag in soup.find_all(True):
            if tag.decomposed or tag.attrs is None:
                continue
            hint = " ".join(tag.get("class", []) or []) + " " + (tag.get("id") or "") + " " + (tag.get("role") or "")
            if _BOILERPLATE_HINT.search(hint) and tag.name not in ("body", "html", "article", "main"):
                tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    for br in root.find_all("br"):
        br.replace_with("\n")
    parts: list[str] = []
    for el in root.find_all(_BLOCK_TAGS):
        if el.find(_BLOCK_TAGS):
            continue  # only leaf blocks, so no text is emitted twice
        t = " ".join(el.get_text(" ").split())
        if t:
            parts.append(t)
    if not parts:
        parts = [" ".join(root.get_text(" ").split())]
    return "\n\n".join(parts)


def _pdf_text(data: bytes) -> tuple[str, str | None]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise RejectedInput("encrypted PDF (a password is required to read it)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except RejectedInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise RejectedInput(f"broken PDF ({type(exc).__name__}: {str(exc)[:80]})") from None
    except Exception as exc:  # pypdf can fail in many ways on damaged files
        raise RejectedInput(f"broken PDF ({type(exc).__name__})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise RejectedInput("PDF with no extractable text (a scanned image?)")
    return text, dates.pdf_date(reader)


# A DOCX is a zip archive: before python-docx reads it, its members are inflated once in bounded chunks, so
# an archive that expands far beyond its size (a "zip bomb") is rejected without being held in memory. The
# sizes an archive declares are not trusted; the bytes actually inflated are counted.
MAX_INFLATED_BYTES = 200 * 1024 * 1024
MAX_INFLATION_RATIO = 200  # with more than 20 MB inflated
_CHUNK = 1024 * 1024


def check_archive(data: bytes, what: str = "DOCX") -> None:
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise RejectedInput(f"broken {what} (not a readable zip archive: {str(exc)[:60]})") from None
    total = 0
    try:
        for info in members:
            with archive.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    total += len(chunk)
                    if total > MAX_INFLATED_BYTES:
                        raise RejectedInput(f"{what} archive expands to more than {MAX_INFLATED_BYTES // 2**20} MB "
                                            f"(from {len(data) / 2**20:.1f} MB): not read")
    except RejectedInput:
        raise
    except Exception as exc:  # zipfile raises assorted errors on damaged members
        raise RejectedInput(f"broken {what} ({type(exc).__name__})") from None
    if total > 20 * 2**20 and total > MAX_INFLATION_RATIO * max(len(data), 1):
        raise RejectedInput(f"{what} archive expands {total / max(len(data), 1):.0f} times (limit "
                            f"{MAX_INFLATION_RATIO}): not read")


def _docx_text(data: bytes) -> tuple[str, str | None]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_archive(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise RejectedInput(f"broken DOCX ({type(exc).__name__})") from None
    except Exception as exc:
        raise RejectedInput(f"broken DOCX ({type(exc).__name__})") from None
    text = "\n\n".join(p.text for p in document.paragraphs if p.text.strip())
    if not text.strip():
        raise RejectedInput("DOCX with no text")
    try:
        created = dates.docx_created(document.core_properties)
    except Exception:  # a damaged core.xml never rejects a readable DOCX
        created = None
    return text, created
