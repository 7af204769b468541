"""`scotrack review`: the review web app (Starlette, server-rendered pages, a little JavaScript).

Security, since every passage is untrusted text:
- pages are rendered by Jinja2 with autoescaping, and the data the page's script needs travels as JSON
  in a `<script type="application/json">` block (`tojson` escapes `<`, `>` and `&`); the script writes
  text with `textContent` only;
- a Content-Security-Policy allows only this page's own script and style (a per-response nonce), so
  even a passage that escaped the escaping could not run a script;
- every state-changing request (POST) must carry the CSRF token of the page (header `X-CSRF-Token`, or
  `csrf` in a form's action URL) equal to the `scotrack_csrf` cookie (SameSite=Strict), and an `Origin`, when sent,
  must be this server;
- bound to anything but 127.0.0.1/localhost, every request needs the access token the command printed
  (once in the URL, then an HttpOnly cookie);
- no request names a file: templates are fixed names inside the package, exports and imports are
  streams, and there is no static-file route.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from pipeline.codebook import DIMENSIONS, MEMBERS, SCO, STANCES, STATE_CODES
from pipeline.config import BUNDLED_MODELS, AggregateConfig, Settings
from pipeline.errors import ScotrackError
from pipeline.review import records as rv
from pipeline.store import Store

CSRF_COOKIE = "scotrack_csrf"
TOKEN_COOKIE = "scotrack_token"
REVIEWER_COOKIE = "scotrack_reviewer"
KEYS = [  # shown on the review screen; the page's script implements exactly these
    ("Enter", "save the answer as shown (accept)"),
    ("j / k", "next / previous tag"),
    ("1 2 3 4 5", "stance: positive, limited, negative, opposed, none"),
    ("d", "next dimension"),
    ("a", "next area"),
    ("o", "next object: the SCO, then each other state the passage names"),
    ("+", "add a state (type its code, Enter)"),
    ("x", "remove the tag"),
    ("i", "irrelevant: no tag (saves)"),
    ("u", "undo your last save"),
    ("n", "skip to the next passage"),
]


@dataclass
class AppConfig:
    url: str
    reviewer: str = ""  # default reviewer name
    overlap: float = 0.0  # share of passages shown to two reviewers
    token: str | None = None  # required when bound beyond this machine
    host: str = "127.0.0.1"
    port: int = 8765
    models_dir: Path = BUNDLED_MODELS  # the model whose tags are reviewed
    aggregate: AggregateConfig = field(default_factory=AggregateConfig)  # for the dashboard's verdicts
    cache: dict = field(default_factory=dict)


def _env() -> Environment:
    env = Environment(loader=PackageLoader("pipeline.review", "templates"), autoescape=select_autoescape(["html"]))
    return env


class Guard(BaseHTTPMiddleware):
    """Access token (off-machine binding), CSRF on POST, security headers on every response."""

    async def dispatch(self, request: Request, call_next):
        cfg: AppConfig = request.app.state.config
        if cfg.token:
            given = request.query_params.get("token")
            if given and hmac.compare_digest(given, cfg.token):
                target = request.url.remove_query_params("token")
                resp = RedirectResponse(str(target.path) + (f"?{target.query}" if target.query else ""), 303)
                resp.set_cookie(TOKEN_COOKIE, cfg.token, httponly=True, samesite="strict")
                return resp
            if not hmac.compare_digest(request.cookies.get(TOKEN_COOKIE, ""), cfg.token):
                return PlainTextResponse("access token required: open the URL `scotrack review` printed", 401)
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            if origin and origin.rstrip("/") not in _own_origins(request):
                return JSONResponse({"error": "cross-site request refused"}, 403)
            cookie = request.cookies.get(CSRF_COOKIE, "")
            # the page's script sends it as a header; an HTML form (import) in its action URL, since reading
            # the form here would consume the body before the endpoint
            sent = request.headers.get("x-csrf-token", "") or request.query_params.get("csrf", "")
            if not cookie or not sent or not hmac.compare_digest(cookie, sent):
                return JSONResponse({"error": "missing or wrong CSRF token: reload the page"}, 403)
        request.state.nonce = secrets.token_urlsafe(16)
        request.state.csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        response = await call_next(request)
        nonce = request.state.nonce
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
            "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if CSRF_COOKIE not in request.cookies:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, samesite="strict", httponly=False)
        return response


def _own_origins(request: Request) -> set[str]:
    host = request.headers.get("host", "")
    return {f"http://{host}", f"https://{host}"}


def _page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    cfg: AppConfig = request.app.state.config
    html = request.app.state.env.get_template(name).render(
        nonce=request.state.nonce, csrf=request.state.csrf, reviewer=_reviewer(request), keys=KEYS,
        overlap=cfg.overlap, **context)
    return HTMLResponse(html, status)


def _reviewer(request: Request) -> str:
    cfg: AppConfig = request.app.state.config
    return request.cookies.get(REVIEWER_COOKIE) or cfg.reviewer


def _store(request: Request) -> Store:
    return request.app.state.store


def _filters(request: Request) -> dict:
    return {k: request.query_params.get(k, "") for k in rv.FILTERS}


def _candidates(request: Request) -> list[rv.Candidate]:
    """The review candidates, computed once per store state (documents, tags, reviews)."""
    store = _store(request)
    # reviews change which candidates a reviewer is shown (`done_for`), not the candidates: a save does not
    # recompute them (seconds on the bundled corpus)
    key = json.dumps({k: v for k, v in store.fingerprint().items() if k != "reviews"}, sort_keys=True, default=str)
    cache = request.app.state.config.cache
    if cache.get("key") != key:
        cache.pop("candidates", None)
        cache["key"], cache["candidates"] = key, rv.candidates(store)
    return cache["candidates"]


def _queue(request: Request) -> tuple[list[rv.Candidate], dict, str, int]:
    filters = _filters(request)
    order = request.query_params.get("order", "uncertain")
    if order not in rv.ORDERS:
        raise rv.ReviewError(f"unknown order {order!r}")
    try:
        seed = int(request.query_params.get("seed", "0") or 0)
        if filters["year"]:
            int(filters["year"])
        for k in ("min_conf", "max_conf"):
            if filters[k]:
                float(filters[k])
    except ValueError:
        raise rv.ReviewError("year, seed and confidence must be numbers") from None
    cfg: AppConfig = request.app.state.config
    skip = rv.done_for(_store(request), _reviewer(request), cfg.overlap)
    skip |= {p for p in request.query_params.get("skip", "").split(",")[:200] if p}  # skipped with `n`
    return rv.select_queue(_candidates(request), filters, order, seed, skip), filters, order, seed


def _segments(text: str, mentions: list[dict]) -> list[tuple[str, str | None]]:
    """The passage split into plain text and mentions (state code), for highlighting."""
    out, at = [], 0
    for m in sorted(mentions, key=lambda m: m["start"]):
        start, end = m["start"], m["end"]
        if start < at or end > len(text) or start >= end:
            continue
        if start > at:
            out.append((text[at:start], None))
        out.append((text[start:end], m["state"]))
        at = end
    if at < len(text):
        out.append((text[at:], None))
    return out


def _view(store: Store, pid: str, reviewer: str, overlap: float, adjudicate: bool = False) -> dict | None:
    p = rv.passage(store, pid)
    if p is None:
        return None
    doc = store.document(p["doc_id"]) or {}
    around = {q["position"]: q["text"] for q in store.passages(doc_id=p["doc_id"])
              if abs(q["position"] - p["position"]) == 1}
    thread = rv.thread_of(pid, reviewer, overlap, adjudicate)
    state = rv.resolve(pid, store.reviews_of(pid))
    head = state.heads.get(thread)
    prediction = [{"object": t.get("object") or SCO,
                   **{k: t[k] for k in ("state", "dimension", "area", "stance", "confidence")}} for t in p["tags"]]
    if head is not None:
        answer = [{"object": SCO, **t, "confidence": None} for t in head["answer"]]
    else:
        answer = [{**t} for t in prediction]
    source = doc.get("source") or ""
    return {
        "passage": p, "doc": doc, "before": around.get(p["position"] - 1), "after": around.get(p["position"] + 1),
        "segments": _segments(p["text"], p["mentions"]), "prediction": prediction,
        "source_link": source if source.startswith(("http://", "https://")) else None,
        "data": {"passage_id": pid, "base_revision": state.revisions.get(thread, 0), "answer": answer,
                 # whom a tag may be about (codebook §3a): the SCO, or a state the passage names or tags
                 "objects": [SCO, *sorted({m["state"] for m in p["mentions"]} | {t["state"] for t in answer})],
                 "irrelevant": bool(head and head["irrelevant"]), "thread": thread,
                 "reviewed_by": head["reviewer"] if head else None,
                 "double_coded": rv.double_coded(pid, overlap)},
        "history": [r for r in store.reviews_of(pid) if r["thread"] == thread or r["thread"] == rv.SHARED],
    }


# -- pages -----------------------------------------------------------------------------------------------

async def review_page(request: Request) -> Response:
    cfg: AppConfig = request.app.state.config
    store = _store(request)
    try:
        queue, filters, order, seed = _queue(request)
    except rv.ReviewError as exc:
        return _page(request, "message.html", 400, title="Bad filter", message=str(exc))
    at = request.query_params.get("at") or request.query_params.get("passage")  # ?passage=ID: the report's links
    pid = at or (queue[0].passage_id if queue else None)
    adjudicate = request.query_params.get("adjudicate") == "1"
    view = _view(store, pid, _reviewer(request), cfg.overlap, adjudicate) if pid else None
    if at and view is None:
        return _page(request, "message.html", 404, title="No such passage", message=f"no passage {at!r}")
    params = {k: v for k, v in {**filters, "order": order, "seed": seed or ""}.items() if v not in ("", None)}
    years = sorted({c.year for c in _candidates(request) if c.year})
    return _page(request, "review.html", view=view, queue_size=len(queue), filters=filters, order=order,
                 seed=seed, orders=rv.ORDERS, states=STATE_CODES,
                 state_names={c: s.name_en for c, s in MEMBERS.items()},
                 dimensions=DIMENSIONS, stances=STANCES, years=years,
                 langs=("zh", "en", "ru"), doc_types=sorted({c.doc_type for c in _candidates(request) if c.doc_type}),
                 query=urlencode(params),
                 options={"states": list(STATE_CODES), "dimensions": {d: list(a) for d, a in DIMENSIONS.items()},
                          "dimension_order": list(DIMENSIONS),
                          "stances": list(STANCES)})


async def dashboard_page(request: Request) -> Response:
    from pipeline.review.dashboard import dashboard_summary

    store = _store(request)
    key = json.dumps(store.fingerprint(), sort_keys=True, default=str)
    cfg: AppConfig = request.app.state.config
    cache = cfg.cache
    if cache.get("dashboard_key") != key:
        cache["dashboard_key"], cache["dashboard"] = key, dashboard_summary(store, cfg.models_dir, cfg.aggregate)
    return _page(request, "dashboard.html", candidates=len(_candidates(request)), **cache["dashboard"])


async def agreement_page(request: Request) -> Response:
    cfg: AppConfig = request.app.state.config
    report = rv.agreement(_store(request), cfg.overlap)
    return _page(request, "agreement.html", report=report)


# -- API ---------------------------------------------------------------------------------------------------

async def _json_body(request: Request) -> dict:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise rv.ReviewError("the request body must be JSON") from None
    if not isinstance(body, dict):
        raise rv.ReviewError("the request body must be a JSON object")
    return body


async def api_save(request: Request) -> Response:
    cfg: AppConfig = request.app.state.config
    try:
        body = await _json_body(request)
        reviewer = str(body.get("reviewer") or _reviewer(request))
        answer = body.get("answer", [])
        if not isinstance(answer, list):
            raise rv.ReviewError("answer must be a list of tags")
        saved = rv.save(_store(request), str(body.get("passage_id", "")), reviewer, answer,
                        irrelevant=bool(body.get("irrelevant")), base_revision=int(body.get("base_revision", 0)),
                        overlap=cfg.overlap, adjudicate=bool(body.get("adjudicate")))
    except rv.ReviewConflict as exc:
        return JSONResponse({"error": str(exc), "conflict": True, "current": _public(exc.current)}, 409)
    except (rv.ReviewError, ValueError, TypeError) as exc:
        return JSONResponse({"error": str(exc).splitlines()[0]}, 400)
    return JSONResponse(saved, 201)


def _public(review: dict | None) -> dict | None:
    if review is None:
        return None
    return {k: review.get(k) for k in ("reviewer", "revision", "answer", "irrelevant", "created_at")}


async def api_undo(request: Request) -> Response:
    try:
        body = await _json_body(request)
        return JSONResponse(rv.undo(_store(request), str(body.get("reviewer") or _reviewer(request))))
    except rv.ReviewError as exc:
        return JSONResponse({"error": str(exc)}, 400)


async def api_reviewer(request: Request) -> Response:
    try:
        body = await _json_body(request)
    except rv.ReviewError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    name = str(body.get("reviewer", "")).strip()
    if not name or len(name) > 80 or any(ch in name for ch in "\r\n\t"):
        return JSONResponse({"error": "a reviewer name is one line of 1 to 80 characters"}, 400)
    resp = JSONResponse({"reviewer": name})
    resp.set_cookie(REVIEWER_COOKIE, name, samesite="strict", httponly=True)
    return resp


async def api_queue(request: Request) -> Response:
    try:
        queue, filters, order, seed = _queue(request)
    except rv.ReviewError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    limit = min(int(request.query_params.get("limit", "100") or 100), 10000)
    return JSONResponse({"total": len(queue), "order": order, "filters": filters,
                         "passages": [{"passage_id": c.passage_id, "confidence": round(c.confidence, 4),
                                       "sensitivity": round(c.sensitivity, 4), "year": c.year, "lang": c.lang,
                                       "states": sorted(c.states)} for c in queue[:limit]]})


async def api_passage(request: Request) -> Response:
    cfg: AppConfig = request.app.state.config
    view = _view(_store(request), request.query_params.get("id", ""), _reviewer(request), cfg.overlap)
    if view is None:
        return JSONResponse({"error": "no such passage"}, 404)
    p = view["passage"]
    return JSONResponse({"passage_id": p["passage_id"], "doc_id": p["doc_id"], "text": p["text"],
                         "lang": p["lang"], "title": view["doc"].get("title"), "date": view["doc"].get("date"),
                         "source": view["doc"].get("source"), "before": view["before"], "after": view["after"],
                         "mentions": p["mentions"], "prediction": view["prediction"], **view["data"],
                         "history": [_history(r) for r in view["history"]]})


def _history(r: dict) -> dict:
    return {k: r[k] for k in ("review_id", "reviewer", "created_at", "revision", "thread", "irrelevant", "answer",
                              "prediction", "undoes", "source")}


async def api_history(request: Request) -> Response:
    return JSONResponse([_history(r) for r in _store(request).reviews_of(request.query_params.get("id", ""))])


async def export_jsonl(request: Request) -> Response:
    return StreamingResponse(_lines(rv.export_gold(_store(request))), media_type="application/x-ndjson",
                             headers={"Content-Disposition": 'attachment; filename="scotrack-reviews.jsonl"'})


async def export_label_studio(request: Request) -> Response:
    return StreamingResponse(_chunked(rv.export_label_studio(_store(request))), media_type="application/json",
                             headers={"Content-Disposition": 'attachment; filename="scotrack-label-studio.json"'})


def _lines(records: Iterator[dict]) -> Iterator[str]:
    return _chunked(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def _chunked(parts: Iterator[str], size: int = 500) -> Iterator[str]:
    """Parts joined `size` at a time: a streamed response hands each chunk to a thread, so one chunk per
    record would cost more than the record."""
    buffer: list[str] = []
    for part in parts:
        buffer.append(part)
        if len(buffer) >= size:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)


async def import_reviews(request: Request) -> Response:
    """POST a JSONL (gold format) or Label Studio JSON file, as the form field `file` or the raw body."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        data = await upload.read() if upload is not None and hasattr(upload, "read") else b""
        fmt = str(form.get("format", "") or "")
    else:
        data = await request.body()
        fmt = request.query_params.get("format", "")
    try:
        report = rv.import_reviews(_store(request), data, fmt or None, default_reviewer=_reviewer(request))
    except rv.ReviewError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    if "text/html" in request.headers.get("accept", ""):
        return _page(request, "message.html", title="Import", message=report.line())
    return JSONResponse(report.as_dict())


async def root(request: Request) -> Response:
    return RedirectResponse("/review", 303)


def create_app(config: AppConfig) -> Starlette:
    routes = [
        Route("/", root),
        Route("/review", review_page),
        Route("/dashboard", dashboard_page),
        Route("/agreement", agreement_page),
        Route("/api/reviews", api_save, methods=["POST"]),
        Route("/api/undo", api_undo, methods=["POST"]),
        Route("/api/reviewer", api_reviewer, methods=["POST"]),
        Route("/api/queue", api_queue),
        Route("/api/passage", api_passage),
        Route("/api/history", api_history),
        Route("/export/reviews.jsonl", export_jsonl),
        Route("/export/label-studio.json", export_label_studio),
        Route("/import", import_reviews, methods=["POST"]),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(Guard)])
    app.state.config = config
    app.state.store = Store(config.url)
    app.state.env = _env()
    return app


def needs_token(host: str) -> bool:
    return host not in ("127.0.0.1", "localhost", "::1")


def serve(settings: Settings, host: str, port: int, reviewer: str, overlap: float,
          say: Callable[[str], None] = print, warn: Callable[[str], None] = print) -> None:
    """`scotrack review`: check the address and the store, say where the app is, and serve it until stopped.
    Bound beyond this machine, every request needs the access token printed here."""
    import socket

    import uvicorn

    token = secrets.token_urlsafe(24) if needs_token(host) else None
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ScotrackError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    Store(settings.url)  # create or check the store before serving (a clear error if it is too new)
    config = AppConfig(url=settings.url, reviewer=reviewer, overlap=overlap, token=token, host=host, port=port,
                       models_dir=settings.models_dir, aggregate=settings.aggregate)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    say(f"scotrack review on http://{shown}:{port}/" + (f"?token={token}" if token else "")
        + f"  (store: {settings.url}; Ctrl-C stops)")
    if token:
        warn("bound beyond this machine: the URL above carries the access token; share it only with reviewers")
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning")
