"""Fetching new documents over HTTP: single URLs and RSS/Atom feeds.

Careful with other people's servers and with our store: timeouts, a size limit read before the body is
accepted, content-type checks, conditional requests (ETag / Last-Modified, so an unchanged page costs a
304), retries with exponential backoff on 5xx, 429 and network errors only, and every fetched body kept
byte for byte with its URL and fetch time (the ingest stores the bytes; `fetches` in the store remembers
the validators). Every failure is a one-line reason, never an exception out of `fetch`.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

DOCUMENT_TYPES = {"text/html", "application/xhtml+xml", "text/plain", "text/markdown", "application/pdf",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/xml", "text/xml"}
EXTENSIONS = {"text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt", "text/markdown": ".md",
              "application/pdf": ".pdf",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx"}


@dataclass
class FetchPolicy:
    timeout: float = 20.0  # seconds per attempt (connect and each read)
    max_bytes: int = 50 * 1024 * 1024
    retries: int = 3  # further attempts after the first, on 5xx / 429 / network errors
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    user_agent: str = "scotrack (research text-mining; +https://example.invalid/scotrack)"


@dataclass
class Fetched:
    url: str
    status: str  # "fetched", "not-modified" or "failed"
    reason: str = ""
    body: bytes | None = None
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    attempts: int = 0

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.content_type, ".bin")


class _NoRedirectLoop(urllib.request.HTTPRedirectHandler):
    max_redirections = 5


def fetch(url: str, policy: FetchPolicy | None = None, etag: str | None = None, last_modified: str | None = None,
          accept: set[str] = DOCUMENT_TYPES, sleep=time.sleep) -> Fetched:
    """GET `url` once the way the module doc says; never raises for network or HTTP trouble."""
    policy = policy or FetchPolicy()
    if not url.lower().startswith(("http://", "https://")):
        return Fetched(url, "failed", "not an http(s) URL")
    headers = {"User-Agent": policy.user_agent, "Accept": ", ".join(sorted(accept)) + ", */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    opener = urllib.request.build_opener(_NoRedirectLoop())
    reason = ""
    for attempt in range(policy.retries + 1):
        if attempt:
            sleep(policy.backoff * 2 ** (attempt - 1))
        try:
            with opener.open(urllib.request.Request(url, headers=headers), timeout=policy.timeout) as resp:
                return _read(url, resp, policy, accept, attempt + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return Fetched(url, "not-modified", "not modified since the last fetch", etag=etag,
                               last_modified=last_modified, attempts=attempt + 1)
            reason = f"HTTP {exc.code} {exc.reason}"
            if exc.code != 429 and exc.code < 500:
                return Fetched(url, "failed", reason, attempts=attempt + 1)
        except TimeoutError:  # socket.timeout is TimeoutError
            reason = f"timed out after {policy.timeout:g} s"
        except urllib.error.URLError as exc:
            inner = exc.reason
            reason = (f"timed out after {policy.timeout:g} s" if isinstance(inner, TimeoutError)
                      else f"cannot connect: {inner}")
        except (ConnectionError, OSError) as exc:
            reason = f"connection failed: {exc}"
    n = policy.retries + 1
    return Fetched(url, "failed", f"{reason} ({n} attempt{'s' if n > 1 else ''})", attempts=n)


def _read(url: str, resp, policy: FetchPolicy, accept: set[str], attempts: int) -> Fetched:
    ctype = (resp.headers.get_content_type() or "").lower()
    if ctype not in accept:
        return Fetched(url, "failed", f"unexpected content type {ctype or 'none'} (expected "
                       f"{', '.join(sorted(accept))})", content_type=ctype, attempts=attempts)
    length = resp.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > policy.max_bytes:
        return Fetched(url, "failed", f"too large: {int(length):,} bytes (limit {policy.max_bytes:,})",
                       content_type=ctype, attempts=attempts)
    body = resp.read(policy.max_bytes + 1)
    if len(body) > policy.max_bytes:
        return Fetched(url, "failed", f"too large: more than {policy.max_bytes:,} bytes", content_type=ctype,
                       attempts=attempts)
    return Fetched(url, "fetched", body=body, content_type=ctype, etag=resp.headers.get("ETag"),
                   last_modified=resp.headers.get("Last-Modified"), attempts=attempts)


@dataclass
class FeedEntry:
    link: str
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD when the feed gives one


_ATOM = "{http://www.w3.org/2005/Atom}"


def parse_feed(body: bytes, base_url: str = "") -> list[FeedEntry]:
    """Entries of an RSS 2.0 or Atom feed (link, title, date); ValueError with a reason if it is neither."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValueError(f"not a well-formed feed: {exc}") from None
    out = []
    if root.tag == "rss" or root.find("channel") is not None:
        for item in root.iter("item"):
            link = (item.findtext("link") or "").strip()
            if link:
                out.append(FeedEntry(urllib.parse.urljoin(base_url, link), _text(item.findtext("title")),
                                     _date(item.findtext("pubDate"))))
    elif root.tag == f"{_ATOM}feed":
        for entry in root.iter(f"{_ATOM}entry"):
            links = entry.findall(f"{_ATOM}link")
            href = next((x.get("href") for x in links if x.get("rel", "alternate") == "alternate"), None)
            if href:
                out.append(FeedEntry(urllib.parse.urljoin(base_url, href), _text(entry.findtext(f"{_ATOM}title")),
                                     _date(entry.findtext(f"{_ATOM}published") or
                                           entry.findtext(f"{_ATOM}updated"))))
    else:
        raise ValueError(f"not an RSS or Atom feed (root element {root.tag})")
    return out


def _text(s: str | None) -> str | None:
    return " ".join(s.split()) if s and s.strip() else None


def _date(s: str | None) -> str | None:
    if not s:
        return None
    s = s.strip()
    try:
        return parsedate_to_datetime(s).date().isoformat()  # RSS: RFC 822
    except (TypeError, ValueError):
        pass
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).date().isoformat()  # Atom: RFC 3339
    except ValueError:
        return None
