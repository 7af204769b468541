"""Turn raw bytes into text: recognise the format, refuse binaries, detect the encoding."""

from __future__ import annotations

import codecs
import re

from pipeline.errors import RejectedInput

# Magic numbers of formats that are never text, with a name for the reason line.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x00\x00\x01\x00", "an icon image"),
    (b"\x1f\x8b", "gzip data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "an executable"),
    (b"\xd0\xcf\x11\xe0", "an old Office (OLE) file"),
    (b"ID3", "an MP3 file"),
    (b"OggS", "an Ogg file"),
    (b"\x00\x00\x00\x18ftyp", "an MP4 file"),
    (b"\x00\x00\x00\x20ftyp", "an MP4 file"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Encodings considered when the bytes are not UTF-8 and carry no byte-order mark.
_CANDIDATES = ("gb18030", "big5", "cp1251", "koi8_r", "cp1252", "utf_16_le", "utf_16_be")

_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


def sniff_format(data: bytes, suffix: str) -> str:
    """Return 'pdf', 'docx', 'html' or 'txt' from the content, falling back on the file suffix.

    Raises RejectedInput for binaries and images, whatever their name says.
    """
    head = data[:64]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or suffix == ".docx":
            return "docx"
        raise RejectedInput("a ZIP archive, not a document")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        raise RejectedInput(f"a WEBP image under a {suffix or 'text'} name")
    for magic, what in _MAGIC:
        if head.startswith(magic):
            if suffix in (".pdf", ".docx") or what.endswith("image"):
                raise RejectedInput(f"{what} under a {suffix or 'text'} name")
            raise RejectedInput(f"binary data ({what}), not text")
    if suffix in (".pdf", ".docx"):
        raise RejectedInput(f"not a valid {suffix[1:].upper()} file (wrong signature)")
    if suffix in (".html", ".htm", ".xhtml") or _HTML_START.match(data[:4096]):
        return "html"
    return "txt"


def _looks_utf16(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0) / (len(sample) / 2)
    odd = sample[1::2].count(0) / (len(sample) / 2)
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _plausibility(text: str) -> float:
    """Share of characters that belong to the scripts scotrack reads (higher is better)."""
    if not text:
        return 0.0
    good = 0
    for ch in text:
        o = ord(ch)
        if (
            o < 0x80
            or 0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
            or 0x3000 <= o <= 0x303F  # CJK punctuation
            or 0xFF00 <= o <= 0xFFEF  # full-width forms
            or 0x0410 <= o <= 0x044F  # basic Cyrillic letters
            or ch in "ёЁ«»—–“”‘’…№°·"
        ):
            good += 1
    return good / len(text)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _is_controlly(text: str) -> bool:
    sample = text[:20000]
    return len(_CONTROL.findall(sample)) > max(3, len(sample) * 0.01)


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode `data` to text; returns (text, encoding). Raises RejectedInput when impossible."""
    if not data:
        raise RejectedInput("empty file (0 bytes)")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc), enc + ("-sig" if enc == "utf-8" else "")
            except UnicodeDecodeError as exc:
                raise RejectedInput(f"undecodable: starts with a {enc} byte-order mark but {exc.reason}") from None
    utf16 = _looks_utf16(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if "\x00" not in text and not _is_controlly(text):
            return text, "utf-8"
    if declared:
        try:
            text = data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            if _plausibility(text) >= 0.85 and not _is_controlly(text):
                return text, codecs.lookup(declared).name
    # charset_normalizer weighs byte statistics and coherence; we restrict it to the
    # encodings our three languages arrive in, then check the result ourselves.
    from charset_normalizer import from_bytes

    match = from_bytes(data, cp_isolation=list(_CANDIDATES)).best()
    if match is not None:
        text = str(match)
        if _plausibility(text) >= 0.85 and not _is_controlly(text):
            return text, match.encoding
    if b"\x00" in data[:8192]:
        raise RejectedInput("binary data (NUL bytes), not text")
    if _is_controlly(data[:20000].decode("latin-1")):
        raise RejectedInput("binary data (control characters), not text")
    raise RejectedInput("undecodable: not UTF-8/16, GB18030, Big5, cp1251, KOI8-R or cp1252 text")


def html_declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii").lower() if m else None
